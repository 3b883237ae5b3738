"""exec --init / --watch with real processes and real signals, on the local backend: exit
statuses pass through, signals are forwarded, a changed secret restarts (or signals) the
program with the new value, a bad rotation keeps it running, orphans are reaped as PID 1."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import wait_for

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    e.update({"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "db"),
              "PYCHAMBER_LOCAL_KEY": base64.b64encode(bytes(range(32))).decode(),
              "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "PYTHONPATH": str(SRC)})
    return e


def pychamber(env, *args, **kw):
    return subprocess.run([sys.executable, "-m", "pychamber", *args], env=env, capture_output=True,
                          text=True, timeout=120, **kw)


def start(env, *args):
    return subprocess.Popen([sys.executable, "-m", "pychamber", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# An app that logs its starts (with the value it sees) and the signals it gets. Its handlers
# are in place before it says "start" (a signal sent on seeing the line must find them), and
# they write with os.write (a buffered write interrupted by a handler writing is reentrant).
APP = r"""
import os, signal, sys, time
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
def say(text):
    os.write(log, (text + "\n").encode())
def on(sig, _):
    say(f"signal {signal.Signals(sig).name}")
    if sig == signal.SIGTERM:
        os._exit(int(os.environ.get("EXIT_ON_TERM", "3")))
    if sig == signal.SIGUSR1 and "PW_FILE" in os.environ:
        with open(os.environ["PW_FILE"]) as f:
            say("file " + f.read())
if os.environ.get("IGNORE_TERM"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, on)
signal.signal(signal.SIGUSR1, on)
signal.signal(signal.SIGHUP, on)
say(f"start {os.getpid()} {os.environ.get('PW', os.environ.get('PW_FILE', '-'))}")
while True:
    time.sleep(0.05)
"""


@pytest.fixture
def app(tmp_path):
    script = tmp_path / "app.py"
    script.write_text(APP)
    log = tmp_path / "app.log"
    log.touch()
    return [sys.executable, str(script), str(log)], log


def lines(log: Path) -> list[str]:
    return log.read_text().splitlines()


def test_init_passes_exit_status_and_signal_deaths(env):
    pychamber(env, "write", "app", "pw", "one")
    r = pychamber(env, "exec", "--init", "app", "--", "sh", "-c", 'test "$PW" = one && exit 7')
    assert r.returncode == 7, r.stderr
    r = pychamber(env, "exec", "--init", "app", "--", "sh", "-c", "kill -KILL $$")
    assert r.returncode == 128 + 9


def test_init_forwards_signals_and_the_child_is_not_pychamber(env, app):
    argv, log = app
    pychamber(env, "write", "app", "pw", "one")
    p = start(env, "exec", "--init", "app", "--", *argv)
    assert wait_for(lambda: any(x.startswith("start") for x in lines(log)))
    child_pid = int(lines(log)[0].split()[1])
    assert child_pid != p.pid
    p.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "signal SIGHUP" in lines(log))
    assert p.poll() is None  # the child handled it; pychamber keeps supervising
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 3  # the child's own status
    assert lines(log)[-1] == "signal SIGTERM"


def test_init_child_without_a_term_handler_ends_143(env):
    pychamber(env, "write", "app", "pw", "one")
    p = start(env, "exec", "--init", "app", "--", "sh", "-c", "echo ready; exec sleep 60")
    assert p.stdout.readline() == "ready\n"  # pychamber forwards signals once the child runs
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 143


def test_watch_restarts_with_the_new_value(env, app):
    argv, log = app
    pychamber(env, "write", "app", "pw", "one")
    p = start(env, "exec", "--watch", "--watch-interval", "200ms", "app", "--", *argv)
    try:
        assert wait_for(lambda: lines(log)[:1] and lines(log)[0].endswith(" one"))
        assert pychamber(env, "write", "app", "pw", "two").returncode == 0
        assert wait_for(lambda: lines(log)[-1:] and lines(log)[-1].endswith(" two")), lines(log)
        starts = [x for x in lines(log) if x.startswith("start")]
        assert len(starts) == 2 and "signal SIGTERM" in lines(log)
        assert p.poll() is None  # the supervisor stays up
    finally:
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=30)
    err = p.stderr.read()
    assert code == 3
    assert "pychamber: app/pw 1 -> 2: restarting the command" in err
    assert "one" not in err.replace("app/pw", "") and "two" not in err


def test_watch_grace_kill(env, app):
    argv, log = app
    pychamber(env, "write", "app", "pw", "one")
    p = start({**env, "IGNORE_TERM": "1"}, "exec", "--watch", "--watch-interval", "200ms",
              "--grace", "300ms", "app", "--", *argv)
    try:
        assert wait_for(lambda: lines(log)[:1])
        first = int(lines(log)[0].split()[1])
        pychamber(env, "write", "app", "pw", "two")
        assert wait_for(lambda: lines(log)[-1:] and lines(log)[-1].endswith(" two")), lines(log)
        with pytest.raises(ProcessLookupError):
            os.kill(first, 0)  # the old one was killed (and reaped)
    finally:
        last = int(lines(log)[-1].split()[1])
        os.kill(last, signal.SIGKILL)  # it ignores TERM: end it, and pychamber with it
        code = p.wait(timeout=30)
    assert code == 128 + 9
    assert "did not stop within the grace period: killing it" in p.stderr.read()


def test_a_bad_rotation_keeps_the_program_running(env, app):
    argv, log = app
    pychamber(env, "write", "app", "pw", "one")
    p = start(env, "exec", "--watch", "--watch-interval", "200ms", "app", "--", *argv)
    try:
        assert wait_for(lambda: lines(log)[:1])
        big = "x" * 140000  # over the kernel's limit for one variable
        assert pychamber(env, "write", "app", "pw", "-", input=big).returncode == 0
        time.sleep(3)  # >10 intervals: the change is seen, refused, and not retried
        assert [x for x in lines(log) if x.startswith("start")] == [lines(log)[0]]
        assert p.poll() is None
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    err = p.stderr.read()
    assert err.count("not applying the change (app/pw 1 -> 2)") == 1  # said once
    assert "too large" in err and "xxxx" not in err


def test_watch_signal_mode_rewrites_the_files(env, app, tmp_path):
    argv, log = app
    pychamber(env, "write", "app", "pw", "one")
    d = tmp_path / "run"
    p = start(env, "exec", "--watch", "--watch-interval", "200ms", "--files", str(d),
              "--on-change", "signal:USR1", "app", "--", *argv)
    try:
        assert wait_for(lambda: lines(log)[:1])
        assert lines(log)[0].endswith(str(d / "pw"))  # PW_FILE, not the value
        pychamber(env, "write", "app", "pw", "two")
        assert wait_for(lambda: "file two" in lines(log)), lines(log)
        assert len([x for x in lines(log) if x.startswith("start")]) == 1  # same process
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)


def test_bad_watch_flags_are_one_line(env):
    pychamber(env, "write", "app", "pw", "one")
    for args, msg in [
        (["--watch", "--on-change", "signal:USR1"], "Error: --on-change signal:SIG needs --files DIR"),
        (["--watch", "--watch-interval", "soon"],
         'Error: invalid argument "soon" for "--watch-interval" flag: time: invalid duration "soon"'),
        (["--watch", "--stop-signal", "NOPE"], "Error: unknown signal 'NOPE'"),
        (["--watch", "--stop-signal", "99"], "Error: unknown signal '99'"),
        (["--init", "--stop-signal", "0"], "Error: unknown signal '0'"),
    ]:
        r = pychamber(env, "exec", *args, "app", "--", "true")
        assert r.returncode == 1 and r.stderr.startswith(msg), r.stderr
        assert len(r.stderr.splitlines()) == 1


@pytest.mark.skipif(not shutil.which("unshare") or os.geteuid() != 0, reason="needs unshare as root")
def test_as_pid_1_orphans_are_reaped(env):
    pychamber(env, "write", "app", "pw", "one")
    # orphans: grandchildren whose parent exits at once; then count zombies in the namespace
    script = ('for i in 1 2 3 4 5; do sh -c "sleep 0.1 & exit 0"; done; sleep 1.5; '
              'z=0; for f in /proc/[0-9]*/stat; do s=$(cut -d" " -f3 "$f" 2>/dev/null); '
              '[ "$s" = Z ] && z=$((z+1)); done; echo zombies=$z; exit 5')
    r = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-m", "pychamber",
                        "exec", "--init", "app", "--", "sh", "-c", script],
                       env=env, capture_output=True, text=True, timeout=120)
    if r.returncode != 5 and "unshare" in r.stderr:
        pytest.skip(r.stderr.strip())
    assert r.returncode == 5, r.stderr
    assert r.stdout.strip() == "zombies=0"


def test_a_restart_stops_the_whole_process_group(env, tmp_path):
    # a shell wrapper's own children must not outlive a restart (duplicate workers, held ports)
    pychamber(env, "write", "app", "pw", "one")
    log = tmp_path / "log"
    script = f'sleep 300 & echo "start $PW $!" >> {log}; wait'
    p = start(env, "exec", "--watch", "--watch-interval", "200ms", "app", "--", "sh", "-c", script)
    try:
        assert wait_for(lambda: log.exists() and log.read_text().count("start") == 1)
        first_sleep = int(log.read_text().split()[2])
        pychamber(env, "write", "app", "pw", "two")
        assert wait_for(lambda: "start two" in log.read_text())
        assert wait_for(lambda: not Path(f"/proc/{first_sleep}").exists() or
                        Path(f"/proc/{first_sleep}/stat").read_text().split()[2] == "Z", 10)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)


# --- issue 21: signals, job control, the group left behind, a clean start for every child ---------
# An app with a handler for every catchable signal (SIGCHLD aside): it logs "signal N" for each,
# and "ready" once they are all in place.
SIGAPP = r"""
import os, signal, sys, time
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
def on(sig, _):
    os.write(log, f"signal {sig}\n".encode())
    if sig == signal.SIGTERM:
        os._exit(3)
for s in signal.valid_signals():
    if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
        signal.signal(s, on)
os.write(log, b"ready\n")
while True:
    time.sleep(0.05)
"""

#: Signals beyond the seven the supervisor used to forward (RTMIN+3 included).
EXTRA = [signal.SIGALRM, signal.SIGPWR, signal.SIGVTALRM, signal.SIGPROF, signal.SIGIO, signal.SIGXCPU,
         signal.SIGURG, signal.SIGUSR2, signal.SIGCONT, signal.SIGABRT, signal.SIGRTMIN + 3, signal.SIGRTMAX]


@pytest.fixture
def sigapp(tmp_path):
    script = tmp_path / "sigapp.py"
    script.write_text(SIGAPP)
    log = tmp_path / "sig.log"
    log.touch()
    return [sys.executable, str(script), str(log)], log


def _send_each(pid: int, log: Path, p: subprocess.Popen) -> None:
    for sig in EXTRA:  # one at a time: standard signals pending together would coalesce
        os.kill(pid, sig)
        assert wait_for(lambda s=sig: f"signal {int(s)}" in lines(log) or p.poll() is not None, 20)
        assert f"signal {int(sig)}" in lines(log), (int(sig), lines(log), p.poll())


def test_init_forwards_every_catchable_signal(env, sigapp):
    argv, log = sigapp
    pychamber(env, "write", "app", "pw", "one")
    p = start(env, "exec", "--init", "app", "--", *argv)
    try:
        assert wait_for(lambda: "ready" in lines(log))
        _send_each(p.pid, log, p)
        assert p.poll() is None  # none of them ended pychamber
    finally:
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=30)
    assert code == 3, p.stderr.read()


def _unshared_pychamber(unshare_pid: int) -> int | None:
    """pychamber's PID (in our namespace) under ``unshare --fork``: unshare's only child."""
    try:
        kids = Path(f"/proc/{unshare_pid}/task/{unshare_pid}/children").read_text().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


needs_unshare = pytest.mark.skipif(not shutil.which("unshare") or os.geteuid() != 0,
                                   reason="needs unshare as root")


def unshare_start(env, *args):
    return subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-m", "pychamber",
                             *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@needs_unshare
def test_as_pid_1_every_catchable_signal_is_forwarded(env, sigapp):
    argv, log = sigapp
    pychamber(env, "write", "app", "pw", "one")
    p = unshare_start(env, "exec", "--init", "app", "--", *argv)
    try:
        assert wait_for(lambda: "ready" in lines(log)), p.stderr.read() if p.poll() is not None else ""
        init = _unshared_pychamber(p.pid)
        assert init is not None
        _send_each(init, log, p)  # from the parent namespace: delivered only when PID 1 handles it
    finally:
        p.send_signal(signal.SIGTERM)  # unshare forwards nothing: signal PID 1 itself
        init = _unshared_pychamber(p.pid)
        if init:
            os.kill(init, signal.SIGTERM)
        code = p.wait(timeout=30)
    assert code == 3


# The program leaves a process in its group and exits 4. The leftover logs the TERM it gets (or,
# with IGNORE, ignores it) and says "left" once its handler is in place.
LEFTOVER = r"""
import os, signal, sys, time
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
def on(sig, _):
    os.write(log, b"leftover TERM\n")
    os._exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if os.environ.get("IGNORE") else on)
os.write(log, f"left {os.getpid()}\n".encode())
while True:
    time.sleep(0.05)
"""


@pytest.fixture
def leftover(tmp_path):
    script = tmp_path / "leftover.py"
    script.write_text(LEFTOVER)
    log = tmp_path / "left.log"
    log.touch()
    # the program waits for the leftover's "left" line, then exits 4
    program = (f'{sys.executable} {script} {log} & '
               f'while ! grep -q left {log}; do sleep 0.05; done; exit 4')
    return ["sh", "-c", program], log


def _pid_gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize("as_pid_1", [False, pytest.param(True, marks=needs_unshare)])
def test_the_group_left_behind_gets_the_stop_signal(env, leftover, as_pid_1):
    argv, log = leftover
    pychamber(env, "write", "app", "pw", "one")
    args = ("exec", "--init", "--grace", "20s", "app", "--", *argv)
    p = unshare_start(env, *args) if as_pid_1 else start(env, *args)
    try:
        code = p.wait(timeout=60)
        assert code == 4, p.stderr.read()
        assert "leftover TERM" in lines(log)  # TERM and its handler ran: not SIGKILLed, not orphaned
    finally:
        for x in lines(log):
            if x.startswith("left ") and not as_pid_1:
                try:
                    os.kill(int(x.split()[1]), signal.SIGKILL)
                except ProcessLookupError:
                    pass


def test_the_group_left_behind_is_killed_after_the_grace_period(env, leftover):
    argv, log = leftover
    pychamber(env, "write", "app", "pw", "one")
    p = start({**env, "IGNORE": "1"}, "exec", "--init", "--grace", "1s", "app", "--", *argv)
    try:
        assert p.wait(timeout=60) == 4
        left = int(next(x for x in lines(log) if x.startswith("left ")).split()[1])
        assert wait_for(lambda: _pid_gone(left), 10)  # TERM ignored: KILLed once the grace ran out
        assert "killing" in p.stderr.read()
    finally:
        for x in lines(log):
            if x.startswith("left "):
                try:
                    os.kill(int(x.split()[1]), signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _sig_fields(text: str) -> dict[str, int]:
    return {k: int(v, 16) for k, v in (x.split(":\t") for x in text.splitlines() if x.startswith(("SigBlk", "SigIgn")))}


@pytest.mark.parametrize("mode", ["--init", "--watch"])
def test_the_program_starts_with_default_dispositions_and_an_empty_mask(env, tmp_path, mode):
    pychamber(env, "write", "app", "pw", "one")
    r = pychamber(env, "exec", mode, "app", "--", "cat", "/proc/self/status")
    assert r.returncode == 0, r.stderr
    assert _sig_fields(r.stdout) == {"SigBlk": 0, "SigIgn": 0}  # glibc's posix_spawn left 32, 33 ignored


# A helper started by another thread while the supervisor runs (what botocore does for a
# credential_process under --watch): it must start with an empty mask, and its exit status is its
# Popen's, never taken by the supervisor's reaping.
HELPER = r"""
import json, os, signal, subprocess, sys, threading, time
from pychamber.process import Supervisor
log = sys.argv[1]
program = f'trap "echo usr1 >> {log}" USR1; echo ready >> {log}; while :; do sleep 0.05; done'
sup = Supervisor("/bin/sh", ["sh", "-c", program], dict(os.environ))
sup.block_signals()
out = {}
def seen(word):
    with open(log) as f:
        return word in f.read().split()
def helper():
    while not seen("ready"):
        time.sleep(0.05)
    p = subprocess.Popen(["sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status; exit 7"],
                         stdout=subprocess.PIPE, text=True)
    out["status"] = p.stdout.read()
    while True:  # a zombie now (or reaped by someone else already)
        try:
            if open(f"/proc/{p.pid}/stat").read().split()[2] == "Z":
                break
        except OSError:
            break
        time.sleep(0.01)
    sup.request("signal", sig=signal.SIGUSR1)  # handled after the SIGCHLD already pending
    while not seen("usr1"):
        time.sleep(0.05)
    out["rc"] = p.wait()
    sup.request("signal", sig=signal.SIGTERM)
threading.Thread(target=helper, daemon=True).start()
out["program"] = sup.run()
print(json.dumps(out))
"""


def test_a_helper_thread_child_is_neither_masked_nor_reaped(env, tmp_path):
    script = tmp_path / "helper.py"
    script.write_text(HELPER)
    log = tmp_path / "log"
    log.touch()
    r = subprocess.run([sys.executable, str(script), str(log)], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    import json

    out = json.loads(r.stdout)
    assert out["rc"] == 7  # its own status: the supervisor did not reap it
    assert _sig_fields(out["status"]) == {"SigBlk": 0, "SigIgn": 0}
    assert out["program"] == 128 + 15


# Job control: an interactive shell runs pychamber exec --init on its terminal. Ctrl-Z stops the
# program and pychamber, and the shell gets the terminal back; fg resumes both, with the
# terminal the program's again; Ctrl-C then ends it.
ECHO = r"""
import signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
print("ready", flush=True)
for line in sys.stdin:
    print("got " + line.strip().upper(), flush=True)
"""


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_ctrl_z_gives_the_terminal_back_and_fg_resumes(env, tmp_path, shell):
    pexpect = pytest.importorskip("pexpect")
    if not shutil.which(shell):
        pytest.skip(f"no {shell}")
    pychamber(env, "write", "app", "pw", "one")
    script = tmp_path / "echo.py"
    script.write_text(ECHO)
    prompt = "PROMPT>"
    argv = ["bash", "--norc", "--noprofile", "-i"] if shell == "bash" else ["sh", "-i"]
    term = pexpect.spawn(argv[0], argv[1:], env={**env, "PS1": prompt, "TERM": "dumb"}, encoding="utf-8",
                         timeout=30, dimensions=(24, 200))
    try:
        term.expect_exact(prompt)
        term.sendline(f"{sys.executable} -m pychamber exec --init app -- {sys.executable} {script}")
        term.expect_exact("ready")
        term.sendline("one")
        term.expect_exact("got ONE")
        term.sendcontrol("z")
        term.expect(r"(?i)stopped")  # the shell saw the job stop ...
        term.expect_exact(prompt)  # ... and prompts again
        term.sendline("echo shell-has-it")
        term.expect_exact("shell-has-it\r\n")
        term.sendline("fg")
        term.sendline("two")  # read by the program: it has the terminal again
        term.expect_exact("got TWO")
        term.sendcontrol("c")
        term.expect_exact(prompt)
        term.sendline("echo rc=$?")
        term.expect_exact("rc=130")
    finally:
        term.close(force=True)


def test_bg_then_a_read_of_the_terminal_stops_the_job_again(env, tmp_path):
    """``bg`` continues the program without the terminal; its read then stops it (SIGTTIN),
    and pychamber with it, so that the shell reports the job stopped and ``fg`` brings it back."""
    pexpect = pytest.importorskip("pexpect")
    pychamber(env, "write", "app", "pw", "one")
    script = tmp_path / "echo.py"
    script.write_text(ECHO)
    prompt = "PROMPT>"
    term = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env={**env, "PS1": prompt, "TERM": "dumb"},
                         encoding="utf-8", timeout=30, dimensions=(24, 200))
    try:
        term.expect_exact(prompt)
        term.sendline("set -b")  # report a job's stop at once, not at the next prompt
        term.expect_exact(prompt)
        term.sendline(f"{sys.executable} -m pychamber exec --init app -- {sys.executable} {script}")
        term.expect_exact("ready")
        term.sendcontrol("z")
        term.expect(r"(?i)stopped")
        term.expect_exact(prompt)
        term.sendline("bg")
        term.expect(r"(?i)stopped")  # its read from the background stopped it (and pychamber)
        term.sendline("fg")
        term.sendline("three")
        term.expect_exact("got THREE")
        term.sendcontrol("d")  # end of input: the program exits 0
        term.expect_exact(prompt)
        term.sendline("echo rc=$?")
        term.expect_exact("rc=0")
    finally:
        term.close(force=True)
