"""``exec``'s engine: assemble the child's environment (chamber §5.2-5.4), resolve the program
the way Go's ``exec.LookPath`` does (§5.5), check the result against the kernel's limits, and
hand the process over with ``execve``.

Everything here except :func:`parent_environ` and :func:`exec_into` is pure (no I/O beyond
``stat``/``access`` in :func:`look_path`) and imports nothing beyond the standard library's
cheapest modules: ``exec`` is the hot path of every container start.

Error messages never contain a secret value: only variable names, service names and keys.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Iterable, Mapping, NoReturn, Sequence

from pychamber.errors import ChamberError
from pychamber.compat.strconv import go_quote
from pychamber.model import RawSecret, key_of
from pychamber.names import exec_env_name, go_upper

#: Linux's per-string limit for argv/envp entries, NUL included (``MAX_ARG_STRLEN``,
#: 32 pages of 4 KiB).
MAX_ARG_STRLEN = 131072
#: What each argv/envp entry costs beyond its bytes: its NUL and its pointer.
POINTER_SIZE = 8


# --- the environment -----------------------------------------------------------------------
@dataclass
class Source:
    """Where a variable's value came from (for ``--dry-run`` and error messages)."""

    service: str  # as typed
    key: str  # the stored name (``/svc/key``; bare on Secrets Manager)


@dataclass
class ExecEnv:
    """The environment being assembled, plus where each secret-set variable came from."""

    env: dict[str, str]
    sources: dict[str, Source] = field(default_factory=dict)

    def names_set(self) -> list[str]:
        """Variables set from secrets (sorted), for ``--verbose`` / ``--dry-run``."""
        return sorted(self.sources)


def parent_environ() -> dict[str, str]:
    """chamber's own environment as Go's ``os.Environ()`` would see it.

    CPython's locale coercion (PEP 538) adds ``LC_CTYPE=C.UTF-8`` to ``os.environ`` when it
    started under the C locale; the program must not inherit a variable its caller never set.
    On Linux the environment the process was started with is still in ``/proc/self/environ``:
    an ``LC_CTYPE`` missing there is dropped.
    """
    env = dict(os.environ)
    if "LC_CTYPE" in env:
        try:
            with open("/proc/self/environ", "rb") as f:
                original = f.read()
        except OSError:
            return env
        if not any(e.startswith(b"LC_CTYPE=") for e in original.split(b"\0")):
            del env["LC_CTYPE"]
    return env


def start(parent: Mapping[str, str], pristine: bool, strict: bool) -> ExecEnv:
    """The environment before any service is loaded: the parent's, or empty with
    ``--pristine`` (strict mode always starts from the parent's and prunes per service)."""
    if pristine and not strict:
        return ExecEnv({})
    return ExecEnv(dict(parent))


def apply_service(state: ExecEnv, service: str, secrets: Iterable[RawSecret]) -> list[str]:
    """Non-strict loading of one service (§5.3): every secret sets its variable, replacing
    any earlier value. Returns the overwritten names, in order (one warning each)."""
    env = state.env
    collisions: list[str] = []
    for s in secrets:
        name = exec_env_name(key_of(s.key))
        if name in env:
            collisions.append(name)
        env[name] = s.value
        state.sources[name] = Source(service, s.key)
    return collisions


def overwrite_warning(service: str, name: str) -> str:
    return f"warning: service {service} overwriting environment variable {name}"


def normalized_env_name(name: str) -> str:
    """chamber's "normalized like" form of a parent variable: upper-cased, ``-`` -> ``_``."""
    return go_upper(name).replace("-", "_")


def apply_service_strict(state: ExecEnv, service: str, secrets: Sequence[RawSecret],
                         strict_value: str, pristine: bool) -> None:
    """Strict loading of one service (§5.4), evaluated against the environment as it is
    before this service. Raises ChamberError with chamber's messages (unwrapped)."""
    parent = dict(state.env)
    expects: dict[str, bool] = {}
    for name in sorted(parent):
        if parent[name] == strict_value:
            norm = normalized_env_name(name)
            if name != norm:
                raise ChamberError(
                    f"parent env has key `{name}` with expected value `{strict_value}`, but key is "
                    f"not normalized like `{norm}`, so would never get substituted")
            expects[name] = True

    added: set[str] = set()
    for s in secrets:
        name = exec_env_name(key_of(s.key))
        if name not in parent:
            continue
        expects.pop(name, None)
        actual = parent[name]
        if actual != strict_value:
            earlier = state.sources.get(name)
            if earlier is not None:
                # chamber prints the variable's current value here, which is a secret when an
                # earlier service set it: name its origin instead.
                shown = f"<secret {earlier.key} from service {earlier.service}>"
            else:
                shown = actual
            raise ChamberError(
                f"parent env has {name}, but was expecting value `{strict_value}`, not `{shown}`")
        added.add(name)
        state.env[name] = s.value
        state.sources[name] = Source(service, s.key)
    for name in expects:
        raise ChamberError(f"parent env was expecting {name}={strict_value}, but was not in store")

    if pristine:
        for name in parent:
            if name not in added:
                state.env.pop(name, None)
                state.sources.pop(name, None)


# --- limits ----------------------------------------------------------------------------------
def _size(text: str) -> int:
    return len(os.fsencode(text))


def arg_max() -> int:
    try:
        value = os.sysconf("SC_ARG_MAX")
    except (AttributeError, ValueError, OSError):
        value = -1
    return value if value > 0 else 2097152


def check_environment(argv: Sequence[str], state: ExecEnv, limit: int | None = None) -> None:
    """Refuse, with a one-line error naming the variable (never its value), what ``execve``
    would refuse with a bare E2BIG or what Python's ``os.execve`` would refuse with a
    ValueError."""
    env = state.env
    for name, value in env.items():
        what = _describe(name, state)
        if not name or "=" in name or "\0" in name:
            raise ChamberError(f"cannot set {what}: the name is not a valid environment variable name")
        if "\0" in value:
            raise ChamberError(f"cannot set {what}: its value contains a NUL byte")
        size = _size(name) + 1 + _size(value) + 1
        if size > MAX_ARG_STRLEN:
            raise ChamberError(
                f"{what} is too large to pass to a program: NAME=value is {size} bytes with its "
                f"terminating NUL, the kernel's limit for one variable is {MAX_ARG_STRLEN} bytes "
                f"(MAX_ARG_STRLEN)")
    for i, arg in enumerate(argv):
        if "\0" in arg:
            raise ChamberError(f"argument {i} of the command contains a NUL byte")
        size = _size(arg) + 1
        if size > MAX_ARG_STRLEN:
            raise ChamberError(
                f"argument {i} of the command is {size} bytes with its terminating NUL, the "
                f"kernel's limit for one argument is {MAX_ARG_STRLEN} bytes (MAX_ARG_STRLEN)")
    budget = arg_max() if limit is None else limit
    total = sum(_size(a) + 1 + POINTER_SIZE for a in argv)
    largest, largest_size = "", 0
    for name, value in env.items():
        size = _size(name) + 1 + _size(value) + 1
        total += size + POINTER_SIZE
        if size > largest_size:
            largest, largest_size = name, size
    if total > budget:
        hint = f"; the largest is {_describe(largest, state)} ({largest_size} bytes)" if largest else ""
        raise ChamberError(
            f"the command's arguments and environment take {total} bytes, more than the system "
            f"limit of {budget} bytes (ARG_MAX){hint}")


def _describe(name: str, state: ExecEnv) -> str:
    src = state.sources.get(name)
    if src is None:
        return f"environment variable {name}"
    return f"environment variable {name} (secret {src.key} of service {src.service})"


# --- finding the program (Go's exec.LookPath) ------------------------------------------------
def go_errno_text(err: OSError) -> str:
    """Go's text for an errno (glibc's with a lower-case first letter)."""
    text = os.strerror(err.errno) if err.errno else str(err)
    return text[:1].lower() + text[1:]


class _NotExecutable(Exception):
    def __init__(self, text: str):
        self.text = text


def _find_executable(path: str) -> None:
    import stat

    try:
        st = os.stat(path)
    except OSError as e:
        raise _NotExecutable(f"stat {path}: {go_errno_text(e)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise _NotExecutable("is a directory")
    effective = os.access in os.supports_effective_ids
    if not os.access(path, os.X_OK, effective_ids=effective):
        raise _NotExecutable("permission denied")


def look_path(file: str, path_env: str | None) -> str:
    """Go's ``exec.LookPath(file)`` with ``$PATH`` = ``path_env`` (pychamber's own PATH, never
    the child's). Raises ChamberError with Go's ``exec: "file": ...`` messages."""
    if "/" in file:
        try:
            _find_executable(file)
        except _NotExecutable as e:
            raise ChamberError(f"exec: {go_quote(file)}: {e.text}") from None
        return file
    if path_env:
        for d in path_env.split(os.pathsep):
            if d == "":
                d = "."  # Unix shell semantics: an empty element means "."
            candidate = os.path.normpath(os.path.join(d, file))
            try:
                _find_executable(candidate)
            except _NotExecutable:
                continue
            if not os.path.isabs(candidate):
                raise ChamberError(
                    f"exec: {go_quote(file)}: cannot run executable found relative to current directory")
            return candidate
    raise ChamberError(f"exec: {go_quote(file)}: executable file not found in $PATH")


# --- the hand-over -----------------------------------------------------------------------------
def _restore_signals() -> list[tuple[int, object]]:
    """Undo what CPython did at start-up that an exec'd program would inherit: SIGPIPE and
    SIGXFSZ ignored (handled signals such as SIGINT revert to default by themselves).
    Returns the previous dispositions, to put back if ``execve`` fails."""
    import signal

    previous = []
    for name in ("SIGPIPE", "SIGXFSZ"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                previous.append((sig, signal.signal(sig, signal.SIG_DFL)))
            except (OSError, ValueError):
                pass
    return previous


def _put_back(previous: list[tuple[int, object]]) -> None:
    import signal

    for sig, handler in previous:
        try:
            signal.signal(sig, handler)  # type: ignore[arg-type]
        except (OSError, ValueError, TypeError):
            pass


def exec_into(path: str, argv: Sequence[str], env: Mapping[str, str]) -> NoReturn:
    """Replace this process with ``path`` (same PID, inherited stdio and signals). Returns only
    by raising ChamberError (chamber: the errno's text, e.g. ``exec format error``)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    previous = _restore_signals()
    try:
        os.execve(path, list(argv), dict(env))
    except OSError as e:
        _put_back(previous)
        raise ChamberError(go_errno_text(e)) from None
    except ValueError as e:  # embedded NUL / bad name: check_environment should have caught it
        _put_back(previous)
        raise ChamberError(f"cannot run the command: {e}") from None
    raise AssertionError("unreachable")  # pragma: no cover


# === the exec command's engine (typer-free) ===================================================
# Shared by the typer command (cli/run.py) and :func:`fast_main`, which runs ``exec`` without
# importing the CLI framework at all. Imports of the console and stores happen here, lazily, so
# that the pure part above stays importable on its own.

MISSING_DASH = "please separate services and command with '--'. See usage"
NO_SERVICES = "at least one service must be specified: requires at least 1 arg(s), only received 0"
NO_COMMAND = "must specify command to run. See usage: requires at least 1 arg(s), only received 0"
USAGE = "exec <service...> -- <command> [<arg...>]"


def _console():
    from pychamber.cli.console import console

    return console


def validate_services(services: Sequence[str]) -> None:
    """Each service as typed, with the label-tolerant regex (chamber validates the raw text)."""
    from pychamber import names

    for s in services:
        try:
            names.validate_service_with_label(s)
        except ChamberError as e:
            raise e.wrap("Failed to validate service: ") from None
        if names.is_reserved(names.go_lower(s)):
            _console().warn(names.RESERVED_WARNING)


def load(store, services: Sequence[str]):
    """Each service's raw secrets, in argument order (a generator). A service's listing error
    is raised when its turn comes, after the earlier services were merged (chamber loads one
    at a time).

    When the store fetches concurrently (SSM's ``list_raw_many``) every service is fetched at
    once; if that fails the services are listed again one by one, so the error reported is the
    first failing service's in argument order and the earlier services' warnings come first."""
    from pychamber import names
    from pychamber.stores.base import Store

    normalized = [names.go_lower(s) for s in services]
    many = getattr(type(store), "list_raw_many", None)
    if many is not None and many is not Store.list_raw_many and len(normalized) > 1:
        try:
            results = store.list_raw_many(normalized)
        except ChamberError:
            results = None
        if results is not None:
            yield from results
            return
    for service in normalized:
        yield store.list_raw(service)


def assemble(settings, store, services: Sequence[str], parent: Mapping[str, str],
             pristine: bool, strict: bool, strict_value: str) -> ExecEnv:
    """Load the services in argument order into the environment (§5.3 / §5.4), printing
    chamber's overwrite warnings as they happen."""
    from pychamber.settings import debug

    if pristine:
        debug(settings, "chamber: pristine mode engaged")
    state = start(parent, pristine, strict)
    if strict:
        debug(settings, "chamber: strict mode engaged")
        for service, secrets in zip(services, load(store, services)):
            apply_service_strict(state, service, secrets, strict_value, pristine)
        return state
    loader = load(store, services)
    console = _console()
    for service in services:
        try:
            secrets = next(loader)
        except ChamberError as e:
            raise e.wrap("Failed to list store contents: ") from None
        for name in apply_service(state, service, secrets):
            console.warn(overwrite_warning(service, name))
    return state


def dry_run_table(store, state: ExecEnv) -> str:
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


def run_exec(settings, services: Sequence[str], argv: Sequence[str], pristine: bool = False,
             strict: bool = False, strict_value: str = "chamberme", dry_run: bool = False) -> int:
    """The whole command once its arguments are split: returns only for ``--dry-run`` (0) or
    by raising ChamberError; otherwise the process becomes the program."""
    from pychamber.cli.common import open_store
    from pychamber.errors import UsageError
    from pychamber.settings import debug

    if not services:
        raise UsageError(NO_SERVICES)
    if not argv:
        raise UsageError(NO_COMMAND)
    validate_services(services)
    store = open_store(settings)
    state = assemble(settings, store, services, parent_environ(), pristine, strict, strict_value)
    set_names = state.names_set()
    debug(settings, "info: With environment (names only, never values)",
          set=",".join(set_names), inherited=len(state.env) - len(set_names))
    # chamber's own PATH, never the child's (trap 6).
    path = look_path(argv[0], os.environ.get("PATH", ""))
    check_environment(argv, state)
    if dry_run:
        _console().out(dry_run_table(store, state))
        return 0
    debug(settings, "chamber: exec", path=path)
    exec_into(path, argv, state.env)


# --- the fast path: exec without the CLI framework ---------------------------------------------
_FAST_GLOBAL_VALUE = {"-b": "backend_flag", "--backend": "backend_flag",
                      "--backend-s3-bucket": "s3_bucket_flag",
                      "--kms-key-alias": "kms_key_alias_flag",
                      "-r": "retries_flag", "--retries": "retries_flag",
                      "--retry-mode": "retry_mode"}


def parse_fast(argv: Sequence[str]):
    """Parse ``[globals] exec [flags] svc... -- cmd...`` (globals and exec flags anywhere
    before ``--``). Returns ``(settings_kwargs, exec_kwargs, services, command)``, or ``None``
    for anything else (help, unknown flags, errors, other commands): the full CLI handles
    those, with its exact messages."""
    settings: dict = {}
    flags: dict = {}
    services: list[str] = []
    seen_exec = False
    i = 0
    n = len(argv)
    while i < n:
        a = argv[i]
        if a == "--":
            if not seen_exec or not services or i + 1 >= n:
                return None
            return settings, flags, services, list(argv[i + 1:])
        if a.startswith("-") and len(a) > 1:
            name, eq, inline = a.partition("=") if a.startswith("--") else (a[:2], "", a[2:])
            if a.startswith("--") and eq:
                value: str | None = inline
            elif not a.startswith("--") and inline:
                value = inline
            else:
                value = None
            if name in _FAST_GLOBAL_VALUE or (seen_exec and name == "--strict-value"):
                if value is None:
                    if i + 1 >= n:
                        return None
                    value = argv[i + 1]
                    i += 1
                if name == "--strict-value":
                    flags["strict_value"] = value
                elif _FAST_GLOBAL_VALUE[name] == "retries_flag":
                    v = value.strip()
                    if not (v.lstrip("+-").isdigit() and v.isascii()):
                        return None
                    settings["retries_flag"] = int(v, 10)
                else:
                    settings[_FAST_GLOBAL_VALUE[name]] = value
            elif value is None and name == "--verbose":
                settings["verbose"] = True
            elif value is None and seen_exec and name in ("--pristine", "--strict", "--dry-run"):
                flags[name[2:].replace("-", "_")] = True
            else:
                return None
        elif not seen_exec:
            if a != "exec":
                return None
            seen_exec = True
        else:
            services.append(a)
        i += 1
    return None


def fast_main(argv: Sequence[str]) -> int | None:
    """Run ``exec`` without importing the CLI framework (typer costs ~75 ms to import and
    its pydantic-based parameter coercion another ~200 ms on every run). Returns ``None``
    when the command line is not a plain ``exec`` invocation; otherwise does not return
    (the process became the program) or returns the exit status of a failure/dry run.

    Meant to be called by the entry point *before* ``pychamber.cli.app`` is imported."""
    parsed = parse_fast(argv)
    if parsed is None:
        return None
    settings_kw, flags, services, command = parsed
    from pychamber.settings import Settings

    console = _console()
    settings = Settings(environ=os.environ, report=console.err, **settings_kw)
    try:
        return run_exec(settings, services, command, **flags)
    except ChamberError as e:
        from pychamber.cli.console import report_error

        report_error(e.message, USAGE, "exec")
        return e.exit_code
    except KeyboardInterrupt:
        console.err("\n")
        return 130
    except Exception as e:  # noqa: BLE001 - as the full CLI: one line, never a traceback
        if os.environ.get("PYCHAMBER_TRACEBACK"):
            raise
        console.err(f"Error: internal error ({type(e).__name__}); set PYCHAMBER_TRACEBACK=1 "
                    "for details\n")
        return 1
