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
from typing import Mapping, NoReturn, Sequence

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
#: Signals a supervising pychamber passes on to the program (tini's and dumb-init's set).
FORWARDED = ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH")


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


class Supervisor:
    """Runs the program as a child instead of becoming it: in its own process group, the
    forwarded signals passed on, every orphan reaped (correct as PID 1), the program restarted
    or signalled when :meth:`request` asks, and the child's exit status returned.

    The main thread waits for signals synchronously (``sigtimedwait`` on blocked signals); work
    that takes time (watching the store) happens in other threads, which hand their results over
    with :meth:`request`."""

    def __init__(self, path: str, argv: Sequence[str], env: Mapping[str, str],
                 stop_signal: int = 15, grace: float = 10.0, log=None):
        import signal
        import threading

        self.path = path
        self.argv = list(argv)
        self.env = dict(env)
        self.stop_signal = stop_signal
        self.grace = grace
        self.log = log or (lambda line: None)
        self.child: int | None = None
        self._requests: list = []
        self._lock = threading.Lock()
        self._forwarded = {int(getattr(signal, n)) for n in FORWARDED if hasattr(signal, n)}
        self._waited = self._forwarded | {int(signal.SIGCHLD)}
        self._tty_pgrp: int | None = None

    # --- requests from other threads --------------------------------------------------------
    def request(self, action: str, env: Mapping[str, str] | None = None,
                sig: int | None = None) -> None:
        """``restart`` with ``env``, or ``signal`` the program with ``sig``."""
        with self._lock:
            self._requests.append((action, env, sig))

    def _take(self):
        with self._lock:
            items, self._requests = self._requests, []
        return items

    # --- the loop ---------------------------------------------------------------------------
    def block_signals(self) -> None:
        """Block the signals the loop waits for, in this thread and every thread started after
        (call it before starting helper threads, or a signal could end up in one of them)."""
        import signal

        signal.pthread_sigmask(signal.SIG_BLOCK, self._waited)

    def run(self) -> int:
        import signal

        self.block_signals()
        try:
            self._spawn()
            while True:
                info = signal.sigtimedwait(self._waited, 0.2)
                if info is not None:
                    status = self._handle(info.si_signo)
                    if status is not None:
                        return status
                for action, env, sig in self._take():
                    if action == "restart":
                        status = self._restart(env)
                        if status is not None:
                            return status
                    elif action == "signal" and self.child is not None:
                        self._kill(sig)
        finally:
            self._restore_tty()

    def _handle(self, signo: int) -> int | None:
        import signal

        if signo == signal.SIGCHLD:
            return self._reap()
        self._kill(signo)
        return None

    def _kill(self, signo: int | None) -> None:
        """Signal the program's whole process group (dumb-init's way: a shell wrapper's own
        children get it too, and none is left behind by a restart)."""
        if self.child is not None and signo:
            try:
                os.killpg(self.child, signo)
            except ProcessLookupError:
                try:
                    os.kill(self.child, signo)
                except ProcessLookupError:
                    pass

    def _reap(self) -> int | None:
        """Reap every child that has exited (orphans included); the program's status when it
        is one of them."""
        status = None
        while True:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == self.child:
                self.child = None
                status = exit_status(wait_status)
        return status

    def _restart(self, env: Mapping[str, str] | None) -> int | None:
        """Stop the program (stop signal, then KILL after the grace period) and start it again
        with ``env``. Returns an exit status when pychamber itself was told to stop meanwhile."""
        import signal
        import time

        stopping = False
        self._kill(self.stop_signal)
        deadline = time.monotonic() + self.grace
        killed = False
        status = None
        while self.child is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not killed:
                self.log("pychamber: the command did not stop within the grace period: killing it")
                self._kill(signal.SIGKILL)
                killed = True
            info = signal.sigtimedwait(self._waited, max(remaining, 0.05) if not killed else 1.0)
            if info is None:
                continue
            if info.si_signo == signal.SIGCHLD:
                status = self._reap()
            else:
                if info.si_signo in (signal.SIGTERM, signal.SIGINT):
                    stopping = True
                self._kill(info.si_signo)
        if stopping:
            return status if status is not None else 128 + self.stop_signal
        if env is not None:
            self.env = dict(env)
        self._spawn()
        return None

    def _spawn(self) -> None:
        import signal

        defaults = set(self._waited) | {int(s) for s in (getattr(signal, "SIGPIPE", None),
                                                          getattr(signal, "SIGXFSZ", None)) if s}
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        try:
            self.child = os.posix_spawn(self.path, self.argv, self.env, setpgroup=0,
                                        setsigmask=(), setsigdef=defaults)
        except OSError as e:
            raise ChamberError(errno_text(e)) from None
        self._give_tty()

    def _give_tty(self) -> None:
        """On a terminal, the program's group becomes the foreground group (Ctrl-C reaches it,
        and it may read the terminal), as a shell would do."""
        import signal

        try:
            if not os.isatty(0) or os.tcgetpgrp(0) != os.getpgrp():
                if self._tty_pgrp is None:
                    return
            old = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            try:
                if self._tty_pgrp is None:
                    self._tty_pgrp = os.getpgrp()
                os.tcsetpgrp(0, self.child)  # type: ignore[arg-type]
                # the program may have touched the terminal before it was its own: a SIGTTIN
                # or SIGTTOU stopped it then; let it go on
                os.killpg(self.child, signal.SIGCONT)  # type: ignore[arg-type]
            finally:
                signal.signal(signal.SIGTTOU, old)
        except OSError:
            pass

    def _restore_tty(self) -> None:
        import signal

        if self._tty_pgrp is None:
            return
        try:
            old = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            try:
                os.tcsetpgrp(0, self._tty_pgrp)
            finally:
                signal.signal(signal.SIGTTOU, old)
        except OSError:
            pass


def end_at_once_as_pid_1() -> None:
    """The kernel gives a PID namespace's init no default action for SIGTERM and SIGINT: while a
    plain ``exec`` is still fetching as PID 1, make them end pychamber at once."""
    if os.getpid() != 1:
        return
    import signal

    for sig, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        signal.signal(sig, lambda *_a, _c=code: os._exit(_c))
