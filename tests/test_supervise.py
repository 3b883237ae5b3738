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
