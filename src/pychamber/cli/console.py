"""What one run of the CLI carries: the standard streams as one explicit object (httpie's
``Environment``), so commands never touch ``sys.*`` directly and tests can hand in their own,
and the :class:`Invocation` (argv, settings, the command running) every command receives.
Text is written as UTF-8 bytes: chamber's output is bytes, whatever the locale says.

Imports nothing but the standard library: every start-up uses it."""

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

    def traceback_wanted(self) -> bool:
        """``PYCHAMBER_TRACEBACK`` set: an unexpected exception's traceback is shown."""
        import os

        return bool(os.environ.get("PYCHAMBER_TRACEBACK"))

    def complete_timeout(self, default: float) -> float:
        """``PYCHAMBER_COMPLETE_TIMEOUT`` (seconds the completion may spend on the store), else
        ``default``; a value out of bounds (nan, inf, negative) is ``default`` too."""
        import os

        try:
            deadline = float(os.environ.get("PYCHAMBER_COMPLETE_TIMEOUT", "") or default)
        except ValueError:
            deadline = default
        return deadline if 0 <= deadline <= 3600 else default

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

    def ask_new_secret(self, what: str) -> str:
        """Ask for a new secret value on the terminal without echo, twice; the two entries must
        match. Only for a terminal on stdin (the caller checks): the value then never passes
        through the shell's history or ``ps``. One line of at most 4095 bytes (the terminal's
        line limit): longer or multi-line values come from a pipe or file (``-``)."""
        import getpass

        from pychamber.errors import ChamberError

        try:
            first = getpass.getpass(f"Value for {what} (input hidden): ")
            again = getpass.getpass(f"Value for {what} again: ")
        except EOFError:  # ^D: the terminal's line is left open; the error gets its own
            self.err("\n")
            raise ChamberError("no value entered (end of input); nothing was written") from None
        if first != again:
            raise ChamberError("the two values entered differ; nothing was written")
        return first

    # --- terminal manners: colour and progress (only ever on a terminal's stderr) -----------
    def colour(self) -> bool:
        """Whether stderr may be coloured: a terminal, ``NO_COLOR`` unset or empty
        (no-color.org), and not ``TERM=dumb``. Piped stderr is never coloured: its bytes stay
        chamber's."""
        import os

        return (self.stderr_isatty() and not os.environ.get("NO_COLOR")
                and os.environ.get("TERM") != "dumb")

    def paint_error(self, text: str) -> str:
        """``text`` (an error block) with its leading ``Error:`` in bold red when :meth:`colour`."""
        if text.startswith("Error:") and self.colour():
            return "\x1b[1;31mError:\x1b[0m" + text[len("Error:"):]
        return text

    def progress(self, label: str, total: int) -> "Progress":
        """A progress bar on stderr for ``total`` steps, drawn only on a terminal and for more
        than one step (otherwise it draws nothing); use it as a context manager, call it with
        the number of steps done. It shows counts, never a name or value."""
        return Progress(self if total > 1 and self.stderr_isatty() else None, label, total)


class Progress:
    """A one-line bar (``label [#####.....] 3/10``) redrawn in place with ``\r``, at most ten
    times a second, and erased when done, so nothing of it stays on the terminal. Callable as
    ``progress(done, total)``, the stores' ``write_many`` hook."""

    WIDTH = 30

    def __init__(self, console: Console | None, label: str, total: int):
        self._console = console
        self._label = label
        self._total = total
        self._last = 0.0
        self._drawn = 0

    def __call__(self, done: int, total: int | None = None) -> None:
        if self._console is None:
            return
        import time

        total = total or self._total
        now = time.monotonic()
        if done < total and now - self._last < 0.1 and self._drawn:
            return
        self._last = now
        filled = self.WIDTH * min(done, total) // max(total, 1)
        line = f"\r{self._label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}"
        self._drawn = max(self._drawn, len(line) - 1)
        self._console.err(line)

    def close(self) -> None:
        if self._console is not None and self._drawn:
            self._console.err("\r" + " " * self._drawn + "\r")
            self._drawn = 0

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    #: The path of the command found ("" the root, "tag read"), None before one is: its usage
    #: block follows an argument error.
    command: str | None = None

    def use_settings(self, **flags: object) -> "Settings":
        """The run's Settings from the global flags: this process's environment, debug lines
        and notices to this console's stderr, MFA codes asked on its terminal."""
        import os

        from pychamber.settings import Settings

        self.settings = Settings(environ=os.environ, report=self.console.err,
                                 prompt=self.console.prompt, **flags)  # type: ignore[arg-type]
        return self.settings
