"""``exec <service...> -- <command> [<arg...>]``: the services and the command come split at
``--`` by the parse (chamber's ``ArgsLenAtDash``); the work is :func:`pychamber.cli.run.run_exec`."""

from __future__ import annotations

from pychamber.cli import run
from pychamber.cli.console import Invocation


def exec_(inv: Invocation, services: list[str], command: list[str], **flags: object) -> int:
    return run.run_exec(inv, services, command, **flags)
