"""The library face (``import pychamber``): env() is exactly what ``exec`` adds, load_env() is
python-dotenv's load_dotenv, open_store() is the CLI's store with keyword options, and every
failure is one ChamberError line without a value. SSM runs against the moto server."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import pychamber
from pychamber import ChamberError, ChamberWarning, SecretId

SRC = Path(__file__).resolve().parents[1] / "src"
KEY = base64.b64encode(bytes(range(32))).decode()

SECRETS = {
    "web": {"db_password": 'pw "quoted" $x', "api-key": "k1", "shared.thing": "from-web",
            "MiXed": "m"},
    "shared": {"shared.thing": "from-shared", "region": "eu\nwest"},
}


@pytest.fixture(params=["ssm", "local"])
def backend(request, aws_process_env, monkeypatch, tmp_path):
    """os.environ set up for one backend (the moto server for SSM, a fresh database for local)."""
    if request.param == "local":
        monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "local")
        monkeypatch.setenv("PYCHAMBER_LOCAL_PATH", str(tmp_path / "secrets.db"))
        monkeypatch.setenv("PYCHAMBER_LOCAL_KEY", KEY)
    else:
        monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "ssm")
    return request.param


def seed(store) -> None:
    for service, pairs in SECRETS.items():
        for key, value in pairs.items():
            store.write(SecretId(service, key.lower()), value)


def child_environ(*services: str) -> dict[str, str]:
    """The environment ``pychamber exec SERVICES -- cat /proc/self/environ`` gives the program."""
    out = subprocess.run([sys.executable, "-m", "pychamber", "exec", *services, "--", "cat",
                          "/proc/self/environ"], capture_output=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(SRC)})
    assert out.returncode == 0, out.stderr
    env = {}
    for entry in out.stdout.split(b"\0"):
        if entry:
            k, _, v = entry.partition(b"=")
            env[os.fsdecode(k)] = os.fsdecode(v)
    return env


def test_env_is_exactly_what_exec_adds(backend):
    seed(pychamber.open_store())
    parent = {**os.environ, "PYTHONPATH": str(SRC)}
    child = child_environ("web", "shared")
    added = {k: v for k, v in child.items() if parent.get(k) != v}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = pychamber.env("web", "shared")
    assert got == added
    assert got == {"DB_PASSWORD": 'pw "quoted" $x', "API_KEY": "k1", "SHARED.THING": "from-shared",
                   "MIXED": "m", "REGION": "eu\nwest"}
    assert [str(w.message) for w in caught if issubclass(w.category, ChamberWarning)] == [
        "warning: service shared overwriting environment variable SHARED.THING"]


def test_env_services_are_normalised_and_order_decides(backend):
    seed(pychamber.open_store())
    with pytest.warns(ChamberWarning, match="service Web overwriting environment variable SHARED.THING"):
        assert pychamber.env("SHARED", "Web")["SHARED.THING"] == "from-web"
    assert pychamber.env("nothing-here") == {}


def test_load_env_keeps_what_is_set_unless_override(backend, monkeypatch):
    seed(pychamber.open_store())
    monkeypatch.setenv("API_KEY", "mine")
    for name in ("DB_PASSWORD", "SHARED.THING", "MIXED", "REGION"):
        # set first, so that monkeypatch removes what load_env sets (a later test's exec would
        # otherwise inherit DB_PASSWORD and warn about overwriting it)
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    done = pychamber.load_env("web")
    assert "API_KEY" not in done and os.environ["API_KEY"] == "mine"
    assert done["DB_PASSWORD"] == os.environ["DB_PASSWORD"] == 'pw "quoted" $x'
    done = pychamber.load_env("web", override=True)
    assert os.environ["API_KEY"] == "k1" and done["API_KEY"] == "k1"


def test_open_store_has_every_operation_the_cli_has(backend):
    store = pychamber.open_store()
    sid = SecretId("app", "token")
    store.write(sid, "v1")
    store.write(sid, "v2")
    assert store.read(sid).value == "v2"
    assert store.read(sid, 1).value == "v1"
    assert [e.version for e in store.history(sid)] == [1, 2]
    assert [s.meta.key for s in store.list("app", True)] == ["/app/token"]
    assert "app" in store.list_services("")
    store.write_tags(sid, {"team": "a"})
    assert store.read_tags(sid) == {"team": "a"}
    store.delete_tags(sid, ["team"])
    assert store.read_tags(sid) == {}
    store.delete(sid)
    with pytest.raises(pychamber.SecretNotFound):
        store.read(sid)


def test_open_store_options_override_the_variables(aws_process_env, monkeypatch, tmp_path, aws_client):
    monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "null")
    local = pychamber.open_store("local", local_path=tmp_path / "x.db")
    monkeypatch.setenv("PYCHAMBER_LOCAL_KEY", KEY)
    local.write(SecretId("s", "k"), "v")
    assert (tmp_path / "x.db").exists()
    # the region option wins over AWS_DEFAULT_REGION: the secret lands in eu-west-1
    pychamber.open_store("ssm", region="eu-west-1").write(SecretId("s", "k"), "v")
    assert aws_client("ssm").describe_parameters()["Parameters"] == []
    with pytest.raises(TypeError, match="unknown option 'regoin'"):
        pychamber.open_store("ssm", regoin="x")


def test_errors_are_the_cli_line_without_values(backend, monkeypatch):
    with pytest.raises(ChamberError) as e:
        pychamber.env("bad!name")
    assert str(e.value).startswith("Failed to validate service: Failed to validate service name 'bad!name'")
    with pytest.raises(ChamberError) as e:
        pychamber.env("web", backend="nope")
    assert str(e.value) == "Failed to get secret store: invalid backend `NOPE`"
    with pytest.raises(ChamberError):
        pychamber.env()


def test_ssm_failure_is_one_line(aws_process_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(ChamberError) as e:
        pychamber.env("web", backend="ssm", retries=1)
    assert str(e.value).startswith("Failed to list store contents: operation error SSM: GetParametersByPath")
    assert "\n" not in str(e.value)


def test_reserved_service_warns(backend):
    with pytest.warns(ChamberWarning, match="reserved"):
        pychamber.env("_chamber")


def test_import_and_open_store_import_no_botocore():
    code = ("import sys, pychamber; s = pychamber.open_store('ssm', region='us-east-1'); "
            "s2 = pychamber.open_store('null'); print(sorted(m for m in sys.modules if 'botocore' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_public_names_are_typed_and_documented():
    assert (SRC / "pychamber" / "py.typed").exists()
    for name in pychamber.__all__:
        obj = getattr(pychamber, name)
        if callable(obj):
            assert obj.__doc__, name


@pytest.mark.parametrize("sid, message", [
    (SecretId("bad service", "k"), "Failed to validate service: Failed to validate service name 'bad service'"),
    (SecretId("/web", "k"), "Failed to validate service: Failed to validate service name '/web'"),
    (SecretId("web", "bad key!"), "Failed to validate key: Failed to validate key name 'bad key!'"),
    (SecretId("web", ""), "Failed to validate key: Failed to validate key name ''"),
])
def test_open_store_write_refuses_what_the_cli_refuses_before_any_call(backend, aws_client, sid, message):
    store = pychamber.open_store()
    for write in (lambda: store.write(sid, "hunter2"), lambda: store.write_with_tags(sid, "hunter2", {"t": "1"})):
        with pytest.raises(ChamberError) as e:
            write()
        assert str(e.value).startswith(message) and "hunter2" not in str(e.value)
    assert store.list_services("") == []
    if backend == "ssm":
        assert aws_client("ssm").describe_parameters()["Parameters"] == []


def test_the_cli_refuses_the_same_names_with_the_same_line(run_cli):
    r = run_cli("write", "bad service", "k", "v")
    assert r.stderr.startswith("Error: Failed to validate service: Failed to validate service name 'bad service'")
    r = run_cli("write", "web", "bad key!", "v")
    assert r.stderr.startswith("Error: Failed to validate key: Failed to validate key name 'bad key!'")


@pytest.mark.parametrize("service, key, line", [
    ("web", "has space", "Failed to validate key: Failed to validate key name 'has space'."),
    ("web", "a/b", "Failed to validate key: Failed to validate key name 'a/b'."),
    ("web!", "k", "Failed to validate service: Failed to validate service name 'web!'."),
    ("/web", "k", "Failed to validate service: Failed to validate service name '/web'."),
    ("Web", "k", "Failed to validate service: service name 'Web' has capitals"),
])
def test_open_store_write_refuses_what_the_cli_refuses(backend, service, key, line):
    """One validation for the library and the CLI: a name the CLI could not read or delete
    is never stored, and the library's line is the CLI's."""
    store = pychamber.open_store()
    with pytest.raises(ChamberError) as e:
        store.write(SecretId(service, key), "v")
    assert str(e.value).startswith(line)
    assert store.list_services("") == []  # nothing was written
    cli = subprocess.run([sys.executable, "-m", "pychamber", "write", service, key, "v"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(SRC)})
    if service != "Web":  # the CLI lower-cases services: "Web" is "web" there
        assert cli.returncode == 1 and cli.stderr.startswith("Error: " + line), cli.stderr


def test_a_key_with_capitals_is_stored_as_given_and_the_cli_deletes_it(backend):
    store = pychamber.open_store()
    store.write(SecretId("web", "MiXed"), "v")
    assert [s.meta.key.rsplit("/", 1)[-1] for s in store.list("web")] == ["MiXed"]
    cli = subprocess.run([sys.executable, "-m", "pychamber", "delete", "--exact-key", "web", "MiXed"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(SRC)})
    assert cli.returncode == 0, cli.stderr
    assert store.list("web") == []


def test_list_services_takes_a_prefix(backend):
    store = pychamber.open_store()
    seed(store)
    assert sorted(store.list_services("")) == ["shared", "web"]
    assert store.list_services("we") == ["web"]
    assert sorted(store.list_services("", include_secret_name=True)) == sorted(
        f"/{s}/{k.lower()}" for s, pairs in SECRETS.items() for k in pairs)
