"""Processes (process): Go's LookPath, the execve hand-over and the parent's environment."""

from __future__ import annotations

import os

import pytest

from pychamber import process as ex
from pychamber.compat.strconv import go_quote
from pychamber.errors import ChamberError


# --- LookPath -------------------------------------------------------------------------------
@pytest.fixture
def bindir(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    prog = d / "prog"
    prog.write_text("#!/bin/sh\necho hi\n")
    prog.chmod(0o755)
    noexec = d / "noexec"
    noexec.write_text("x")
    noexec.chmod(0o644)
    (d / "adir").mkdir()
    return d


def test_look_path_search(bindir):
    assert ex.look_path("prog", f"/nonexistent:{bindir}") == str(bindir / "prog")
    assert ex.look_path("prog", f"{bindir}//:/usr/bin") == str(bindir / "prog")  # cleaned


def test_look_path_not_found(bindir):
    for path in ("/nonexistent", "", None):
        with pytest.raises(ChamberError) as e:
            ex.look_path("nosuch-prog", path)
        assert str(e.value) == 'exec: "nosuch-prog": executable file not found in $PATH'


def test_look_path_skips_dirs_and_non_executables(bindir):
    if os.geteuid() == 0 and os.access(bindir / "noexec", os.X_OK):
        pytest.skip("root can execute anything here")
    with pytest.raises(ChamberError, match="not found"):
        ex.look_path("noexec", str(bindir))
    with pytest.raises(ChamberError, match="not found"):
        ex.look_path("adir", str(bindir))


def test_look_path_relative_entries_refused(bindir, monkeypatch):
    monkeypatch.chdir(bindir)
    for path in ("", ":", ".", "/nonexistent::/x"):
        with pytest.raises(ChamberError) as e:
            ex.look_path("prog", path or ":")
        assert str(e.value) == 'exec: "prog": cannot run executable found relative to current directory'
    monkeypatch.chdir(bindir.parent)
    with pytest.raises(ChamberError, match="relative to current directory"):
        ex.look_path("prog", "bin")


def test_look_path_with_slash_used_as_is(bindir, monkeypatch):
    assert ex.look_path(str(bindir / "prog"), "") == str(bindir / "prog")
    monkeypatch.chdir(bindir)
    assert ex.look_path("./prog", "") == "./prog"
    with pytest.raises(ChamberError) as e:
        ex.look_path("./missing", "/usr/bin")
    assert str(e.value) == 'exec: "./missing": stat ./missing: no such file or directory'
    with pytest.raises(ChamberError) as e:
        ex.look_path("./adir", "")
    assert str(e.value) == 'exec: "./adir": is a directory'
    if not (os.geteuid() == 0 and os.access("noexec", os.X_OK)):
        with pytest.raises(ChamberError) as e:
            ex.look_path("./noexec", "")
        assert str(e.value) == 'exec: "./noexec": permission denied'


def test_go_quote():
    assert go_quote("foo") == '"foo"'
    assert go_quote('a"b\\c\n\t') == '"a\\"b\\\\c\\n\\t"'
    assert go_quote("é\x01") == '"é\\x01"'
    assert go_quote(os.fsdecode(b"\xff")) == '"\\xff"'


def test_exec_into_failure_is_one_line(tmp_path):
    script = tmp_path / "bad"
    script.write_bytes(b"\x00\x01\x02not a program")
    script.chmod(0o755)
    with pytest.raises(ChamberError) as e:
        ex.exec_into(str(script), [str(script)], {})
    assert str(e.value) == "exec format error"


def test_parent_environ_is_a_copy():
    env = ex.parent_environ()
    env["PYCHAMBER_TEST_X"] = "1"
    assert "PYCHAMBER_TEST_X" not in os.environ
