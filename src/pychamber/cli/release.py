"""``release publish|list|show|diff|rollback``: a thin face on :mod:`pychamber.release` (the
library does the work; these call it and render names, numbers and versions, never a value)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pychamber.cli.common import open_store, service_arg, settings_of
from pychamber.cli.console import Invocation
from pychamber.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.release import Releases


def _releases(inv: Invocation) -> "Releases":
    from pychamber.release import Releases

    return Releases(settings_of(inv))


def _number(selector: str | None) -> int | None:
    from pychamber.release import parse_selector

    return parse_selector(selector, "<release>") if selector is not None else None


def publish(inv: Invocation, raw_services: list[str]) -> None:
    services = [service_arg(inv, s) for s in raw_services]
    console = inv.console
    store = open_store(inv)

    def said(p) -> None:
        if p.new:
            console.warn(f"{p.service}: release {p.number} published")
        elif p.moved:
            console.warn(f"{p.service}: the store matches release {p.number}, which is current now")
        else:
            console.warn(f"{p.service}: unchanged since release {p.number}")
        console.out(f"{p.number}\n" if len(services) == 1 else f"{p.service} {p.number}\n")

    _releases(inv).publish(store, services, progress=said)


def list_(inv: Invocation, raw: str) -> None:
    from pychamber.compat.tabwriter import table

    rows = [["Release", "Published", "Publisher", "Keys", "Current"]]
    for r in _releases(inv).list_releases(service_arg(inv, raw)):
        rows.append([str(r.number), r.published, r.publisher, str(r.keys), "*" if r.current else ""])
    inv.console.out(table(rows))


def show(inv: Invocation, raw: str, selector: str | None = None) -> None:
    from pychamber.compat.tabwriter import table
    from pychamber.model import key_of

    service, number = service_arg(inv, raw), _number(selector)
    release = _releases(inv).open(service, number)
    rows = [["Key", "Version"]] + [[key_of(e.key), e.version] for e in release.entries]
    h = release.header
    inv.console.warn(f"release {h.number} of {service}, published {h.published} by {h.publisher}")
    inv.console.out(table(rows))


def diff(inv: Invocation, raw: str, selector: str | None = None) -> None:
    service, number = service_arg(inv, raw), _number(selector)
    found = _releases(inv).diff(open_store(inv), service, number)
    if found.same:
        inv.console.warn(f"release {found.number} of {service} matches the store")
        return
    inv.console.out("".join(line + "\n" for line in found.lines()))


def rollback(inv: Invocation, raw: str, selector: str) -> None:
    service, number = service_arg(inv, raw), _number(selector)
    if number is None:
        raise UsageError("rollback needs a release number: see `release list`")
    _releases(inv).rollback(service, number)
    inv.console.warn(f"{service}: release {number} is current now")
