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
"""

from __future__ import annotations

import os
from typing import Iterator, List, Optional, Sequence

import typer

from pychamber import execution, names
from pychamber.cli.app import (_GLOBAL_WITH_VALUE, command, hoist_global_flags, settings_of,
                               state)
from pychamber.cli.common import open_store
from pychamber.cli.console import console
from pychamber.errors import ChamberError, UsageError
from pychamber.model import RawSecret, key_of
from pychamber.settings import Settings, debug
from pychamber.stores.base import Store

ARGS = typer.Argument(None, show_default=False, metavar="")

MISSING_DASH = "please separate services and command with '--'. See usage"
NO_SERVICES = "at least one service must be specified: requires at least 1 arg(s), only received 0"
NO_COMMAND = "must specify command to run. See usage: requires at least 1 arg(s), only received 0"

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


def validate_services(services: Sequence[str]) -> None:
    for s in services:
        try:
            names.validate_service_with_label(s)
        except ChamberError as e:
            raise e.wrap("Failed to validate service: ") from None
        if names.is_reserved(names.go_lower(s)):
            console.warn(names.RESERVED_WARNING)


# --- loading ---------------------------------------------------------------------------------
def load(store: Store, services: Sequence[str]) -> Iterator[list[RawSecret]]:
    """Each service's raw secrets, in argument order. A service's listing error is raised when
    its turn comes, after the earlier services were merged (chamber loads one at a time).

    With ``list_raw_many`` (SSM) every service is fetched at once, concurrently; if that fails
    the services are listed again one by one, so the error reported is the first service's
    error in argument order and the earlier services' warnings come first, as in chamber."""
    normalized = [names.go_lower(s) for s in services]
    many = getattr(store, "list_raw_many", None)
    if many is not None and len(normalized) > 1:
        try:
            results = many(normalized)
        except ChamberError:
            results = None
        if results is not None:
            yield from results
            return
    for service in normalized:
        yield store.list_raw(service)


def assemble(settings: Settings, store: Store, services: Sequence[str], parent: dict[str, str],
             pristine: bool, strict: bool, strict_value: str) -> execution.ExecEnv:
    if pristine:
        debug(settings, "chamber: pristine mode engaged")
    state_ = execution.start(parent, pristine, strict)
    if strict:
        debug(settings, "chamber: strict mode engaged")
        for service, secrets in zip(services, load(store, services)):
            execution.apply_service_strict(state_, service, secrets, strict_value, pristine)
        return state_
    loader = load(store, services)
    for service in services:
        try:
            secrets = next(loader)
        except ChamberError as e:
            raise e.wrap("Failed to list store contents: ") from None
        for name in execution.apply_service(state_, service, secrets):
            console.warn(execution.overwrite_warning(service, name))
    return state_


# --- --dry-run -------------------------------------------------------------------------------
def dry_run_table(store: Store, state_: execution.ExecEnv) -> str:
    """Name, Service, Key, Version of every variable set from a secret (sorted by name).
    Versions come from the store's metadata listing (DescribeParameters on SSM: slow and
    rate-limited, which is acceptable here but never on the exec path); ``-`` when unknown."""
    from pychamber.tabwriter import table

    versions: dict[str, dict[str, str]] = {}
    for src in state_.sources.values():
        service = names.go_lower(src.service)
        if service in versions:
            continue
        try:
            metas = store.list(service, False)
        except ChamberError:
            metas = []
        versions[service] = {key_of(m.meta.key): str(m.meta.version) for m in metas}
    rows = [["Name", "Service", "Key", "Version"]]
    for name in state_.names_set():
        src = state_.sources[name]
        service = names.go_lower(src.service)
        key = key_of(src.key)
        rows.append([name, service, key, versions.get(service, {}).get(key, "-")])
    return table(rows)


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
) -> None:
    split = split_command_line(state.raw_argv, list(args or []))
    if split is None:
        raise UsageError(MISSING_DASH)
    services, argv = split
    if not services:
        raise UsageError(NO_SERVICES)
    if not argv:
        raise UsageError(NO_COMMAND)
    validate_services(services)

    settings = settings_of(ctx)
    store = open_store(settings)
    parent = execution.parent_environ()
    env = assemble(settings, store, services, parent, pristine, strict, strict_value)
    set_names = env.names_set()
    debug(settings, "info: With environment (names only, never values)",
          set=",".join(set_names), inherited=len(env.env) - len(set_names))

    # chamber's own PATH, never the child's (trap 6).
    path = execution.look_path(argv[0], os.environ.get("PATH", ""))
    execution.check_environment(argv, env)
    if dry_run:
        console.out(dry_run_table(store, env))
        return
    debug(settings, "chamber: exec", path=path)
    execution.exec_into(path, argv, env.env)
