"""Processes: what ``exec`` does once the environment is assembled. Go's ``exec.LookPath``
(chamber §5.5, on pychamber's own ``PATH``), the hand-over with ``execve`` (same PID, stdio and
signals; CPython's start-up changes to signal dispositions undone), and the environment this
process was started with. The supervisor for ``exec --watch`` / ``--init`` belongs here too.

Imports only the standard library's cheapest modules: this is the hot path of every container
start. Messages are Go's (``exec: "prog": executable file not found in $PATH``).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Mapping, NoReturn, Sequence

from pychamber.compat.strconv import go_quote
from pychamber.compat.syscall import errno_text
from pychamber.errors import ChamberError


def parent_environ() -> dict[str, str]:
    """chamber's own environment as Go's ``os.Environ()`` would see it.

    CPython's locale coercion (PEP 538) adds ``LC_CTYPE=C.UTF-8`` to ``os.environ`` when it
    started under the C locale; the program must not inherit a variable its caller never set.
    On Linux the environment the process was started with is still in ``/proc/self/environ``:
    an ``LC_CTYPE`` missing there is dropped.
    """
    env = dict(os.environ)
    if "LC_CTYPE" in env and _started_with_lc_ctype() is False:
        del env["LC_CTYPE"]
    return env


_STARTED_WITH: list[bool | None] = []


def _started_with_lc_ctype() -> bool | None:
    """Whether ``LC_CTYPE`` was in the environment this process started with (None: unknown).
    Read once: after :func:`no_core_dumps` ``/proc/self/environ`` belongs to root."""
    if not _STARTED_WITH:
        try:
            with open("/proc/self/environ", "rb") as f:
                original = f.read()
        except OSError:
            _STARTED_WITH.append(None)
        else:
            _STARTED_WITH.append(any(e.startswith(b"LC_CTYPE=") for e in original.split(b"\0")))
    return _STARTED_WITH[0]


def no_core_dumps() -> None:
    """Linux: ``prctl(PR_SET_DUMPABLE, 0)`` for pychamber itself, which holds decrypted values:
    no core dump of it, and no ptrace or ``/proc/PID/mem``/``environ`` reading by other
    processes of the same user. ``execve`` of the program sets it back to 1, so the program
    dumps and is debuggable as usual. Any failure is ignored. Only ``_ctypes`` (under 1 ms) is
    loaded, not ``ctypes`` (about 4 ms), on this hot path."""
    if not sys.platform.startswith("linux"):
        return
    if "LC_CTYPE" in os.environ:
        _started_with_lc_ctype()  # while /proc/self/environ is still ours to read
    try:
        import _ctypes

        class _Int(_ctypes._SimpleCData):
            _type_ = "i"

        class _Fn(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL
            _restype_ = _Int

        prctl = _Fn(_ctypes.dlsym(_ctypes.dlopen(None, 0), "prctl"))  # type: ignore[arg-type]
        prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:  # noqa: BLE001 - no _ctypes, no libc prctl: nothing to do
        pass


# --- finding the program (Go's exec.LookPath) ------------------------------------------------
class _NotExecutable(Exception):
    def __init__(self, text: str):
        self.text = text


def _find_executable(path: str) -> None:
    import stat

    try:
        st = os.stat(path)
    except OSError as e:
        raise _NotExecutable(f"stat {path}: {errno_text(e)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise _NotExecutable("is a directory")
    effective = os.access in os.supports_effective_ids
    if not os.access(path, os.X_OK, effective_ids=effective):
        raise _NotExecutable("permission denied")


def look_path(file: str, path_env: str | None) -> str:
    """Go's ``exec.LookPath(file)`` with ``$PATH`` = ``path_env`` (pychamber's own PATH, never
    the child's). Raises ChamberError with Go's ``exec: "file": ...`` messages."""
    if "/" in file:
        try:
            _find_executable(file)
        except _NotExecutable as e:
            raise ChamberError(f"exec: {go_quote(file)}: {e.text}") from None
        return file
    if path_env:
        for d in path_env.split(os.pathsep):
            if d == "":
                d = "."  # Unix shell semantics: an empty element means "."
            candidate = os.path.normpath(os.path.join(d, file))
            try:
                _find_executable(candidate)
            except _NotExecutable:
                continue
            if not os.path.isabs(candidate):
                raise ChamberError(
                    f"exec: {go_quote(file)}: cannot run executable found relative to current directory")
            return candidate
    raise ChamberError(f"exec: {go_quote(file)}: executable file not found in $PATH")


# --- the hand-over -----------------------------------------------------------------------------
def _restore_signals() -> list[tuple[int, object]]:
    """Undo what CPython did at start-up that an exec'd program would inherit: SIGPIPE and
    SIGXFSZ ignored (handled signals such as SIGINT revert to default by themselves).
    Returns the previous dispositions, to put back if ``execve`` fails."""
    import signal

    previous: list[tuple[int, object]] = []
    for name in ("SIGPIPE", "SIGXFSZ"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                previous.append((sig, signal.signal(sig, signal.SIG_DFL)))
            except (OSError, ValueError):
                pass
    return previous


def _put_back(previous: list[tuple[int, object]]) -> None:
    import signal

    for sig, handler in previous:
        try:
            signal.signal(sig, handler)  # type: ignore[arg-type]
        except (OSError, ValueError, TypeError):
            pass


def exec_into(path: str, argv: Sequence[str], env: Mapping[str, str]) -> NoReturn:
    """Replace this process with ``path`` (same PID, inherited stdio and signals). Returns only
    by raising ChamberError (chamber: the errno's text, e.g. ``exec format error``)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    previous = _restore_signals()
    try:
        os.execve(path, list(argv), dict(env))
    except OSError as e:
        _put_back(previous)
        raise ChamberError(errno_text(e)) from None
    except ValueError as e:  # embedded NUL / bad name: check_environment should have caught it
        _put_back(previous)
        raise ChamberError(f"cannot run the command: {e}") from None
    raise AssertionError("unreachable")  # pragma: no cover


# --- the supervisor (exec --watch / --init) ----------------------------------------------------------
#: Signals a supervising pychamber never passes on: the two no process can catch, the faults of its
#: own code (synchronous), SIGCHLD (news of its own children), and SIGPIPE and SIGXFSZ, which its own
#: writes raise (a closed stderr must not signal the program). Every other signal, real-time ones
#: included, is forwarded to the program's process group (tini and dumb-init forward them all).
NOT_FORWARDED = ("SIGKILL", "SIGSTOP", "SIGCHLD", "SIGFPE", "SIGILL", "SIGSEGV", "SIGBUS", "SIGTRAP",
                 "SIGSYS", "SIGPIPE", "SIGXFSZ")
#: Job control: a stop asked of pychamber (or a stopped program) stops pychamber too (dumb-init's way).
JOB_STOPS = ("SIGTSTP", "SIGTTIN", "SIGTTOU")


def forwarded_signals() -> set[int]:
    """Every catchable asynchronous signal of this system but :data:`NOT_FORWARDED`."""
    import signal

    skip = {int(getattr(signal, n)) for n in NOT_FORWARDED if hasattr(signal, n)}
    return {int(s) for s in signal.valid_signals()} - skip


def signal_number(name: str) -> int:
    """``TERM``, ``SIGTERM`` or ``15`` -> 15. Raises ChamberError naming the bad value."""
    import signal

    text = name.strip().upper()
    if text.isdigit():
        number = int(text)
        if number == 0 or number not in {int(s) for s in signal.valid_signals()}:
            raise ChamberError(f"unknown signal {name!r}")
        return number
    if not text.startswith("SIG"):
        text = "SIG" + text
    sig = getattr(signal, text, None)
    if not isinstance(sig, signal.Signals):
        raise ChamberError(f"unknown signal {name!r}")
    return int(sig)


def exit_status(wait_status: int) -> int:
    """A child's wait status as a shell reports it: its exit code, or 128+N for signal N."""
    code = os.waitstatus_to_exitcode(wait_status)
    return 128 - code if code < 0 else code


def _noop(signo, frame) -> None:  # the wakeup fd carries the news; nothing to do in Python
    pass


class Supervisor:
    """Runs the program as a child instead of becoming it, as tini and dumb-init do (see
    docs/supervisor.md for the comparison, behaviour by behaviour):

    - the program starts in its own process group (the terminal's foreground group when
      pychamber had the terminal), with default dispositions and an empty signal mask;
    - every catchable asynchronous signal (:func:`forwarded_signals`) is forwarded to that group;
      none is dropped as PID 1, none kills pychamber otherwise;
    - job control: when the program stops (Ctrl-Z), pychamber stops too, so the shell gets the
      terminal back; ``fg`` resumes pychamber, which hands the terminal back and resumes the
      program;
    - reaping by PID and process group: the program, its group, and orphans handed to pychamber
      (as PID 1 or a subreaper); never a child another thread of pychamber started (a
      ``credential_process`` helper botocore runs), whose own ``Popen`` waits for it;
    - when the program exits, what is left in its group gets the stop signal, the grace period,
      then SIGKILL; pychamber exits with the program's status (128+N for signal N);
    - :meth:`request` (from other threads) restarts or signals the program.

    Signals are caught with a handler in every thread (no signal is blocked anywhere, so no child
    of any thread inherits a mask), and the main thread learns of them through
    ``signal.set_wakeup_fd``. SIGTTIN and SIGTTOU are blocked only around pychamber's own use
    of the terminal (:meth:`log`, ``tcsetpgrp``), so that writing from the background never stops
    pychamber."""

    def __init__(self, path: str, argv: Sequence[str], env: Mapping[str, str],
                 stop_signal: int = 15, grace: float = 10.0, log=None):
        import threading

        self.path = path
        self.argv = list(argv)
        self.env = dict(env)
        self.stop_signal = stop_signal
        self.grace = grace
        self._log = log or (lambda line: None)
        self.child: int | None = None  # the running program
        self.pgid: int | None = None  # its process group (kept after it exits, until it is empty)
        self._proc: Any = None  # its Popen (kept, so that subprocess never reaps it behind our back)
        self._groups: set[int] = set()  # groups of programs of ours that may still have members
        self._requests: list = []
        self._lock = threading.Lock()
        self._wake: tuple[int, int] | None = None
        self._saved: dict[int, object] = {}
        self._saved_wakeup = -1
        self._tty_owner: int | None = None  # the group we handed the terminal to
        self._suspend = False  # a stop was asked of pychamber: follow the program when it stops

    # --- from any thread ------------------------------------------------------------------
    def log(self, line: str) -> None:
        """Write one line with the ``log`` given; never raises (a closed stderr never stops the
        supervisor nor rotation), never stops pychamber (SIGTTOU blocked in this thread meanwhile,
        as tini ignores it: with ``stty tostop`` a background write would stop it)."""
        import signal

        old = None
        try:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, _tty_signals())
            self._log(line)
        except Exception:  # noqa: BLE001 - a log line is never worth the program
            pass
        finally:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def request(self, action: str, env: Mapping[str, str] | None = None,
                sig: int | None = None) -> None:
        """``restart`` with ``env``, or ``signal`` the program with ``sig``."""
        with self._lock:
            self._requests.append((action, env, sig))
        if self._wake is not None:
            try:
                os.write(self._wake[1], b"\0")
            except OSError:  # full: the loop has wakeups pending anyway
                pass

    def _take(self):
        with self._lock:
            items, self._requests = self._requests, []
        return items

    # --- set-up -------------------------------------------------------------------------------
    def block_signals(self) -> None:
        """Catch every forwarded signal and SIGCHLD (in the main thread, before the program
        starts; the name is the old one: nothing is blocked any more). Signals that arrive before
        the program runs are forwarded once it does. The main thread's inherited mask is
        cleared."""
        import signal

        if self._wake is not None:
            return
        r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._wake = (r, w)
        for sig in forwarded_signals() | {int(signal.SIGCHLD)}:
            try:
                self._saved[sig] = signal.signal(sig, _noop)
            except (OSError, ValueError):
                pass
        self._saved_wakeup = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())

    def _tear_down(self) -> None:
        import signal

        if self._wake is None:
            return
        signal.set_wakeup_fd(self._saved_wakeup)
        for sig, handler in self._saved.items():
            try:
                signal.signal(sig, handler)  # type: ignore[arg-type]
            except (OSError, ValueError, TypeError):
                pass
        for fd in self._wake:
            os.close(fd)
        self._wake = None

    def _wait(self, timeout: float) -> list[int]:
        """Signals received (numbers, in order) within ``timeout``; [] on a request or none."""
        import select

        assert self._wake is not None
        try:
            ready, _, _ = select.select([self._wake[0]], [], [], max(timeout, 0))
        except InterruptedError:  # pragma: no cover - PEP 475 retries
            ready = []
        if not ready:
            return []
        data = b""
        while True:
            try:
                chunk = os.read(self._wake[0], 4096)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        return [b for b in data if b]

    # --- the loop -----------------------------------------------------------------------------
    def run(self) -> int:
        self.block_signals()
        try:
            self._spawn()
            while True:
                for signo in self._wait(1.0):
                    self._on_signal(signo)
                status = self._reap()
                if status is not None:
                    return self._finish(status)
                for action, env, sig in self._take():
                    if action == "restart":
                        status = self._restart(env)
                        if status is not None:
                            return status
                    elif action == "signal" and self.child is not None and sig:
                        self._kill(sig)
        finally:
            self._restore_tty()
            self._tear_down()

    def _on_signal(self, signo: int) -> None:
        import signal

        if signo == signal.SIGCHLD:
            return  # the reaping after every wakeup does the work
        if signo in _job_stops():
            self._suspend = True  # stop too once the program has stopped (dumb-init stops at once)
        elif signo == signal.SIGCONT:
            self._give_tty(resuming=True)
        self._kill(signo)

    def _kill(self, signo: int | None, pgid: int | None = None) -> None:
        """Signal the program's whole process group (dumb-init's way: a shell wrapper's own
        children get it too, and none is left behind); the program alone when it left it."""
        pgid = pgid or self.pgid
        if not signo or pgid is None:
            return
        try:
            os.killpg(pgid, signo)
        except ProcessLookupError:
            if self.child is not None and pgid == self.pgid:
                try:
                    os.kill(self.child, signo)
                except ProcessLookupError:
                    pass
        except PermissionError:
            pass

    # --- reaping ------------------------------------------------------------------------------
    def _reap(self) -> int | None:
        """Collect what exited: the program (by PID; its stops are job control), the members of
        its groups (by group: orphans handed to pychamber), any other orphan handed to pychamber
        (as PID 1 or a subreaper), but never a child of pychamber's own process group: those are
        helpers another thread started (``credential_process``) and their ``Popen`` waits for
        them. Returns the program's status when it exited."""
        status = None
        if self.child is not None:
            try:
                pid, ws = os.waitpid(self.child, os.WNOHANG | os.WUNTRACED)
            except ChildProcessError:
                pid, ws = 0, 0
            if pid and os.WIFSTOPPED(ws):
                self._program_stopped(os.WSTOPSIG(ws))
            elif pid:
                status = self._collected(pid, ws)
        for pgid in list(self._groups):
            while True:
                try:
                    pid, ws = os.waitpid(-pgid, os.WNOHANG)
                except ChildProcessError:  # none of ours in it (later orphans: the sweep below)
                    if pgid != self.pgid:
                        self._groups.discard(pgid)
                    break
                if not pid:
                    break
                got = self._collected(pid, ws)
                status = got if got is not None else status
        own = os.getpgrp()
        while True:  # orphans from other groups (daemons that left the program's group)
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                break
            if info is None:
                break
            try:
                if os.getpgid(info.si_pid) == own:
                    break  # pychamber's own helper: its Popen reaps it (retried at the next wakeup)
            except ProcessLookupError:
                continue
            try:
                pid, ws = os.waitpid(info.si_pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if pid:
                got = self._collected(pid, ws)
                status = got if got is not None else status
        return status

    def _collected(self, pid: int, wait_status: int) -> int | None:
        if pid != self.child:
            return None
        self.child = None
        if self._proc is not None:  # its Popen is done too (and never waits for it)
            self._proc.returncode = os.waitstatus_to_exitcode(wait_status)
        return exit_status(wait_status)

    def _program_stopped(self, stopsig: int) -> None:
        """The program stopped. On a terminal (Ctrl-Z, a background read), or when a stop was
        asked of pychamber, pychamber stops too: its shell sees the job stop and takes the
        terminal back. SIGCONT (``fg``, ``bg``) resumes it, and it resumes the program.
        As PID 1 there is no one to hand the terminal to (and PID 1 cannot stop itself)."""
        import signal

        job = self._suspend or stopsig in _job_stops() or self._tty_owner is not None
        self._suspend = False
        if not job or os.getpid() == 1:
            return
        os.kill(os.getpid(), signal.SIGSTOP)  # returns once continued: the SIGCONT then follows

    def _group_alive(self, pgid: int) -> bool:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            self._groups.discard(pgid)
            return False
        return True

    def _stop(self, deadline: float, stop_on_term: bool) -> tuple[bool, int | None]:
        """Wait, forwarding signals and reaping, until the program has exited and its group is
        empty; at ``deadline`` SIGKILL the group and wait for the program only. Returns whether
        pychamber was told to stop meanwhile (TERM or INT, with ``stop_on_term``) and the
        program's status when it exited meanwhile."""
        import signal
        import time

        pgid = self.pgid
        stopping = False
        status = None
        killed = False
        while True:
            if self.child is None and (pgid is None or killed or not self._group_alive(pgid)):
                return stopping, status
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not killed:
                what = "the command" if self.child is not None else "processes left in the command's group"
                self.log(f"pychamber: {what} did not stop within the grace period: killing it")
                self._kill(signal.SIGKILL, pgid)
                if self.child is not None:
                    try:
                        os.kill(self.child, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                killed = True
            for signo in self._wait(min(max(remaining, 0.0), 0.05) if not killed else 0.2):
                if signo == signal.SIGCHLD:
                    continue
                if stop_on_term and signo in (signal.SIGTERM, signal.SIGINT):
                    stopping = True
                self._kill(signo, pgid)
            got = self._reap()
            status = got if got is not None else status

    def _finish(self, status: int) -> int:
        """The program exited: what is left in its group gets the stop signal and the grace
        period, then SIGKILL (dumb-init sends TERM and exits; as PID 1 that exit SIGKILLs them
        all at once). Returns the program's status."""
        import signal
        import time

        pgid = self.pgid
        if pgid is not None and self._group_alive(pgid):
            self._kill(self.stop_signal, pgid)
            self._kill(signal.SIGCONT, pgid)  # a stopped one would never see it
            self._stop(time.monotonic() + self.grace, stop_on_term=False)
        return status

    def _restart(self, env: Mapping[str, str] | None) -> int | None:
        """Stop the program and its group (stop signal, then SIGKILL after the grace period)
        and start it again with ``env``. Returns an exit status when pychamber itself was told
        to stop meanwhile."""
        import signal
        import time

        self._kill(self.stop_signal)
        self._kill(signal.SIGCONT)
        stopping, status = self._stop(time.monotonic() + self.grace, stop_on_term=True)
        if stopping:
            return status if status is not None else 128 + self.stop_signal
        if env is not None:
            self.env = dict(env)
        self._spawn()
        return None

    # --- starting the program ----------------------------------------------------------------
    def _spawn(self) -> None:
        """Start the program in a new process group. ``subprocess`` (vfork and exec) rather than
        ``posix_spawn``: glibc's ``posix_spawn`` leaves its internal signals 32 and 33 ignored in
        the child. Every disposition pychamber set is a handler (default after exec), SIGPIPE
        and SIGXFSZ are reset (``restore_signals``), and the main thread's mask is empty: the
        program starts clean. Descriptors pychamber inherited without close-on-exec pass on, as
        with plain exec."""
        import subprocess

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        try:
            proc = subprocess.Popen(self.argv, executable=self.path, env=self.env, close_fds=False,
                                    restore_signals=True, process_group=0)
        except OSError as e:
            raise ChamberError(errno_text(e)) from None
        except (ValueError, subprocess.SubprocessError) as e:
            raise ChamberError(f"cannot run the command: {e}") from None
        self._proc = proc
        self.child = self.pgid = proc.pid
        self._groups.add(proc.pid)
        self._give_tty()

    def _give_tty(self, resuming: bool = False) -> None:
        """On a terminal whose foreground group is pychamber's (or the program's it replaces),
        the program's group becomes the foreground group (Ctrl-C and Ctrl-Z reach it, it may
        read the terminal), as a shell would do, then is continued (it may have touched the
        terminal before it was its own, and stopped)."""
        import signal

        if self.pgid is None:
            return
        try:
            if not os.isatty(0):
                return
            fg = os.tcgetpgrp(0)
            if fg != os.getpgrp() and (resuming or fg != self._tty_owner):
                return
            old = signal.pthread_sigmask(signal.SIG_BLOCK, _tty_signals())
            try:
                os.tcsetpgrp(0, self.pgid)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
            self._tty_owner = self.pgid
            if not resuming:
                os.killpg(self.pgid, signal.SIGCONT)
        except OSError:
            pass

    def _restore_tty(self) -> None:
        """Take the terminal back from the program's group, only if that group still has it
        (never from the shell, after ``bg``)."""
        import signal

        if self._tty_owner is None:
            return
        try:
            if os.tcgetpgrp(0) != self._tty_owner:
                return
            old = signal.pthread_sigmask(signal.SIG_BLOCK, _tty_signals())
            try:
                os.tcsetpgrp(0, os.getpgrp())
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
        except OSError:
            pass


def _tty_signals() -> set[int]:
    import signal

    return {int(signal.SIGTTIN), int(signal.SIGTTOU)}


def _job_stops() -> set[int]:
    import signal

    return {int(getattr(signal, n)) for n in JOB_STOPS}


def end_at_once_as_pid_1() -> None:
    """The kernel gives a PID namespace's init no default action for SIGTERM and SIGINT: while a
    plain ``exec`` is still fetching as PID 1, make them end pychamber at once."""
    if os.getpid() != 1:
        return
    import signal

    for sig, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        signal.signal(sig, lambda *_a, _c=code: os._exit(_c))
