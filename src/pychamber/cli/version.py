"""``version``: pychamber's own version, under the name it was invoked as (chamber prints
``chamber v3.1.4``). A module of its own: scripts and health checks run it, and it imports
nothing else."""

from __future__ import annotations

from pychamber.cli.console import Invocation


def version(inv: Invocation, *_args: str) -> None:
    from pychamber import __version__

    inv.console.out(f"{inv.prog} v{__version__}\n")
