"""Go ``encoding/json`` details shared by the formats and the stores (pure, light: no YAML).

- ``json_string``: a string literal as Go's encoder writes it (``<``, ``>``, ``&``, U+2028 and
  U+2029 escaped, short escapes for ``\\n \\r \\t \\b \\f``, other control characters as
  lower-case ``\\u00xx``, invalid UTF-8 as ``\\ufffd``).
- ``syntax_error``: Go's wording for a JSON syntax error, from Python's ``JSONDecodeError``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

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


# --- decoding with encoding/json semantics ---------------------------------------------------
class Object(list):
    """A JSON object as its (key, value) pairs, order and duplicates kept (Go: the last wins)."""


class Number(str):
    """A JSON number kept as its literal: Go decides int-ness and range from the text."""


def _reject_constant(name: str) -> Any:
    """Go's decoder has no NaN / Infinity literals."""
    if name.startswith("-"):
        raise ValueError(f"invalid character '{name[1]}' in numeric literal")
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def loads(text: str) -> Any:
    """``json.loads`` with objects as :class:`Object`, numbers as :class:`Number`; a syntax
    error raises ValueError with Go's wording."""
    try:
        return json.loads(text, object_pairs_hook=Object, parse_int=Number, parse_float=Number,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(syntax_error(text, exc)) from None


def is_string(value: Any) -> bool:
    return isinstance(value, str) and not isinstance(value, Number)


def is_array(value: Any) -> bool:
    return isinstance(value, list) and not isinstance(value, Object)


def kind(value: Any) -> str:
    """The JSON kind in Go's ``cannot unmarshal <kind> into ...`` messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (Number, int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (Object, dict)):
        return "object"
    return "array"


def type_error(value: Any, where: str, go_type: str) -> ValueError:
    """Go's ``json: cannot unmarshal <kind> into Go struct field <where> of type <type>``."""
    return ValueError(f"json: cannot unmarshal {kind(value)} into Go struct field {where} of type {go_type}")


def field_int(value: Any, where: str) -> int | None:
    """A JSON value decoded into a Go struct field of type ``int`` (``where``: ``Type.field``):
    None for null (the field left as it is), ValueError with Go's text for anything but an
    integer within int64."""
    if value is None:
        return None
    from pychamber.compat.strconv import go_int

    n = go_int(value) if isinstance(value, Number) else None
    if n is not None:
        return n
    if isinstance(value, Number):
        raise ValueError(f"json: cannot unmarshal number {value} into Go struct field {where} of type int")
    raise type_error(value, where, "int")


def field_string(value: Any, where: str) -> str | None:
    """A JSON value decoded into a Go struct field of type ``string``: None for null,
    ValueError with Go's text for anything but a string."""
    if value is None:
        return None
    if is_string(value):
        return value
    raise type_error(value, where, "string")


def marshal_map(items: Iterable[tuple[str, str]]) -> str:
    """Go's ``json.Marshal(map[string]string)``: compact, keys sorted byte-wise."""
    pairs = sorted(items, key=lambda kv: kv[0].encode("utf-8", "surrogatepass"))
    return "{" + ",".join(f"{json_string(k)}:{json_string(v)}" for k, v in pairs) + "}"
