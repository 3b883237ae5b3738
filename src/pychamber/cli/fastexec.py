"""Reading the command line without the CLI framework: global flags hoisted to the front
(cobra's persistent flags are accepted anywhere before ``--``), a plain ``exec`` line parsed
for the fast path, and exec's split at ``--``. Everything here reads the one table of flags
(``settings.FLAGS``) and imports neither typer nor any store.

The fast path: typer costs tens of milliseconds to import, and ``exec`` runs before every
container start. :func:`parse` takes ``[globals] exec [flags] svc... -- cmd...`` and nothing
else; help, unknown flags, errors and other commands are left to the typer app, which has the
exact messages."""

from __future__ import annotations

from typing import Sequence

from pychamber.cli.console import Invocation
from pychamber.settings import Flag, flag_by_name, flags

EXEC = "exec"


# --- global flags may appear anywhere before "--" (cobra persistent flags) ------------------
def hoist_global_flags(argv: list[str]) -> list[str]:
    """Move global flags to the front so the root command sees them wherever they were typed."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest.extend(argv[i:])
            break
        if a.startswith("--"):
            name, eq, _ = a.partition("=")
            fl = flag_by_name(name)
            if fl is not None and eq and not fl.takes_value:
                rest.append(a)  # pflag's --verbose=false: the command's parse (pflag's) reads it
            elif fl is not None and (eq or not fl.takes_value):
                front.append(a)
            elif fl is not None:
                front.extend(argv[i:i + 2])
                i += 1
            else:
                rest.append(a)
        elif a.startswith("-") and len(a) >= 2 and (fl := flag_by_name(a[:2])) is not None \
                and fl.takes_value:
            if len(a) > 2:  # -bssm, and pflag's -b=ssm (its value is "ssm")
                front.append(f"{fl.names[-1]}={a[3:]}" if a[2] == "=" and len(a) > 3 else a)
            else:
                front.extend(argv[i:i + 2])
                i += 1
        else:
            rest.append(a)
        i += 1
    return front + rest


def global_value_flags() -> list[str]:
    """Spellings of the global flags that take a value (their next word is that value)."""
    return [n for f in flags("global") if f.takes_value for n in f.names]


# --- exec's command line ---------------------------------------------------------------------------
def split_command_line(raw_argv: Sequence[str], args: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """(services, command) from the raw argv and click's positional ``args`` (the services
    followed by everything after ``--``: click swallows the ``--`` itself). ``None`` when
    there is no ``--``."""
    hoisted = hoist_global_flags(list(raw_argv))
    with_value = global_value_flags()
    exec_with_value = {n for f in flags(EXEC) if f.takes_value and f.no_opt_default is None
                       for n in f.names}
    i = 0
    while i < len(hoisted):  # the global flags, then the "exec" token
        a = hoisted[i]
        if a in with_value:
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
        i += 2 if a in exec_with_value else 1
    return None


def _flag(name: str, seen_exec: bool) -> Flag | None:
    fl = flag_by_name(name)
    if fl is None and seen_exec:
        fl = flag_by_name(name, EXEC)
    return fl if fl is not None and fl.fast else None


def parse(argv: Sequence[str]):
    """Parse ``[globals] exec [flags] svc... -- cmd...`` (globals and exec flags anywhere
    before ``--``). Returns ``(settings_kwargs, exec_kwargs, services, command)``, or ``None``
    for anything else."""
    settings: dict = {}
    exec_flags: dict = {}
    services: list[str] = []
    seen_exec = False
    i = 0
    n = len(argv)
    while i < n:
        a = argv[i]
        if a == "--":
            if not seen_exec or not services or i + 1 >= n:
                return None
            return settings, exec_flags, services, list(argv[i + 1:])
        if a.startswith("-") and len(a) > 1:
            long = a.startswith("--")
            name, eq, inline = a.partition("=") if long else (a[:2], "", a[2:])
            if not long and inline[:1] == "=" and len(inline) > 1:  # pflag's -b=ssm
                inline = inline[1:]
            value: str | None = inline if (eq if long else inline) else None
            fl = _flag(name, seen_exec)
            if fl is None:
                return None
            target = settings if fl.scope == "global" else exec_flags
            if not fl.takes_value:
                if value is not None:
                    return None
                target[fl.dest] = True
            else:
                if value is None and fl.no_opt_default is not None:  # --release alone
                    value = fl.no_opt_default
                if value is None:
                    if i + 1 >= n:
                        return None
                    value = argv[i + 1]
                    i += 1
                if fl.type is int:
                    v = value.strip()
                    if not (v.lstrip("+-").isdigit() and v.isascii()):
                        return None
                    target[fl.dest] = int(v, 10)
                else:
                    target[fl.dest] = value
        elif not seen_exec:
            if a != EXEC:
                return None
            seen_exec = True
        else:
            services.append(a)
        i += 1
    return None


def run(inv: Invocation, parsed) -> int:
    """Run a parsed plain ``exec`` line (see :func:`parse`)."""
    from pychamber.cli import run as runner

    settings_kw, exec_flags, services, command = parsed
    inv.command, inv.usage = EXEC, runner.USAGE
    inv.use_settings(**settings_kw)
    return runner.run_exec(inv, services, command, **exec_flags)
