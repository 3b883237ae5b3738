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
    if "LC_CTYPE" in env:
        try:
            with open("/proc/self/environ", "rb") as f:
                original = f.read()
        except OSError:
            return env
        if not any(e.startswith(b"LC_CTYPE=") for e in original.split(b"\0")):
            del env["LC_CTYPE"]
    return env


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

    previous = []
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
