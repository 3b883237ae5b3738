"""``import`` input parsing (§6.9): text -> list of (key, value). Pure, no I/O.

* JSON / YAML: chamber v3.1.3+ semantics (goccy/go-yaml). Input that is valid JSON is read with
  the ``json`` module (PyYAML's scanner rejects some valid JSON, e.g. tab indentation); its
  numbers, booleans and nulls are converted exactly like the equivalent YAML plain scalars.
  Everything else goes through the goccy-compatible YAML loader.
* dotenv (pychamber extension): a port of python-dotenv 1.x's parser, without interpolation.
"""

from __future__ import annotations

import codecs
import json
import os
import re

from pychamber.errors import ChamberError
from pychamber.compat.strconv import go_quote
from pychamber.formats.yamlfmt import decode_error, goccy_resolve, parse_yaml_pairs
from pychamber.names import go_lower

IMPORT_FORMATS = ["json", "yaml", "dotenv"]

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


def _parse_json_pairs(text: str) -> list[tuple[str, str]] | None:
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
    seen: set[str] = set()
    for raw_key, value in doc:
        key = _json_string(raw_key)
        if key in seen:
            raise decode_error(f"mapping key {go_quote(key)} already defined")
        seen.add(key)
        out.append((key, _json_scalar(key, value)))
    return out


# --- dotenv (python-dotenv's grammar) -------------------------------------------------------------

_multiline_whitespace = re.compile(r"\s*", re.MULTILINE)
_whitespace = re.compile(r"[^\S\r\n]*")
_export = re.compile(r"(?:export[^\S\r\n]+)?")
_single_quoted_key = re.compile(r"'([^']+)'")
_unquoted_key = re.compile(r"([^=\#\s]+)")
_equal_sign = re.compile(r"(=[^\S\r\n]*)")
_single_quoted_value = re.compile(r"'((?:\\'|[^'])*)'")
_double_quoted_value = re.compile(r'"((?:\\"|[^"])*)"')
_unquoted_value = re.compile(r"([^\r\n]*)")
_comment = re.compile(r"(?:[^\S\r\n]*#[^\r\n]*)?")
_end_of_line = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|$)")
_double_quote_escapes = re.compile(r"\\[\\'\"abfnrtv]")
_single_quote_escapes = re.compile(r"\\[\\']")
_newline = re.compile(r"\r\n|\n|\r")


class _DotenvSyntax(Exception):
    pass


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

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
        return len(_newline.findall(self.text, 0, self.pos)) + 1


def _decode_escapes(regex: re.Pattern, s: str) -> str:
    return regex.sub(lambda m: codecs.decode(m.group(0), "unicode-escape"), s)


def _dotenv_value(r: _Reader) -> str:
    ch = r.peek()
    if ch == "'":
        (v,) = r.read(_single_quoted_value)
        return _decode_escapes(_single_quote_escapes, v)
    if ch == '"':
        (v,) = r.read(_double_quoted_value)
        return _decode_escapes(_double_quote_escapes, v)
    if ch in ("", "\n", "\r"):
        return ""
    (part,) = r.read(_unquoted_value)
    return re.sub(r"\s+#.*", "", part).rstrip()


def parse_dotenv(text: str) -> list[tuple[str, str]]:
    """``KEY=value`` lines as python-dotenv reads them (no variable interpolation): optional
    ``export``, single quotes (only ``\\'`` and ``\\\\`` are escapes), double quotes (escapes
    ``\\\\ \\' \\" \\a \\b \\f \\n \\r \\t \\v``; both quote styles may span lines), unquoted
    values (an inline `` #comment`` and trailing whitespace dropped), comments and blank lines.
    A later duplicate key overrides an earlier one. A line python-dotenv would skip as
    unparseable, or a key without ``=``, is an error naming its line."""
    r = _Reader(text)
    values: dict[str, str] = {}
    while r.has_next():
        r.read(_multiline_whitespace)
        if not r.has_next():
            break
        line = r.line()
        try:
            r.read(_export)
            ch = r.peek()
            if ch == "#":
                key = None
            elif ch == "'":
                (key,) = r.read(_single_quoted_key)
            else:
                (key,) = r.read(_unquoted_key)
            r.read(_whitespace)
            value = None
            if r.peek() == "=":
                r.read(_equal_sign)
                value = _dotenv_value(r)
            r.read(_comment)
            r.read(_end_of_line)
        except _DotenvSyntax:
            raise ChamberError(
                f"Failed to decode input as dotenv: line {line}: could not parse statement"
            ) from None
        if key is None:
            continue
        if value is None:
            raise ChamberError(
                f"Failed to decode input as dotenv: line {line}: no value for {go_quote(key)} "
                "(expected KEY=value)"
            )
        values[key] = value
    return list(values.items())


# --- entry point -----------------------------------------------------------------------------------


def _is_dotenv_filename(filename: str) -> bool:
    base = os.path.basename(filename)
    return base == ".env" or base.endswith(".env")


def parse_import(text: str, fmt: str | None = None, filename: str | None = None
                 ) -> list[tuple[str, str]]:
    """Parse ``import`` input into (key, value) pairs in document order.

    ``fmt``: ``json``/``yaml`` (the same decoder, as in chamber) or ``dotenv``; when None the
    format follows ``filename`` (``.env`` or ``*.env`` -> dotenv; stdin ``-`` or anything else ->
    JSON/YAML). Keys are returned as written (no validation or normalisation). Errors are
    ChamberError: ``Failed to decode input as json: <one-line reason>`` (``EOF`` for empty input)
    or ``Failed to decode input as dotenv: line N: ...``."""
    if fmt is not None:
        kind = go_lower(fmt)
        if kind not in IMPORT_FORMATS:
            raise ChamberError(f"Unsupported import format: {fmt}")
    elif filename and filename != "-" and _is_dotenv_filename(filename):
        kind = "dotenv"
    else:
        kind = "yaml"
    if kind == "dotenv":
        return parse_dotenv(text)
    pairs = _parse_json_pairs(text)
    if pairs is not None:
        return pairs
    return parse_yaml_pairs(text)
