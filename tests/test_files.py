"""Secrets as files (pychamber.files), and materialize / exec --files through the CLI on the local
backend: exact bytes, modes, atomic replacement, the manifest, cleanup of our stale files only,
foreign files never touched, one-line errors with nothing half-written."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pychamber import envbuild
from pychamber.errors import ChamberError
from pychamber.files import MANIFEST, read_manifest, write_secret_files

SRC = Path(__file__).resolve().parents[1] / "src"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_exact_bytes_with_modes(tmp_path):
    d = tmp_path / "secrets"
    done = write_secret_files(str(d), {"db_password": "pw\n\"x\" é", "empty": ""})
    assert sorted(done.written) == ["db_password", "empty"] and done.removed == []
    assert (d / "db_password").read_bytes() == "pw\n\"x\" é".encode()
    assert (d / "empty").read_bytes() == b""
    assert mode_of(d) == 0o700
    assert mode_of(d / "db_password") == 0o400
    manifest = (d / MANIFEST).read_text()
    assert json.loads(manifest)["files"] == ["db_password", "empty"]
    assert "pw" not in manifest  # names only, never a value
    assert sorted(os.listdir(d)) == sorted([MANIFEST, "db_password", "empty"])  # no temp files left


def test_mode_and_rewrite_replaces_the_inode(tmp_path):
    d = tmp_path / "s"
    write_secret_files(str(d), {"k": "one"}, mode=0o440)
    assert mode_of(d / "k") == 0o440
    before = (d / "k").stat().st_ino
    with open(d / "k", "rb") as reader:  # a reader holding the old file keeps reading the old secret
        write_secret_files(str(d), {"k": "two"}, mode=0o440)
        assert reader.read() == b"one"
    assert (d / "k").read_bytes() == b"two"
    assert (d / "k").stat().st_ino != before  # renamed into place, not rewritten in place


def test_stale_files_of_ours_removed_foreign_files_never_touched(tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    (d / "notes.txt").write_text("mine, not pychamber's")
    write_secret_files(str(d), {"a": "1", "b": "2"})
    done = write_secret_files(str(d), {"b": "3"})
    assert done.removed == ["a"]
    assert sorted(os.listdir(d)) == sorted([MANIFEST, "b", "notes.txt"])
    assert (d / "notes.txt").read_text() == "mine, not pychamber's"
    assert read_manifest(str(d)) == ["b"]


def test_a_foreign_file_with_a_secrets_name_is_an_error_before_any_write(tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    (d / "b").write_text("foreign")
    with pytest.raises(ChamberError) as e:
        write_secret_files(str(d), {"a": "1", "b": "secret-value-2"})
    assert "exists and pychamber did not write it" in str(e.value)
    assert "secret-value-2" not in str(e.value)
    assert sorted(os.listdir(d)) == ["b"] and (d / "b").read_text() == "foreign"


@pytest.mark.parametrize("name", [".", "..", MANIFEST, ".pychamber-tmp-x"])
def test_names_that_cannot_be_files_are_refused(tmp_path, name):
    with pytest.raises(ChamberError, match="as a file"):
        write_secret_files(str(tmp_path / "s"), {"ok": "1", name: "v"})
    assert not (tmp_path / "s").exists()


def test_a_corrupt_manifest_is_one_line_and_nothing_is_removed(tmp_path):
    d = tmp_path / "s"
    write_secret_files(str(d), {"a": "1"})
    os.chmod(d / MANIFEST, 0o600)
    (d / MANIFEST).write_text("{not json")
    with pytest.raises(ChamberError, match="not a pychamber manifest"):
        write_secret_files(str(d), {})
    assert (d / "a").exists()


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare")
def test_read_only_file_system_is_one_line(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    code = (f"import sys; sys.path.insert(0, {str(SRC)!r}); from pychamber.files import write_secret_files\n"
            "from pychamber.errors import ChamberError\n"
            f"try:\n    write_secret_files({str(ro / 'sub')!r}, {{'k': 'v'}})\n"
            "except ChamberError as e:\n    print(e)\n")
    script = f"mount -t tmpfs -o ro tmpfs {ro} && {sys.executable} -c \"$0\""
    out = subprocess.run(["unshare", "-rm", "sh", "-c", script, code], capture_output=True, text=True,
                         timeout=60)
    if "mount" in out.stderr and out.returncode:
        pytest.skip("cannot mount here: " + out.stderr.strip())
    assert out.stdout.strip() == f"cannot create directory {ro / 'sub'}: read-only file system"


def test_as_files_replaces_values_with_file_variables():
    state = envbuild.ExecEnv({"DB_PASSWORD": "pw", "PATH": "/bin"},
                             {"DB_PASSWORD": envbuild.Source("web", "/web/db_password")})
    files, env = envbuild.as_files(state, "/run/secrets/")
    assert files == {"db_password": "pw"}
    assert env.env == {"PATH": "/bin", "DB_PASSWORD_FILE": "/run/secrets/db_password"}
    assert env.names_set() == ["DB_PASSWORD_FILE"]


# --- through the CLI, on the local backend ---------------------------------------------------------
@pytest.fixture
def cli(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    env.update({"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "db"),
                "PYCHAMBER_LOCAL_KEY": base64.b64encode(os.urandom(32)).decode(),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "PYTHONPATH": str(SRC)})

    def run(*args, check=True):
        out = subprocess.run([sys.executable, "-m", "pychamber", *args], capture_output=True,
                             text=True, env=env, timeout=120)
        if check:
            assert out.returncode == 0, out.stderr
        return out

    run.env = env  # type: ignore[attr-defined]
    return run


def test_materialize_then_a_changed_store(cli, tmp_path):
    cli("write", "web", "db_password", "hunter2")
    cli("write", "web", "api-key", "k1")
    cli("write", "shared", "db_password", "from-shared")
    out = cli("materialize", "web", "shared", "--dir", str(tmp_path / "s"))
    assert (out.stdout, out.stderr) == ("", "warning: service shared overwriting environment variable DB_PASSWORD\n")
    assert (tmp_path / "s" / "db_password").read_text() == "from-shared"  # exec's precedence
    assert (tmp_path / "s" / "api-key").read_text() == "k1"
    cli("delete", "web", "api-key")
    cli("materialize", "web", "--dir", str(tmp_path / "s"), "--mode", "0440")
    assert sorted(os.listdir(tmp_path / "s")) == [MANIFEST, "db_password"]
    assert mode_of(tmp_path / "s" / "db_password") == 0o440


def test_materialize_bad_input(cli, tmp_path):
    cli("write", "web", "k", "v")
    for args, msg in [(["web"], "Error: materialize needs --dir <dir>, the directory to write the files in\n"),
                      (["web", "--dir", str(tmp_path), "--mode", "9"],
                       'Error: invalid argument "9" for "--mode" flag: an octal file mode such as 0400\n')]:
        out = cli("materialize", *args, check=False)
        assert (out.returncode, out.stderr) == (1, msg)
    (tmp_path / "f").write_text("x")
    out = cli("materialize", "web", "--dir", str(tmp_path / "f"), check=False)
    assert out.returncode == 1 and out.stderr.startswith("Error: cannot ") and len(out.stderr.splitlines()) == 1


@pytest.mark.parametrize("flag, value", [("--uid", "-5"), ("--uid", "4294967296"), ("--gid", "-1"),
                                         ("--uid", "4294967295")])
def test_materialize_an_owner_that_cannot_be_is_one_line_and_nothing_is_created(cli, tmp_path, flag, value):
    """Before: chown's OverflowError, 'internal error', after the directory was created."""
    cli("write", "web", "k", "v")
    out = cli("materialize", "web", "--dir", str(tmp_path / "s"), flag, value, check=False)
    assert (out.returncode, out.stderr) == (1, f"Error: invalid {flag[2:]} {value}: a user or group id is 0 "
                                               "to 4294967294\n")
    assert not (tmp_path / "s").exists()


def test_exec_files_gives_file_variables_and_no_values(cli, tmp_path):
    cli("write", "web", "db_password", "hunter2-canary")
    cli("write", "web", "port", "8080")
    d = tmp_path / "run"
    out = cli("exec", "--files", str(d), "web", "--", "cat", "/proc/self/environ")
    env = dict(e.split("=", 1) for e in out.stdout.split("\0") if e)
    assert env["DB_PASSWORD_FILE"] == str(d / "db_password") and env["PORT_FILE"] == str(d / "port")
    assert "DB_PASSWORD" not in env and "PORT" not in env
    assert "hunter2-canary" not in out.stdout
    assert (d / "db_password").read_text() == "hunter2-canary"
    # --dry-run with --files: the variables named, never a value
    dry = cli("exec", "--files", str(d), "--dry-run", "web", "--", "true")
    assert "DB_PASSWORD_FILE" in dry.stdout and "hunter2" not in dry.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_materialize_sets_the_owner_as_root(cli, tmp_path):
    cli("write", "web", "db_password", "pw")
    cli("materialize", "web", "--dir", str(tmp_path / "s"), "--uid", "1234", "--gid", "2345")
    st = (tmp_path / "s" / "db_password").stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 2345, 0o400)


def test_export_output_file_writes_through_a_symlink(cli, tmp_path):
    cli("write", "web", "k", "v")
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    cli("export", "web", "-o", str(link))
    assert link.is_symlink() and target.read_text() == '{"k":"v"}\n'


def test_the_local_data_key_never_reaches_the_program(cli, tmp_path):
    cli("write", "web", "k", "v")
    for extra in ([], ["--init"]):
        out = cli("exec", *extra, "web", "--", "cat", "/proc/self/environ")
        env = dict(e.split("=", 1) for e in out.stdout.split("\0") if e)
        assert env["K"] == "v" and "PYCHAMBER_LOCAL_KEY" not in env
        assert cli.env["PYCHAMBER_LOCAL_KEY"] not in out.stdout  # type: ignore[attr-defined]


def test_export_to_a_directory_is_chambers_open_error(tmp_path):
    """export -o DIR: chamber's os.OpenFile fails first ("Failed to open output file for
    writing"), not a write error; nothing is left in the directory."""
    from pychamber.files import write_output_file

    with pytest.raises(ChamberError) as e:
        write_output_file(str(tmp_path), b"{}")
    assert e.value.message == f"Failed to open output file for writing: open {tmp_path}: is a directory"
    assert os.listdir(tmp_path) == []
