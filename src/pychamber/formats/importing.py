"""``import`` input parsing (§6.9): text -> list of (key, value). Pure, no I/O.

* JSON / YAML: chamber v3.1.3+ semantics (goccy/go-yaml). Input that is valid JSON is read with
  the ``json`` module (PyYAML's scanner rejects some valid JSON, e.g. tab indentation); its
  numbers, booleans and nulls are converted exactly like the equivalent YAML plain scalars.
  Everything else goes through the goccy-compatible YAML loader.
* dotenv (pychamber extension): a port of python-dotenv 1.2's parser, reading chamber's own
  ``export -f dotenv`` exactly (``\\$`` and ``\\``` in double quotes are ``$`` and a backtick, as
  in a shell; python-dotenv would keep the backslash). ``${VAR}`` is stored literally unless
  ``environ`` is given (``import --expand``).
* ``flatten``: nested maps of JSON/YAML become keys joined by the separator.
"""

from __future__ import annotations

import json
import os
import re

from pychamber.errors import ChamberError
from pychamber.compat.strconv import go_quote
from collections import ChainMap
from collections.abc import Mapping

from pychamber.formats.yamlfmt import (MAX_DEPTH, DecodeError, decode_error, goccy_resolve,
                                       parse_yaml_pairs)
from pychamber.names import go_lower

IMPORT_FORMATS = ["json", "yaml", "dotenv"]
#: ``import --flatten`` without a value joins nested keys with this: ``db: {host: h}`` becomes
#: ``db_host``, which ``exec`` turns into ``DB_HOST`` (a ``.`` would give ``DB.HOST``, which no
#: shell can read). Two paths that meet (``db_host`` next to ``db: {host}``) are an error.
FLATTEN_SEPARATOR = "_"
_SEPARATOR_RE = re.compile(r"[A-Za-z0-9_.\-]+", re.ASCII)

# --- JSON ----------------------------------------------------------------------------------------


class _RawNumber(str):
    """A JSON number or constant (NaN, Infinity) as written; converted by goccy's rules."""


class _Object(list):
    """A JSON object's (key, value) pairs in document order."""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_string(v: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", v)


def _json_scalar(key: str, value: object) -> str:
    if isinstance(value, _RawNumber):
        return goccy_resolve(str(value))
    if isinstance(value, str):
        return _json_string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    kind = "a mapping" if isinstance(value, _Object) else "a sequence"
    raise decode_error(f"cannot unmarshal {kind} into a string (key {go_quote(key)})")


def _parse_json_pairs(text: str, flatten: str | None = None) -> list[tuple[str, str]] | None:
    """The pairs when ``text`` is a JSON document; None when it is not JSON at all."""
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_Object,
            parse_float=_RawNumber,
            parse_int=_RawNumber,
            parse_constant=_RawNumber,
        )
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, _Object):
        if doc is None:
            return []
        kind = "a sequence" if isinstance(doc, list) else "a scalar"
        raise decode_error(f"cannot unmarshal {kind} into map[string]string")
    out: list[tuple[str, str]] = []
    made: set[str] = set()

    def emit(prefix: str, obj: _Object, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise decode_error(f"nesting deeper than {MAX_DEPTH} levels")
        seen: set[str] = set()
        for raw_key, value in obj:
            key = _json_string(raw_key)
            if key in seen:
                raise decode_error(f"mapping key {go_quote(key)} already defined")
            seen.add(key)
            full = prefix + key
            if flatten is not None and isinstance(value, _Object):
                emit(full + flatten, value, depth + 1)
                continue
            if full in made:  # only when flattening: "a_b" next to "a": {"b"}
                raise decode_error(f"--flatten makes the key {go_quote(full)} twice")
            made.add(full)
            out.append((full, _json_scalar(full, value)))

    emit("", doc, 1)
    return out


# --- dotenv (python-dotenv's grammar) -------------------------------------------------------------

_multiline_whitespace = re.compile(r"\s*", re.MULTILINE)
_whitespace = re.compile(r"[^\S\r\n]*")
_export = re.compile(r"(?:export[^\S\r\n]+)?")
_single_quoted_key = re.compile(r"'([^']+)'")
_unquoted_key = re.compile(r"([^=\#\s]+)")
_equal_sign = re.compile(r"(=[^\S\r\n]*)")
# A backslash always escapes the character after it (python-dotenv 1.2), so that "a\\" ends at
# its closing quote.
_single_quoted_value = re.compile(r"'((?:\\.|[^'\\])*)'", re.DOTALL)
_double_quoted_value = re.compile(r'"((?:\\.|[^"\\])*)"', re.DOTALL)
_unquoted_value = re.compile(r"([^\r\n]*)")
_comment = re.compile(r"(?:[^\S\r\n]*#[^\r\n]*)?")
_end_of_line = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|$)")
_inline_comment = re.compile(r"\s#")
# python-dotenv's double-quote escapes, plus \$ and \` (chamber's export writes them; a shell
# reads them so); an unknown escape stays as written.
_DOUBLE_QUOTE_ESCAPES = {"\\\\": "\\", "\\'": "'", '\\"': '"', "\\a": "\a", "\\b": "\b",
                         "\\f": "\f", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\v": "\v",
                         "\\$": "$", "\\`": "`"}
_SINGLE_QUOTE_ESCAPES = {"\\\\": "\\", "\\'": "'"}
_escape = re.compile(r"\\.", re.DOTALL)
# python-dotenv's POSIX-style references: ${NAME} and ${NAME:-default} (not $NAME).
_variable = re.compile(r"\$\{(?P<name>[^}:]*)(?::-(?P<default>[^}]*))?\}")

# A value as parsed: (text, expandable) pieces. Single-quoted text and escapes are literal.
Pieces = list[tuple[str, bool]]


class _DotenvSyntax(Exception):
    pass


class _Reader:
    """A cursor over the text that counts lines as it moves (never from the start again: the
    line of every statement costs only the text read since the previous one)."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self._line = 1
        self._counted = 0  # self._line is the line at this position

    def has_next(self) -> bool:
        return self.pos < len(self.text)

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def read(self, regex: re.Pattern) -> tuple:
        m = regex.match(self.text, self.pos)
        if m is None:
            raise _DotenvSyntax()
        self.pos = m.end()
        return m.groups()

    def line(self) -> int:
        text, start, end = self.text, self._counted, self.pos
        # \r\n is one line break: count \n, plus each \r not followed by \n
        self._line += text.count("\n", start, end) + text.count("\r", start, end)
        self._line -= text.count("\r\n", start, end)
        if start > 0 and text[start - 1] == "\r" and start < len(text) and text[start] == "\n":
            self._line -= 1  # a \r\n cut in two by the previous count was counted twice
        self._counted = end
        return self._line


def _pieces(s: str, escapes: dict[str, str], expandable: bool) -> Pieces:
    if "\\" not in s:
        return [(s, expandable)]
    out: Pieces = []
    pos = 0
    for m in _escape.finditer(s):
        decoded = escapes.get(m.group(0))
        if decoded is None:
            continue  # not an escape here: kept as written
        if m.start() > pos:
            out.append((s[pos:m.start()], expandable))
        out.append((decoded, False))
        pos = m.end()
    if pos < len(s):
        out.append((s[pos:], expandable))
    return out


def _dotenv_value(r: _Reader) -> Pieces:
    ch = r.peek()
    if ch == "'":
        (v,) = r.read(_single_quoted_value)
        return _pieces(v, _SINGLE_QUOTE_ESCAPES, False)
    if ch == '"':
        (v,) = r.read(_double_quoted_value)
        return _pieces(v, _DOUBLE_QUOTE_ESCAPES, True)
    if ch in ("", "\n", "\r"):
        return []
    (part,) = r.read(_unquoted_value)
    # python-dotenv's re.sub(r"\s+#.*", "", part).rstrip(), in linear time: the first blank
    # followed by "#" starts the comment (its run of blanks goes with the rstrip)
    m = _inline_comment.search(part)
    if m is not None:
        part = part[: m.start()]
    return [(part.rstrip(), True)]


# One statement ``KEY=value`` read in one match (the common case; anything else, comments
# included, takes the step-by-step reader, which also names what is wrong). Atomic groups keep
# it from trying what the step-by-step reader never tries (``export`` as the key, a blank
# before an unclosed quote taken as the start of an unquoted value).
_STATEMENT = re.compile(r"""
    (?>(?:export[^\S\r\n]+)?)
    (?:'(?P<qkey>[^']+)'|(?P<key>(?!')[^=\#\s]+))
    [^\S\r\n]*=
    (?:[^\S\r\n]+(?=\#)  # KEY= # comment: an empty value (python-dotenv 1.2.2+)
      |(?>[^\S\r\n]*)
       (?:'(?P<sq>(?:\\.|[^'\\])*)'|"(?P<dq>(?:\\.|[^"\\])*)"|(?P<uq>(?!['"])[^\r\n]*)))
    (?:[^\S\r\n]*\#[^\r\n]*)?
    [^\S\r\n]*(?:\r\n|\n|\r|$)
""", re.VERBOSE | re.DOTALL)


def _statement(r: _Reader) -> tuple[str, Pieces] | None:
    """The statement at the reader's position when :data:`_STATEMENT` reads it whole (the
    reader then moves past it), else None (the reader has not moved)."""
    m = _STATEMENT.match(r.text, r.pos)
    if m is None:
        return None
    r.pos = m.end()
    key = m.group("qkey") if m.group("qkey") is not None else m.group("key")
    sq, dq = m.group("sq"), m.group("dq")
    if sq is not None:
        return key, _pieces(sq, _SINGLE_QUOTE_ESCAPES, False)
    if dq is not None:
        return key, _pieces(dq, _DOUBLE_QUOTE_ESCAPES, True)
    part = m.group("uq")
    if part is None:
        return key, []
    c = _inline_comment.search(part)
    if c is not None:
        part = part[: c.start()]
    return key, [(part.rstrip(), True)]


def _expand(pieces: Pieces, env: Mapping[str, str]) -> str:
    def ref(m: re.Match) -> str:
        return env.get(m.group("name"), m.group("default") or "")

    return "".join(_variable.sub(ref, t) if expandable else t for t, expandable in pieces)


def parse_dotenv(text: str, environ: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """``KEY=value`` lines as python-dotenv 1.2 reads them: optional ``export``, single quotes
    (only ``\\'`` and ``\\\\`` are escapes), double quotes (escapes ``\\\\ \\' \\" \\a \\b \\f
    \\n \\r \\t \\v``, and ``\\$`` and ``\\``` as chamber's export writes them; both quote styles
    may span lines), unquoted values (an inline `` #comment`` and trailing whitespace dropped),
    comments and blank lines. A later duplicate key overrides an earlier one. A line
    python-dotenv would skip as unparseable, or a key without ``=``, is an error naming its line
    and what is wrong, never its text (it may be a line of a key pasted unquoted).

    ``${VAR}`` and ``${VAR:-default}`` are kept literally unless ``environ`` is given: then they
    are expanded as python-dotenv does, from the keys above in the file first, then ``environ``
    (never inside single quotes, nor an escaped ``\\$``). A leading UTF-8 BOM (a Windows
    editor's) is dropped, as the JSON/YAML decoder drops it. Linear time in the input's size."""
    return [(k, v) for k, v, _ in parse_dotenv_entries(text, environ)]


def dotenv_error(line: int, what: str) -> ChamberError:
    """``Failed to decode input as dotenv: line N: WHAT`` (WHAT never quotes the input)."""
    return ChamberError(f"Failed to decode input as dotenv: line {line}: {what}")


def parse_dotenv_entries(text: str, environ: Mapping[str, str] | None = None
                         ) -> list[tuple[str, str, int]]:
    """:func:`parse_dotenv`'s pairs with the line each was (last) set on: ``(key, value, line)``
    in the order the keys first appear."""
    r = _Reader(text.removeprefix("\ufeff"))
    values: dict[str, tuple[str, int]] = {}
    scope: ChainMap[str, str] | None = None
    if environ is not None:
        scope = ChainMap({}, dict(environ))  # the keys above, then the environment
    while r.has_next():
        r.read(_multiline_whitespace)
        if not r.has_next():
            break
        line = r.line()
        fast = _statement(r)
        if fast is not None:
            _set(values, scope, fast[0], fast[1], line)
            continue
        what = "expected KEY=value"
        key: str | None
        pieces: Pieces | None
        try:
            r.read(_export)
            ch = r.peek()
            if ch == "#":
                key = None
            elif ch == "'":
                what = "a quoted name has no closing quote"
                (key,) = r.read(_single_quoted_key)
            else:
                (key,) = r.read(_unquoted_key)
            r.read(_whitespace)
            pieces = None
            if r.peek() == "=":
                (equal_sign,) = r.read(_equal_sign)
                if r.peek() in ("'", '"'):
                    what = "a quoted value has no closing quote"
                if len(equal_sign) > 1 and r.peek() == "#":
                    pieces = []  # KEY= # comment: an empty value (python-dotenv 1.2.2+)
                else:
                    pieces = _dotenv_value(r)
                what = "unexpected text after the value (quote it, or start a comment with ' #')"
            elif key is not None:
                what = "a name without '=' (expected KEY=value)"
            r.read(_comment)
            r.read(_end_of_line)
        except _DotenvSyntax:
            raise dotenv_error(line, what) from None
        if key is None:
            continue
        if pieces is None:
            raise dotenv_error(line, what)
        _set(values, scope, key, pieces, line)
    return [(k, v, n) for k, (v, n) in values.items()]


def _set(values: dict[str, tuple[str, int]], scope: ChainMap[str, str] | None, key: str,
         pieces: Pieces, line: int) -> None:
    if scope is None:
        value = pieces[0][0] if len(pieces) == 1 else "".join(t for t, _ in pieces)
    else:
        value = _expand(pieces, scope)
        scope.maps[0][key] = value
    values[key] = (value, line)


# --- entry point -----------------------------------------------------------------------------------

_DATA_SUFFIXES = (".json", ".yaml", ".yml")
# "KEY=" or "export KEY=" opening the first statement: what a YAML document never starts with
_LINE = re.compile(r"[^\r\n]*")
_DOTENV_START = re.compile(r"(?:export[^\S\r\n]+)?[A-Za-z_][A-Za-z0-9_.\-]*[^\S\r\n]*=")


def is_dotenv_filename(filename: str) -> bool:
    """``.env``, ``prod.env``, ``.env.production``, ``.env.local``, ``app.env.example``: a
    dotenv file, unless its name ends in ``.json``, ``.yaml`` or ``.yml``."""
    base = os.path.basename(filename)
    if base.lower().endswith(_DATA_SUFFIXES):
        return False
    return base == ".env" or base.endswith(".env") or base.startswith(".env.") or ".env." in base


def import_kind(fmt: str | None, filename: str | None) -> str:
    """``json``, ``yaml`` or ``dotenv``: what ``import`` reads, from ``--format`` or else the
    file's name (stdin and other names: ``json``, chamber's JSON/YAML decoder)."""
    if fmt is not None:
        kind = go_lower(fmt)
        if kind not in IMPORT_FORMATS:
            raise ChamberError(f"Unsupported import format: {fmt}")
        return kind
    if filename and filename != "-" and is_dotenv_filename(filename):
        return "dotenv"
    return "json"


def _looks_like_dotenv(text: str) -> bool:
    """Whether the first statement (past blank lines and ``#`` comments) is ``KEY=``: only that
    line is read, never the whole input again."""
    for m in _LINE.finditer(text):
        stripped = m.group(0).strip()
        if stripped and not stripped.startswith("#"):
            return bool(_DOTENV_START.match(stripped))
    return False


def parse_import(text: str, fmt: str | None = None, filename: str | None = None,
                 flatten: str | None = None, environ: Mapping[str, str] | None = None
                 ) -> list[tuple[str, str]]:
    """Parse ``import`` input into (key, value) pairs in document order.

    ``fmt``: ``json``/``yaml`` (the same decoder, as in chamber) or ``dotenv``; when None the
    format follows ``filename`` (see :func:`is_dotenv_filename`; stdin ``-`` or anything else
    -> JSON/YAML). Keys are returned as written (no validation or normalisation).
    ``flatten`` (JSON/YAML): nested maps become keys joined by it. ``environ`` (dotenv): expand
    ``${VAR}`` references (see :func:`parse_dotenv`).

    Errors are ChamberError: ``Failed to decode input as json: <one-line reason>`` (chamber's
    words; ``as yaml`` when ``fmt`` says yaml; ``EOF`` for empty input; a hint to use
    ``--format dotenv`` when the input looks like dotenv) or ``Failed to decode input as
    dotenv: line N: ...``."""
    kind = import_kind(fmt, filename)
    if kind == "dotenv":
        return parse_dotenv(text, environ)
    if flatten is not None and not _SEPARATOR_RE.fullmatch(flatten):
        raise ChamberError(f"Invalid --flatten separator {go_quote(flatten)}: use one or more "
                           "letters, digits, '_', '-' or '.'")
    try:
        pairs = _parse_json_pairs(text, flatten)
        if pairs is not None:
            return pairs
        return parse_yaml_pairs(text, flatten)
    except DecodeError as e:
        reason = e.reason
        if _looks_like_dotenv(text):
            reason += "; the input looks like dotenv: use --format dotenv"
        raise DecodeError(reason, kind) from None
