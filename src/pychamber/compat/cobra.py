"""cobra's and pflag's texts and parsing, as chamber (cobra v1.8.1, pflag v1.0.5) has them.

- the ``Error:`` line and the usage block chamber appends to an error whose text contains
  ``arg(s)`` or ``usage`` (chamber's ``cmd/root.go`` calls ``cmd.Usage()``): cobra's usage
  template (``command.go`` ``UsageTemplate``) with pflag's flag listing (``flag.go``
  ``FlagUsagesWrapped``: the column, ``--name type``, the ``(default ...)`` rules);
- pflag's parse of a command line (``flag.go`` ``parseArgs``/``parseLongArg``/
  ``parseSingleShortArg``) with its error texts, in its order: the first bad flag, left to
  right, is the error, before any argument count is checked (cobra's ``execute``);
- the values pflag's flag types accept: ``int`` (``strconv.ParseInt(s, 0, 64)``), ``bool``
  (``strconv.ParseBool``), ``duration``, ``stringToString``.

Pure: the CLI describes its flags as :class:`PFlag` rows and the commands as text."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Sequence

from pychamber.compat.strconv import RANGE, go_parse_uint, go_quote
from pychamber.errors import ChamberError, UsageError


# --- flags ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PFlag:
    """One pflag flag: ``kind`` is pflag's ``Value.Type()`` (``bool``, ``int``, ``string``,
    ``stringToString``, ``duration``), ``default`` its ``DefValue`` as Go prints it."""

    name: str
    shorthand: str = ""
    kind: str = "bool"
    default: str = ""
    usage: str = ""
    hidden: bool = False
    #: pflag's ``NoOptDefVal``: the value of the flag given alone (a bool flag's is "true");
    #: such a flag never takes the next word, only ``--name=value``
    no_opt_default: str | None = None

    @property
    def no_opt(self) -> str | None:
        return "true" if self.kind == "bool" and self.no_opt_default is None else self.no_opt_default

    @property
    def takes_value(self) -> bool:
        return self.no_opt is None

    @property
    def spelling(self) -> str:
        """How pflag names the flag in an ``invalid argument`` message."""
        return f"-{self.shorthand}, --{self.name}" if self.shorthand else f"--{self.name}"


def help_flag(command_name: str) -> PFlag:
    """cobra's ``InitDefaultHelpFlag``."""
    return PFlag("help", "h", "bool", "false", f"help for {command_name or 'this command'}")


def _default_is_zero(f: PFlag) -> bool:
    """pflag's ``defaultIsZeroValue``; a stringToString's ``[]`` is not (pflag prints it)."""
    if f.kind == "bool":
        return f.default == "false"
    if f.kind == "duration":
        return f.default in ("0", "0s")
    if f.kind == "int":
        return f.default == "0"
    if f.kind == "string":
        return f.default == ""
    return f.default in ("false", "<nil>", "", "0")


def _unquote_usage(f: PFlag) -> tuple[str, str]:
    """pflag's ``UnquoteUsage``: a back-quoted word of the usage is the value's name."""
    usage = f.usage
    i = usage.find("`")
    if i >= 0:
        j = usage.find("`", i + 1)
        if j >= 0:
            name = usage[i + 1:j]
            return name, usage[:i] + name + usage[j + 1:]
    return ("" if f.kind == "bool" else f.kind), usage


def usage_with_default(f: PFlag) -> str:
    """The flag's usage as pflag lists it: back-quotes removed, ``(default ...)`` appended
    unless the default is its type's zero (a string's quoted as Go's %q)."""
    usage = _unquote_usage(f)[1]
    if not _default_is_zero(f):
        usage += f" (default {go_quote(f.default) if f.kind == 'string' else f.default})"
    return usage


def _blen(s: str) -> int:
    return len(s.encode("utf-8", "surrogateescape"))  # Go's len(): bytes


def flag_usages(flags: Sequence[PFlag], sort: bool = True) -> str:
    """pflag's ``FlagSet.FlagUsagesWrapped(0)`` (what cobra's template prints), without the
    trailing white space cobra's ``trimTrailingWhitespaces`` removes."""
    rows = sorted(flags, key=lambda f: f.name.encode()) if sort else list(flags)
    lines: list[tuple[str, str]] = []
    maxlen = 0
    for f in rows:
        if f.hidden:
            continue
        head = f"  -{f.shorthand}, --{f.name}" if f.shorthand else f"      --{f.name}"
        varname, _ = _unquote_usage(f)
        if varname:
            head += " " + varname
        if f.no_opt_default is not None and f.kind == "string":
            head += f'[="{f.no_opt_default}"]'
        maxlen = max(maxlen, _blen(head) + 1)  # + 1: the "\x00" placeholder pflag measures
        lines.append((head, usage_with_default(f)))
    out = []
    for head, usage in lines:
        # fmt.Fprintln(buf, line[:sidx], spacing, wrap(maxlen+2, 0, usage)): operands joined by
        # spaces; wrap with no width only indents the usage's own line breaks
        spacing = " " * (maxlen - _blen(head))
        out.append(f"{head} {spacing} " + usage.replace("\n", "\n" + " " * (maxlen + 2)))
    return "\n".join(out).rstrip()


# --- the usage block -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Usage:
    """What cobra's usage template reads from a command."""

    use_line: str  # "chamber read <service> <key>" (the [flags] is added here)
    local: Sequence[PFlag] = ()
    inherited: Sequence[PFlag] = ()
    sort_local: bool = True  # env and export set SortFlags = false
    runnable: bool = True
    command_path: str = ""  # for a command with subcommands ("chamber tag")
    subcommands: Sequence[tuple[str, str]] = ()  # (name, short), cobra sorts them by name
    example: str = ""
    flags_in_use: bool = True  # cobra's DisableFlagsInUseLine, negated
    name_padding: int = 0  # cobra's NamePadding (the longest sibling's name, at least 11)


MIN_NAME_PADDING = 11


def usage_text(u: Usage) -> str:
    """cobra v1.8.1's default ``UsageTemplate`` rendered for ``u`` (command.go)."""
    text = "Usage:"
    if u.runnable:
        has_flags = any(not f.hidden for f in list(u.local) + list(u.inherited))
        line = u.use_line
        if u.flags_in_use and has_flags and "[flags]" not in line:
            line += " [flags]"
        text += "\n  " + line
    if u.subcommands:
        text += f"\n  {u.command_path} [command]"
    if u.example:
        text += "\n\nExamples:\n" + u.example
    if u.subcommands:
        pad = max([MIN_NAME_PADDING, u.name_padding] + [len(n) for n, _ in u.subcommands])
        text += "\n\nAvailable Commands:"
        for name, short in sorted(u.subcommands, key=lambda c: c[0].encode()):
            text += f"\n  {name.ljust(pad)} {short}"
    if any(not f.hidden for f in u.local):
        text += "\n\nFlags:\n" + flag_usages(u.local, u.sort_local)
    if any(not f.hidden for f in u.inherited):
        text += "\n\nGlobal Flags:\n" + flag_usages(u.inherited)
    if u.subcommands:
        text += f'\n\nUse "{u.command_path} [command] --help" for more information about a command.'
    return text + "\n"


def help_text(long_or_short: str, usage: str | None) -> str:
    """cobra's default ``HelpTemplate``: the command's Long (else Short) with trailing white
    space trimmed, then its usage (``None`` for a command neither runnable nor a group)."""
    text = long_or_short.rstrip(" \t\n\r\v\f") + "\n\n" if long_or_short else ""
    return text + (usage or "")


def error_block(message: str, usage: str | None) -> str:
    """``Error: <message>``, plus the command's usage block (``usage``) when the message
    contains ``arg(s)`` or ``usage`` (chamber's ``Execute`` in cmd/root.go)."""
    text = f"Error: {message}\n"
    if usage and ("arg(s)" in message or "usage" in message):
        text += usage
    return text


def unknown_command(name: str, prog: str, commands: Sequence[str] = ()) -> str:
    """cobra's ``legacyArgs`` error at the root, with ``findSuggestions``' block for the
    ``commands`` (available, in the order they were added), and ExecuteC's Run line."""
    message = f"unknown command {go_quote(name)} for {go_quote(prog)}"
    found = suggestions_for(name, commands)
    if found:
        message += "\n\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in found)
    return f"Error: {message}\nRun '{prog} --help' for usage.\n"


def suggestions_for(typed: str, commands: Sequence[str], min_distance: int = 2) -> list[str]:
    """cobra's ``SuggestionsFor``: each command within Levenshtein distance 2 (case
    ignored) of what was typed, or that it is a prefix of (case ignored)."""
    from pychamber.compat.unicode import go_lower

    low = go_lower(typed)
    return [c for c in commands
            if levenshtein(typed, c) <= min_distance or go_lower(c).startswith(low)]


def levenshtein(s: str, t: str) -> int:
    """cobra's ``ld(s, t, true)``: over the bytes of the lower-cased strings."""
    from pychamber.compat.unicode import go_lower

    a, b = _bytes_of(go_lower(s)), _bytes_of(go_lower(t))
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                cur[j] = prev[j - 1]
            else:
                cur[j] = min(prev[j], cur[j - 1], prev[j - 1]) + 1
        prev = cur
    return prev[len(b)]


def unknown_help_topic(words: Sequence[str]) -> str:
    """cobra's help command: ``Unknown help topic %#q`` of the words (a []string)."""
    return f"Unknown help topic [{' '.join(go_quote_alt(w) for w in words)}]\n"


def go_quote_alt(s: str) -> str:
    """Go's ``%#q`` of a string: back-quoted when ``strconv.CanBackquote``, else ``%q``."""
    for ch in s:
        o = ord(ch)
        if ch in ("`", "\ufeff", "\x7f") or (o < 0x20 and ch != "\t") or 0xD800 <= o <= 0xDFFF:
            return go_quote(s)
    return f"`{s}`"


# --- pflag's messages ----------------------------------------------------------------------------
def go_quote_byte(b: int) -> str:
    """Go's ``%q`` of a byte (pflag quotes the offending shorthand character so): the rune
    ``U+00XX`` as a single-quoted character literal (strconv.QuoteRune)."""
    ch = chr(b)
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    return "'" + go_quote(ch)[1:-1] + "'"


def _bytes_of(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def unknown_shorthand(shorthands: str) -> str:
    return f"unknown shorthand flag: {go_quote_byte(_bytes_of(shorthands)[0])} in -{shorthands}"


def invalid_argument(value: str, f: PFlag | str, err: str) -> str:
    """pflag's ``invalid argument %q for %q flag: %v``."""
    spelling = f.spelling if isinstance(f, PFlag) else f
    return f"invalid argument {go_quote(value)} for {go_quote(spelling)} flag: {err}"


# --- pflag's value types -------------------------------------------------------------------------
def _underscore_ok(s: str) -> bool:
    """strconv's ``underscoreOK``: underscores only between digits (base 0 only)."""
    saw = "^"
    i = 0
    if s[:1] in ("+", "-"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i, saw, hexa = 2, "0", s[1].lower() == "x"
    for c in s[i:]:
        if "0" <= c <= "9" or (hexa and "a" <= c.lower() <= "f"):
            saw = "0"
            continue
        if c == "_":
            if saw != "0":
                return False
            saw = "_"
            continue
        if saw == "_":
            return False
        saw = "!"
    return saw != "_"


def parse_int(s: str) -> tuple[int, str | None]:
    """``strconv.ParseInt(s, 0, 64)`` (pflag's int flags): (value, Go's error text or None).
    Base 0 reads ``0x``/``0o``/``0b`` prefixes, a leading ``0`` as octal, and underscores."""
    def fail(why: str) -> tuple[int, str]:
        return 0, f"strconv.ParseInt: parsing {go_quote(s)}: {why}"

    if s == "":
        return fail("invalid syntax")
    body, neg = s, False
    if body[0] in "+-":
        neg, body = body[0] == "-", body[1:]
    if body == "":
        return fail("invalid syntax")
    base = 10
    if body[0] == "0":
        if len(body) >= 3 and body[1].lower() in "box":
            base, body = {"b": 2, "o": 8, "x": 16}[body[1].lower()], body[2:]
        else:
            base, body = 8, body[1:]
    underscores = "_" in body
    digits = body.replace("_", "")
    if digits == "":
        if body:  # only underscores
            return fail("invalid syntax")
        n, err = 0, None
    else:
        n, err = go_parse_uint(digits, base)
    if err is not None and err != RANGE:
        return fail("invalid syntax")
    if underscores and not _underscore_ok(s):
        return fail("invalid syntax")
    if err == RANGE or (not neg and n >= 1 << 63) or (neg and n > 1 << 63):
        return fail("value out of range")
    return (-n if neg else n), None


_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
          "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


def parse_bool(s: str) -> tuple[bool, str | None]:
    """``strconv.ParseBool`` (pflag's bool flags given ``--flag=value``)."""
    if s in _BOOLS:
        return _BOOLS[s], None
    return False, f"strconv.ParseBool: parsing {go_quote(s)}: invalid syntax"


def string_to_string_pairs(val: str) -> list[tuple[str, str]]:
    """One value of pflag's ``stringToString`` flag: ``k=v``, or (two or more ``=``) one CSV
    record of ``k=v`` items. Raises ValueError with pflag's text."""
    import csv

    n = val.count("=")
    if n == 0:
        raise ValueError(f"{val} must be formatted as key=value")
    if n == 1:
        items = [val.strip('"')]
    else:
        try:
            items = next(csv.reader([val], strict=True))
        except (csv.Error, StopIteration) as e:
            raise ValueError(str(e)) from None
    out = []
    for pair in items:
        if "=" not in pair:
            raise ValueError(f"{pair} must be formatted as key=value")
        k, v = pair.split("=", 1)
        out.append((k, v))
    return out


def string_to_string(values: list[str], flag: str) -> dict[str, str]:
    """pflag's ``stringToString`` flag: repeated values merged into one map; errors in
    pflag's words, ``flag`` as ``"-t, --tags"``."""
    out: dict[str, str] = {}
    for val in values:
        try:
            out.update(string_to_string_pairs(val))
        except ValueError as e:
            raise ChamberError(invalid_argument(val, flag, str(e))) from None
    return out


def check_value(f: PFlag, value: str) -> str | None:
    """pflag's ``Value.Set`` of ``f``'s type: None, or the error after ``flag:``."""
    if f.kind == "int":
        return parse_int(value)[1]
    if f.kind == "bool":
        return parse_bool(value)[1]
    if f.kind == "duration":
        from pychamber.compat.gotime import parse_duration

        try:
            parse_duration(value)
        except ValueError as e:
            return str(e)
        return None
    if f.kind == "stringToString":
        try:
            string_to_string_pairs(value)
        except ValueError as e:
            return str(e)
    return None


# --- pflag's parse -------------------------------------------------------------------------------
@dataclass
class Parsed:
    """What pflag's ``Parse`` found: each flag with its value, in order; the positional
    arguments; how many of them came before ``--`` (``ArgsLenAtDash``, -1 without one)."""

    flags: list[tuple[PFlag, str]]
    args: list[str]
    dash: int = -1


def parse(argv: Sequence[str], flagset: Sequence[PFlag],
          on_set: Callable[[PFlag, str], None] | None = None) -> Parsed:
    """pflag v1.0.5's ``FlagSet.Parse`` (interspersed, ContinueOnError) of ``argv`` against
    ``flagset``; raises UsageError with pflag's message at the first bad flag. ``on_set`` is
    called as each flag is set (pflag prints a deprecated flag's notice then)."""
    longs = {f.name: f for f in flagset}
    shorts = {f.shorthand: f for f in flagset if f.shorthand}
    out = Parsed([], [])

    def setv(f: PFlag, value: str) -> None:
        err = check_value(f, value)
        if err is not None:
            raise UsageError(invalid_argument(value, f, err))
        out.flags.append((f, value))
        if on_set is not None:
            on_set(f, value)

    args = deque(argv)  # popleft: a list's pop(0) is quadratic in argv's length
    while args:
        s = args.popleft()
        if len(s) < 2 or s[0] != "-":
            out.args.append(s)
            continue
        if s[1] == "-":
            if len(s) == 2:  # "--" ends the flags
                out.dash = len(out.args)
                out.args.extend(args)
                break
            name = s[2:]
            if name[0] in "-=":
                raise UsageError(f"bad flag syntax: {s}")
            name, eq, value = name.partition("=")
            f = longs.get(name)
            if f is None:
                raise UsageError(f"unknown flag: --{name}")
            if eq:
                setv(f, value)
            elif not f.takes_value:
                setv(f, f.no_opt or "")
            elif args:
                setv(f, args.popleft())
            else:
                raise UsageError(f"flag needs an argument: {s}")
            continue
        shorthands = s[1:]
        while shorthands:
            if shorthands.startswith("test."):  # pflag skips Go's test flags (-test.v), silently
                break
            c = shorthands[0]
            f = shorts.get(c)
            if f is None:
                raise UsageError(unknown_shorthand(shorthands))
            if len(shorthands) > 2 and shorthands[1] == "=":
                setv(f, shorthands[2:])  # -f=value
                shorthands = ""
            elif not f.takes_value:
                setv(f, f.no_opt or "")
                shorthands = shorthands[1:]
            elif len(shorthands) > 1:  # -fvalue
                setv(f, shorthands[1:])
                shorthands = ""
            elif args:
                setv(f, args.popleft())
                shorthands = ""
            else:
                raise UsageError(f"flag needs an argument: {go_quote_byte(ord(c))} in -{shorthands}")
    return out
