"""The local (encrypted SQLite) store: ``-b local`` (issue 5)."""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.core

from pychamber.errors import ChamberError, SecretNotFound
from pychamber.model import SecretId, StoreConfig
from pychamber.settings import Settings
from pychamber.stores import get_store
from pychamber.stores.local import LocalStore

SRC = str(Path(__file__).resolve().parents[2] / "src")
KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(1, 33))).decode()
FAIL_BACKEND = "keyring.backends.fail.Keyring"


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        self.entries.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Nothing may reach the real home directory or the real keyring."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.backends.fail.Keyring())


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "HOME": str(tmp_path / "home"),
        "PYCHAMBER_LOCAL_PATH": str(tmp_path / "data" / "secrets.db"),
        "PYCHAMBER_LOCAL_KEY": KEY,
        "USER": "alice",
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def make(tmp_path: Path, report=None, **extra: str) -> LocalStore:
    """A store on ``tmp_path``; ``report`` receives what it tells the user (settings.report)."""
    return LocalStore.from_settings(Settings(environ=env_for(tmp_path, **extra), report=report))


class Notices(list):
    """What stores told the user through ``settings.report``, read like capsys: ``readouterr``
    returns everything since the last read."""

    def readouterr(self) -> str:
        text = "".join(self)
        self.clear()
        return text


@pytest.fixture
def notices() -> Notices:
    return Notices()


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "secrets.db"


def sid(service: str, key: str) -> SecretId:
    return SecretId(service, key)


def all_files_bytes(directory: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": SRC,
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "USER": "alice",
        "PYCHAMBER_LOCAL_PATH": str(db_path(tmp_path)),
    }
    env.update(extra)
    return env


def run_py(code: str, env: dict[str, str], check: bool = True, args: list[str] = ()) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], env=env, capture_output=True, text=True,
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


CHILD_PRELUDE = """
import sys
from pychamber.model import SecretId
from pychamber.settings import Settings
from pychamber.stores.local import LocalStore
store = LocalStore.from_settings(Settings(report=sys.stderr.write))
"""


# --- secrets --------------------------------------------------------------------------------
def test_factory_selects_local_store(tmp_path):
    store = get_store(Settings(backend_flag="local", environ=env_for(tmp_path)))
    assert isinstance(store, LocalStore)
    assert store.path == str(db_path(tmp_path))


def test_default_path_follows_xdg_then_home(tmp_path):
    s = LocalStore.from_settings(Settings(environ={"XDG_DATA_HOME": str(tmp_path / "x")}))
    assert s.path == str(tmp_path / "x" / "pychamber" / "secrets.db")
    assert s.key_path == str(tmp_path / "x" / "pychamber" / "secrets.key")
    s = LocalStore.from_settings(Settings(environ={"HOME": str(tmp_path / "h")}))
    assert s.path == str(tmp_path / "h" / ".local" / "share" / "pychamber" / "secrets.db")


def test_write_read_versions(tmp_path):
    store = make(tmp_path)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    for v in ("one", "two", "three"):
        store.write(sid("svc", "db-pass"), v)
    latest = store.read(sid("svc", "db-pass"))
    assert latest.value == "three"
    assert latest.meta.version == 3
    assert latest.meta.key == "/svc/db-pass"
    assert latest.meta.created_by == "alice"
    assert latest.meta.created.tzinfo is not None
    assert before <= latest.meta.created <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert store.read(sid("svc", "db-pass"), 1).value == "one"
    assert store.read(sid("svc", "db-pass"), 2).value == "two"
    assert store.read(sid("svc", "db-pass"), 2).meta.version == 2
    with pytest.raises(SecretNotFound, match="^secret not found$"):
        store.read(sid("svc", "db-pass"), 4)
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "db-pass"), 0)
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "nope"))
    with pytest.raises(SecretNotFound):
        store.read(sid("other", "db-pass"))


def test_values_round_trip_exactly(tmp_path):
    store = make(tmp_path)
    values = ["", " spaced ", "multi\nline\n", "unicode: é ß 日本 🔑", "\udcff lone surrogate", "x" * 8192]
    for i, v in enumerate(values):
        store.write(sid("svc", f"k{i}"), v)
    again = make(tmp_path)
    assert [again.read(sid("svc", f"k{i}")).value for i in range(len(values))] == values


def test_history_oldest_first(tmp_path):
    store = make(tmp_path)
    store.write(sid("svc", "k"), "a")
    store.write(sid("svc", "k"), "b")
    store.write(sid("svc", "k"), "c")
    events = store.history(sid("svc", "k"))
    assert [(e.type, e.version, e.user) for e in events] == [
        ("Created", 1, "alice"),
        ("Updated", 2, "alice"),
        ("Updated", 3, "alice"),
    ]
    assert all(e.time.tzinfo is not None for e in events)
    assert events[0].time <= events[1].time <= events[2].time
    with pytest.raises(SecretNotFound):
        store.history(sid("svc", "missing"))


def test_created_by_is_the_os_user(tmp_path):
    store = make(tmp_path, USER=None, LOGNAME="bob")
    store.write(sid("svc", "k"), "v")
    assert store.read(sid("svc", "k")).meta.created_by == "bob"


def test_delete_removes_every_version_and_restarts_at_one(tmp_path):
    store = make(tmp_path)
    store.write_with_tags(sid("svc", "k"), "a", {"team": "x"})
    store.write(sid("svc", "k"), "b")
    store.delete(sid("svc", "k"))
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "k"))
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "k"), 1)
    with pytest.raises(SecretNotFound):
        store.history(sid("svc", "k"))
    with pytest.raises(SecretNotFound):
        store.delete(sid("svc", "k"))
    assert store.list("svc") == []
    store.write(sid("svc", "k"), "again")
    s = store.read(sid("svc", "k"))
    assert (s.value, s.meta.version) == ("again", 1)
    assert [e.type for e in store.history(sid("svc", "k"))] == ["Created"]
    assert store.read_tags(sid("svc", "k")) == {}


def populate(store: LocalStore) -> None:
    store.write(sid("svc", "b"), "B1")
    store.write(sid("svc", "b"), "B2")
    store.write(sid("svc", "a"), "A1")
    store.write(sid("svc", "Z_upper"), "Z1")
    store.write(sid("svc/nested", "c"), "C1")
    store.write(sid("svcx", "d"), "D1")
    store.write(sid("other", "e"), "E1")


def test_list_direct_children_sorted(tmp_path):
    store = make(tmp_path)
    populate(store)
    listed = store.list("svc")
    assert [s.meta.key for s in listed] == ["/svc/Z_upper", "/svc/a", "/svc/b"]
    assert all(s.value is None for s in listed)
    assert [s.meta.version for s in listed] == [1, 1, 2]
    assert all(s.meta.created_by == "alice" for s in listed)
    with_values = store.list("svc", include_values=True)
    assert [s.value for s in with_values] == ["Z1", "A1", "B2"]
    assert [s.meta.key for s in store.list("svc/nested")] == ["/svc/nested/c"]
    assert store.list("nothing") == []
    assert [s.meta.key for s in store.list("svc:label")] == ["/svc/Z_upper", "/svc/a", "/svc/b"]


def test_list_raw_latest_values(tmp_path):
    store = make(tmp_path)
    populate(store)
    raw = store.list_raw("svc")
    assert [(r.key, r.value) for r in raw] == [("/svc/Z_upper", "Z1"), ("/svc/a", "A1"), ("/svc/b", "B2")]
    assert store.list_raw("nothing") == []


def test_list_services(tmp_path):
    store = make(tmp_path)
    populate(store)
    assert store.list_services("") == ["other", "svc", "svc/nested", "svcx"]
    assert store.list_services("svc") == ["svc", "svc/nested", "svcx"]
    assert store.list_services("svc/") == ["svc", "svc/nested"]
    assert store.list_services("zzz") == []
    assert store.list_services("svc", include_secret_name=True) == [
        "/svc/Z_upper",
        "/svc/a",
        "/svc/b",
        "/svc/nested/c",
        "/svcx/d",
    ]


def test_reads_of_a_missing_database_create_nothing(tmp_path):
    store = make(tmp_path)
    assert store.list("svc") == []
    assert store.list_raw("svc") == []
    assert store.list_services("") == []
    assert store.config() == StoreConfig()
    for call in (
        lambda: store.read(sid("svc", "k")),
        lambda: store.history(sid("svc", "k")),
        lambda: store.delete(sid("svc", "k")),
        lambda: store.read_tags(sid("svc", "k")),
        lambda: store.write_tags(sid("svc", "k"), {"a": "b"}),
        lambda: store.delete_tags(sid("svc", "k"), ["a"]),
    ):
        with pytest.raises(SecretNotFound):
            call()
    assert not (tmp_path / "data").exists()


# --- tags and store config ------------------------------------------------------------------
def test_tags(tmp_path):
    store = make(tmp_path)
    store.write_with_tags(sid("svc", "k"), "v", {"team": "core", "env": "prod"})
    assert store.read_tags(sid("svc", "k")) == {"team": "core", "env": "prod"}
    with pytest.raises(ChamberError, match="^tags on write only supported for new secrets$"):
        store.write_with_tags(sid("svc", "k"), "v2", {"a": "b"})
    assert store.read(sid("svc", "k")).meta.version == 1  # the refused write wrote nothing
    store.write_with_tags(sid("svc", "k"), "v2", {})  # no tags: a plain write
    assert store.read(sid("svc", "k")).meta.version == 2
    store.write_tags(sid("svc", "k"), {"team": "infra", "new": "1"})
    assert store.read_tags(sid("svc", "k")) == {"team": "infra", "env": "prod", "new": "1"}
    store.write_tags(sid("svc", "k"), {"only": "this"}, delete_other_tags=True)
    assert store.read_tags(sid("svc", "k")) == {"only": "this"}
    store.delete_tags(sid("svc", "k"), ["only", "absent"])
    assert store.read_tags(sid("svc", "k")) == {}
    store.write(sid("svc", "plain"), "v")
    assert store.read_tags(sid("svc", "plain")) == {}
    with pytest.raises(SecretNotFound):
        store.read_tags(sid("svc", "missing"))
    with pytest.raises(SecretNotFound):
        store.write_tags(sid("svc", "missing"), {"a": "b"})
    with pytest.raises(SecretNotFound):
        store.delete_tags(sid("svc", "missing"), ["a"])


def test_store_config_default_set_and_stored_like_chamber(tmp_path):
    store = make(tmp_path)
    assert store.config() == StoreConfig(version="1", required_tags=[])
    store.set_config(StoreConfig(version="1", required_tags=["team", "owner"]))
    assert store.config() == StoreConfig(version="1", required_tags=["team", "owner"])
    raw = store.read(sid("_chamber", "store-config"))
    assert raw.value == '{"version":"1","requiredTags":["team","owner"]}'
    store.set_config(StoreConfig(version="1", required_tags=[]))
    assert store.read(sid("_chamber", "store-config")).value == '{"version":"1"}'
    assert make(tmp_path).config() == StoreConfig()


def test_invalid_store_config(tmp_path):
    store = make(tmp_path)
    store.write(sid("_chamber", "store-config"), "{not json")
    with pytest.raises(ChamberError, match="^failed to unmarshal store config: "):
        store.config()
    with pytest.raises(ChamberError, match="^failed to unmarshal store config: "):
        store.write(sid("svc", "new"), "v")
    store.write(sid("_chamber", "store-config"), '{"version":"1","requiredTags":"team"}')
    with pytest.raises(ChamberError, match="^failed to unmarshal store config: "):
        store.config()


def test_required_tags(tmp_path):
    store = make(tmp_path)
    store.write(sid("svc", "old"), "v")  # written before the config existed
    store.set_config(StoreConfig(required_tags=["team", "owner"]))
    with pytest.raises(ChamberError, match=r"^required tags \[team owner\] are missing$"):
        store.write(sid("svc", "new"), "v")
    with pytest.raises(ChamberError, match=r"^required tags \[owner\] are missing$"):
        store.write_with_tags(sid("svc", "new"), "v", {"team": "core"})
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "new"))
    store.write_with_tags(sid("svc", "new"), "v", {"team": "core", "owner": "ann", "x": "y"})
    store.write(sid("svc", "new"), "v2")  # updates need no tags
    store.write(sid("svc", "old"), "v2")
    assert store.read(sid("svc", "new")).meta.version == 2

    with pytest.raises(ChamberError, match=r"^required tags \[team\] may not be deleted$"):
        store.delete_tags(sid("svc", "new"), ["x", "team"])
    with pytest.raises(ChamberError, match=r"^required tags \[team owner\] may not be deleted$"):
        store.delete_tags(sid("svc", "new"), ["owner", "team"])
    assert store.read_tags(sid("svc", "new")) == {"team": "core", "owner": "ann", "x": "y"}
    store.delete_tags(sid("svc", "new"), ["x"])

    with pytest.raises(
        ChamberError, match=r"^required tags \[team\] are already present, so they must be rewritten$"
    ):
        store.write_tags(sid("svc", "new"), {"owner": "bo"}, delete_other_tags=True)
    assert store.read_tags(sid("svc", "new")) == {"team": "core", "owner": "ann"}
    store.write_tags(sid("svc", "new"), {"owner": "bo", "team": "t2"}, delete_other_tags=True)
    store.write_tags(sid("svc", "new"), {"owner": "cy"})  # without delete-other-tags: no check
    assert store.read_tags(sid("svc", "new")) == {"team": "t2", "owner": "cy"}
    # a required tag that was never set may be left out with --delete-other-tags
    store.write_tags(sid("svc", "old"), {"a": "b"}, delete_other_tags=True)
    assert store.read_tags(sid("svc", "old")) == {"a": "b"}


# --- the data key ---------------------------------------------------------------------------
def test_key_from_env_and_wrong_key(tmp_path):
    store = make(tmp_path)
    store.write(sid("svc", "k"), "s3cr3t-value")
    assert not Path(store.key_path).exists()  # the env key is never written anywhere
    store.close()
    before = all_files_bytes(tmp_path / "data")

    wrong = make(tmp_path, PYCHAMBER_LOCAL_KEY=OTHER_KEY)
    assert [s.meta.key for s in wrong.list("svc")] == ["/svc/k"]  # listing needs no key
    for call in (
        lambda: wrong.read(sid("svc", "k")),
        lambda: wrong.list_raw("svc"),
        lambda: wrong.write(sid("svc", "k"), "new"),
        lambda: wrong.write(sid("svc", "k2"), "new"),
    ):
        with pytest.raises(ChamberError) as err:
            call()
        assert not isinstance(err.value, SecretNotFound)
        msg = str(err.value)
        assert "wrong data key" in msg and str(db_path(tmp_path)) in msg
        assert "\n" not in msg and "s3cr3t" not in msg and OTHER_KEY not in msg
    wrong.close()
    after = all_files_bytes(tmp_path / "data")
    assert {p: b for p, b in after.items() if p.name == "secrets.db"} == {
        p: b for p, b in before.items() if p.name == "secrets.db"
    }
    assert make(tmp_path).read(sid("svc", "k")).value == "s3cr3t-value"


def test_invalid_env_key(tmp_path):
    for bad in ("not base64!!", base64.b64encode(b"short").decode()):
        store = make(tmp_path, PYCHAMBER_LOCAL_KEY=bad)
        with pytest.raises(ChamberError, match="PYCHAMBER_LOCAL_KEY is not a valid data key") as err:
            store.write(sid("svc", "k"), "v")
        assert bad not in str(err.value)


def test_missing_key(tmp_path):
    make(tmp_path).write(sid("svc", "k"), "v")
    store = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    for call in (lambda: store.read(sid("svc", "k")), lambda: store.write(sid("svc", "k2"), "v")):
        with pytest.raises(ChamberError, match="^no data key for local secrets database ") as err:
            call()
        assert str(db_path(tmp_path)) in str(err.value)
    assert not Path(store.key_path).exists()  # no new key replaces the lost one


def test_no_keyring_uses_key_file(tmp_path, notices):
    store = make(tmp_path, notices.append, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    store.write(sid("svc", "k"), "v")
    store.write(sid("svc", "k2"), "v")
    key_file = tmp_path / "data" / "secrets.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text().strip())) == 32
    err = notices.readouterr()
    assert err.count("pychamber: created a new data key") == 1
    assert f"key file {key_file}" in err
    again = make(tmp_path, notices.append, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    assert again.read(sid("svc", "k")).value == "v"
    again.write(sid("svc", "k"), "v2")
    assert notices.readouterr() == ""
    # the key file's key also works as PYCHAMBER_LOCAL_KEY
    assert make(tmp_path, PYCHAMBER_LOCAL_KEY=key_file.read_text().strip()).read(sid("svc", "k")).value == "v2"


def test_broken_keyring_backend_falls_back_to_key_file(tmp_path, notices):
    store = make(tmp_path, notices.append, PYCHAMBER_LOCAL_KEY=None,
                 PYTHON_KEYRING_BACKEND="no_such_module.Keyring")
    store.write(sid("svc", "k"), "v")
    assert (tmp_path / "data" / "secrets.key").exists()
    assert "key file" in notices.readouterr()


def test_keyring_in_process(tmp_path, monkeypatch, notices):
    backend = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    store = make(tmp_path, notices.append, PYCHAMBER_LOCAL_KEY=None)
    store.write(sid("svc", "k"), "v")
    path = str(db_path(tmp_path))
    assert list(backend.entries) == [("pychamber", path)]
    assert len(base64.b64decode(backend.entries[("pychamber", path)])) == 32
    assert not (tmp_path / "data" / "secrets.key").exists()
    err = notices.readouterr()
    assert err.count("\n") == 1
    assert 'created a new data key in the OS keyring (stores.test_local.MemoryKeyring), service "pychamber"' in err
    assert make(tmp_path, notices.append, PYCHAMBER_LOCAL_KEY=None).read(sid("svc", "k")).value == "v"
    assert notices.readouterr() == ""
    # the keyring entry changed behind our back: a clear error
    backend.entries[("pychamber", path)] = OTHER_KEY
    with pytest.raises(ChamberError, match="wrong data key .* OS keyring"):
        make(tmp_path, PYCHAMBER_LOCAL_KEY=None).read(sid("svc", "k"))


def test_key_notice_goes_through_settings_report_never_stderr(tmp_path, capfd):
    lines: list[str] = []
    store = make(tmp_path, lines.append, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    store.write(sid("svc", "k"), "s3cret-value")
    key_file = tmp_path / "data" / "secrets.key"
    assert lines == [f"pychamber: created a new data key in key file {key_file} "
                     "(no OS keyring available; keep this file safe)\n"]
    assert capfd.readouterr() == ("", "")


def test_key_notice_without_report_goes_to_the_logger(tmp_path, capfd, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="pychamber")
    store = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    store.write(sid("svc", "k"), "s3cret-value")
    assert [(r.name, r.levelno) for r in caplog.records] == [("pychamber", logging.INFO)]
    assert "created a new data key in key file" in caplog.records[0].getMessage()
    assert "s3cret" not in caplog.text
    assert capfd.readouterr() == ("", "")
    # a store built without settings tells the logger too
    caplog.clear()
    bare = LocalStore(str(tmp_path / "other" / "secrets.db"),
                      {"PYTHON_KEYRING_BACKEND": FAIL_BACKEND, "USER": "bob"})
    bare.write(sid("svc", "k"), "v")
    assert len(caplog.records) == 1 and "created a new data key" in caplog.records[0].getMessage()
    assert capfd.readouterr() == ("", "")


def test_null_keyring_falls_back_to_key_file(tmp_path, monkeypatch):
    import keyring.backends.null

    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.backends.null.Keyring())
    store = make(tmp_path, PYCHAMBER_LOCAL_KEY=None)
    store.write(sid("svc", "k"), "v")
    assert (tmp_path / "data" / "secrets.key").exists()
    assert make(tmp_path, PYCHAMBER_LOCAL_KEY=None).read(sid("svc", "k")).value == "v"


def test_plaintext_keyring_via_environment(tmp_path):
    env = child_env(tmp_path, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    first = run_py(CHILD_PRELUDE + "store.write(SecretId('svc', 'k'), 'v1')\n", env)
    cfg = tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg"
    # named for what it is: a plaintext file, never "the OS keyring"
    assert first.stderr.count(f"created a new data key in the plaintext keyring file {cfg} "
                              "(keyrings.alt.file.PlaintextKeyring, chosen by PYTHON_KEYRING_BACKEND)") == 1
    assert "OS keyring" not in first.stderr
    assert not (tmp_path / "data" / "secrets.key").exists()
    assert cfg.exists() and "pychamber" in cfg.read_text()
    second = run_py(CHILD_PRELUDE + "print(store.read(SecretId('svc', 'k')).value)\n", env)
    assert second.stdout == "v1\n" and second.stderr == ""
    # without the keyring the database cannot be read, and says why
    env_fail = child_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    third = run_py(CHILD_PRELUDE + "store.read(SecretId('svc', 'k'))\n", env_fail, check=False)
    assert third.returncode != 0 and "no data key for local secrets database" in third.stderr


def test_listing_imports_neither_cryptography_nor_keyring(tmp_path):
    make(tmp_path).write(sid("svc", "k"), "v")
    env = child_env(tmp_path, PYCHAMBER_LOCAL_KEY=KEY)
    code = CHILD_PRELUDE + textwrap.dedent(
        """
        assert [s.meta.key for s in store.list('svc')] == ['/svc/k']
        assert store.list_services('') == ['svc']
        assert len(store.history(SecretId('svc', 'k'))) == 1
        print(sorted(m for m in ('cryptography', 'keyring') if m in sys.modules))
        """
    )
    assert run_py(code, env).stdout == "[]\n"


# --- files on disk --------------------------------------------------------------------------
def test_file_modes(tmp_path):
    store = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    store.write(sid("svc", "k"), "v")
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = list(data.iterdir())
    # the database and the key file; a rollback journal, no -wal / -shm beside it even while open
    assert {p.name for p in files} == {"secrets.db", "secrets.key"}
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_no_value_in_clear_on_disk(tmp_path):
    store = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    values = [f"PLAINTEXT-MARKER-{i}-xyzzy" for i in range(5)]
    for i, v in enumerate(values):
        store.write(sid("svc", f"k{i}"), v)
        store.write(sid("svc", f"k{i}"), v + "-second")
    store.set_config(StoreConfig(required_tags=[]))

    def check() -> None:
        blobs = all_files_bytes(tmp_path / "data")
        assert blobs, "no files?"
        for p, b in blobs.items():
            for needle in (b"PLAINTEXT-MARKER", b"xyzzy", "PLAINTEXT-MARKER".encode("utf-16-le")):
                assert needle not in b, f"value in clear in {p.name}"
        # names stay in clear: listing needs no key
        assert any(b"k0" in b for b in blobs.values())

    check()  # while the connection is open
    store.close()
    check()


def test_aad_binds_service_key_and_version(tmp_path):
    from pychamber.stores.local.keys import Cipher

    cipher = Cipher(bytes(range(32)), "db")
    nonce, ct = cipher.seal("svc", "a", 1, "alpha-secret")
    assert cipher.open("svc", "a", 1, nonce, ct) == "alpha-secret"
    for service, key, version in (("svc", "b", 1), ("other", "a", 1), ("svc", "a", 2)):
        with pytest.raises(ChamberError, match=f"^cannot decrypt /{service}/{key} version {version} ") as err:
            cipher.open(service, key, version, nonce, ct)
        assert "alpha" not in str(err.value) and "\n" not in str(err.value)


def test_moved_renamed_or_renumbered_rows_fail_the_integrity_check(tmp_path):
    store = make(tmp_path)
    store.write(sid("svc", "a"), "alpha-secret")
    store.write(sid("svc", "a"), "alpha-secret-2")
    store.write(sid("svc", "c"), "c1")
    store.write(sid("svc", "c"), "c2")
    store.close()
    for tamper in ("UPDATE versions SET key = 'b' WHERE key = 'a' AND version = 1",
                   "UPDATE versions SET service = 'other' WHERE key = 'a' AND version = 2",
                   "UPDATE versions SET version = -version WHERE key = 'c'; "
                   "UPDATE versions SET version = 3 + version WHERE key = 'c'",  # 1 <-> 2
                   "UPDATE versions SET created_by = 'mallory' WHERE key = 'c'"):
        saved = db_path(tmp_path).read_bytes()
        conn = sqlite3.connect(db_path(tmp_path))
        conn.executescript(tamper)
        conn.commit()
        conn.close()
        for call in (lambda s: s.read(sid("svc", "c")), lambda s: s.list_raw("svc"),
                     lambda s: s.write(sid("svc", "d"), "d")):
            reader = make(tmp_path)
            with pytest.raises(ChamberError, match="fails its integrity check") as err:
                call(reader)
            reader.close()
            assert "alpha" not in str(err.value) and "\n" not in str(err.value)
        db_path(tmp_path).write_bytes(saved)
    assert make(tmp_path).read(sid("svc", "c")).value == "c2"


@pytest.mark.parametrize("tamper", [
    "UPDATE versions SET created = x'ff00'",
    "UPDATE versions SET created = 'garbage'",
    "UPDATE versions SET created_by = x'ff'",
    "UPDATE versions SET version = 9999999999999999999",  # a REAL to SQLite
])
def test_clear_fields_altered_are_one_line_where_no_key_is_read(tmp_path, tamper):
    """list (no values) and history read no key: before, a time, user or version that is not
    what pychamber writes was an internal error (TypeError, ValueError) or listed as 1e+19."""
    store = make(tmp_path)
    store.write(sid("svc", "a"), "alpha-secret")
    store.close()
    conn = sqlite3.connect(db_path(tmp_path))
    conn.executescript(tamper)
    conn.commit()
    conn.close()
    for call in (lambda s: s.list("svc"), lambda s: s.history(sid("svc", "a"))):
        reader = make(tmp_path)
        with pytest.raises(ChamberError, match="fails its integrity check") as err:
            call(reader)
        reader.close()
        assert "alpha" not in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("tamper", [
    "UPDATE meta SET value = 'text' WHERE name = 'state_mac'",
    "UPDATE meta SET value = 12 WHERE name = 'key_check'",
    "UPDATE versions SET nonce = 'text'",
    "UPDATE versions SET ciphertext = 'text'",
    "UPDATE versions SET created = 7, created_by = x'00ff'",
])
def test_columns_of_another_type_are_the_databases_error(tmp_path, tamper):
    # a hand-edited database (TEXT or a number where pychamber writes a BLOB...) is one line
    # saying the database was altered, never a TypeError
    store = make(tmp_path)
    store.write(sid("svc", "a"), "alpha-secret")
    store.close()
    conn = sqlite3.connect(db_path(tmp_path))
    conn.executescript(tamper)
    conn.commit()
    conn.close()
    reader = make(tmp_path)
    with pytest.raises(ChamberError) as err:
        reader.read(sid("svc", "a"))
    reader.close()
    assert "alpha" not in str(err.value) and "\n" not in str(err.value)


def test_newer_schema_is_refused_untouched(tmp_path):
    writer = make(tmp_path)
    writer.write(sid("svc", "k"), "v")
    writer.close()
    conn = sqlite3.connect(db_path(tmp_path))
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    conn.close()
    before = db_path(tmp_path).read_bytes()
    store = make(tmp_path)
    for call in (
        lambda: store.read(sid("svc", "k")),
        lambda: store.write(sid("svc", "k"), "v2"),
        lambda: store.list("svc"),
        lambda: store.delete(sid("svc", "k")),
    ):
        with pytest.raises(ChamberError, match="newer pychamber") as err:
            call()
        assert str(db_path(tmp_path)) in str(err.value) and "\n" not in str(err.value)
    assert db_path(tmp_path).read_bytes() == before


@pytest.mark.parametrize("damage", ["garbage", "text", "header", "truncated"])
def test_corrupted_file_is_refused_untouched(tmp_path, damage):
    store = make(tmp_path)
    for i in range(200):
        store.write(sid("svc", f"key{i}"), "v" * 50)
    store.close()
    path = db_path(tmp_path)
    data = path.read_bytes()
    if damage == "garbage":
        data = os.urandom(len(data))
    elif damage == "text":
        data = b"this is not a database\n"
    elif damage == "header":
        data = b"\x00" * 100 + data[100:]
    else:
        data = data[: len(data) // 3]
    path.write_bytes(data)
    for name in ("secrets.db-wal", "secrets.db-shm"):
        (tmp_path / "data" / name).unlink(missing_ok=True)
    store = make(tmp_path)
    with pytest.raises(ChamberError) as err:
        store.list("svc")
        store.list_raw("svc")
        store.write(sid("svc", "new"), "v")
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg and not isinstance(err.value, SecretNotFound)
    with pytest.raises(ChamberError):
        make(tmp_path).write(sid("svc", "new"), "v")
    assert path.read_bytes() == data


def test_foreign_sqlite_database_is_refused(tmp_path):
    path = db_path(tmp_path)
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE unrelated (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ChamberError, match="is not a pychamber database"):
        make(tmp_path).write(sid("svc", "k"), "v")
    assert path.read_bytes() == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    make(tmp_path).write(sid("svc", "k"), "v")
    db_path(tmp_path).chmod(0)
    try:
        with pytest.raises(ChamberError) as err:
            make(tmp_path).read(sid("svc", "k"))
        assert str(db_path(tmp_path)) in str(err.value)
    finally:
        db_path(tmp_path).chmod(0o600)


# --- concurrency and crashes ----------------------------------------------------------------
WRITER = CHILD_PRELUDE + """
n = int(sys.argv[1])
for i in range(5):
    store.write(SecretId('shared', 'counter'), f'writer-{n}-{i}')
    store.write(SecretId('own', f'w{n}'), f'own-{n}-{i}')
"""


def test_twenty_concurrent_writers_lose_nothing(tmp_path):
    # No database and no key yet: the writers also race to create both.
    env = child_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(20)
    ]
    results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all(rc == 0 for rc, _ in results), results
    assert sum(err.count("created a new data key") for _, err in results) == 1

    store = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    events = store.history(sid("shared", "counter"))
    assert [e.version for e in events] == list(range(1, 101))
    values = {store.read(sid("shared", "counter"), v).value for v in range(1, 101)}
    assert values == {f"writer-{n}-{i}" for n in range(20) for i in range(5)}
    for n in range(20):
        s = store.read(sid("own", f"w{n}"))
        assert (s.value, s.meta.version) == (f"own-{n}-4", 5)


CRASHER = CHILD_PRELUDE + """
i = 0
while True:
    i += 1
    store.write(SecretId('svc', 'k'), f'value-{i}')
    store.write(SecretId('svc', f'k{i % 50}'), 'x' * 10000)
"""


def test_crash_mid_write_keeps_previous_version(tmp_path):
    env = child_env(tmp_path, PYCHAMBER_LOCAL_KEY=KEY)
    for delay in (0.4, 0.65, 0.9):
        proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CRASHER)], env=env)
        deadline = time.time() + 30
        while not db_path(tmp_path).exists() and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(db_path(tmp_path))
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        store = make(tmp_path)
        events = store.history(sid("svc", "k"))
        n = len(events)
        assert [e.version for e in events] == list(range(1, n + 1))
        latest = store.read(sid("svc", "k"))
        assert latest.meta.version == n
        assert latest.value.startswith("value-")
        for s in store.list("svc", include_values=True):
            assert s.value is not None
        store.close()


def test_database_path_that_cannot_be_used(tmp_path):
    (tmp_path / "data" / "secrets.db").mkdir(parents=True)
    with pytest.raises(ChamberError, match="is a directory"):
        make(tmp_path).write(sid("svc", "k"), "v")
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = make(tmp_path, PYCHAMBER_LOCAL_PATH=str(blocker / "sub" / "secrets.db"))
    with pytest.raises(ChamberError, match="cannot create directory"):
        store.write(sid("svc", "k"), "v")


# --- hardening (issue 13) -------------------------------------------------------------------
PLAINTEXT_BACKEND = "keyrings.alt.file.PlaintextKeyring"


def test_twelve_processes_creating_keys_in_one_plaintext_keyring_lose_none(tmp_path):
    # keyrings.alt's PlaintextKeyring rewrites its whole file on each set_password: without a
    # lock, concurrent creators drop each other's entries (2 of 12 survived).
    pytest.importorskip("keyrings.alt")
    n = 12
    env = child_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT_BACKEND)
    del env["PYCHAMBER_LOCAL_PATH"]
    code = CHILD_PRELUDE.replace("store = ", "pass  # ") + textwrap.dedent(
        """
        import os, time
        while not os.path.exists(sys.argv[2]):
            time.sleep(0.001)
        store = LocalStore(sys.argv[1], settings=Settings(report=sys.stderr.write))
        store.write(SecretId('svc', 'k'), 'value-' + sys.argv[1])
        """
    )
    go = tmp_path / "go"
    dbs = [str(tmp_path / f"db{i}" / "secrets.db") for i in range(n)]
    procs = [subprocess.Popen([sys.executable, "-c", code, d, str(go)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in dbs]
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert err.count("created a new data key in the plaintext keyring file") == 1, err
    cfg = (tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg").read_text()
    readable = 0
    for d in dbs:
        r = run_py(CHILD_PRELUDE.replace("store = ", "pass  # ")
                   + "print(LocalStore(sys.argv[1]).read(SecretId('svc', 'k')).value)\n", env, check=False,
                   args=[d])
        readable += r.returncode == 0 and r.stdout == f"value-{d}\n"
    assert readable == n, cfg
    assert not any((tmp_path / f"db{i}" / "secrets.key").exists() for i in range(n))


def test_a_key_lost_from_the_keyring_after_commit_is_saved_again(tmp_path, monkeypatch, notices):
    # another program rewrites the keyring between our check and the commit: confirm() stores
    # it again; a keyring that keeps losing it leaves the key in the key file, and says so.
    class Forgetful(MemoryKeyring):
        forget = 1

        def get_password(self, service, username):
            value = super().get_password(service, username)
            self.reads = getattr(self, "reads", 0) + 1
            if self.reads == 3 and self.forget:  # 1: find, 2: read-back, 3: after the commit
                self.forget -= 1
                self.entries.clear()
                return None
            return value

    ring = Forgetful()
    monkeypatch.setattr(keyring.core, "_keyring_backend", ring)
    make(tmp_path, notices.append, PYCHAMBER_LOCAL_KEY=None).write(sid("svc", "k"), "v")
    assert len(ring.entries) == 1 and not (tmp_path / "data" / "secrets.key").exists()
    assert make(tmp_path, PYCHAMBER_LOCAL_KEY=None).read(sid("svc", "k")).value == "v"

    class Losing(MemoryKeyring):
        def get_password(self, service, username):
            self.reads = getattr(self, "reads", 0) + 1
            return None if self.reads > 2 else super().get_password(service, username)

    monkeypatch.setattr(keyring.core, "_keyring_backend", Losing())
    other = tmp_path / "other" / "secrets.db"
    store = make(tmp_path, notices.append, PYCHAMBER_LOCAL_KEY=None, PYCHAMBER_LOCAL_PATH=str(other))
    notices.readouterr()
    store.write(sid("svc", "k"), "v")
    text = notices.readouterr()
    assert "lost the new data key; saved it in key file" in text and text.count("\n") == 2
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.backends.fail.Keyring())
    again = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYCHAMBER_LOCAL_PATH=str(other))
    assert again.read(sid("svc", "k")).value == "v"


def _keyring_probe(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_py(CHILD_PRELUDE + "store.write(SecretId('svc', 'k'), 'v')\n"
                  "print(type(__import__('keyring').get_keyring()).__name__)\n", env)


def test_a_plaintext_keyring_is_never_picked_silently(tmp_path):
    # keyrings.alt is in the test venv: keyring itself would pick its PlaintextKeyring here
    # (no D-Bus). pychamber does not: the key goes to its own 0600 key file, and says why.
    pytest.importorskip("keyrings.alt")
    env = child_env(tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("PYTHON_KEYRING_BACKEND", None)
    r = _keyring_probe(tmp_path, env)
    assert r.stdout.strip() in ("PlaintextKeyring", "ChainerBackend")  # what keyring would use
    key_file = tmp_path / "data" / "secrets.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert f"created a new data key in key file {key_file} (no OS keyring available" in r.stderr
    assert not (tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg").exists()


def test_a_plaintext_keyring_chosen_in_keyrings_config_is_used_and_named(tmp_path):
    pytest.importorskip("keyrings.alt")
    config = tmp_path / "config" / "python_keyring"
    config.mkdir(parents=True)
    (config / "keyringrc.cfg").write_text(f"[backend]\ndefault-keyring = {PLAINTEXT_BACKEND}\n")
    env = child_env(tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("PYTHON_KEYRING_BACKEND", None)
    r = _keyring_probe(tmp_path, env)
    cfg = tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg"
    assert (f"created a new data key in the plaintext keyring file {cfg} ({PLAINTEXT_BACKEND}, "
            "chosen by keyringrc.cfg)") in r.stderr
    assert not (tmp_path / "data" / "secrets.key").exists()
    from pychamber.stores.local.keys import describe_key_source

    assert describe_key_source(str(db_path(tmp_path)), {}) .startswith("no data key found")
    assert describe_key_source(str(db_path(tmp_path)), {"PYCHAMBER_LOCAL_KEY": KEY}) == "PYCHAMBER_LOCAL_KEY"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_key_file_others_may_read_is_refused(tmp_path, mode):
    store = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    store.write(sid("svc", "k"), "s3cr3t")
    key_file = tmp_path / "data" / "secrets.key"
    key_file.chmod(mode)
    again = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    with pytest.raises(ChamberError) as err:
        again.read(sid("svc", "k"))
    assert str(err.value) == (f"key file {key_file} is accessible by group or others (mode {mode:o}); "
                              f"refusing to use it: run chmod 600 {key_file}")
    key_file.chmod(0o600)
    assert make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND).read(
        sid("svc", "k")).value == "s3cr3t"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_key_file_owned_by_another_user_is_refused(tmp_path):
    make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND).write(sid("svc", "k"), "v")
    key_file = tmp_path / "data" / "secrets.key"
    os.chown(key_file, 4242, -1)
    with pytest.raises(ChamberError, match=r"is owned by another user \(uid 4242\); refusing to use it$"):
        make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND).read(sid("svc", "k"))


def test_a_failed_key_file_write_leaves_nothing_and_says_one_line(tmp_path, monkeypatch):
    import errno

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    store = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    with pytest.raises(ChamberError) as err:
        store.write(sid("svc", "k"), "v")
    key_file = tmp_path / "data" / "secrets.key"
    assert str(err.value) == f"cannot write key file {key_file}: No space left on device"
    store.close()
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if "key" in p.name) == []
    monkeypatch.undo()
    make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND).write(sid("svc", "k"), "v")
    assert make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND).read(
        sid("svc", "k")).value == "v"


# rollback
def _sql(tmp_path: Path, script: str) -> None:
    conn = sqlite3.connect(db_path(tmp_path))
    conn.executescript(script)
    conn.commit()
    conn.close()


def test_a_deleted_latest_version_is_detected(tmp_path):
    store = make(tmp_path)
    store.write(sid("svc", "k"), "old-value")
    store.write(sid("svc", "k"), "new-value")
    store.write(sid("svc", "other"), "x")
    store.close()
    _sql(tmp_path, "DELETE FROM versions WHERE key = 'k' AND version = 2")
    for call in (lambda s: s.read(sid("svc", "k")), lambda s: s.read(sid("svc", "other")),
                 lambda s: s.list("svc", include_values=True), lambda s: s.list_raw("svc"),
                 lambda s: s.write(sid("svc", "k"), "v3"), lambda s: s.delete(sid("svc", "other"))):
        s = make(tmp_path)
        with pytest.raises(ChamberError, match="fails its integrity check: a version was removed"):
            call(s)
        s.close()
    # the names still list without the key, as always
    assert [x.meta.key for x in make(tmp_path).list("svc")] == ["/svc/k", "/svc/other"]


def test_removing_the_mac_and_key_check_too_is_detected(tmp_path):
    store = make(tmp_path)
    store.write(sid("svc", "k"), "old-value")
    store.write(sid("svc", "k"), "new-value")
    store.close()
    _sql(tmp_path, "DELETE FROM versions WHERE version = 2; DELETE FROM meta")
    with pytest.raises(ChamberError, match="fails its integrity check"):
        make(tmp_path).read(sid("svc", "k"))


def _as_before_state_macs(tmp_path: Path) -> None:
    """Make the database what a pychamber before state MACs wrote: every row sealed with the v1
    associated data, a version-1 key check, no state MAC."""
    import json

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from pychamber.stores.local import keys

    aead = AESGCM(base64.b64decode(KEY))
    conn = sqlite3.connect(db_path(tmp_path))
    for service, key, version, nonce, ct in conn.execute(
            "SELECT service, key, version, nonce, ciphertext FROM versions").fetchall():
        aad = json.dumps([service, key, version]).encode()
        value = aead.decrypt(nonce, ct, keys._AAD_PREFIX[2] + aad)
        new_nonce = os.urandom(12)
        conn.execute("UPDATE versions SET nonce = ?, ciphertext = ? WHERE service = ? AND key = ? AND version = ?",
                     (new_nonce, aead.encrypt(new_nonce, value, keys._AAD_PREFIX[1] + aad), service, key, version))
    nonce = os.urandom(12)
    old_check = nonce + aead.encrypt(nonce, keys._KEY_CHECK_PLAINTEXT, keys._KEY_CHECK_AAD[1])
    conn.execute("DELETE FROM meta WHERE name = 'state_mac'")
    conn.execute("UPDATE meta SET value = ? WHERE name = 'key_check'", (old_check,))
    conn.commit()
    conn.close()


def test_a_database_from_before_state_macs_is_read_then_protected(tmp_path):
    store = make(tmp_path)
    store.write(sid("svc", "k"), "v1")
    store.write(sid("svc", "k"), "v2")
    store.write(sid("svc", "other"), "o")
    store.close()
    _as_before_state_macs(tmp_path)
    assert make(tmp_path).read(sid("svc", "k")).value == "v2"  # as an older pychamber wrote it
    assert make(tmp_path).read(sid("svc", "k"), 1).value == "v1"
    make(tmp_path).write(sid("svc", "k"), "v3")  # the first write adds the MAC, every row resealed
    _sql(tmp_path, "DELETE FROM versions WHERE version = 3; DELETE FROM meta WHERE name = 'state_mac'")
    with pytest.raises(ChamberError, match="fails its integrity check"):
        make(tmp_path).read(sid("svc", "k"))


def test_a_version_1_key_check_from_an_old_copy_does_not_switch_the_mac_off(tmp_path):
    """21.14: a key check of version 1 (as an old copy of the file holds) put back, the MAC
    removed and the latest version of k deleted: not a way around the MAC, since rows sealed by
    this pychamber are not rows of a database from before state MACs."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from pychamber.stores.local import keys

    store = make(tmp_path)
    store.write(sid("svc", "k"), "old-value")
    store.write(sid("svc", "k"), "new-value")
    store.write(sid("svc", "x"), "x")
    store.close()
    nonce = os.urandom(12)
    old_check = nonce + AESGCM(base64.b64decode(KEY)).encrypt(nonce, keys._KEY_CHECK_PLAINTEXT,
                                                              keys._KEY_CHECK_AAD[1])
    conn = sqlite3.connect(db_path(tmp_path))
    conn.execute("DELETE FROM versions WHERE key = 'k' AND version = 2")
    conn.execute("DELETE FROM meta WHERE name = 'state_mac'")
    conn.execute("UPDATE meta SET value = ? WHERE name = 'key_check'", (old_check,))
    conn.commit()
    conn.close()
    for call in (lambda s: s.read(sid("svc", "k")), lambda s: s.list_raw("svc"),
                 lambda s: s.write(sid("svc", "k"), "laundered")):
        s = make(tmp_path)
        with pytest.raises(ChamberError, match="fails its integrity check"):
            call(s)
        s.close()


def test_a_database_with_a_version_1_mac_is_resealed_by_its_next_write(tmp_path):
    """A database that an earlier pychamber protected with a MAC but whose rows it sealed as v1:
    read as it is, and from its next write on, no downgrade either."""
    from pychamber.stores.local import keys

    store = make(tmp_path)
    store.write(sid("svc", "k"), "old-value")
    store.write(sid("svc", "k"), "new-value")
    store.close()
    _as_before_state_macs(tmp_path)
    v1_check = _meta(tmp_path, "key_check")
    cipher = keys.Cipher(base64.b64decode(KEY), str(db_path(tmp_path)))
    conn = sqlite3.connect(db_path(tmp_path))
    rows = conn.execute("SELECT service, key, version, created, created_by, nonce FROM versions"
                        " ORDER BY service, key, version").fetchall()
    conn.execute("UPDATE meta SET value = ? WHERE name = 'key_check'", (cipher.new_check(),))
    conn.execute("INSERT INTO meta VALUES ('state_mac', ?)", (cipher.state_mac(rows, 1),))
    conn.commit()
    conn.close()
    assert make(tmp_path).read(sid("svc", "k")).value == "new-value"
    make(tmp_path).write(sid("svc", "other"), "x")
    _sql(tmp_path, "DELETE FROM versions WHERE key = 'k' AND version = 2; DELETE FROM meta WHERE name = 'state_mac'")
    conn = sqlite3.connect(db_path(tmp_path))
    conn.execute("UPDATE meta SET value = ? WHERE name = 'key_check'", (v1_check,))
    conn.commit()
    conn.close()
    with pytest.raises(ChamberError, match="fails its integrity check"):
        make(tmp_path).read(sid("svc", "k"))


def _meta(tmp_path: Path, name: str) -> bytes:
    conn = sqlite3.connect(db_path(tmp_path))
    try:
        return conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("deleted", ["service", "secret"])
def test_every_row_of_a_service_or_of_a_secret_deleted_is_detected(tmp_path, deleted):
    store = make(tmp_path)
    store.write(sid("svc", "db_password"), "pw")
    store.write(sid("svc", "db_password"), "pw2")
    store.write(sid("svc", "port"), "80")
    store.write(sid("other", "k"), "v")
    store.close()
    where = "service = 'svc'" if deleted == "service" else "service = 'svc' AND key = 'db_password'"
    _sql(tmp_path, f"DELETE FROM versions WHERE {where}")
    for call in (lambda s: s.read(sid("svc", "db_password")), lambda s: s.list_raw("svc"),
                 lambda s: s.list("svc", include_values=True), lambda s: s.read(sid("other", "k")),
                 lambda s: s.list_raw("nothing-here"), lambda s: s.config(),
                 lambda s: s.write(sid("svc", "db_password"), "x")):
        s = make(tmp_path)
        with pytest.raises(ChamberError, match="fails its integrity check"):
            call(s)
        s.close()


def test_an_empty_answer_needs_the_key_once_the_database_holds_secrets(tmp_path):
    make(tmp_path).write(sid("svc", "k"), "v")
    s = make(tmp_path, PYCHAMBER_LOCAL_KEY=None, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    for call in (lambda: s.read(sid("svc", "missing")), lambda: s.list_raw("empty")):
        with pytest.raises(ChamberError, match="no data key"):
            call()
    # names, as always, without the key
    assert [x.meta.key for x in s.list("svc")] == ["/svc/k"]


def test_a_whole_older_copy_restored_is_not_detected_as_documented(tmp_path):
    # docs/threat-model.md: out of scope (needs state outside the file; a restore from a backup
    # is legitimate). This pins the documented limit: the older copy reads as it was.
    store = make(tmp_path)
    store.write(sid("svc", "k"), "old-value")
    store.close()
    saved = db_path(tmp_path).read_bytes()
    newer = make(tmp_path)
    newer.write(sid("svc", "k"), "new-value")
    newer.close()
    db_path(tmp_path).write_bytes(saved)
    assert make(tmp_path).read(sid("svc", "k")).value == "old-value"


def test_what_the_database_shows_in_clear(tmp_path):
    # docs/threat-model.md: names, times, users, version counts and value lengths (GCM adds 16
    # bytes) are readable by anyone who can read the file; values are not.
    store = make(tmp_path)
    store.write(sid("svc", "db-password"), "hunter2-hunter2")
    store.write(sid("svc", "db-password"), "hunter2-hunter2!")
    store.close()
    conn = sqlite3.connect(db_path(tmp_path))
    rows = conn.execute("SELECT service, key, version, created_by, length(ciphertext) FROM versions"
                        " ORDER BY version").fetchall()
    conn.close()
    assert rows == [("svc", "db-password", 1, "alice", 15 + 16), ("svc", "db-password", 2, "alice", 16 + 16)]
    assert b"hunter2" not in b"".join(all_files_bytes(tmp_path / "data").values())


def test_the_threat_model_names_tests_that_exist():
    import re

    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "threat-model.md").read_text()
    named = re.findall(r"`([\w/]+\.py)::(\w+)`", text.replace("\n", " "))
    assert len(named) >= 20
    for path, name in named:
        source = (root / "tests" / path).read_text()
        assert re.search(rf"^def {name}\(", source, re.M), f"{path}::{name}"
