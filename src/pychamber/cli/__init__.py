"""The command line, a thin face on the library: commands parse, call it, render.

:func:`main` is the process entry point. A plain ``exec`` line (the hot path of every container
start) is parsed by :mod:`~pychamber.cli.fastexec` and run without importing typer, and so is a
bare ``version`` (scripts and health checks run it; typer would cost most of its time); anything
else goes to the typer app. Both run inside the one error handler (:mod:`~pychamber.cli.errors`).
"""

from __future__ import annotations

import sys
from typing import Sequence

from pychamber.cli.console import Console, Invocation


def prog_name(argv0: str | None) -> str:
    """The name to print in usage lines: the base name pychamber was invoked as, except for
    ``python -m pychamber`` (whose argv[0] is a path to ``__main__.py``)."""
    import os

    name = os.path.basename(argv0 or "")
    if not name or name.startswith(("__main__", "python", "-")) or name.endswith(".py"):
        return "pychamber"
    return name


def version_line(prog: str) -> str:
    """What ``version`` prints (chamber: ``chamber v3.1.4``)."""
    from pychamber import __version__

    return f"{prog} v{__version__}\n"


def run_cli(argv: Sequence[str], console: Console | None = None, fast: bool = True,
            prog: str = "pychamber") -> int:
    """Run one command line; returns its exit status (``exec`` replaces the process instead).
    ``fast=False`` sends a plain exec line and ``version`` through the typer app too."""
    from pychamber.cli import errors

    inv = Invocation(console or Console(), list(argv), prog=prog)

    def dispatch() -> int:
        if fast and inv.argv == ["version"]:
            inv.console.out(version_line(inv.prog))
            return 0
        from pychamber.cli import fastexec

        parsed = fastexec.parse(inv.argv) if fast else None
        if parsed is not None:
            return fastexec.run(inv, parsed)
        from pychamber.cli.app import invoke

        return invoke(inv)

    return errors.guard(inv, dispatch)


def main(argv: Sequence[str] | None = None) -> None:
    from pychamber.process import no_core_dumps

    no_core_dumps()  # before any secret is in memory
    prog = prog_name(sys.argv[0] if sys.argv else None)
    sys.exit(run_cli(sys.argv[1:] if argv is None else argv, prog=prog))
