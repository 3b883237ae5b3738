"""``doctor [service...]``: the checks of :mod:`pychamber.doctor` as one table on stdout (one
line per check: passed, FAILED or not checked, and what to do); exit 1 when any failed."""

from __future__ import annotations

from pychamber.cli.common import service_arg, settings_of
from pychamber.cli.console import Invocation

RESULTS = {True: "ok", False: "FAILED", None: "not checked"}


def doctor(inv: Invocation, args: list[str]) -> int:
    from tabulate import tabulate

    from pychamber import doctor

    services = [service_arg(inv, raw) for raw in args]
    checks = doctor.run(settings_of(inv), services)
    rows = [(c.name, RESULTS[c.ok], c.detail, c.advice) for c in checks]
    inv.console.out(tabulate(rows, headers=["CHECK", "RESULT", "DETAIL", "WHAT TO DO"],
                                 tablefmt="simple", disable_numparse=True) + "\n")
    return 1 if doctor.failed(checks) else 0
