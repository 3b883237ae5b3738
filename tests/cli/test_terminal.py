"""Terminal manners, on a real pty (pexpect) against the local backend: write's hidden prompt,
coloured errors (and NO_COLOR), progress bars on stderr; and, piped, chamber's bytes unchanged."""

from __future__ import annotations

import base64
import io
import json
import os
import sys
from pathlib import Path

import pytest

from conftest import invoke

pexpect = pytest.importorskip("pexpect")

SRC = str(Path(__file__).resolve().parents[2] / "src")
KEY = base64.b64encode(b"t" * 32).decode()
SECRET = "s3cr3t-Valu3-never-echoed"
RED_ERROR = b"\x1b[1;31mError:\x1b[0m"


def _write_usage() -> bytes:
    """cobra's usage block of write (its exact text is tests/cli/test_parity.py's)."""
    from pychamber.cli import help

    return help.usage("write", "pychamber").encode()


WRITE_USAGE = _write_usage()


@pytest.fixture
def env(tmp_path):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_")) and k != "NO_COLOR"}
    e.update({"PYTHONPATH": SRC, "CHAMBER_SECRET_BACKEND": "local",
              "PYCHAMBER_LOCAL_PATH": str(tmp_path / "s.db"), "PYCHAMBER_LOCAL_KEY": KEY,
              "PYCHAMBER_WRITE_RATE": "0", "AWS_EC2_METADATA_DISABLED": "true", "TERM": "xterm"})
    return e


def on_pty(env, *args, **extra):
    """``pychamber ARGS`` on a new pty (stdin, stdout and stderr all the terminal); everything
    the terminal showed is collected in ``child.shown``."""
    child = pexpect.spawn(sys.executable, ["-m", "pychamber", *args], env={**env, **extra},
                          timeout=60)
    child.shown = io.BytesIO()
    child.logfile_read = child.shown
    return child


def finish(child) -> tuple[int, bytes]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.shown.getvalue()


def stored(env, service, key):
    p = invoke(["read", "-q", service, key], env)
    return p.stdout_bytes.decode()[:-1] if p.returncode == 0 else None


# --- write's hidden prompt --------------------------------------------------------------------
@pytest.mark.parametrize("value_arg", [[], ["-"], ["-s", "-"]])
def test_write_asks_twice_without_echo_on_a_terminal(env, value_arg):
    child = on_pty(env, "write", "svc", "Key", *value_arg)
    child.expect_exact("Value for svc/key (input hidden): ")
    child.sendline(SECRET)
    child.expect_exact("Value for svc/key again: ")
    child.sendline(SECRET)
    code, shown = finish(child)
    assert code == 0, shown
    assert SECRET.encode() not in shown  # never echoed by the terminal
    assert stored(env, "svc", "key") == SECRET


def test_write_values_that_differ_write_nothing(env):
    child = on_pty(env, "write", "svc", "key")
    child.expect_exact("(input hidden): ")
    child.sendline(SECRET)
    child.expect_exact("again: ")
    child.sendline(SECRET + "x")
    code, shown = finish(child)
    after = shown.split(b"again: ", 1)[1]
    assert (code, after.strip().splitlines()) == (
        1, [RED_ERROR + b" the two values entered differ; nothing was written"])
    assert SECRET.encode() not in shown
    assert stored(env, "svc", "key") is None


def test_write_end_of_input_at_the_prompt_writes_nothing(env):
    child = on_pty(env, "write", "svc", "key", NO_COLOR="1")
    child.expect_exact("(input hidden): ")
    child.sendeof()
    code, shown = finish(child)
    assert code == 1
    assert shown.splitlines()[-1] == b"Error: no value entered (end of input); nothing was written"
    assert stored(env, "svc", "key") is None


def test_write_without_a_value_off_a_terminal_is_chambers_argument_error(env):
    p = invoke(["write", "svc", "key"], env)
    assert (p.returncode, p.stdout_bytes, p.stderr_bytes) == (
        1, b"", b"Error: accepts 3 arg(s), received 2\n" + WRITE_USAGE)


def test_write_dash_off_a_terminal_reads_stdin(env):
    assert invoke(["write", "svc", "key", "-"], env, input="piped\n").returncode == 0
    assert stored(env, "svc", "key") == "piped\n"


def test_a_bad_key_is_refused_before_any_prompt(env):
    child = on_pty(env, "write", "svc", "bad key!", NO_COLOR="1")
    code, shown = finish(child)
    assert code == 1 and b"input hidden" not in shown
    assert shown.startswith(b"Error: Failed to validate key: ")


# --- colour -----------------------------------------------------------------------------------
def test_errors_are_red_on_a_terminal(env):
    code, shown = finish(on_pty(env, "write", "svc"))
    assert code == 1
    assert shown.replace(b"\r\n", b"\n") == RED_ERROR + b" accepts 3 arg(s), received 1\n" + WRITE_USAGE


def test_unknown_command_is_red_on_a_terminal(env):
    code, shown = finish(on_pty(env, "frobnicate"))
    assert code == 1 and shown.startswith(RED_ERROR + b' unknown command "frobnicate"')


@pytest.mark.parametrize("extra", [{"NO_COLOR": "1"}, {"NO_COLOR": "yes please"}, {"TERM": "dumb"}])
def test_no_color_and_dumb_terminals_get_plain_errors(env, extra):
    code, shown = finish(on_pty(env, "read", "svc", "missing", **extra))
    assert code == 1 and b"\x1b" not in shown
    assert shown.startswith(b"Error: Failed to read: ")


def test_an_empty_no_color_keeps_colour(env):
    code, shown = finish(on_pty(env, "read", "svc", "missing", NO_COLOR=""))
    assert code == 1 and shown.startswith(RED_ERROR)


def test_piped_errors_are_chambers_bytes(env):
    p = invoke(["read", "svc", "missing"], env)
    assert (p.returncode, p.stdout_bytes) == (1, b"")
    assert p.stderr_bytes.startswith(b"Error: Failed to read: ") and b"\x1b" not in p.stderr_bytes


def test_colour_follows_stderr_not_stdout(env):
    """stdout piped, stderr a terminal: coloured; stderr piped from a terminal: plain."""
    child = pexpect.spawn("/bin/sh", ["-c", f'"{sys.executable}" -m pychamber read svc missing | cat'],
                          env=env, timeout=60)
    child.logfile_read = shown = io.BytesIO()
    child.expect(pexpect.EOF)
    assert shown.getvalue().startswith(RED_ERROR)
    child = pexpect.spawn("/bin/sh", ["-c", f'"{sys.executable}" -m pychamber read svc missing 2>&1 | cat'],
                          env=env, timeout=60)
    child.logfile_read = shown = io.BytesIO()
    child.expect(pexpect.EOF)
    assert shown.getvalue().startswith(b"Error: Failed to read: ")


# --- progress bars ----------------------------------------------------------------------------
def fill(env, services: int, keys: int = 2) -> None:
    for s in range(services):
        data = {f"s{s}k{k}": SECRET for k in range(keys)}
        assert invoke(["import", f"svc{s}", "-"], env, json.dumps(data)).returncode == 0


def test_export_of_many_services_shows_a_bar_on_a_terminal_then_erases_it(env):
    fill(env, 4)
    child = on_pty(env, "export", "-o", os.devnull, "svc0", "svc1", "svc2", "svc3")
    child.expect(r"exporting \[#+\] 4/4")
    code, shown = finish(child)
    assert code == 0
    # the last thing drawn on the line is blanks: the bar is gone
    assert shown.rstrip(b"\r").rsplit(b"\r", 1)[1].strip() == b""
    assert SECRET.encode() not in shown


def test_find_by_value_shows_a_bar_and_never_a_value(env):
    fill(env, 3)
    child = on_pty(env, "find", "-v", SECRET)
    child.expect(r"searching \[#+\] 3/3")
    code, shown = finish(child)
    assert code == 0
    assert shown.count(SECRET.encode()) == 0  # the table holds services and keys only
    assert b"svc2" in shown


def test_one_step_draws_no_bar(env):
    fill(env, 1)
    code, shown = finish(on_pty(env, "export", "-o", os.devnull, "svc0"))
    assert (code, shown) == (0, b"")


def test_piped_output_has_no_bar(env):
    fill(env, 3)
    p = invoke(["find", "-v", SECRET], env)
    assert p.returncode == 0 and p.stderr_bytes == b""
    assert p.stdout_bytes.decode().split() == ["Service", "Key", "svc0", "s0k0", "svc0", "s0k1",
                                               "svc1", "s1k0", "svc1", "s1k1", "svc2", "s2k0", "svc2", "s2k1"]
    p = invoke(["export", "svc0", "svc1", "svc2"], env)
    assert p.returncode == 0 and p.stderr_bytes == b""


def test_write_interrupted_at_the_prompt_writes_nothing(env):
    child = on_pty(env, "write", "svc", "key")
    child.expect_exact("(input hidden): ")
    child.send(SECRET[:5])
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and b"Traceback" not in child.shown.getvalue()
    assert stored(env, "svc", "key") is None
