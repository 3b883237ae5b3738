"""pychamber.testing, the pytest plugin: run as a user's test suite would (pytester, the plugin
found through its pytest11 entry point) and used directly here."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

import pytest

import pychamber
import pychamber.testing
from pychamber.stores.local import key_file_path

pytest_plugins = ["pytester"]

USER_TESTS = textwrap.dedent('''
    import os
    import subprocess
    import sys

    import pytest

    import pychamber

    KEYS = []


    def test_fill_and_load(chamber_store, chamber_env):
        KEYS.append(chamber_store.key)
        chamber_store.write("Web", "DB_Password", "hunter2")  # lower-cased, as `pychamber write`
        chamber_store.put("shared", {"db_password": "shared-pw", "region": "eu-west-1"})
        assert chamber_store.read("web", "db_password") == "hunter2"
        assert os.environ["DB_PASSWORD"] == "outer-value"
        with pytest.warns(pychamber.ChamberWarning, match="service web overwriting"):
            loaded = chamber_env("shared", "web")
        assert loaded == {"DB_PASSWORD": "hunter2", "REGION": "eu-west-1"}
        assert os.environ["DB_PASSWORD"] == "hunter2" and os.environ["REGION"] == "eu-west-1"
        # the library with no arguments and the CLI in a subprocess see the same store
        assert pychamber.env("web") == {"DB_PASSWORD": "hunter2"}
        assert pychamber.open_store().read(pychamber.SecretId("shared", "region")).value == "eu-west-1"
        out = subprocess.run([sys.executable, "-m", "pychamber", "read", "-q", "web", "db_password"],
                             capture_output=True, text=True, timeout=120)
        assert (out.returncode, out.stdout) == (0, "hunter2\\n"), out.stderr


    def test_environment_restored_and_store_fresh(chamber_store):
        assert os.environ["DB_PASSWORD"] == "outer-value"
        assert "REGION" not in os.environ
        assert chamber_store.env("web", "shared") == {}  # a new, empty store for each test
        assert KEYS and chamber_store.key not in KEYS  # with a key of its own


    def test_untouched_without_the_fixtures():
        assert os.environ["CHAMBER_SECRET_BACKEND"] == "ssm"
        assert "PYCHAMBER_LOCAL_KEY" not in os.environ and "PYCHAMBER_LOCAL_PATH" not in os.environ
''')


def test_entry_point_registers_the_plugin():
    found = [ep for ep in entry_points(group="pytest11") if ep.name == "pychamber"]
    assert [ep.value for ep in found] == ["pychamber.testing"]


def test_a_users_suite_runs_with_the_fixtures_and_gets_its_environment_back(pytester, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("CHAMBER_", "PYCHAMBER_")) or name == "REGION":
            monkeypatch.delenv(name)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "ssm")  # a real backend the fixtures must hide
    monkeypatch.setenv("DB_PASSWORD", "outer-value")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    pytester.makepyfile(test_user=USER_TESTS)
    before = environ()
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error::pychamber.ChamberWarning")
    result.assert_outcomes(passed=3)
    assert environ() == before


def environ() -> dict[str, str]:
    """os.environ without the variable pytest itself sets for the running test (the inner run
    sets and removes it too)."""
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


def test_the_store_is_under_tmp_path_with_its_own_key(chamber_store, tmp_path):
    assert chamber_store.path.parent.parent == tmp_path
    assert os.environ["CHAMBER_SECRET_BACKEND"] == "local"
    assert os.environ["PYCHAMBER_LOCAL_PATH"] == str(chamber_store.path)
    assert os.environ["PYCHAMBER_LOCAL_KEY"] == chamber_store.key
    assert chamber_store.environ == {
        "CHAMBER_SECRET_BACKEND": "local",
        "PYCHAMBER_LOCAL_PATH": str(chamber_store.path),
        "PYCHAMBER_LOCAL_KEY": chamber_store.key,
    }
    chamber_store.write("web", "api_key", "k1")
    assert chamber_store.path.is_file()
    assert not os.path.exists(key_file_path(str(chamber_store.path)))  # the key is the env's
    # the underlying store: versions, as the CLI sees them
    chamber_store.write("web", "api_key", "k2")
    assert chamber_store.store.read(pychamber.SecretId("web", "api_key"), 1).value == "k1"
    assert chamber_store.read("web", "api_key") == "k2"


def test_write_checks_names_as_the_cli_does(chamber_store):
    with pytest.raises(pychamber.ChamberError, match="^Failed to validate key: "):
        chamber_store.write("web", "bad key!", "x")
    with pytest.raises(pychamber.ChamberError, match="^Failed to validate service: "):
        chamber_store.write("web service", "key", "x")
    with pytest.raises(pychamber.SecretNotFound):
        chamber_store.read("web", "key")


def test_chamber_env_sets_the_variables_for_this_test(chamber_store, chamber_env, monkeypatch):
    monkeypatch.setenv("PORT", "1")
    assert chamber_env("web") == {}
    assert os.environ["PORT"] == "1"
    chamber_store.put("web", {"port": "8080", "db-host": "db.internal"})
    assert chamber_env("web") == {"PORT": "8080", "DB_HOST": "db.internal"}
    assert (os.environ["PORT"], os.environ["DB_HOST"]) == ("8080", "db.internal")


def test_import_is_cheap_and_defines_no_hooks():
    probe = ("import sys, pychamber.testing as t\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'botocore', 'boto3', "
             "'pydantic', 'pydantic_settings', 'keyring', 'cryptography', 'sqlite3'}))\n"
             "print(sorted(m for m in sys.modules if m.startswith(('pychamber.api', 'pychamber.stores'))))\n"
             "print(sorted(n for n in dir(t) if n.startswith('pytest_')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["[]", "[]", "[]"]


# the example of the module's docstring (and the README), verbatim
def test_app_reads_its_password(chamber_store, chamber_env):
    chamber_store.put("web", {"db_password": "hunter2", "port": "8080"})
    assert chamber_env("web") == {"DB_PASSWORD": "hunter2", "PORT": "8080"}
    assert os.environ["DB_PASSWORD"] == "hunter2"   # restored after the test
