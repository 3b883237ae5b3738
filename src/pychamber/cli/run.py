"""``exec <service...> -- <command> [<arg>...]``: load services' secrets and become the command.

chamber §5: the services are everything before the first ``--`` (click swallows the ``--``, so
it is found again in the raw argv), the command is everything after it, untouched. Services are
validated raw with the label-tolerant regex and lower-cased for loading. The services are
fetched concurrently when the store can (``list_raw_many``), then merged in argument order, so
precedence and overwrite warnings are exactly chamber's. The program is resolved with
pychamber's own ``PATH`` and the process is replaced with ``execve``: same PID, signals go
straight to the program, its exit status is the exit status.

Beyond chamber: ``--dry-run`` prints the variables that would be set (name, service, key,
version; never a value) instead of running; the environment is checked against the kernel's
limits before ``execve``; ``--verbose`` names the variables but never shows a value.

The engine is :func:`pychamber.execution.run_exec`, shared with
:func:`pychamber.execution.fast_main`, which runs a plain ``exec`` without importing typer at
all (an entry point calling it before ``pychamber.cli.app`` saves the CLI framework's cost
on every container start). This module is only the typer command and the ``--`` split.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import typer

from pychamber import execution
from pychamber.cli.app import _GLOBAL_WITH_VALUE, command, hoist_global_flags, settings_of, state
from pychamber.errors import UsageError
from pychamber.execution import MISSING_DASH

ARGS = typer.Argument(None, show_default=False, metavar="<service...> -- <command> [<arg...>]", hidden=True)

#: exec's own options that take a value (a ``--`` right after one of them is its value).
_EXEC_WITH_VALUE = {"--strict-value"}


# --- the command line ----------------------------------------------------------------------
def split_command_line(raw_argv: Sequence[str], args: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """(services, command) from the raw argv and click's positional ``args`` (which are the
    services followed by everything after ``--``). ``None`` when there is no ``--``."""
    hoisted = hoist_global_flags(list(raw_argv))
    i = 0
    while i < len(hoisted):  # the global flags, then the "exec" token
        a = hoisted[i]
        if a in _GLOBAL_WITH_VALUE:
            i += 2
        elif a.startswith("-") and a != "--":
            i += 1
        else:
            break
    i += 1
    while i < len(hoisted):
        a = hoisted[i]
        if a == "--":
            after = hoisted[i + 1:]
            n_services = max(len(args) - len(after), 0)
            return list(args[:n_services]), after
        i += 2 if a in _EXEC_WITH_VALUE else 1
    return None


# --- the command -----------------------------------------------------------------------------
@command("exec", "exec <service...> -- <command> [<arg...>]",
         "Executes a command with secrets loaded into the environment")
def exec_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    pristine: bool = typer.Option(
        False, "--pristine",
        help="only use variables retrieved from the backend; do not inherit existing "
             "environment variables"),
    strict: bool = typer.Option(
        False, "--strict",
        help="enable strict mode: only inject secrets for which there is a corresponding env "
             "var with value <strict-value>, and fail if there are any env vars with that value "
             "missing from secrets"),
    strict_value: str = typer.Option(
        "chamberme", "--strict-value", help="value to expect in --strict mode"),
    dry_run: bool = typer.Option(
        False, "--dry-run",
        help="print the variables that would be set (name, service, key, version; never a "
             "value) instead of running the command"),
) -> int:
    split = split_command_line(state.raw_argv, list(args or []))
    if split is None:
        raise UsageError(MISSING_DASH)
    services, argv = split
    return execution.run_exec(settings_of(ctx), services, argv, pristine=pristine, strict=strict,
                              strict_value=strict_value, dry_run=dry_run)
