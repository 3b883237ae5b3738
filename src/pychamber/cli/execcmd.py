"""The typer face of ``exec`` (its ``--help``, and every exec line the fast path leaves to the
full CLI). The work is :func:`pychamber.cli.run.run_exec`."""

from __future__ import annotations

from typing import List, Optional

import typer

from pychamber.cli import run
from pychamber.cli.fastexec import EXEC, split_command_line
from pychamber.cli.framework import CommandSet, invocation, option
from pychamber.errors import UsageError

commands = CommandSet()

ARGS = typer.Argument(None, show_default=False, metavar="<service...> -- <command> [<arg...>]", hidden=True)


@commands.command(EXEC, run.USAGE, "Executes a command with secrets loaded into the environment")
def exec_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    pristine: bool = option("pristine", EXEC),
    strict: bool = option("strict", EXEC),
    strict_value: str = option("strict_value", EXEC),
    files: Optional[str] = option("files", EXEC),
    watch: bool = option("watch", EXEC),
    watch_interval: str = option("watch_interval", EXEC),
    on_change: str = option("on_change", EXEC),
    grace: str = option("grace", EXEC),
    stop_signal: str = option("stop_signal", EXEC),
    splay: str = option("splay", EXEC),
    init: bool = option("init", EXEC),
    dry_run: bool = option("dry_run", EXEC),
    release: Optional[str] = option("release", EXEC),
    no_warn_conflicts: bool = option("no_warn_conflicts", EXEC),
    strict_services: bool = option("strict_services", EXEC),
) -> int:
    inv = invocation(ctx)
    split = split_command_line(inv.argv, list(args or []))
    if split is None:
        raise UsageError(run.MISSING_DASH)
    services, argv = split
    return run.run_exec(inv, services, argv, pristine=pristine, strict=strict,
                        strict_value=strict_value, dry_run=dry_run, files=files, watch=watch,
                        watch_interval=watch_interval, on_change=on_change, grace=grace,
                        stop_signal=stop_signal, splay=splay, init=init, release=release,
                        no_warn_conflicts=no_warn_conflicts, strict_services=strict_services)
