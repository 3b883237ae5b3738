"""``doctor [service...]``: the checks of :mod:`pychamber.doctor` as one table on stdout (one
line per check: passed, FAILED or not checked, and what to do); exit 1 when any failed."""

from __future__ import annotations

from typing import List, Optional

import typer

from pychamber.cli.framework import CommandSet, console_of, service_arg, settings_of

commands = CommandSet()

@commands.command("doctor", "doctor [service...]",
                  "check region, credentials, KMS key and permissions")
def doctor_cmd(ctx: typer.Context,
               args: Optional[List[str]] = typer.Argument(None, show_default=False, metavar="",
                                                          hidden=True)) -> None:
    from pychamber import doctor

    services = [service_arg(ctx, raw) for raw in args or []]
    checks = doctor.run(settings_of(ctx), services)
    console = console_of(ctx)
    console.out(doctor.render(checks, doctor.terminal_width(console.stdout)))
    if doctor.failed(checks):
        raise typer.Exit(1)
