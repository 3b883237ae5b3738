"""write, read, list, list-services, find, history, delete, tag, version."""

from __future__ import annotations

from typing import List, Optional

import typer

from pychamber import names
from pychamber.cli.console import Console
from pychamber.cli.framework import (CommandSet, console_of, exact_args, invocation, key_arg,
                                     min_args, open_store, option, service_arg, wrapped)
from pychamber.compat import cobra, gosort
from pychamber.compat.tabwriter import table, timestamp
from pychamber.compat.unicode import byte_order
from pychamber.errors import ChamberError
from pychamber.model import SecretId, key_of

commands = CommandSet()

ARGS = typer.Argument(None, show_default=False, metavar="", hidden=True)


# --- version -------------------------------------------------------------------------------
@commands.command("version", "version", "print version")
def version_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    from pychamber.cli import version_line

    console_of(ctx).out(version_line(invocation(ctx).prog))


# --- write ---------------------------------------------------------------------------------
def read_stdin_value(console: Console, singleline: bool) -> str:
    data = console.stdin.readline() if singleline else console.stdin.read()
    if singleline:
        if not data.endswith(b"\n"):
            raise ChamberError("EOF")
        data = data[:-1]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ChamberError("the value read from standard input is not valid UTF-8") from None


@commands.command("write", "write <service> <key> [--] <value|->", "write a secret")
def write_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    singleline: bool = typer.Option(False, "-s", "--singleline",
                                    help="Insert single line parameter (end with \\n)"),
    skip_unchanged: bool = typer.Option(False, "--skip-unchanged",
                                        help="Skip writing secret if value is unchanged"),
    tags: Optional[List[str]] = typer.Option(None, "-t", "--tags",
                                             help="Add tags to the secret; new secrets only"),
    tier: Optional[str] = option("tier", "write"),
    preserve_case: bool = option("preserve_case", "write"),
) -> None:
    console = console_of(ctx)
    if args is not None and len(args) == 2 and console.stdin_isatty():
        args = [*args, "-"]  # no value on a terminal: asked for, hidden (chamber: an arg error)
    service_raw, key_raw, value = exact_args(args, 3)
    tag_map = cobra.string_to_string(tags or [], "-t, --tags")
    service = service_arg(ctx, service_raw)
    key = key_arg(key_raw, lower=not preserve_case)
    if value == "-":
        value = (console.ask_new_secret(f"{service}/{key}") if console.stdin_isatty()
                 else read_stdin_value(console, singleline))
    store = open_store(ctx)
    tier = store.resolve_tier(tier)
    problem = store.value_problem(value, tier, write=True)  # the rule import applies too
    if problem:
        raise ChamberError(f"Failed to write secret {key}: {problem}")
    if tier:
        store.use_tier(tier)
    sid = SecretId(service, key)
    if skip_unchanged:
        try:
            if store.read(sid, -1).value == value:
                return
        except ChamberError:
            pass
    if tag_map:
        store.write_with_tags(sid, value, tag_map)
    else:
        store.write(sid, value)


# --- read ----------------------------------------------------------------------------------
@commands.command("read", "read <service> <key>", "Read a specific secret from the parameter store")
def read_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    version: int = typer.Option(-1, "-v", "--version",
                                help="The version number of the secret. Defaults to latest."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Only print the secret"),
    exact_key: bool = option("exact_key", "read"),
) -> None:
    console = console_of(ctx)
    service_raw, key_raw = exact_args(args, 2)
    service = service_arg(ctx, service_raw)
    key = key_arg(key_raw, lower=not exact_key)
    store = open_store(ctx)
    secret = wrapped("Failed to read: ", store.read, SecretId(service, key), version)
    value = secret.value or ""
    if quiet:
        console.out(value + "\n")
        return
    m = secret.meta
    console.out(table([
        ["Key", "Value", "Version", "LastModified", "User"],
        [key, value, str(m.version), timestamp(m.created), m.created_by],
    ]))


# --- list ----------------------------------------------------------------------------------
@commands.command("list", "list <service>", "List the secrets set for a service")
def list_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    expand: bool = typer.Option(False, "-e", "--expand", help="Expand parameter list with values"),
    by_time: bool = typer.Option(False, "-t", "--time", help="Sort by modified time"),
    by_user: bool = typer.Option(False, "-u", "--user", help="Sort by user"),
    by_version: bool = typer.Option(False, "-v", "--version", help="Sort by version"),
) -> None:
    console = console_of(ctx)
    (service_raw,) = exact_args(args, 1)
    service = service_arg(ctx, service_raw, label=True)
    store = open_store(ctx)
    secrets = wrapped("Failed to list store contents: ", store.list, service, expand)
    # cmd/list.go: sort.Sort(ByName), then ByTime, ByUser, ByVersion (in this order, whatever
    # the flags' order); Go's sort.Sort is not stable, and rows with equal sort keys come out
    # in the order its pdqsort leaves them in (compat.gosort)
    secrets.sort(key=lambda s: byte_order(s.meta.key))  # names are unique: any sort agrees
    if by_time:
        gosort.sort(secrets, lambda a, b: a.meta.created < b.meta.created)
    if by_user:
        gosort.sort(secrets, lambda a, b: byte_order(a.meta.created_by) < byte_order(b.meta.created_by))
    if by_version:
        gosort.sort(secrets, lambda a, b: a.meta.version < b.meta.version)
    header = ["Key", "Version", "LastModified", "User"] + (["Value"] if expand else [])
    rows = [header]
    for s in secrets:
        row = [key_of(s.meta.key), str(s.meta.version), timestamp(s.meta.created), s.meta.created_by]
        if expand:
            row.append(s.value or "")
        rows.append(row)
    console.out(table(rows))


# --- list-services -------------------------------------------------------------------------
@commands.command("list-services", "list-services <service>", "List services")
def list_services_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    secrets: bool = typer.Option(False, "-s", "--secrets", help="Include secret names in the list"),
) -> None:
    console = console_of(ctx)
    prefix = names.go_lower(args[0]) if args else ""
    store = open_store(ctx)
    found = wrapped("Failed to list store contents: ", store.list_services, prefix, secrets)
    entries = sorted(set(found), key=byte_order)
    console.out(table([["Service"]] + [[e] for e in entries]))


# --- find ----------------------------------------------------------------------------------
@commands.command("find", "find <secret name>", "Find the given secret across all services")
def find_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    by_value: bool = typer.Option(False, "-v", "--by-value",
                                  help="Find parameters by value"),
) -> None:
    console = console_of(ctx)
    (term,) = exact_args(args, 1)
    store = open_store(ctx)
    all_names = wrapped("Failed to list store contents: ", store.list_services, "", True)
    if not by_value:
        matches = sorted({names.service_of(n) for n in all_names if key_of(n) == term})
        console.out(table([["Service"]] + [[m] for m in matches]))
        return
    services = sorted({names.service_of(n) for n in all_names})
    rows = []
    with console.progress("searching", len(services)) as progress:
        for done, service in enumerate(services, 1):
            try:
                secrets = store.list(service, True)
            except ChamberError:
                continue  # chamber skips services it cannot list
            finally:
                progress(done)
            for s in secrets:
                if s.value == term:
                    rows.append([service, key_of(s.meta.key)])
    console.out(table([["Service", "Key"]] + rows))


# --- history -------------------------------------------------------------------------------
@commands.command("history", "history <service> <key>", "View the history of a secret")
def history_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    console = console_of(ctx)
    service_raw, key_raw = exact_args(args, 2)
    service = service_arg(ctx, service_raw)
    key = key_arg(key_raw)
    store = open_store(ctx)
    events = wrapped("Failed to get history: ", store.history, SecretId(service, key))
    rows = [["Event", "Version", "Date", "User"]]
    rows += [[e.type, str(e.version), timestamp(e.time), e.user] for e in events]
    console.out(table(rows))


# --- delete --------------------------------------------------------------------------------
@commands.command("delete", "delete <service> <key>", "Delete a secret, including all versions")
def delete_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    exact_key: bool = typer.Option(False, "--exact-key",
                                   help="Prevent normalization of the provided key in order to "
                                        "delete any keys that match the exact provided casing."),
) -> None:
    service_raw, key_raw = exact_args(args, 2)
    service = service_arg(ctx, service_raw)
    key = key_arg(key_raw, lower=not exact_key)
    store = open_store(ctx)
    store.delete(SecretId(service, key))


# --- tag -----------------------------------------------------------------------------------
TAG = commands.group("tag", "work with tags on secrets")


def _tag_table(tags: dict[str, str]) -> str:
    return table([["Key", "Value"]] + [[k, v] for k, v in tags.items()])


@commands.command("read", "tag read <service> <key>", "Read tags for a specific secret", group=TAG)
def tag_read_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    console = console_of(ctx)
    service_raw, key_raw = exact_args(args, 2)
    sid = SecretId(service_arg(ctx, service_raw), key_arg(key_raw))
    store = open_store(ctx)
    tags = wrapped("Failed to read tags: ", store.read_tags, sid)
    console.out(_tag_table(tags))


@commands.command("write", "tag write <service> <key> <tag>...", "Write tags for a specific secret",
         group=TAG)
def tag_write_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    delete_other_tags: bool = typer.Option(False, "--delete-other-tags",
                                           help="Delete tags not specified in the command"),
) -> None:
    console = console_of(ctx)
    args = min_args(args, 3)
    sid = SecretId(service_arg(ctx, args[0]), key_arg(args[1]))
    tags: dict[str, str] = {}
    for arg in args[2:]:
        if "=" not in arg:
            raise ChamberError(f"Failed to parse tag {arg}: tag must be in the form key=value")
        k, v = arg.split("=", 1)
        try:
            names.validate_tag(k, v)
        except ChamberError as e:
            raise e.wrap(f"Failed to validate tag with key {k}: ") from None
        tags[k] = v
    store = open_store(ctx)
    wrapped("Failed to write tags: ", store.write_tags, sid, tags, delete_other_tags)
    console.out(_tag_table(tags))


@commands.command("delete", "tag delete <service> <key> <tag key>...", "Delete tags for a specific secret",
         group=TAG)
def tag_delete_cmd(ctx: typer.Context, args: Optional[List[str]] = ARGS) -> None:
    args = min_args(args, 3)
    sid = SecretId(service_arg(ctx, args[0]), key_arg(args[1]))
    keys = args[2:]
    for k in keys:
        try:
            names.validate_tag_key(k)
        except ChamberError as e:
            raise e.wrap(f"Failed to validate tag key {k}: ") from None
    store = open_store(ctx)
    wrapped("Failed to delete tags: ", store.delete_tags, sid, keys)
