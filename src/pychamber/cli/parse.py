"""argv -> the command and its typed values, once, by cobra's and pflag's rules (cobra v1.8.1
``ExecuteC``/``Find``/``execute``, pflag v1.0.5 ``Parse``): the words that name a command are
found first (``Find``: a flag's value is never taken for a command), then one pflag parse over
the command's flags and the global ones gives every flag's typed value, the positional
arguments and the position of ``--`` (``ArgsLenAtDash``). Reads only the two tables
(``cli.commands``, ``settings.FLAGS``); imports no store and no CLI library."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Sequence

from pychamber.cli.commands import BY_PATH, Command, children
from pychamber.compat import cobra
from pychamber.errors import ChamberError
from pychamber.settings import FLAGS, Flag

#: cobra's hidden completion request commands (completions.go)
COMPLETE_COMMANDS = ("__complete", "__completeNoDesc")


class UnknownCommand(ChamberError):
    """cobra's ``legacyArgs`` at the root: the first word names no command."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@dataclass
class Call:
    """What the command line says: the command (its path, "" the root), the global flags'
    values (``Settings`` fields), the command's own (its function's keyword arguments), the
    positional arguments and ``ArgsLenAtDash``."""

    path: str
    settings: dict[str, object] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    dash: int = -1
    help: bool = False

    @property
    def command(self) -> Command | None:
        return BY_PATH.get(self.path)


def flags_of(path: str) -> tuple[Flag, ...]:
    """The command's own flags (the root's are the global ones)."""
    return tuple(f for f in FLAGS if f.scope == (path or "global"))


def pflag(row: Flag, chamber: bool = False) -> cobra.PFlag:
    """A row of the table as pflag describes it (type, default as Go prints it); under the
    name chamber, pychamber's own flags are hidden and chamber's help texts shown."""
    kind = row.kind
    if row.shown_default is not None:
        default = row.shown_default
    elif row.default is None:
        default = {"bool": "false", "int": "0", "duration": "0s", "stringToString": "[]"}.get(kind, "")
    elif isinstance(row.default, bool):
        default = "true" if row.default else "false"
    else:
        default = str(row.default)
    text = row.chamber_help if chamber and row.chamber_help is not None else row.help
    return cobra.PFlag(row.long, row.short, kind, default, text, row.hidden or (chamber and row.own),
                       row.no_opt_default)


def _no_opt(name: str, flags: dict[str, Flag]) -> bool:
    """pflag's ``hasNoOptDefVal``: a flag known to take no value when given alone."""
    row = flags.get(name)
    return row is not None and (not row.takes_value or row.no_opt_default is not None)


def _known(path: str) -> tuple[dict[str, Flag], dict[str, Flag]]:
    """The flags cobra's ``Find`` knows at ``path`` (its own and the persistent ones: the help
    flag is not among them, cobra adds it only to the command it runs), by long and short name."""
    rows = flags_of(path) + (flags_of("global") if path else ())
    return {r.long: r for r in rows}, {r.short: r for r in rows if r.short}


def _takes_next(s: str, longs: dict[str, Flag], shorts: dict[str, Flag]) -> bool:
    if "=" in s:
        return False
    if s.startswith("--"):
        return not _no_opt(s[2:], longs)
    # len(s) == 2 in Go's bytes: "-é" is 3 (not a shorthand taking the next word), "-\udcff" 2
    return s.startswith("-") and len(s.encode("utf-8", "surrogateescape")) == 2 and not _no_opt(s[1:], shorts)


def _strip_flags(args: list[str], longs: dict[str, Flag], shorts: dict[str, Flag]) -> list[str]:
    """cobra's ``stripFlags``: the words that are neither flags nor flags' values."""
    words, rest = [], deque(args)  # popleft: a list's pop(0) made 100k words take seconds
    while rest:
        s = rest.popleft()
        if s == "--":
            break
        if _takes_next(s, longs, shorts):
            if len(rest) <= 1:
                break
            rest.popleft()
        elif s and not s.startswith("-"):
            words.append(s)
    return words


def _minus_first(args: list[str], x: str, longs: dict[str, Flag], shorts: dict[str, Flag]) -> list[str]:
    """cobra's ``argsMinusFirstX``."""
    pos = 0
    while pos < len(args):
        s = args[pos]
        if s == "--":
            break
        if _takes_next(s, longs, shorts):
            pos += 2
            continue
        if not s.startswith("-") and s == x:
            return args[:pos] + args[pos + 1:]
        pos += 1
    return args


def find(argv: Sequence[str]) -> tuple[str, list[str]]:
    """cobra's ``Command.Find``: (the path of the command the words name, the rest of argv);
    at the root, a first word that names no command raises :class:`UnknownCommand`."""
    path, args = "", list(argv)
    while True:
        longs, shorts = _known(path)
        words = _strip_flags(args, longs, shorts)
        if not words:
            break
        nxt = f"{path} {words[0]}" if path else words[0]
        if nxt not in BY_PATH:
            break
        args = _minus_first(args, words[0], longs, shorts)
        path = nxt
    if not path:  # legacyArgs: the root has subcommands
        longs, shorts = _known("")
        words = _strip_flags(args, longs, shorts)
        if words:
            raise UnknownCommand(words[0])
    return path, args


def parse(argv: Sequence[str], on_set: Callable[[Flag, str], None] | None = None) -> Call:
    """The whole command line: the command, then one pflag parse of its flags (the global ones
    included; the first bad flag, left to right, is the error). ``on_set`` sees each flag as it
    is set (a deprecated flag's notice)."""
    path, rest = find(argv)
    return parse_flags(path, rest, on_set)


def parse_flags(path: str, rest: Sequence[str], on_set: Callable[[Flag, str], None] | None = None) -> Call:
    """cobra's ``execute``'s ``ParseFlags`` for the command at ``path``."""
    local = flags_of(path)
    inherited = flags_of("global") if path else ()
    rows: dict[str, Flag] = {r.long: r for r in inherited}
    rows.update({r.long: r for r in local})
    help_flag = cobra.help_flag(path)
    pflags = [pflag(r) for r in rows.values()] + [help_flag]
    call = Call(path)
    for r in local:
        call.values[r.dest] = {} if r.kind == "stringToString" else r.default

    def setv(f: cobra.PFlag, value: str) -> None:
        if f.name == "help":
            call.help = cobra.parse_bool(value)[0]
            return
        row = rows[f.name]
        if on_set is not None:
            on_set(row, value)
        target = call.settings if row.scope == "global" else call.values
        typed: object = value
        if row.kind == "bool":
            typed = cobra.parse_bool(value)[0]
        elif row.kind == "int":
            typed = cobra.parse_int(value)[0]
        elif row.kind == "stringToString":
            seen = target.get(row.dest) if (row.dest, True) in merged else None
            typed = dict(seen) if isinstance(seen, dict) else {}
            typed.update(cobra.string_to_string_pairs(value))
            merged.add((row.dest, True))
        target[row.dest] = typed

    merged: set[tuple[str, bool]] = set()
    parsed = cobra.parse(rest, pflags, setv)
    call.args, call.dash = parsed.args, parsed.dash
    return call


def is_runnable(path: str) -> bool:
    c = BY_PATH.get(path)
    return c is not None and c.runnable


def has_subcommands(path: str) -> bool:
    return bool(children(path))
