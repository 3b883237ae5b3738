"""edit: the command around :func:`pychamber.edit.edit_service` (all its logic is there)."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

from pychamber.cli.framework import CommandSet, console_of, exact_args, open_store, option, service_arg

commands = CommandSet()

ARGS = typer.Argument(None, show_default=False, metavar="", hidden=True)


@commands.command("edit", "edit <service>",
                  "Edit a service's secrets in $EDITOR; saves what changed")
def edit_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS, yes: bool = option("yes", "edit")) -> None:
    from pychamber import edit

    console = console_of(ctx)
    (service_raw,) = exact_args(args, 1)
    service = service_arg(ctx, service_raw)
    terminal = console.stdin_isatty() and console.stderr_isatty()
    editor = edit.editor_command(os.environ, terminal)
    store = open_store(ctx)

    def ask(question: str) -> str:
        console.err(question)
        line = console.stdin.readline()
        if not line:  # Ctrl-D
            raise KeyboardInterrupt
        return line.decode("utf-8", "replace")

    changes = edit.edit_service(store, service, editor=editor, interactive=terminal, yes=yes, ask=ask,
                                say=console.err)
    if changes:
        console.out(changes.summary(service) + "\n")
