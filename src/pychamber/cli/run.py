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


#: pychamber's own secrets, which the program must never inherit: the local backend's data key
#: opens every service of the database (chamber has no such variable; nothing depends on it).
OWN_SECRETS = ("PYCHAMBER_LOCAL_KEY",)


def _parent_env() -> dict[str, str]:
    env = process.parent_environ()
    for name in OWN_SECRETS:
        env.pop(name, None)
    return env


def _duration(flag: str, text: str) -> float:
    from pychamber.compat.gotime import parse_duration

    try:
        value = parse_duration(text)
    except ValueError as e:
        raise ChamberError(f'invalid argument "{text}" for "{flag}" flag: {e}') from None
    if value < 0:
        raise ChamberError(f'invalid argument "{text}" for "{flag}" flag: a duration may not be negative')
    return value


def run_exec(inv: Invocation, services: Sequence[str], argv: Sequence[str], pristine: bool = False,
             strict: bool = False, strict_value: str = "chamberme", dry_run: bool = False,
             files: str | None = None, watch: bool = False, watch_interval: str = "60s",
             on_change: str = "restart", grace: str = "10s", stop_signal: str = "TERM",
             splay: str = "0s", init: bool = False) -> int:
    """The whole command once its arguments are split: returns only for ``--dry-run`` (0), for
    a supervised program (its exit status), or by raising ChamberError; otherwise the process
    becomes the program. With ``files`` (a directory) the secrets are written there and the
    program gets ``NAME_FILE`` variables. ``watch``/``init`` supervise instead of exec'ing."""
    process.end_at_once_as_pid_1()
    settings = inv.settings if inv.settings is not None else Settings()
    console = inv.console
    if not services:
        raise UsageError(NO_SERVICES)
    if not argv:
        raise UsageError(NO_COMMAND)
    supervise = watch or init
    if supervise:
        interval = _duration("--watch-interval", watch_interval)
        grace_s = _duration("--grace", grace)
        splay_s = _duration("--splay", splay)
        stop_sig = process.signal_number(stop_signal)
        change_sig = None
        if on_change.startswith("signal:"):
            change_sig = process.signal_number(on_change.split(":", 1)[1])
            if files is None:
                raise ChamberError("--on-change signal:SIG needs --files DIR: a running program's "
                                   "environment cannot change, its files can")
        elif on_change != "restart":
            raise ChamberError(f'invalid argument "{on_change}" for "--on-change" flag: use restart '
                               "or signal:SIG")
    for warning in envbuild.validate_services(services):
        console.warn(warning)
    store = api.store_from(settings)
    baseline = None
    if watch:
        from pychamber import names
        from pychamber.watch import baseline_beside

        baseline = baseline_beside(store, [names.go_lower(s) for s in services])
    state = api.assemble(settings, store, services, _parent_env(), pristine, strict,
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
    if supervise:
        return _supervise(inv, settings, store, services, argv, path, state, secret_files, files,
                          pristine, strict, strict_value, watch, interval, grace_s, splay_s,
                          stop_sig, change_sig, baseline)
    debug(settings, "chamber: exec", path=path)
    process.exec_into(path, argv, state.env)


def _supervise(inv: Invocation, settings: Settings, store: "Store", services: Sequence[str],
               argv: Sequence[str], path: str, state: envbuild.ExecEnv,
               secret_files: dict[str, str] | None, files: str | None, pristine: bool,
               strict: bool, strict_value: str, watch: bool, interval: float, grace: float,
               splay: float, stop_sig: int, change_sig: int | None, baseline=None) -> int:
    """``exec --init`` / ``--watch``: the program runs as a supervised child."""
    from pychamber import names

    console = inv.console
    sup = process.Supervisor(path, argv, state.env, stop_sig, grace, log=console.warn)
    watcher = None
    if watch:
        from pychamber.watch import Watcher

        directory = os.path.abspath(files) if files is not None else None

        def act(summary: str) -> None:
            from pychamber.files import check_file_name, write_secret_files
            from pychamber.watch import Refused

            from pychamber.aws import AwsError

            try:
                new = api.assemble(settings, store, services, _parent_env(), pristine,
                                   strict, strict_value, lambda line: None)
            except AwsError:
                raise  # the store failing: retried at the next poll
            except ChamberError as e:  # --strict's checks
                raise Refused(e.message) from None
            try:
                new_files = None
                if directory is not None:
                    new_files, new = envbuild.as_files(new, directory)
                    for name in new_files:
                        check_file_name(name)
                envbuild.check_environment(argv, new)
                if new_files is not None:
                    write_secret_files(directory, new_files)
            except Refused:
                raise
            except ChamberError as e:
                raise Refused(e.message) from None
            if change_sig is None:
                sup.log(f"pychamber: {summary}: restarting the command")
                sup.request("restart", env=new.env)
            else:
                sup.log(f"pychamber: {summary}: files rewritten, sending signal {change_sig}")
                sup.request("signal", sig=change_sig)

        watcher = Watcher(store, [names.go_lower(s) for s in services], baseline, interval, splay,
                          act, sup.log)
    debug(settings, "chamber: supervise", path=path, watch=watch)
    sup.block_signals()
    if watcher is not None:
        watcher.start()
    try:
        return sup.run()
    finally:
        if watcher is not None:
            watcher.stop()


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
