"""``release publish|list|show|diff|rollback``: a thin face on :mod:`pychamber.release` (the
library does the work; these parse, call it and render names, numbers and versions, never a
value)."""

from __future__ import annotations

from typing import List, Optional

import typer

from pychamber.cli.framework import (CommandSet, console_of, exact_args, min_args, open_store,
                                     service_arg, settings_of)
from pychamber.errors import UsageError

commands = CommandSet()

ARGS = typer.Argument(None, show_default=False, metavar="", hidden=True)

RELEASE = commands.group("release", "sealed releases of the services' secrets in S3 "
                                    "($PYCHAMBER_RELEASE_BUCKET): publish, list, show, diff, "
                                    "rollback")


def _releases(ctx: typer.Context):
    from pychamber.release import Releases

    return Releases(settings_of(ctx))


def _service_and_number(ctx: typer.Context, args: Optional[List[str]],
                        required: bool = False) -> tuple[str, int | None]:
    from pychamber.release import parse_selector

    given = list(args or [])
    if required:
        exact_args(given, 2)
    elif not 1 <= len(given) <= 2:
        raise UsageError(f"accepts between 1 and 2 arg(s), received {len(given)}")
    number = parse_selector(given[1]) if len(given) == 2 else None
    if required and number is None:
        raise UsageError("rollback needs a release number: see `release list`")
    return service_arg(ctx, given[0]), number


@commands.command("publish", "release publish <service...>",
                  "publish the services' secrets from the store as a new release of each "
                  "(prints its number)", group=RELEASE)
def publish_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    services = [service_arg(ctx, s) for s in min_args(args, 1)]
    console = console_of(ctx)
    store = open_store(ctx)

    def said(p) -> None:
        if p.new:
            console.warn(f"{p.service}: release {p.number} published")
        elif p.moved:
            console.warn(f"{p.service}: the store matches release {p.number}, which is current now")
        else:
            console.warn(f"{p.service}: unchanged since release {p.number}")
        console.out(f"{p.number}\n" if len(services) == 1 else f"{p.service} {p.number}\n")

    _releases(ctx).publish(store, services, progress=said)


@commands.command("list", "release list <service>",
                  "list a service's releases: number, time, publisher, keys, current", group=RELEASE)
def list_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    from pychamber.compat.tabwriter import table

    [raw] = exact_args(args, 1)
    rows = [["Release", "Published", "Publisher", "Keys", "Current"]]
    for r in _releases(ctx).list_releases(service_arg(ctx, raw)):
        rows.append([str(r.number), r.published, r.publisher, str(r.keys), "*" if r.current else ""])
    console_of(ctx).out(table(rows))


@commands.command("show", "release show <service> [<release>]",
                  "the keys and store versions of a release (the current one by default; never "
                  "values)", group=RELEASE)
def show_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    from pychamber.compat.tabwriter import table
    from pychamber.model import key_of

    service, number = _service_and_number(ctx, args)
    release = _releases(ctx).open(service, number)
    rows = [["Key", "Version"]] + [[key_of(e.key), e.version] for e in release.entries]
    console = console_of(ctx)
    h = release.header
    console.warn(f"release {h.number} of {service}, published {h.published} by {h.publisher}")
    console.out(table(rows))


@commands.command("diff", "release diff <service> [<release>]",
                  "what differs between a release (the current one by default) and the store now: "
                  "keys added, removed or changed, by version (never values)", group=RELEASE)
def diff_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    service, number = _service_and_number(ctx, args)
    diff = _releases(ctx).diff(open_store(ctx), service, number)
    if diff.same:
        console_of(ctx).warn(f"release {diff.number} of {service} matches the store")
        return
    console_of(ctx).out("".join(line + "\n" for line in diff.lines()))


@commands.command("rollback", "release rollback <service> <release>",
                  "make release N the current one (one write; no release is modified or deleted)",
                  group=RELEASE)
def rollback_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    service, number = _service_and_number(ctx, args, required=True)
    assert number is not None
    _releases(ctx).rollback(service, number)
    console_of(ctx).warn(f"{service}: release {number} is current now")
