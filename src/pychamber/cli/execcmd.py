"""``exec <service...> -- <command> [<arg...>]``: the services and the command come split at
``--`` by the parse (chamber's ``ArgsLenAtDash``), the flags typed; they become exec's one
options value (:class:`pychamber.cli.run.ExecOptions`), and the work is
:func:`pychamber.cli.run.run_exec`."""

from __future__ import annotations

from typing import Any

from pychamber.cli import run
from pychamber.cli.console import Invocation


def exec_(inv: Invocation, services: list[str], command: list[str], **flags: Any) -> int:
    return run.run_exec(inv, services, command, run.ExecOptions(**flags))
