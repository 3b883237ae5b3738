"""``doctor [service...]``: the checks of :mod:`pychamber.doctor` as one table on stdout (one
line per check: passed, FAILED or not checked, and what to do); exit 1 when any failed."""

from __future__ import annotations

from pychamber.cli.common import service_arg, settings_of
from pychamber.cli.console import Invocation


def doctor(inv: Invocation, args: list[str]) -> int:
    from pychamber import doctor

    services = [service_arg(inv, raw) for raw in args]
    checks = doctor.run(settings_of(inv), services)
    inv.console.out(doctor.render(checks, doctor.terminal_width(inv.console.stdout)))
    return 1 if doctor.failed(checks) else 0
