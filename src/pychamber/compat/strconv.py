"""Go's ``strconv`` (and ``fmt.Sprint`` of a float64): ``Quote`` (also ``%q`` for strings) for
messages that must read as Go's; ``ParseUint``/``ParseInt``/``ParseFloat``, reporting syntax and
range errors the way Go does (the distinction matters to goccy/go-yaml); ``FormatFloat``.
Pure and light (``decimal`` is imported only when a float is formatted): exec's hot path
imports this module for its messages."""

from __future__ import annotations

import math
import re
from typing import Iterable

# --- strconv.Quote --------------------------------------------------------------------------

_QUOTE_SHORT = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def _quote_char(ch: str) -> str:
    o = ord(ch)
    short = _QUOTE_SHORT.get(ch)
    if short is not None:
        return short
    if 0x20 <= o < 0x7F:
        return ch
    if o < 0x20 or o == 0x7F:
        return f"\\x{o:02x}"
    if 0xD800 <= o <= 0xDFFF:
        # A lone surrogate cannot come from UTF-8. One from ``surrogateescape`` stands for an
        # undecodable byte, which Go quotes as \xNN; any other is an invalid rune (U+FFFD).
        if 0xDC80 <= o <= 0xDCFF:
            return f"\\x{o - 0xDC00:02x}"
        return "\\ufffd"
    # Python's isprintable() and Go's unicode.IsPrint agree: letters, marks, numbers,
    # punctuation and symbols are printable; separators (other than ASCII space) and the
    # C categories are not.
    if ch.isprintable():
        return ch
    if o < 0x10000:
        return f"\\u{o:04x}"
    return f"\\U{o:08x}"


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote(s)`` (and ``fmt.Sprintf("%q", s)``)."""
    return '"' + "".join(_quote_char(c) for c in s) + '"'


# --- fmt.Sprint(float64) ----------------------------------------------------------------------


def go_format_float(f: float) -> str:
    """``fmt.Sprint(f)`` for a float64: shortest round-trip digits; ``%e`` form (``1e+06``) when
    the decimal exponent is < -4 or >= 6 (strconv's 'g' with shortest precision uses 6)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    from decimal import Decimal

    sign, digit_tuple, exp = Decimal(repr(f)).as_tuple()
    assert isinstance(exp, int)  # NaN and the infinities were answered above
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # value = 0.digits * 10**dp
    dp = len(digit_tuple) + exp
    neg = "-" if sign else ""
    x = dp - 1
    if x < -4 or x >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        es = "-" if x < 0 else "+"
        ax = abs(x)
        return f"{neg}{mant}e{es}{ax:02d}"
    nd = len(digits)
    if dp <= 0:
        body = "0." + "0" * (-dp) + digits
    elif dp >= nd:
        body = digits + "0" * (dp - nd)
    else:
        body = digits[:dp] + "." + digits[dp:]
    return neg + body


# --- fmt.Sprint([]string) --------------------------------------------------------------------


def go_list(items: Iterable[str]) -> str:
    """Go's ``%v`` of a ``[]string``: ``[a b]``."""
    return "[" + " ".join(items) + "]"


# --- strconv.FormatFloat(f, 'f', -1, 64) ------------------------------------------------------


def go_format_float_f(literal: str) -> str:
    """``strconv.FormatFloat(f, 'f', -1, 64)`` of a number's text: shortest round-trip digits,
    no exponent."""
    from decimal import Decimal

    text = format(Decimal(repr(float(literal))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --- strconv.ParseUint / ParseInt / ParseFloat / Atoi -------------------------------------------

#: Go's int (int64 on every platform chamber ships for).
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
_ATOI_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)


def go_atoi(text: str | None) -> int:
    """chamber's ``n, _ = strconv.Atoi(text)``: 0 on a syntax error, clamped to int64 on
    overflow, ``+``/``-`` signs and leading zeros accepted, nothing else."""
    if text is None or not _ATOI_RE.fullmatch(text):
        return 0
    return max(INT64_MIN, min(INT64_MAX, int(text, 10)))


def go_int(text: str) -> int | None:
    """``text`` (a JSON number's literal, or a map key) as Go decodes it into an ``int``:
    optional sign and decimal digits within int64, else None (Go's unmarshal error)."""
    if not _ATOI_RE.fullmatch(text):
        return None
    n = int(text, 10)
    return n if INT64_MIN <= n <= INT64_MAX else None


SYNTAX = "syntax"
RANGE = "range"
_MAX_U64 = (1 << 64) - 1


def go_parse_uint(s: str, base: int) -> tuple[int, str | None]:
    """``strconv.ParseUint(s, base, 64)`` for an explicit base (2..36). Returns (value, err)
    with err None, ``SYNTAX`` or ``RANGE``. Like Go, overflow is reported as soon as it
    happens, even when an invalid character follows."""
    if s == "":
        return 0, SYNTAX
    n = 0
    for c in s:
        if "0" <= c <= "9":
            d = ord(c) - 48
        elif "a" <= c.lower() <= "z" and c.isascii():
            d = ord(c.lower()) - ord("a") + 10
        else:
            return 0, SYNTAX
        if d >= base:
            return 0, SYNTAX
        n = n * base + d
        if n > _MAX_U64:
            return _MAX_U64, RANGE
    return n, None


def go_parse_int(s: str, base: int) -> tuple[int, str | None]:
    """``strconv.ParseInt(s, base, 64)`` for an explicit base."""
    if s == "":
        return 0, SYNTAX
    neg = False
    body = s
    if s[0] == "+":
        body = s[1:]
    elif s[0] == "-":
        neg = True
        body = s[1:]
    un, err = go_parse_uint(body, base)
    if err == SYNTAX:
        return 0, SYNTAX
    cutoff = 1 << 63
    if not neg and un >= cutoff:
        return cutoff - 1, RANGE
    if neg and un > cutoff:
        return -cutoff, RANGE
    return (-un if neg else un), None


_DEC_FLOAT = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII
)
_HEX_FLOAT = re.compile(
    r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+", re.ASCII
)
_SPECIAL_FLOAT = re.compile(r"[+-]?(?:inf|infinity|nan)", re.ASCII | re.IGNORECASE)


def go_parse_float(s: str) -> tuple[float, str | None]:
    """``strconv.ParseFloat(s, 64)`` (underscores not accepted: callers remove them first)."""
    if _SPECIAL_FLOAT.fullmatch(s):
        return float(s), None
    if _DEC_FLOAT.fullmatch(s):
        f = float(s)
    elif _HEX_FLOAT.fullmatch(s):
        neg = s.startswith("-")
        body = s.lstrip("+-")
        try:
            f = float.fromhex(body)
        except OverflowError:
            f = math.inf
        if neg:
            f = -f
    else:
        return 0.0, SYNTAX
    if math.isinf(f):
        return f, RANGE
    return f, None
