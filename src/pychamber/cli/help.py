"""``help [command]`` as cobra has it."""

from __future__ import annotations

from typing import List, Optional

import typer

from pychamber.cli.framework import CommandSet, console_of, find_command, group_usage, invocation
from pychamber.compat import cobra

commands = CommandSet()

ARGS = typer.Argument(None, show_default=False, metavar="", hidden=True)


@commands.command("help", "help [command]", "Help about any command")
def help_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    """cobra's ``help [command]``: the help of the named (sub)command, or of pychamber."""
    console = console_of(ctx)
    root = ctx.find_root()
    words = list(args or [])
    # cobra's help command: Root().Find(args); Find fails only at the root with words left
    # (legacyArgs), and then the topic is unknown: that line and the root's usage on stderr,
    # exit 0. Words after a found command are that command's arguments.
    cmd, path = find_command(root.command, words)
    if cmd is root.command and words:
        console.err(cobra.unknown_help_topic(words))
        console.err(cobra.usage_text(group_usage(root.command, invocation(ctx).prog)))
        return
    cur = root
    for name in path:
        cur = typer.Context(cur.command.commands[name], info_name=name, parent=cur)  # type: ignore[attr-defined]
    console.out(cur.get_help() + "\n")
