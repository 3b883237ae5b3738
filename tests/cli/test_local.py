"""The CLI on the local backend, end to end (issue 5): in-process on a fake console, with this
process's environment made the run's (conftest.invoke)."""

from __future__ import annotations

import base64
import os
import re
import stat
from pathlib import Path

import pytest

from conftest import invoke

SRC = str(Path(__file__).resolve().parents[2] / "src")
KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(1, 33))).decode()
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


@pytest.fixture
def cli(tmp_path):
    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": SRC,
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "USER": "alice",
        "TZ": "UTC",
        "CHAMBER_SECRET_BACKEND": "local",
        "PYCHAMBER_LOCAL_PATH": str(tmp_path / "data" / "secrets.db"),
        "PYCHAMBER_LOCAL_KEY": KEY,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }

    def run(*args: str, input: str | None = None, ok: bool = True, **env: str | None):
        e = dict(base_env)
        e.update(env)
        e = {k: v for k, v in e.items() if v is not None}
        proc = invoke(args, e, input, text=True)
        if ok:
            assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc

    return run


def rows(text: str) -> list[list[str]]:
    """Table lines split on tab runs."""
    return [re.split(r"\t+", line) for line in text.splitlines()]


def test_write_read_history_delete(cli):
    assert cli("write", "svc", "db-password", "first").stdout == ""
    cli("write", "SVC", "DB-Password", "second")  # normalised to svc/db-password
    assert cli("read", "-q", "svc", "db-password").stdout == "second\n"
    assert cli("read", "-q", "-v", "1", "svc", "db-password").stdout == "first\n"
    table = rows(cli("read", "svc", "db-password").stdout)
    assert table[0] == ["Key", "Value", "Version", "LastModified", "User"]
    assert table[1][:3] == ["db-password", "second", "2"] and table[1][4] == "alice"
    assert STAMP.match(table[1][3])

    history = rows(cli("history", "svc", "db-password").stdout)
    assert history[0] == ["Event", "Version", "Date", "User"]
    assert [(r[0], r[1], r[3]) for r in history[1:]] == [("Created", "1", "alice"), ("Updated", "2", "alice")]

    assert cli("delete", "svc", "db-password").stdout == ""
    gone = cli("read", "svc", "db-password", ok=False)
    assert (gone.returncode, gone.stderr) == (1, "Error: Failed to read: secret not found\n")
    again = cli("delete", "svc", "db-password", ok=False)
    assert (again.returncode, again.stderr) == (1, "Error: secret not found\n")
    hist = cli("history", "svc", "db-password", ok=False)
    assert (hist.returncode, hist.stderr) == (1, "Error: Failed to get history: secret not found\n")
    cli("write", "svc", "db-password", "third")
    assert cli("read", "-q", "svc", "db-password").stdout == "third\n"
    assert rows(cli("history", "svc", "db-password").stdout)[1][:2] == ["Created", "1"]


def test_write_from_stdin_keeps_the_value_exact(cli):
    cli("write", "svc", "multi", "-", input="line one\nline two\n")
    assert cli("read", "-q", "svc", "multi").stdout == "line one\nline two\n\n"
    cli("write", "svc", "dash", "--", "-starts-with-dash")
    assert cli("read", "-q", "svc", "dash").stdout == "-starts-with-dash\n"


def test_list_and_list_services(cli):
    cli("write", "svc", "b", "B")
    cli("write", "svc", "a", "A1")
    cli("write", "svc", "a", "A2")
    cli("write", "svc/nested", "c", "C")
    cli("write", "svcx", "d", "D")
    listed = rows(cli("list", "svc").stdout)
    assert listed[0] == ["Key", "Version", "LastModified", "User"]
    assert [(r[0], r[1], r[3]) for r in listed[1:]] == [("a", "2", "alice"), ("b", "1", "alice")]
    expanded = rows(cli("list", "-e", "svc").stdout)
    assert expanded[0][-1] == "Value"
    assert [(r[0], r[-1]) for r in expanded[1:]] == [("a", "A2"), ("b", "B")]
    assert rows(cli("list", "empty").stdout) == [["Key", "Version", "LastModified", "User"]]

    assert cli("list-services").stdout.splitlines() == ["Service", "svc", "svc/nested", "svcx"]
    assert cli("list-services", "svc/").stdout.splitlines() == ["Service", "svc", "svc/nested"]
    assert cli("list-services", "-s", "svc").stdout.splitlines() == [
        "Service",
        "/svc/a",
        "/svc/b",
        "/svc/nested/c",
        "/svcx/d",
    ]


def test_tags(cli):
    cli("write", "--tags", "team=core", "svc", "k", "v")
    assert rows(cli("tag", "read", "svc", "k").stdout) == [["Key", "Value"], ["team", "core"]]
    written = rows(cli("tag", "write", "svc", "k", "env=prod").stdout)
    assert written == [["Key", "Value"], ["env", "prod"]]
    assert sorted(rows(cli("tag", "read", "svc", "k").stdout)[1:]) == [["env", "prod"], ["team", "core"]]
    cli("tag", "write", "--delete-other-tags", "svc", "k", "only=this")
    assert rows(cli("tag", "read", "svc", "k").stdout)[1:] == [["only", "this"]]
    assert cli("tag", "delete", "svc", "k", "only").stdout == ""
    assert rows(cli("tag", "read", "svc", "k").stdout) == [["Key", "Value"]]
    refused = cli("write", "--tags", "a=b", "svc", "k", "v2", ok=False)
    assert refused.returncode == 1
    assert refused.stderr.endswith("tags on write only supported for new secrets\n")
    missing = cli("tag", "read", "svc", "missing", ok=False)
    assert (missing.returncode, missing.stderr) == (1, "Error: Failed to read tags: secret not found\n")
    for tag in ("\udcff=1", "a=\udcff"):  # a byte of argv that is not UTF-8 (was internal error)
        bad = cli("write", "--tags", tag, "svc", "new", "v", ok=False)
        assert (bad.returncode, bad.stderr) == (1, "Error: a tag given with -t is not valid UTF-8\n")
    assert cli("read", "svc", "new", ok=False).stderr == "Error: Failed to read: secret not found\n"


def test_required_tags_from_store_config(cli):
    cli("write", "_chamber", "store-config", '{"version":"1","requiredTags":["team"]}')
    denied = cli("write", "svc", "k", "v", ok=False)
    assert denied.returncode == 1 and denied.stderr.endswith("required tags [team] are missing\n")
    cli("write", "--tags", "team=core", "svc", "k", "v")
    no_delete = cli("tag", "delete", "svc", "k", "team", ok=False)
    assert no_delete.stderr == "Error: Failed to delete tags: required tags [team] may not be deleted\n"


def test_key_file_created_once_and_wrong_key_is_clear(cli, tmp_path):
    first = cli("write", "svc", "k", "top-secret-value", PYCHAMBER_LOCAL_KEY=None)
    key_file = tmp_path / "data" / "secrets.key"
    assert f"created a new data key in key file {key_file}" in first.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data" / "secrets.db").stat().st_mode) == 0o600
    second = cli("read", "-q", "svc", "k", PYCHAMBER_LOCAL_KEY=None)
    assert (second.stdout, second.stderr) == ("top-secret-value\n", "")

    wrong = cli("read", "svc", "k", ok=False, PYCHAMBER_LOCAL_KEY=OTHER_KEY)
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("Error: ") and wrong.stderr.count("\n") == 1
    assert "wrong data key" in wrong.stderr and str(tmp_path / "data" / "secrets.db") in wrong.stderr
    assert "top-secret" not in wrong.stderr + wrong.stdout
    # listing needs no key at all
    assert rows(cli("list", "svc", PYCHAMBER_LOCAL_KEY=OTHER_KEY).stdout)[1][0] == "k"


def test_backend_flag_selects_local(cli, tmp_path):
    cli("-b", "local", "write", "svc", "k", "v", CHAMBER_SECRET_BACKEND=None)
    assert cli("--backend", "LOCAL", "read", "-q", "svc", "k", CHAMBER_SECRET_BACKEND=None).stdout == "v\n"
    assert (tmp_path / "data" / "secrets.db").exists()


def test_corrupted_database_is_one_error_line(cli, tmp_path):
    cli("write", "svc", "k", "v")
    db = tmp_path / "data" / "secrets.db"
    db.write_bytes(b"definitely not sqlite" * 100)
    proc = cli("list", "svc", ok=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1 and str(db) in proc.stderr
    assert "Traceback" not in proc.stderr



def test_keyring_backend_is_each_runs_own(cli, monkeypatch, tmp_path):
    # PYTHON_KEYRING_BACKEND is read afresh by every run, as by a new process; keyring itself
    # reads it once per process, so conftest.invoke forgets its backend around each run
    import keyring.core
    from keyrings.alt.file import PlaintextKeyring

    mine = PlaintextKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", mine)
    first = cli("write", "svc", "k", "v", PYCHAMBER_LOCAL_KEY=None)  # the fail backend: a key file
    assert "created a new data key in key file" in first.stderr
    plain = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring", "PYCHAMBER_LOCAL_KEY": None,
             "PYCHAMBER_LOCAL_PATH": str(tmp_path / "other" / "secrets.db")}
    second = cli("write", "svc", "k", "v", **plain)
    assert "created a new data key in the plaintext keyring file" in second.stderr
    assert cli("read", "-q", "svc", "k", **plain).stdout == "v\n"
    denied = cli("read", "svc", "k", ok=False,
                 **{**plain, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert denied.returncode == 1 and "no data key" in denied.stderr, denied.stderr
    assert keyring.core._keyring_backend is mine


# --- read-only databases (issue 13 item 10) --------------------------------------------------
RO_SCRIPT = """
import json, subprocess, sys
py, out = sys.executable, []
for args in (["read", "-q", "svc", "k"], ["list", "svc"], ["exec", "svc", "--", "sh", "-c", "echo K=$K"],
             ["export", "svc"], ["write", "svc", "k2", "v2"], ["delete", "svc", "k"]):
    r = subprocess.run([py, "-m", "pychamber", *args], capture_output=True, text=True, timeout=60)
    out.append([r.returncode, r.stdout, r.stderr])
print(json.dumps(out))
"""


def _seed_ro(directory: Path) -> dict[str, str]:
    import subprocess
    import sys

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": SRC, "HOME": str(directory),
           "USER": "alice", "CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_KEY": KEY,
           "PYCHAMBER_LOCAL_PATH": str(directory / "data" / "secrets.db"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for key, value in (("k", "ro-value"), ("other", "x")):
        subprocess.run([sys.executable, "-m", "pychamber", "write", "svc", key, value], env=env,
                       check=True, timeout=60)
    assert sorted(p.name for p in (directory / "data").iterdir()) == ["secrets.db"]  # no -wal left
    return env


def _check_ro(results: list, db: Path) -> None:
    read, listing, exec_, export, write, delete = results
    assert read == [0, "ro-value\n", ""]
    assert listing[0] == 0 and "k\t" in listing[1] and listing[2] == ""
    assert exec_ == [0, "K=ro-value\n", ""]
    assert export[0] == 0 and '"k":"ro-value"' in export[1]
    for rc, out, err in (write, delete):
        assert (rc, out) == (1, "")
        assert err == (f"Error: local secrets database {db} is read-only (this user may not write the "
                       "file or its directory): nothing was written\n")


@pytest.mark.parametrize("target", ["directory", "file"])
def test_a_database_on_a_read_only_mount_is_readable(tmp_path, target):
    # A read-only bind mount in a mount namespace of our own (unshare -rm): of the directory
    # (SQLite's immutable=1, no -shm can be made) or of the file alone (mode=ro).
    import json
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"]).returncode != 0:
        pytest.skip("no unprivileged mount namespace (unshare -rm)")
    env = _seed_ro(tmp_path)
    data = tmp_path / "data"
    before = (data / "secrets.db").read_bytes()
    mount = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && exec "$2" -c "$3"'
    ro = data if target == "directory" else data / "secrets.db"
    r = subprocess.run(["unshare", "-rm", "sh", "-c", mount, "sh", str(ro), sys.executable, RO_SCRIPT],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    _check_ro(json.loads(r.stdout), data / "secrets.db")
    assert (data / "secrets.db").read_bytes() == before


@pytest.mark.parametrize("what", ["directory", "file"])
def test_a_database_this_user_may_not_write_is_readable(what):
    # chmod does not bind root: as root the check runs as nobody (setpriv), else as this user.
    import json
    import shutil
    import subprocess
    import sys
    import tempfile

    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run(["sh", "-c", 'cd / && exec "$@"', "sh", *prefix, sys.executable, "-c",
                                "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                                "'import pychamber.stores.local, cryptography'], check=True)"],
                               env={"PYTHONPATH": SRC}, capture_output=True) if shutil.which("setpriv") else None
        if probe is None or probe.returncode != 0:
            pytest.skip("root, where chmod does not bind, and nobody cannot run this Python")
    top = Path(tempfile.mkdtemp(prefix="pychamber-ro-"))
    try:
        top.chmod(0o755)
        env = _seed_ro(top)
        data = top / "data"
        db = data / "secrets.db"
        if prefix:
            for p in (top, data, db):
                os.chown(p, 65534, 65534)
        if what == "directory":
            data.chmod(0o500)
        else:
            db.chmod(0o400)
        r = subprocess.run([*prefix, sys.executable, "-c", RO_SCRIPT], env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        _check_ro(json.loads(r.stdout), db)
    finally:
        for p in top.rglob("*"):
            if p.is_dir():
                p.chmod(0o700)
        shutil.rmtree(top)


# --- keyring only when it is used (issue 12 item 10) ------------------------------------------
def _imports(env: dict[str, str], *args: str) -> tuple[set[str], str]:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "pychamber", *args], env=env,
                       capture_output=True, text=True, timeout=60)
    modules = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    rest = "".join(line + "\n" for line in r.stderr.splitlines() if not line.startswith("import time:"))
    return {m.split(".")[0] for m in modules}, r.stdout + rest


def test_exec_imports_keyring_only_when_the_key_is_there(tmp_path):
    import subprocess
    import sys

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": SRC, "HOME": str(tmp_path / "home"),
           "XDG_DATA_HOME": str(tmp_path / "xdg"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "data" / "secrets.db"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    subprocess.run([sys.executable, "-m", "pychamber", "write", "svc", "k", "v"], env=env, check=True,
                   capture_output=True, timeout=60)
    assert (tmp_path / "data" / "secrets.key").exists()
    del env["PYTHON_KEYRING_BACKEND"]
    exec_line = ("exec", "svc", "--", "sh", "-c", "echo K=$K")
    from_file, out = _imports(env, *exec_line)
    assert out == "K=v\n" and "keyring" not in from_file and "cryptography" in from_file
    from_env, out = _imports({**env, "PYCHAMBER_LOCAL_KEY": (tmp_path / "data" / "secrets.key").read_text()},
                             *exec_line)
    assert out == "K=v\n" and "keyring" not in from_env
    # without the file the keyring is looked in (and then the key is missing)
    (tmp_path / "data" / "secrets.key").unlink()
    from_ring, out = _imports({**env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}, *exec_line)
    assert "keyring" in from_ring and "no data key for local secrets database" in out


# --- core dumps (issue 13 item 11) ------------------------------------------------------------
DUMPABLE = "import ctypes; print('dumpable', ctypes.CDLL(None, use_errno=True).prctl(3, 0, 0, 0, 0))"


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux only")
def test_pychamber_is_not_dumpable_and_the_program_is_again(tmp_path):
    import subprocess
    import sys

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": SRC, "HOME": str(tmp_path),
           "CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_KEY": KEY,
           "PYCHAMBER_LOCAL_PATH": str(tmp_path / "data" / "secrets.db"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    subprocess.run([sys.executable, "-m", "pychamber", "write", "svc", "k", "v"], env=env, check=True, timeout=60)
    # pychamber itself, at its exit (after having read the secrets)
    me = subprocess.run([sys.executable, "-c",
                         "import atexit, sys; code = sys.argv.pop(1); atexit.register(lambda: exec(code)); "
                         "from pychamber.cli import main; main()", DUMPABLE,
                         "export", "svc"], env=env, capture_output=True, text=True, timeout=60)
    assert me.stdout == '{"k":"v"}\ndumpable 0\n', me.stderr
    # the program exec'd in its place (same PID), and one started by the supervisor (--init)
    for flags in ((), ("--init",)):
        app = subprocess.run([sys.executable, "-m", "pychamber", "exec", *flags, "svc", "--", sys.executable,
                              "-c", DUMPABLE + "; import os; print('K', os.environ['K'])"],
                             env=env, capture_output=True, text=True, timeout=60)
        assert (app.returncode, app.stdout) == (0, "dumpable 1\nK v\n"), (flags, app.stderr)
