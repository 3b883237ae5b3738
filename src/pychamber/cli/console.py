"""What one run of the CLI carries: the standard streams as one explicit object (httpie's
``Environment``), so commands never touch ``sys.*`` directly and tests can hand in their own,
and the :class:`Invocation` (argv, settings, the command running) that travels in the click
context. Text is written as UTF-8 bytes: chamber's output is bytes, whatever the locale says.

Imports nothing but the standard library: the fast exec path uses it without typer."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings


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
        return _isatty(self.stderr)

    def stdin_isatty(self) -> bool:
        return _isatty(self.stdin)

    def prompt(self, text: str) -> str:
        """Ask for a line without echo (an MFA code), only when stdin and stderr are terminals;
        otherwise fail at once: a container or CI job must never wait on standard input."""
        from pychamber.aws import MFA_NO_TERMINAL_MSG
        from pychamber.errors import ChamberError

        if not (self.stdin_isatty() and self.stderr_isatty()):
            raise ChamberError(MFA_NO_TERMINAL_MSG)
        import getpass

        return getpass.getpass(text)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
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



@dataclass
class Invocation:
    """One run of the CLI: its console and argv, the settings the global flags gave, and the
    command running (for the usage block of an argument error)."""

    console: Console
    argv: list[str] = field(default_factory=list)
    #: The name pychamber was invoked as (``chamber`` when installed under chamber's name), for
    #: usage lines and cobra's messages.
    prog: str = "pychamber"
    settings: "Settings | None" = None
    command: str | None = None
    usage: str | None = None

    def use_settings(self, **flags: object) -> "Settings":
        """The run's Settings from the global flags: this process's environment, debug lines
        and notices to this console's stderr, MFA codes asked on its terminal."""
        import os

        from pychamber.settings import Settings

        self.settings = Settings(environ=os.environ, report=self.console.err,
                                 prompt=self.console.prompt, **flags)  # type: ignore[arg-type]
        return self.settings
