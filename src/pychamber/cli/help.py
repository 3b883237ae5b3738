"""``help [command]`` as cobra has it."""

from __future__ import annotations

from typing import List, Optional

import typer

from pychamber.cli.framework import CommandSet, console_of
from pychamber.compat import cobra

commands = CommandSet()

ARGS = typer.Argument(None, show_default=False, metavar="", hidden=True)


@commands.command("help", "help [command]", "Help about any command")
def help_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    """cobra's ``help [command]``: the help of the named (sub)command, or of pychamber."""
    console = console_of(ctx)
    cur = ctx.find_root()
    for name in args or []:
        sub = getattr(cur.command, "commands", {}).get(name)
        if sub is None:
            console.err(cobra.unknown_help_topic(name))
            break
        cur = typer.Context(sub, info_name=name, parent=cur)
    console.out(cur.get_help() + "\n")
