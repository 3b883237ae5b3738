"""The root app: global options -> Settings, and the command modules added to it. Commands
never import this module; it imports them (pre-commit's ``main.py``)."""

from __future__ import annotations

from typing import Optional

import typer

from pychamber.cli import completion, ecs, execcmd, help, materialize, release, secrets, transfer
from pychamber.cli import doctor, edit
from pychamber.cli.console import Invocation
from pychamber.cli.errors import PROG
from pychamber.cli.fastexec import hoist_global_flags
from pychamber.cli.framework import CONTEXT_SETTINGS, invocation, option

#: The command modules, in the order ``--help`` lists their commands (groups come after).
MODULES = (completion, secrets, help, transfer, edit, execcmd, materialize, ecs, doctor, release)


def _root(
    ctx: typer.Context,
    backend: Optional[str] = option("backend_flag"),
    backend_s3_bucket: Optional[str] = option("s3_bucket_flag"),
    kms_key_alias: Optional[str] = option("kms_key_alias_flag"),
    retries: Optional[int] = option("retries_flag"),
    retry_mode: str = option("retry_mode"),
    min_throttle_delay: Optional[str] = option("min_throttle_delay"),
    verbose: bool = option("verbose"),
) -> None:
    inv = invocation(ctx)
    if min_throttle_delay is not None:
        inv.console.warn("Flag --min-throttle-delay has been deprecated, use --retry-mode instead")
    inv.use_settings(backend_flag=backend, s3_bucket_flag=backend_s3_bucket,
                     kms_key_alias_flag=kms_key_alias, retries_flag=retries,
                     retry_mode=retry_mode, verbose=verbose)
    if ctx.invoked_subcommand is None:
        inv.console.out(ctx.get_help() + "\n")
        raise typer.Exit(0)


def build() -> typer.Typer:
    """The whole command tree."""
    app = typer.Typer(
        name=PROG,
        help="CLI for storing secrets",
        add_completion=False,
        no_args_is_help=False,
        invoke_without_command=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings=CONTEXT_SETTINGS,
    )
    app.callback()(_root)
    for module in MODULES:
        module.commands.install(app)
    for module in MODULES:
        module.commands.install_groups(app)
    return app


def invoke(inv: Invocation) -> int:
    """Run the typer app on ``inv.argv``; exceptions go to the caller's handler."""
    cmd = typer.main.get_command(build())
    rv = cmd.main(args=hoist_global_flags(list(inv.argv)), prog_name=inv.prog, standalone_mode=False,
                  obj=inv)
    return rv if isinstance(rv, int) else 0
