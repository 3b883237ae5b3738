"""The child's environment, assembled from services' secrets the way chamber's ``exec`` does
(chamber §5.2-5.4): naming and precedence (later services win, each overwrite a warning),
``--pristine``, ``--strict``, and the kernel's limits on what ``execve`` can pass.

Pure: no I/O, no store, no printing. Warnings are returned to the caller (the CLI prints them,
the library turns them into :mod:`warnings`); errors are :class:`ChamberError` with chamber's
messages, which never contain a secret value: only variable names, service names and keys.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from pychamber import names
from pychamber.errors import ChamberError
from pychamber.model import RawSecret, key_of
from pychamber.names import exec_env_name, go_upper

#: Linux's per-string limit for argv/envp entries, NUL included (``MAX_ARG_STRLEN``,
#: 32 pages of 4 KiB).
MAX_ARG_STRLEN = 131072
#: What each argv/envp entry costs beyond its bytes: its NUL and its pointer.
POINTER_SIZE = 8


def validate_services(services: Sequence[str]) -> list[str]:
    """Check each service as typed, with the label-tolerant regex (chamber validates the raw
    text). Returns the warnings to show (the reserved ``_chamber`` service), in order."""
    warnings: list[str] = []
    for s in services:
        names.service_name(s, label=True, lower=False)
        if names.is_reserved(names.go_lower(s)):
            warnings.append(names.RESERVED_WARNING)
    return warnings


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


def start(parent: Mapping[str, str], pristine: bool, strict: bool) -> ExecEnv:
    """The environment before any service is loaded: the parent's, or empty with
    ``--pristine`` (strict mode always starts from the parent's and prunes per service)."""
    if pristine and not strict:
        return ExecEnv({})
    return ExecEnv(dict(parent))


def apply_service(state: ExecEnv, service: str, secrets: Iterable[RawSecret]) -> list[str]:
    """Non-strict loading of one service (§5.3): every secret sets its variable, replacing
    any earlier value. Returns the overwritten names, in order (one warning each: see
    :func:`overwrite_warning`)."""
    env = state.env
    collisions: list[str] = []
    for s in secrets:
        name = exec_env_name(key_of(s.key))
        if name in env:
            collisions.append(name)
        env[name] = s.value
        state.sources[name] = Source(service, s.key)
    return collisions


def no_secrets(service: str) -> ChamberError:
    """The one line refusing a service with no secrets at all (a typo such as ``wbe`` lists
    nothing): pychamber's own commands (materialize, ecs), and exec with --strict-services."""
    return ChamberError(f"service {service} has no secrets (is the name right?)")


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


# --- secrets as files --------------------------------------------------------------------------
def as_files(state: ExecEnv, directory: str) -> tuple[dict[str, str], ExecEnv]:
    """The secrets of ``state`` as files (the ``_FILE`` convention of the official postgres,
    mysql and mariadb images): ``(file name -> value, environment)``, where each file is named
    by its secret's key and the environment has ``NAME_FILE=directory/key`` in place of every
    ``NAME`` a secret set, so that no value enters it."""
    files: dict[str, str] = {}
    env = dict(state.env)
    sources: dict[str, Source] = {}
    for name in state.names_set():
        src = state.sources[name]
        key = key_of(src.key)
        files[key] = env.pop(name)
        file_var = name + "_FILE"
        env[file_var] = directory.rstrip("/") + "/" + key if directory != "/" else "/" + key
        sources[file_var] = src
    return files, ExecEnv(env, sources)
