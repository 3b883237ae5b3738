"""write, read, list, list-services, find, history, delete, tag."""

from __future__ import annotations

from pychamber import names
from pychamber.cli.common import key_arg, open_store, service_arg, wrapped
from pychamber.cli.console import Console, Invocation
from pychamber.compat import gosort
from pychamber.compat.tabwriter import table, timestamp
from pychamber.compat.unicode import byte_order
from pychamber.errors import ChamberError
from pychamber.model import SecretId, key_of

# --- version -------------------------------------------------------------------------------
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


def write(inv: Invocation, service_raw: str, key_raw: str, value: str, *, singleline: bool,
          skip_unchanged: bool, tags: dict[str, str], tier: str | None, preserve_case: bool) -> None:
    """``value`` ``-``: read from stdin (asked for, hidden, on a terminal)."""
    console = inv.console
    tag_map = tags
    for pair in tags.items():  # an argv byte that is not UTF-8 (no backend can store it as a tag)
        if any(0xDC80 <= ord(c) <= 0xDCFF for c in "".join(pair)):
            raise ChamberError("a tag given with -t is not valid UTF-8")
    service = service_arg(inv, service_raw)
    key = key_arg(key_raw, lower=not preserve_case)
    if value == "-":
        value = (console.ask_new_secret(f"{service}/{key}") if console.stdin_isatty()
                 else read_stdin_value(console, singleline))
    store = open_store(inv)
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
def read(inv: Invocation, service_raw: str, key_raw: str, *, version: int, quiet: bool,
         exact_key: bool) -> None:
    console = inv.console
    service = service_arg(inv, service_raw)
    key = key_arg(key_raw, lower=not exact_key)
    store = open_store(inv)
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
def list_(inv: Invocation, service_raw: str, *, expand: bool, by_time: bool, by_user: bool,
          by_version: bool) -> None:
    console = inv.console
    service = service_arg(inv, service_raw, label=True)
    store = open_store(inv)
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
def list_services(inv: Invocation, *args: str, secrets: bool) -> None:
    """chamber takes the first argument, if any, as the prefix, and ignores the rest."""
    console = inv.console
    prefix = names.go_lower(args[0]) if args else ""
    store = open_store(inv)
    found = wrapped("Failed to list store contents: ", store.list_services, prefix, secrets)
    entries = sorted(set(found), key=byte_order)
    console.out(table([["Service"]] + [[e] for e in entries]))


# --- find ----------------------------------------------------------------------------------
def find(inv: Invocation, term: str, *, by_value: bool) -> None:
    console = inv.console
    store = open_store(inv)
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
def history(inv: Invocation, service_raw: str, key_raw: str) -> None:
    console = inv.console
    service = service_arg(inv, service_raw)
    key = key_arg(key_raw)
    store = open_store(inv)
    events = wrapped("Failed to get history: ", store.history, SecretId(service, key))
    rows = [["Event", "Version", "Date", "User"]]
    rows += [[e.type, str(e.version), timestamp(e.time), e.user] for e in events]
    console.out(table(rows))


# --- delete --------------------------------------------------------------------------------
def delete(inv: Invocation, service_raw: str, key_raw: str, *, exact_key: bool) -> None:
    service = service_arg(inv, service_raw)
    key = key_arg(key_raw, lower=not exact_key)
    store = open_store(inv)
    store.delete(SecretId(service, key))


# --- tag -----------------------------------------------------------------------------------
def _tag_table(tags: dict[str, str]) -> str:
    return table([["Key", "Value"]] + [[k, v] for k, v in tags.items()])


def tag_read(inv: Invocation, service_raw: str, key_raw: str) -> None:
    console = inv.console
    sid = SecretId(service_arg(inv, service_raw), key_arg(key_raw))
    store = open_store(inv)
    tags = wrapped("Failed to read tags: ", store.read_tags, sid)
    console.out(_tag_table(tags))


def tag_write(inv: Invocation, service_raw: str, key_raw: str, *tag_args: str,
              delete_other_tags: bool) -> None:
    console = inv.console
    sid = SecretId(service_arg(inv, service_raw), key_arg(key_raw))
    tags: dict[str, str] = {}
    for arg in tag_args:
        if "=" not in arg:
            raise ChamberError(f"Failed to parse tag {arg}: tag must be in the form key=value")
        k, v = arg.split("=", 1)
        try:
            names.validate_tag(k, v)
        except ChamberError as e:
            raise e.wrap(f"Failed to validate tag with key {k}: ") from None
        tags[k] = v
    store = open_store(inv)
    wrapped("Failed to write tags: ", store.write_tags, sid, tags, delete_other_tags)
    console.out(_tag_table(tags))


def tag_delete(inv: Invocation, service_raw: str, key_raw: str, *tag_keys: str) -> None:
    sid = SecretId(service_arg(inv, service_raw), key_arg(key_raw))
    keys = list(tag_keys)
    for k in keys:
        try:
            names.validate_tag_key(k)
        except ChamberError as e:
            raise e.wrap(f"Failed to validate tag key {k}: ") from None
    store = open_store(inv)
    wrapped("Failed to delete tags: ", store.delete_tags, sid, keys)
