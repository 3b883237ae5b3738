"""``exec <service...> -- <command> [<arg>...]``, the orchestration: validate, open the store,
assemble the environment (``api.assemble``, over the pure ``envbuild``), find the program and
hand the process over (``process``). Shared by the typer command (``cli.execcmd``) and the fast
path (``cli.fastexec``), so it imports no typer.

chamber §5: services are validated raw with the label-tolerant regex and lower-cased for loading;
fetched concurrently when the store can, merged in argument order (precedence and overwrite
warnings exactly chamber's). The program is resolved with pychamber's own ``PATH`` and the
process is replaced with ``execve``: same PID, signals go straight to the program, its exit
status is the exit status.

Beyond chamber: ``--dry-run`` prints the variables that would be set (name, service, key,
version; never a value) instead of running; the environment is checked against the kernel's
limits before ``execve``; ``--verbose`` names the variables but never shows a value.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Sequence

from pychamber import api, envbuild, process
from pychamber.cli.console import Invocation
from pychamber.errors import ChamberError, UsageError
from pychamber.model import key_of
from pychamber.settings import Settings, debug

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.stores.base import Store

MISSING_DASH = "please separate services and command with '--'. See usage"
NO_SERVICES = "at least one service must be specified: requires at least 1 arg(s), only received 0"
NO_COMMAND = "must specify command to run. See usage: requires at least 1 arg(s), only received 0"
USAGE = "exec <service...> -- <command> [<arg...>]"


def run_exec(inv: Invocation, services: Sequence[str], argv: Sequence[str], pristine: bool = False,
             strict: bool = False, strict_value: str = "chamberme", dry_run: bool = False,
             files: str | None = None) -> int:
    """The whole command once its arguments are split: returns only for ``--dry-run`` (0) or
    by raising ChamberError; otherwise the process becomes the program. With ``files`` (a
    directory) the secrets are written there and the program gets ``NAME_FILE`` variables."""
    settings = inv.settings if inv.settings is not None else Settings()
    console = inv.console
    if not services:
        raise UsageError(NO_SERVICES)
    if not argv:
        raise UsageError(NO_COMMAND)
    for warning in envbuild.validate_services(services):
        console.warn(warning)
    store = api.store_from(settings)
    state = api.assemble(settings, store, services, process.parent_environ(), pristine, strict,
                         strict_value, console.warn)
    secret_files: dict[str, str] | None = None
    if files is not None:
        if not files:
            raise ChamberError("--files needs a directory")
        from pychamber.files import check_file_name

        secret_files, state = envbuild.as_files(state, os.path.abspath(files))
        for name in secret_files:
            check_file_name(name)
    set_names = state.names_set()
    debug(settings, "info: With environment (names only, never values)",
          set=",".join(set_names), inherited=len(state.env) - len(set_names))
    # chamber's own PATH, never the child's (trap 6).
    path = process.look_path(argv[0], os.environ.get("PATH", ""))
    envbuild.check_environment(argv, state)
    if dry_run:
        console.out(dry_run_table(store, state))
        return 0
    if secret_files is not None:
        from pychamber.files import write_secret_files

        done = write_secret_files(os.path.abspath(files), secret_files)
        debug(settings, "info: secrets written as files (names only)", dir=done.directory,
              written=",".join(done.written), removed=",".join(done.removed))
    debug(settings, "chamber: exec", path=path)
    process.exec_into(path, argv, state.env)


def dry_run_table(store: "Store", state: envbuild.ExecEnv) -> str:
    """Name, Service, Key, Version of every variable set from a secret (sorted by name), never a
    value. Versions come from the store's metadata listing (DescribeParameters on SSM: slow and
    rate-limited, acceptable for a dry run but never on the exec path); ``-`` when unknown."""
    from pychamber import names
    from pychamber.compat.tabwriter import table

    versions: dict[str, dict[str, str]] = {}
    for src in state.sources.values():
        service = names.go_lower(src.service)
        if service in versions:
            continue
        try:
            metas = store.list(service, False)
        except ChamberError:
            metas = []
        versions[service] = {key_of(m.meta.key): str(m.meta.version) for m in metas}
    rows = [["Name", "Service", "Key", "Version"]]
    for name in state.names_set():
        src = state.sources[name]
        service = names.go_lower(src.service)
        key = key_of(src.key)
        rows.append([name, service, key, versions.get(service, {}).get(key, "-")])
    return table(rows)
