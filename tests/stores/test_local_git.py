"""A local database committed into a git repository never commits its data key (issue 20 item 4):
a real ``git init`` repository, ``git add -A`` and ``git status --porcelain``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pychamber.errors import ChamberError
from pychamber.model import SecretId
from pychamber.settings import Settings
from pychamber.stores.local import LocalStore, key_file_path

SRC = str(Path(__file__).resolve().parents[2] / "src")
FAIL_BACKEND = "keyring.backends.fail.Keyring"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                          timeout=60).stdout


@pytest.fixture
def repo(tmp_path):
    r = tmp_path / "project"
    r.mkdir()
    subprocess.run(["git", "init", "-q", str(r)], check=True, timeout=60)
    (r / "ci").mkdir()
    return r


def env_for(tmp_path: Path, db: Path, **extra: str) -> dict[str, str]:
    env = {"HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "xdg"), "USER": "alice",
           "PYCHAMBER_LOCAL_PATH": str(db), "PYTHON_KEYRING_BACKEND": FAIL_BACKEND}
    env.update(extra)
    return env


def make(env: dict[str, str], notices: list[str]) -> LocalStore:
    return LocalStore.from_settings(Settings(environ=env, report=notices.append))


def test_the_key_of_a_database_in_a_work_tree_is_never_staged(tmp_path, repo):
    db = repo / "ci" / "secrets.db"
    env = env_for(tmp_path, db)
    notices: list[str] = []
    store = make(env, notices)
    store.write(SecretId("svc", "db_password"), "hunter2")
    store.close()
    key = Path(key_file_path(str(db), env))
    assert key.parent == tmp_path / "xdg" / "pychamber" / "keys" and key.name.startswith("secrets-")
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
    assert oct(key.parent.stat().st_mode & 0o777) == "0o700"
    said = "".join(notices)
    assert f"created a new data key in key file {key}" in said and f"git work tree {repo}" in said
    git(repo, "add", "-A")
    staged = git(repo, "status", "--porcelain").split("\n")
    assert [line for line in staged if line] == ["A  ci/secrets.db"]
    assert make(env, []).read(SecretId("svc", "db_password")).value == "hunter2"
    # the same database name in another repository gets a key of its own
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True, timeout=60)
    assert key_file_path(str(other / "ci" / "secrets.db"), env) != str(key)


def test_outside_a_work_tree_the_key_file_stays_beside_the_database(tmp_path):
    db = tmp_path / "data" / "secrets.db"
    env = env_for(tmp_path, db)
    make(env, []).write(SecretId("svc", "k"), "v")
    assert (tmp_path / "data" / "secrets.key").exists() and key_file_path(str(db), env) == str(
        tmp_path / "data" / "secrets.key")


def test_a_key_directory_inside_the_repository_too_is_refused_with_one_line(tmp_path, repo):
    db = repo / "secrets.db"
    env = env_for(tmp_path, db, HOME=str(repo), XDG_DATA_HOME=str(repo / ".local" / "share"))
    with pytest.raises(ChamberError) as e:
        make(env, []).write(SecretId("svc", "k"), "v")
    msg = str(e.value)
    assert "\n" not in msg and "git add -A would commit it" in msg and "PYCHAMBER_LOCAL_KEY" in msg
    assert not [p for p in repo.rglob("*.key")]
    git(repo, "add", "-A")
    assert ".key" not in git(repo, "status", "--porcelain")


def test_a_key_file_an_earlier_pychamber_put_beside_it_is_still_read(tmp_path, repo):
    import base64

    db = repo / "secrets.db"
    key = base64.b64encode(os.urandom(32)).decode()
    env = env_for(tmp_path, db, PYCHAMBER_LOCAL_KEY=key)
    make(env, []).write(SecretId("svc", "k"), "v")
    beside = repo / "secrets.key"
    beside.write_text(key + "\n")
    beside.chmod(0o600)
    env.pop("PYCHAMBER_LOCAL_KEY")
    assert make(env, []).read(SecretId("svc", "k")).value == "v"


def test_the_readme_way_to_find_the_key_works_for_a_key_file(tmp_path, repo):
    """README: `pychamber doctor` names the key file; its content is the key for CI."""
    db = repo / "ci" / "secrets.db"
    env = {**os.environ, **env_for(tmp_path, db), "CHAMBER_SECRET_BACKEND": "local", "PYTHONPATH": SRC}
    env.pop("PYCHAMBER_LOCAL_KEY", None)
    run = [sys.executable, "-m", "pychamber"]
    subprocess.run([*run, "write", "svc", "k", "v"], env=env, check=True, capture_output=True, timeout=120)
    doctor = subprocess.run([*run, "doctor"], env={**env, "COLUMNS": "400"}, capture_output=True, text=True,
                            timeout=120)
    line = next(x for x in doctor.stdout.splitlines() if x.startswith("data key"))
    key_file = key_file_path(str(db), env)
    assert f"in key file {key_file} " in line and "Traceback" not in doctor.stderr
    ci = {**env, "PYCHAMBER_LOCAL_KEY": Path(key_file).read_text().strip(), "XDG_DATA_HOME": str(tmp_path / "ci")}
    out = subprocess.run([*run, "read", "-q", "svc", "k"], env=ci, capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stdout) == (0, "v\n"), out.stderr
