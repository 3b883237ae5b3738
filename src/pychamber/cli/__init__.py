"""The command line, a thin face on the library: commands parse, call it, render.

:func:`main` is the process entry point; :func:`run_cli` runs one command line: one parse
(:mod:`~pychamber.cli.parse`, cobra's and pflag's rules over the command table
:mod:`~pychamber.cli.commands` and the table of flags ``settings.FLAGS``), then the command's
function with plain values, all inside the one error handler (:mod:`~pychamber.cli.errors`).
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


def run_cli(argv: Sequence[str], console: Console | None = None, prog: str = "pychamber") -> int:
    """Run one command line; returns its exit status (``exec`` replaces the process instead)."""
    from pychamber.cli import errors

    inv = Invocation(console or Console(), list(argv), prog=prog)
    return errors.guard(inv, lambda: dispatch(inv))


def dispatch(inv: Invocation) -> int | None:
    """cobra's ``ExecuteC`` over the command table: find the command, parse its flags, print
    its help (asked for, or a group), check its arity, run its function."""
    from pychamber.cli import parse

    if inv.argv[:1] and inv.argv[0] in parse.COMPLETE_COMMANDS:
        from pychamber.cli import completion

        return completion.cobra_complete(inv, inv.argv[0], inv.argv[1:])
    try:
        path, rest = parse.find(inv.argv)
    except parse.UnknownCommand as e:
        from pychamber.cli import errors

        return errors.unknown_command(inv, e.name)
    inv.command = path
    call = parse.parse_flags(path, rest, on_set=lambda row, value: _deprecated(inv, row))
    cmd = call.command
    if call.help or cmd is None or not cmd.runnable:
        from pychamber.cli.help import help_text

        inv.console.out(help_text(path, inv.prog))
        return 0
    positional = _arity(cmd, call, inv)
    from pychamber.settings import Settings

    inv.use_settings(**{k: v for k, v in call.settings.items() if k in Settings.__dataclass_fields__})
    fn = _function(cmd.run or "")
    if not cmd.bounded:  # each AWS call gets its own deadline (aws.command_deadline "write")
        return fn(inv, *positional, **call.values)
    from pychamber import aws  # no botocore: that loads with the first client

    with aws.command_deadline(inv.settings, "read"):
        return fn(inv, *positional, **call.values)


def _deprecated(inv: Invocation, row) -> None:
    if row.deprecated:  # pflag's notice, as the flag is set
        inv.console.warn(f"Flag --{row.long} has been deprecated, {row.deprecated}")


def _arity(cmd, call, inv: Invocation) -> list:
    from pychamber.cli.commands import NoArgs
    from pychamber.errors import UsageError

    assert cmd.args is not None
    try:
        return cmd.args(call.args, call.dash, inv.console.stdin_isatty())
    except NoArgs as e:
        from pychamber.compat.strconv import go_quote

        raise UsageError(f"unknown command {go_quote(e.message)} for {go_quote(inv.prog + ' ' + cmd.path)}") from None


def _function(ref: str):
    import importlib

    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(f"pychamber.cli.{module}"), name)


def main(argv: Sequence[str] | None = None) -> None:
    from pychamber.process import no_core_dumps

    no_core_dumps()  # before any secret is in memory
    prog = prog_name(sys.argv[0] if sys.argv else None)
    sys.exit(run_cli(sys.argv[1:] if argv is None else argv, prog=prog))
