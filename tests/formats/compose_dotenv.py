"""docker compose's dotenv reader, for the tests: a line-by-line port of compose-go's
``dotenv/parser.go`` and the ``template`` substitution it applies (compose-spec/compose-go, the
library docker compose reads ``env_file`` and ``--env-file`` with). Only the test suite uses it:
docker and Go are not on the test machines, so this is the reader pychamber's dotenv output is
checked against for compose. Go's byte indexes become character indexes (the parser only ever
looks for ASCII characters, which UTF-8 never hides inside another character)."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Mapping

Lookup = Callable[[str], "str | None"]


class ComposeError(Exception):
    pass


_SPACE = {"\t", "\v", "\f", "\r", " ", "\x85", "\xa0"}  # parser.go isSpace
_EXPORT = re.compile(r"^export[\t\n\f\r ]+")  # RE2's \s is ASCII
_ESCAPE_SEQ = re.compile(r'(\\(?:[abcfnrtv$"\\]|0[0-9]{0,3}))')
_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", '"': '"', "\\": "\\"}


def _go_is_space(ch: str) -> bool:  # unicode.IsSpace
    return ch in "\t\n\v\f\r \x85\xa0" or (ord(ch) > 0xFF and unicodedata.category(ch) == "Zs") \
        or ch in "\u2028\u2029"


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def _is_number(ch: str) -> bool:
    return unicodedata.category(ch).startswith("N")


def parse(src: str, lookup: Lookup | None = None) -> dict[str, str]:
    """compose-go's ``dotenv.ParseWithLookup`` of the file's text (``lookup``: the process
    environment compose looks names up in; None looks up nothing)."""
    lookup = lookup or (lambda _: None)
    out: dict[str, str] = {}
    cutset = src.removeprefix("\ufeff")
    line = 1
    while True:
        cutset, line = _statement_start(cutset, line)
        if cutset == "":
            break
        key, left, inherited, line = _locate_key(cutset, line)
        if " " in key:
            raise ComposeError(f"line {line}: key cannot contain a space")
        if inherited:
            value = lookup(key)
            if value is not None:
                out[key] = value
            cutset = left
            continue
        value, left, line = _extract_value(left, out, lookup, line)
        out[key] = value
        cutset = left
    return out


def _statement_start(src: str, line: int) -> tuple[str, int]:
    while True:
        pos = -1
        for i, ch in enumerate(src):
            if ch == "\n":
                line += 1
            if not _go_is_space(ch):
                pos = i
                break
        if pos == -1:
            return "", line
        src = src[pos:]
        if src[0] != "#":
            return src, line
        pos = src.find("\n")
        if pos == -1:
            return "", line
        src = src[pos:]


def _locate_key(src: str, line: int) -> tuple[str, str, bool, int]:
    if _EXPORT.match(src):
        src = src.removeprefix("export").lstrip("".join(_SPACE))
    key, offset, inherited = "", 0, False
    for i, ch in enumerate(src):
        if ch in _SPACE:
            continue
        if ch in "=:\n":
            key, offset, inherited = src[:i], i + 1, ch == "\n"
            break
        if ch in "_.-[]" or _is_letter(ch) or _is_number(ch):
            continue
        raise ComposeError(f"line {line}: unexpected character {ch!r} in variable name")
    if src == "":
        raise ComposeError("zero length string")
    if inherited and " " not in key:
        line += 1
    key = "".join(key).rstrip("".join(c for c in map(chr, range(0x3000)) if _go_is_space(c)))
    rest = src[offset:].lstrip("".join(_SPACE))
    return key, rest, inherited, line


def _extract_value(src: str, env: dict[str, str], lookup: Lookup, line: int) -> tuple[str, str, int]:
    quote = src[:1]
    if quote not in ("'", '"'):
        value, _, rest = src.partition("\n")
        line += 1
        value = value.partition(" #")[0]
        value = value.rstrip("".join(c for c in map(chr, range(0x3000)) if _go_is_space(c)))
        return _expand_variables(value, env, lookup), rest, line
    escaped = False
    chars: list[str] = []
    for i in range(1, len(src)):
        ch = src[i]
        if ch == "\n":
            line += 1
        if ch != quote:
            if not escaped and ch == "\\":
                escaped = True
                continue
            if escaped:
                escaped = False
                chars.append("\\")
            chars.append(ch)
            continue
        if escaped:
            escaped = False
            chars.append(ch)
            continue
        value = "".join(chars)
        if quote == '"':
            value = _expand_variables(_expand_escapes(value), env, lookup)
        return value, src[i + 1:], line
    raise ComposeError(f"line {line}: unterminated quoted value")


def _unquote_char(seq: str) -> str | None:
    """Go's strconv.UnquoteChar for the sequences the regex finds (None: Go's error)."""
    body = seq[1:]
    if len(body) == 1 and body in _SIMPLE:
        return _SIMPLE[body]
    if len(body) == 3 and all(c in "01234567" for c in body):
        v = int(body, 8)
        return chr(v) if v <= 255 else None
    return None


def _expand_escapes(s: str) -> str:
    def one(m: re.Match) -> str:
        match = m.group(0)
        if match == "\\$":
            return "$$"
        seq = "\\" + match[2:] if match.startswith("\\0") else match
        decoded = _unquote_char(seq)
        return match if decoded is None else decoded

    return _ESCAPE_SEQ.sub(one, s)


# --- template (compose-go/template/template.go) ---------------------------------------------------

_PATTERN = re.compile(
    r"\$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|"
    r"\{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)\}|(?P<invalid>)))")


def _closing_brace(s: str) -> int:
    depth, i = 0, 0
    while i < len(s):
        if s[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        if s[i] == "{":
            depth += 1
            i += 1
        i += 1
    return -1


def _substitute(template: str, mapping: Callable[[str], "str | None"]) -> str:
    def replace(m: re.Match) -> str:
        return _replacement(m.group(0), mapping)

    return _PATTERN.sub(replace, template)


def _replacement(substring: str, mapping: Callable[[str], "str | None"]) -> str:
    subs = _substitution_function(substring)
    close = _closing_brace(substring)
    rest = ""
    if close > -1:
        rest, substring = substring[close + 1:], substring[:close + 1]
    m = _PATTERN.match(substring)
    if m is None:
        raise ComposeError("Invalid template")
    if m.group("escaped"):
        return "$"
    name, braced = m.group("named"), False
    if not name:
        name, braced = m.group("braced"), True
    if not name:
        raise ComposeError("Invalid template")
    if braced:
        applied = subs(name, mapping)
        if applied is not None:
            return applied + _substitute(rest, mapping)
    value = mapping(name)
    return value if value is not None else ""


def _partition(s: str, sep: str) -> tuple[str, str]:
    a, _, b = s.partition(sep)
    return a, b


def _substitution_function(template: str) -> Callable[[str, Callable], "str | None"]:
    def absent(sep: str, empty_too: bool) -> Callable:
        def f(sub: str, mapping: Callable) -> str | None:
            if sep not in sub:
                return None
            name, default = _partition(sub, sep)
            v = mapping(name)
            if v is None or (empty_too and v == ""):
                return _substitute(default, mapping)
            return v
        return f

    def present(sep: str, not_empty: bool) -> Callable:
        def f(sub: str, mapping: Callable) -> str | None:
            if sep not in sub:
                return None
            name, alt = _partition(sub, sep)
            v = mapping(name)
            if v is not None and (not not_empty or v != ""):
                return _substitute(alt, mapping)
            return v if v is not None else ""
        return f

    def required(sep: str, valid: Callable[[str], bool]) -> Callable:
        def f(sub: str, mapping: Callable) -> str | None:
            if sep not in sub:
                return None
            name, _ = _partition(sub, sep)
            v = mapping(name)
            if v is None or not valid(v):
                raise ComposeError(f"required variable {name} is missing a value")
            return v
        return f

    table = [(":?", required(":?", lambda v: v != "")), ("?", required("?", lambda v: True)),
             (":-", absent(":-", True)), ("-", absent("-", False)),
             (":+", present(":+", True)), ("+", present("+", False))]
    # Go's sort.Slice by first index (absent ones last); ties keep an unspecified order, the
    # table's in practice for these six
    table.sort(key=lambda e: (template.find(e[0]) < 0, template.find(e[0])))
    return table[0][1]


def _expand_variables(value: str, env: Mapping[str, str], lookup: Lookup) -> str:
    def mapping(name: str) -> str | None:
        v = lookup(name)
        if v is not None:
            return v
        return env.get(name)

    return _substitute(value, mapping)
