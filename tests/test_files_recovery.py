"""Secrets as files after an interrupted run (issue 21 item 13): a run killed midway, or out of
space, leaves nothing the next run refuses, and foreign files are still refused. The directory
and its owner for other programs (issue 20 item 5): materialize --uid/--gid creates it owned by
them; exec --init / --watch remove the files when the program ends; plain exec leaves them."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pychamber.errors import ChamberError
from pychamber.files import MANIFEST, TMP_PREFIX, read_manifest, write_secret_files

SRC = Path(__file__).resolve().parents[1] / "src"
N = 400

WRITER = textwrap.dedent("""
    import sys
    from pychamber.files import write_secret_files
    write_secret_files(sys.argv[1], {f"s{i:04d}": "v" * 100 for i in range(int(sys.argv[2]))})
""")


def _interrupted_run(d: Path, wanted: str) -> None:
    """A writer of N files stopped (SIGSTOP, then SIGKILL) as soon as the directory shows
    ``wanted``: ``temporary`` files, or ``renamed`` secret files (not all of them)."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for _ in range(20):
        for p in d.iterdir() if d.exists() else []:
            if p.name != "notes.txt":
                p.unlink()
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(d), str(N)], env=env)
        seen = False
        deadline = time.monotonic() + 60
        while child.poll() is None and time.monotonic() < deadline:
            names = os.listdir(d) if d.exists() else []
            if wanted == "temporary":
                seen = any(n.startswith(TMP_PREFIX) for n in names)
            else:
                seen = any(n.startswith("s") for n in names)
            if seen:
                child.send_signal(signal.SIGSTOP)
                names = os.listdir(d)
                done = [n for n in names if n.startswith("s")]
                seen = (wanted == "temporary" or 0 < len(done) < N)
                child.kill()
                break
        child.wait(30)
        if seen:
            return
    pytest.skip(f"could not stop a writer with {wanted} files in the directory")


@pytest.mark.parametrize("wanted", ["temporary", "renamed"])
def test_a_run_killed_midway_is_recovered_by_the_next(tmp_path, wanted):
    d = tmp_path / "s"
    d.mkdir()
    (d / "notes.txt").write_text("mine, not pychamber's")
    _interrupted_run(d, wanted)
    done = write_secret_files(str(d), {"s0000": "new", "s0001": "new"})
    assert sorted(done.written) == ["s0000", "s0001"]
    assert sorted(os.listdir(d)) == sorted([MANIFEST, "notes.txt", "s0000", "s0001"])  # no temp file left
    assert (d / "s0000").read_text() == "new" and (d / "notes.txt").read_text() == "mine, not pychamber's"
    assert read_manifest(str(d)) == ["s0000", "s0001"]


def test_after_an_interrupted_run_a_foreign_file_is_still_refused(tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    _interrupted_run(d, "renamed")
    foreign = d / "s9999"  # never written by the killed run, whose names are s0000..s0399
    foreign.write_text("foreign")
    with pytest.raises(ChamberError, match="exists and pychamber did not write it"):
        write_secret_files(str(d), {"s0000": "x", "s9999": "y"})
    assert foreign.read_text() == "foreign"
    # a file put where an interrupted run meant to rename one, but not the one it wrote, is foreign too
    manifest = json.loads((d / MANIFEST).read_text())
    if manifest.get("pending"):
        name = sorted(manifest["pending"])[-1]
        (d / name).unlink(missing_ok=True)
        (d / name).write_text("planted")
        with pytest.raises(ChamberError, match="exists and pychamber did not write it"):
            write_secret_files(str(d), {name: "z"})
        assert (d / name).read_text() == "planted"


FULL_DISK = textwrap.dedent("""
    import json, os, sys
    from pychamber.errors import ChamberError
    from pychamber.files import write_secret_files
    d = os.path.join(sys.argv[1], "s")
    out = {}
    write_secret_files(d, {"a": "1"})
    try:
        write_secret_files(d, {"a": "2", **{f"big{i:02d}": "x" * 16384 for i in range(40)}})
        out["error"] = None
    except ChamberError as e:
        out["error"] = str(e)
    def files():
        return {n: open(os.path.join(d, n)).read() for n in sorted(os.listdir(d)) if n != ".pychamber-manifest"}
    out["after_failure"] = files()
    write_secret_files(d, {"a": "3", "b": "4"})
    out["after_retry"] = files()
    print(json.dumps(out))
""")


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare")
def test_out_of_space_changes_nothing_and_the_next_run_works(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    script = f'mount -t tmpfs -o size=256k tmpfs {mnt} && exec "{sys.executable}" -c "$0" {mnt}'
    r = subprocess.run(["unshare", "-rm", "sh", "-c", script, FULL_DISK], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "PYTHONPATH": str(SRC)})
    if r.returncode and "mount" in r.stderr:
        pytest.skip("cannot mount a tmpfs here: " + r.stderr.strip())
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["error"].startswith(f"cannot write {mnt}/s/big") and out["error"].endswith(": no space left on device")
    assert out["after_failure"] == {"a": "1"}  # all or nothing: the old file, no part of the new run
    assert out["after_retry"] == {"a": "3", "b": "4"}


# --- the directory for another program, and cleanup (20.5) -----------------------------------------
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

    return run


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_materialize_creates_the_directory_owned_by_uid_and_gid(cli, tmp_path):
    import tempfile

    cli("write", "web", "db_password", "pw")
    top = Path(tempfile.mkdtemp(prefix="pychamber-owner-"))  # a path the other user may traverse
    try:
        top.chmod(0o755)
        d = top / "secrets"
        cli("materialize", "web", "--dir", str(d), "--uid", "1234", "--gid", "2345")
        st = d.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 2345, 0o700)
        if shutil.which("setpriv"):  # the program, as that user, reads its own file
            r = subprocess.run(["setpriv", "--reuid=1234", "--regid=2345", "--clear-groups", "cat",
                                str(d / "db_password")], capture_output=True, text=True)
            assert (r.returncode, r.stdout) == (0, "pw"), r.stderr
    finally:
        shutil.rmtree(top)
    # an existing directory keeps its owner
    other = tmp_path / "existing"
    other.mkdir()
    cli("materialize", "web", "--dir", str(other), "--uid", "1234", "--gid", "2345")
    assert (other.stat().st_uid, other.stat().st_gid) == (0, 0)


@pytest.mark.parametrize("mode", ["--init", "--watch"])
def test_supervised_exec_removes_its_files_when_the_program_ends(cli, tmp_path, mode):
    cli("write", "web", "db_password", "hunter2")
    d = tmp_path / "run" / "secrets"
    keep = tmp_path / "kept"
    out = cli("exec", mode, "--files", str(d), "web", "--", "sh", "-c",
              f'cat "$DB_PASSWORD_FILE" > {keep}; exit 3', check=False)
    assert out.returncode == 3, out.stderr
    assert keep.read_text() == "hunter2"  # the program had its file
    assert not d.exists()  # files, manifest and the directory pychamber created are gone
    # in a directory that was there before, only pychamber's files go
    (tmp_path / "pre").mkdir()
    (tmp_path / "pre" / "notes.txt").write_text("mine")
    cli("exec", mode, "--files", str(tmp_path / "pre"), "web", "--", "true")
    assert os.listdir(tmp_path / "pre") == ["notes.txt"]


def test_plain_exec_leaves_its_files(cli, tmp_path):
    cli("write", "web", "db_password", "hunter2")
    d = tmp_path / "run"
    cli("exec", "--files", str(d), "web", "--", "true")
    assert (d / "db_password").read_text() == "hunter2"
