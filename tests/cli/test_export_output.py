"""export -o through symlinks (issue 21 item 11) and -f github appending to $GITHUB_ENV (issue 20
item 3), through the CLI in-process on the local backend, on real files, links and FIFOs."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest

from cli.test_transfer_roundtrip import env_for
from conftest import invoke
from formats.test_targets import parse_github_env

SECRETS = {"db-url": "postgres://u:p@h/db", "cert": "-----BEGIN-----\nAAA\n-----END-----\n", "token": "t0k%n"}
OTHER = 4321  # a uid that is neither this user nor root
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


@pytest.fixture
def env(tmp_path):
    e = env_for(tmp_path / "db" / "s.db")
    p = invoke(["import", "app", "-"], e, json.dumps(SECRETS), text=True)
    assert p.returncode == 0, p.stderr
    return e


def run(env, *args):
    return invoke(args, env, text=True)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def shared(tmp_path):
    d = tmp_path / "shared"
    d.mkdir()
    d.chmod(0o777)  # a directory others may write (no sticky bit: links there are followed)
    return d


# --- symlinks (21.11) --------------------------------------------------------------------------
@as_root
def test_a_symlink_another_user_planted_is_refused(env, shared):
    bait = shared / "bait"
    bait.write_text("")
    bait.chmod(0o666)
    os.chown(bait, OTHER, OTHER)
    link = shared / "out.json"
    link.symlink_to(bait)
    os.lchown(link, OTHER, OTHER)
    p = run(env, "export", "app", "-o", str(link))
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == (f"Error: Failed to open output file for writing: open {link}: refusing to follow "
                        f"symlink {link}, which another user owns (uid {OTHER})\n")
    assert bait.read_text() == "" and link.is_symlink()


@as_root
def test_our_symlink_to_another_users_file_is_refused(env, shared):
    bait = shared / "bait"
    bait.write_text("theirs")
    bait.chmod(0o666)
    os.chown(bait, OTHER, OTHER)
    link = shared / "out.json"
    link.symlink_to(bait)
    p = run(env, "export", "app", "-o", str(link))
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr == (f"Error: Failed to open output file for writing: open {link}: refusing to write "
                        f"through a symlink to a file another user owns (uid {OTHER})\n")
    assert bait.read_text() == "theirs" and mode(bait) == 0o666


def test_a_link_to_our_own_open_file_is_written_and_closed_to_0600(env, tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o666)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    p = run(env, "export", "app", "-o", str(link))
    assert p.returncode == 0, p.stderr
    assert link.is_symlink() and json.loads(target.read_text()) == SECRETS
    assert mode(target) == 0o600


def test_a_dangling_link_gives_a_0600_file(env, tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    old = os.umask(0o022)
    try:
        p = run(env, "export", "app", "-o", str(link))
    finally:
        os.umask(old)
    assert p.returncode == 0, p.stderr
    assert json.loads((tmp_path / "new.json").read_text()) == SECRETS
    assert mode(tmp_path / "new.json") == 0o600


@pytest.mark.parametrize("via_link", [False, True])
def test_a_fifo_is_still_written_through(env, tmp_path, via_link):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    path = fifo
    if via_link:
        path = tmp_path / "link"
        path.symlink_to(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    p = run(env, "export", "app", "-o", str(path))
    reader.join(30)
    assert p.returncode == 0, p.stderr
    assert json.loads(got[0]) == SECRETS and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_dev_stdout_still_works(env):
    p = subprocess.run([sys.executable, "-m", "pychamber", "export", "app", "-o", "/dev/stdout"], env=env,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == SECRETS


# --- -f github appends (20.3) ------------------------------------------------------------------
PRIOR = "EARLIER_STEP=kept\nMULTI<<EOF\nline one\nline two\nEOF\n"


def test_github_appends_to_the_runners_file(env, tmp_path):
    f = tmp_path / "set_env_1234"
    f.write_text(PRIOR)
    f.chmod(0o644)
    p = run(env, "export", "-f", "github", "--mask", "-o", str(f), "app")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("::add-mask::")  # the masks on stdout, where the runner reads them
    assert f.read_text().startswith(PRIOR)
    assert parse_github_env(f.read_text()) == {
        "EARLIER_STEP": "kept", "MULTI": "line one\nline two",
        "DB_URL": SECRETS["db-url"], "CERT": SECRETS["cert"], "TOKEN": SECRETS["token"]}
    assert mode(f) == 0o644  # the runner's file keeps its mode
    # a second step appends again, and a file without a final line end gets one first
    with open(f, "a") as w:
        w.write("NO_NEWLINE=x")
    assert run(env, "export", "-f", "github", "-o", str(f), "app").returncode == 0
    parsed = parse_github_env(f.read_text())
    assert parsed["NO_NEWLINE"] == "x" and parsed["EARLIER_STEP"] == "kept" and parsed["DB_URL"] == SECRETS["db-url"]


@as_root
def test_github_keeps_the_owner_of_the_runners_file(env, tmp_path):
    f = tmp_path / "set_env"
    f.write_text(PRIOR)
    os.chown(f, OTHER, OTHER)
    f.chmod(0o664)
    assert run(env, "export", "-f", "github", "-o", str(f), "app").returncode == 0
    st = f.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (OTHER, OTHER, 0o664)
    assert parse_github_env(f.read_text())["EARLIER_STEP"] == "kept"


def test_github_creates_a_missing_file_0600(env, tmp_path):
    f = tmp_path / "new_env"
    old = os.umask(0o022)
    try:
        assert run(env, "export", "-f", "github", "-o", str(f), "app").returncode == 0
    finally:
        os.umask(old)
    assert mode(f) == 0o600
    assert parse_github_env(f.read_text()) == {"DB_URL": SECRETS["db-url"], "CERT": SECRETS["cert"],
                                               "TOKEN": SECRETS["token"]}


def test_other_formats_still_replace_the_file(env, tmp_path):
    f = tmp_path / "out.env"
    f.write_text("OLD=1\n")
    assert run(env, "export", "-f", "dotenv", "-o", str(f), "app").returncode == 0
    assert "OLD" not in f.read_text()
