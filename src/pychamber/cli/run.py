"""``exec <service...> -- <command> [<arg>...]``, the orchestration: validate, open the store,
assemble the environment (``api.assemble``, over the pure ``envbuild``), find the program and
hand the process over (``process``). Called by the exec command (``cli.execcmd``).

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from pychamber import api, envbuild, process
from pychamber.cli.console import Invocation
from pychamber.errors import ChamberError
from pychamber.model import key_of
from pychamber.settings import Settings, debug

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.stores.base import Store

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


@dataclass(frozen=True)
class Supervision:
    """``--init`` / ``--watch``'s options, checked: the program runs as a supervised child."""

    watch: bool
    interval: float
    grace: float
    splay: float
    stop_signal: int
    change_signal: int | None  # None: a change restarts the program


@dataclass(frozen=True)
class ExecOptions:
    """exec's flags as typed, one value (the defaults are the flags')."""

    pristine: bool = False
    strict: bool = False
    strict_value: str = "chamberme"
    dry_run: bool = False
    files: str | None = None
    watch: bool = False
    watch_interval: str = "60s"
    on_change: str = "restart"
    grace: str = "10s"
    stop_signal: str = "TERM"
    splay: str = "0s"
    init: bool = False
    release: str | None = None  # --release[=N]: the services' releases, not the store
    no_warn_conflicts: bool = False  # no warning when a later service overrides a variable
    strict_services: bool = False  # a service with no secrets at all is refused

    def supervision(self) -> Supervision | None:
        """The checked ``--init``/``--watch`` options, None when the program is exec'd."""
        if not (self.watch or self.init):
            return None
        interval = _duration("--watch-interval", self.watch_interval)
        grace = _duration("--grace", self.grace)
        splay = _duration("--splay", self.splay)
        stop_sig = process.signal_number(self.stop_signal)
        change_sig = None
        if self.on_change.startswith("signal:"):
            change_sig = process.signal_number(self.on_change.split(":", 1)[1])
            if self.files is None:
                raise ChamberError("--on-change signal:SIG needs --files DIR: a running program's "
                                   "environment cannot change, its files can")
        elif self.on_change != "restart":
            raise ChamberError(f'invalid argument "{self.on_change}" for "--on-change" flag: use restart '
                               "or signal:SIG")
        if self.watch and self.release is not None:
            from pychamber.release import parse_selector

            if parse_selector(self.release) is not None:
                raise ChamberError("--watch follows the current release: use --release (not --release=N, "
                                   "which never changes) with --watch")
        return Supervision(self.watch, interval, grace, splay, stop_sig, change_sig)


def run_exec(inv: Invocation, services: Sequence[str], argv: Sequence[str],
             options: ExecOptions) -> int:
    """The whole command once its arguments are split (the table's ``exec_args`` checked that
    both sides hold at least one word): returns only for ``--dry-run`` (0), for a supervised
    program (its exit status), or by raising ChamberError; otherwise the process becomes the program. With ``files`` (a
    directory) the secrets are written there and the program gets ``NAME_FILE`` variables.
    ``watch``/``init`` supervise instead of exec'ing."""
    process.end_at_once_as_pid_1()
    supervision = options.supervision()
    if options.files == "":
        raise ChamberError("--files needs a directory")
    console = inv.console
    request = api.prepare(inv.settings if inv.settings is not None else Settings(), services, console.warn,
                          pristine=options.pristine, strict=options.strict,
                          strict_value=options.strict_value, files=options.files, release=options.release,
                          strict_services=options.strict_services)
    baseline = None
    if supervision is not None and supervision.watch:
        from pychamber.watch import baseline_first

        baseline = baseline_first(request.store, request.loaded)
    state, files = request.environment(_parent_env(),
                                       (lambda line: None) if options.no_warn_conflicts else console.warn)
    set_names = state.names_set()
    debug(request.settings, "info: With environment (names only, never values)",
          set=",".join(set_names), inherited=len(state.env) - len(set_names))
    # chamber's own PATH, never the child's (trap 6).
    path = process.look_path(argv[0], os.environ.get("PATH", ""))
    envbuild.check_environment(argv, state)
    if options.dry_run:
        console.out(dry_run_table(request.store, state))
        return 0
    _write_files(request, files)
    if supervision is not None:
        return _supervise(inv, request, supervision, argv, path, state, baseline)
    debug(request.settings, "chamber: exec", path=path)
    process.exec_into(path, argv, state.env)
    return 0  # not reached: the process is the program now


def _write_files(request: api.Request, files: dict[str, str] | None) -> None:
    if files is None or request.files is None:
        return
    from pychamber.files import write_secret_files

    done = write_secret_files(request.files, files)
    debug(request.settings, "info: secrets written as files (names only)", dir=done.directory,
          written=",".join(done.written), removed=",".join(done.removed))


def _supervise(inv: Invocation, request: api.Request, supervision: Supervision, argv: Sequence[str],
               path: str, state: envbuild.ExecEnv, baseline: Callable[[], Any] | None) -> int:
    """``exec --init`` / ``--watch``: the program runs as a supervised child; a rotation loads
    the same request again, checks it as the first start was checked, and hands it over."""
    console = inv.console
    sup = process.Supervisor(path, argv, state.env, supervision.stop_signal, supervision.grace,
                             log=console.warn)
    change_sig = supervision.change_signal
    watcher = None
    if supervision.watch:
        from pychamber.watch import Watcher

        def act(summary: str) -> None:
            from pychamber.aws import AwsError
            from pychamber.watch import Refused

            try:
                new, files = request.environment(_parent_env(), lambda line: None)
                envbuild.check_environment(argv, new)
                _write_files(request, files)
            except AwsError:
                raise  # the store failing: retried at the next poll
            except ChamberError as e:  # --strict's checks, the kernel's limits, a file not ours
                raise Refused(e.message) from None
            if change_sig is None:
                sup.log(f"pychamber: {summary}: restarting the command")
                sup.request("restart", env=new.env)
            else:
                sup.log(f"pychamber: {summary}: files rewritten, sending signal {change_sig}")
                sup.request("signal", sig=change_sig)

        watcher = Watcher(request.store, request.loaded, baseline, supervision.interval,
                          supervision.splay, act, sup.log)
    debug(request.settings, "chamber: supervise", path=path, watch=supervision.watch)
    sup.block_signals()
    if watcher is not None:
        watcher.start()
    try:
        return sup.run()
    finally:
        if watcher is not None:
            watcher.stop()
        if request.files is not None:  # supervised: the program has ended, its secret files go too
            from pychamber.files import remove_secret_files

            try:
                remove_secret_files(request.files)
            except ChamberError as e:
                console.warn(f"pychamber: {e.message}")


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
