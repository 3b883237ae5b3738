"""The local store through the CLI, issue 21 item 14: a full file system stays readable, exec leaves
no -wal/-shm files, deleted rows fail exec, nested imported keys never stand in for a service's
own keys. Real sqlite3 files, real subprocesses, a real small tmpfs (unshare -rm)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
KEY = base64.b64encode(bytes(range(32))).decode()


def env_for(db: Path, **extra: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": SRC, "HOME": str(db.parent),
           "USER": "alice", "CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_KEY": KEY,
           "PYCHAMBER_LOCAL_PATH": str(db), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.update(extra)
    return env


def run(env, *args, input=None):
    return subprocess.run([sys.executable, "-m", "pychamber", *args], env=env, capture_output=True, text=True,
                          input=input, timeout=120)


def seed(env) -> None:
    for key, value in (("db_password", "pw-1"), ("db_password", "pw-2"), ("port", "80")):
        r = run(env, "write", "svc", key, value)
        assert r.returncode == 0, r.stderr


FULL_SCRIPT = """
import json, subprocess, sys
py, out = sys.executable, []
for args in (["read", "-q", "svc", "db_password"], ["list", "svc"], ["export", "svc"],
             ["exec", "svc", "--", "sh", "-c", "echo $DB_PASSWORD $PORT"], ["history", "svc", "port"]):
    r = subprocess.run([py, "-m", "pychamber", *args], capture_output=True, text=True, timeout=60)
    out.append([r.returncode, r.stdout, r.stderr])
print(json.dumps(out))
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")
@pytest.mark.parametrize("journal", ["ours", "wal", "wal-then-full"])
def test_a_full_file_system_stays_readable(tmp_path, journal):
    """The database on a tmpfs with no byte free: every read works. ``wal``: a database an earlier
    pychamber left in WAL mode, switched back by its next use while there was room;
    ``wal-then-full``: still in WAL mode when the disk filled up."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    db = mnt / "data" / "secrets.db"
    env = env_for(db)
    script = (f'mount -t tmpfs -o size=1m tmpfs {mnt} && "$0" -m pychamber write svc db_password pw-1 '
              f'&& "$0" -m pychamber write svc db_password pw-2 && "$0" -m pychamber write svc port 80 && '
              + (f'"$0" -c "import sqlite3; c = sqlite3.connect(\'{db}\'); c.execute(\'PRAGMA journal_mode=WAL\');'
                 f' c.close()" && ' if journal != "ours" else "")
              + ('"$0" -m pychamber list svc >/dev/null && ' if journal == "wal" else "")
              + f'(head -c 2m /dev/zero > {mnt}/filler; true) && df -k {mnt} >&2 && exec "$0" -c "$1"')
    r = subprocess.run(["unshare", "-rm", "sh", "-c", script, sys.executable, FULL_SCRIPT], env=env,
                       capture_output=True, text=True, timeout=300)
    if r.returncode and "mount" in r.stderr:
        pytest.skip("cannot mount a tmpfs here: " + r.stderr.strip())
    assert r.returncode == 0, r.stderr
    assert " 0 100% " in r.stderr or " 0 " in r.stderr.splitlines()[-1], r.stderr  # really full
    read, listing, export, exec_, history = json.loads(r.stdout)
    assert read == [0, "pw-2\n", ""]
    assert listing[0] == 0 and "db_password\t" in listing[1] and listing[2] == ""
    assert export == [0, '{"db_password":"pw-2","port":"80"}\n', ""]
    assert exec_ == [0, "pw-2 80\n", ""]
    assert history[0] == 0 and history[2] == ""


def test_exec_leaves_no_wal_or_shm_files(tmp_path):
    db = tmp_path / "data" / "secrets.db"
    env = env_for(db)
    seed(env)
    r = run(env, "exec", "svc", "--", "sh", "-c", f'ls -a "{db.parent}"')
    assert r.returncode == 0, r.stderr
    seen_by_program = sorted(r.stdout.split())
    assert seen_by_program == [".", "..", "secrets.db"]  # nothing beside it while the program runs
    for args in (["read", "svc", "port"], ["export", "svc"], ["exec", "--init", "svc", "--", "true"]):
        assert run(env, *args).returncode == 0
        assert sorted(os.listdir(db.parent)) == ["secrets.db"], args


def test_a_database_left_in_wal_mode_by_an_older_pychamber_is_switched_back(tmp_path):
    db = tmp_path / "data" / "secrets.db"
    env = env_for(db)
    seed(env)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    r = run(env, "exec", "svc", "--", "sh", "-c", f'ls -a "{db.parent}"')
    assert (r.returncode, sorted(r.stdout.split())) == (0, [".", "..", "secrets.db"]), r.stderr
    assert sorted(os.listdir(db.parent)) == ["secrets.db"]


@pytest.mark.parametrize("deleted", ["service", "secret"])
def test_exec_fails_when_rows_were_deleted_without_the_key(tmp_path, deleted):
    db = tmp_path / "data" / "secrets.db"
    env = env_for(db)
    seed(env)
    where = "service = 'svc'" if deleted == "service" else "key = 'db_password'"
    conn = sqlite3.connect(db)
    conn.execute(f"DELETE FROM versions WHERE {where}")
    conn.commit()
    conn.close()
    r = run(env, "exec", "svc", "--", "sh", "-c", "echo ran")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("Error: ") and len(r.stderr.splitlines()) == 1
    assert r.stderr.endswith(f"local secrets database {db} fails its integrity check: a version was removed "
                             "or rows were altered since pychamber last wrote it\n")


def test_a_nested_key_never_replaces_the_services_own(tmp_path):
    db = tmp_path / "data" / "secrets.db"
    env = env_for(db)
    seed(env)
    r = run(env, "import", "svc", "-", input=json.dumps({"old/db_password": "stale", "fresh": "f"}))
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith("Error: Failed to import: key 'old/db_password': ")
    assert "nested" in r.stderr and len(r.stderr.splitlines()) == 1 and "stale" not in r.stderr
    # one that an older pychamber imported is not the service's db_password either
    from pychamber.model import SecretId
    from pychamber.settings import Settings
    from pychamber.stores.local import LocalStore

    store = LocalStore.from_settings(Settings(environ=env))
    store._write(SecretId("svc", "old/db_password"), "stale", None)  # as it was stored before
    store.close()
    r = run(env, "exec", "svc", "--", "sh", "-c", "echo $DB_PASSWORD")
    assert (r.returncode, r.stdout, r.stderr) == (0, "pw-2\n", "")
    assert json.loads(run(env, "export", "svc").stdout) == {"db_password": "pw-2", "port": "80"}
