"""Go ``encoding/json`` details shared by the formats and the stores (pure, light: no YAML).

- ``json_string``: a string literal as Go's encoder writes it (``<``, ``>``, ``&``, U+2028 and
  U+2029 escaped, short escapes for ``\\n \\r \\t \\b \\f``, other control characters as
  lower-case ``\\u00xx``, invalid UTF-8 as ``\\ufffd``).
- ``syntax_error``: Go's wording for a JSON syntax error, from Python's ``JSONDecodeError``.
"""

from __future__ import annotations

import json
import re

_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_SPECIAL = re.compile('["\\\\\x00-\x1f<>&\u2028\u2029\ud800-\udfff]')


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    short = _SHORT.get(ch)
    if short is not None:
        return short
    o = ord(ch)
    if 0xD800 <= o <= 0xDFFF:  # not valid UTF-8: Go writes the replacement character
        return "\\ufffd"
    return f"\\u{o:04x}"  # control characters, < > & (HTML-safe), U+2028 / U+2029


def json_string(s: str) -> str:
    """A Go ``json.Marshal`` string literal."""
    return '"' + _SPECIAL.sub(_escape, s) + '"'


def syntax_error(text: str, exc: json.JSONDecodeError) -> str:
    """Go's ``encoding/json`` message for the syntax error Python reported."""
    if exc.pos >= len(text.rstrip(" \t\r\n")):
        return "unexpected end of JSON input"
    c = text[exc.pos]
    quoted = "'\\''" if c == "'" else f"'{c}'" if c.isprintable() else repr(c)
    if exc.msg.startswith("Extra data"):
        return f"invalid character {quoted} after top-level value"
    if exc.msg.startswith("Expecting property name"):
        return f"invalid character {quoted} looking for beginning of object key string"
    if exc.msg.startswith("Expecting ',' delimiter") or exc.msg.startswith("Expecting ':'"):
        return f"invalid character {quoted} after object key:value pair"
    if exc.msg.startswith("Invalid control character"):
        return f"invalid character {quoted} in string literal"
    return f"invalid character {quoted} looking for beginning of value"
