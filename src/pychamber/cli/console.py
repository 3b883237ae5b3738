"""Standard streams as one explicit object (httpie's pattern), so commands never touch sys.*
directly and tests can see exactly what is written. Text is written as UTF-8 bytes: chamber's
output is bytes, whatever the locale says."""

from __future__ import annotations

import sys
from typing import BinaryIO


class Console:
    def __init__(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None,
                 stderr: BinaryIO | None = None):
        self._stdin = stdin
        self._stdout = stdout
        self._stderr = stderr

    @property
    def stdin(self) -> BinaryIO:
        return self._stdin or sys.stdin.buffer

    @property
    def stdout(self) -> BinaryIO:
        return self._stdout or sys.stdout.buffer

    @property
    def stderr(self) -> BinaryIO:
        return self._stderr or sys.stderr.buffer

    def out(self, text: str) -> None:
        self.out_bytes(text.encode("utf-8", "surrogateescape"))

    def out_bytes(self, data: bytes) -> None:
        try:
            sys.stdout.flush()
            write_all(self.stdout, data)
        except BrokenPipeError:
            broken_pipe()

    def err(self, text: str) -> None:
        sys.stderr.flush()
        write_all(self.stderr, text.encode("utf-8", "surrogateescape"))

    def warn(self, line: str) -> None:
        self.err(line + "\n")

    def stderr_isatty(self) -> bool:
        try:
            return self.stderr.isatty()
        except (AttributeError, ValueError):
            return False


def write_all(stream: BinaryIO, data: bytes) -> None:
    """Write every byte. CPython's BufferedWriter.write can return after a partial write to a
    pipe (seen when the reader goes away mid-write), silently dropping the rest; loop until all
    is written, so that a closed pipe surfaces as BrokenPipeError instead of lost output."""
    view = memoryview(data)
    while view:
        n = stream.write(view)
        if n is None:  # non-blocking stream with nothing written: try again
            continue
        view = view[n:]
    stream.flush()


def broken_pipe() -> int:
    """The reader of our output went away (``pychamber export | head``). chamber, a Go program,
    dies of SIGPIPE then (the shell sees 141); do the same, quietly."""
    import os
    import signal

    try:
        sys.stdout = open(os.devnull, "w")  # nothing left to flush at exit
    except OSError:
        pass
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    return 1


console = Console()


def report_error(message: str, usage: str | None = None, command: str | None = None,
                 prog: str = "pychamber") -> None:
    """chamber's error output: ``Error: <message>``, plus the usage block when the message
    contains ``arg(s)`` or ``usage`` (cobra's rule). The one place errors are printed."""
    console.err(f"Error: {message}\n")
    if "arg(s)" in message or "usage" in message:
        if usage:
            console.err(f"Usage:\n  {prog} {usage} [flags]\n\nRun '{prog} {command} --help' for details.\n")
        else:
            console.err(f"Usage:\n  {prog} [command]\n\nRun '{prog} --help' for usage.\n")
