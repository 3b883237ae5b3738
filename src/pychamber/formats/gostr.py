"""Go standard-library behaviours the formats depend on, reimplemented in pure Python.

* ``go_quote``: ``strconv.Quote`` (also Go's ``%q`` for strings).
* ``go_is_space`` / ``go_trim_space``: ``unicode.IsSpace`` / ``strings.TrimSpace``.
* ``go_format_float``: ``fmt.Sprint(float64)`` (``%v`` = ``strconv.FormatFloat(f, 'g', -1, 64)``
  plus ``+Inf`` / ``-Inf`` / ``NaN``).
* ``go_parse_uint`` / ``go_parse_int`` / ``go_parse_float``: ``strconv`` parsers, reporting
  syntax and range errors the way Go does (the distinction matters to goccy/go-yaml).
* ``go_is_timestamp``: ``time.Parse`` against goccy/go-yaml's timestamp layouts.

No I/O.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from pychamber.goquote import go_quote  # noqa: F401  (re-exported)

# --- unicode.IsSpace / strings.TrimSpace ----------------------------------------------------

GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_GO_SPACE_STR = "".join(sorted(GO_SPACE))


def go_is_space(ch: str) -> bool:
    """Go's ``unicode.IsSpace`` (Python's ``str.isspace`` also accepts U+001C..U+001F)."""
    return ch in GO_SPACE


def go_trim_space(s: str) -> str:
    return s.strip(_GO_SPACE_STR)


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
    sign, digit_tuple, exp = Decimal(repr(f)).as_tuple()
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


# --- strconv.ParseUint / ParseInt / ParseFloat ------------------------------------------------

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


# --- time.Parse for goccy/go-yaml's timestamp layouts ------------------------------------------
# Layouts: RFC3339Nano, the same with a lower-case "t", time.DateTime, time.DateOnly, "15:4".
# Go's "15" and "4" read one or two digits; "01", "02", "04", "05" exactly two; "2006" four.
# A fractional second ("." or "," then digits) is accepted after the seconds in every layout
# that has seconds.

_TS_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})([Tt])(\d{1,2}):(\d{2}):(\d{2})(?:[.,]\d+)?"
    r"(Z|[+-](\d{2}):(\d{2}))",
    re.ASCII,
)
_TS_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2})(?:[.,]\d+)?", re.ASCII
)
_TS_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_TS_CLOCK = re.compile(r"(\d{1,2}):(\d{1,2})", re.ASCII)

_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def _date_ok(y: str, m: str, d: str) -> bool:
    year, month, day = int(y), int(m), int(d)
    if not 1 <= month <= 12:
        return False
    dim = _DAYS[month - 1]
    if month == 2 and (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        dim = 29
    return 1 <= day <= dim


def _clock_ok(h: str, mi: str, s: str = "0") -> bool:
    return int(h) < 24 and int(mi) < 60 and int(s) < 60


def go_is_timestamp(v: str) -> bool:
    m = _TS_RFC3339.fullmatch(v)
    if m:  # "T" and "t" are both accepted (two layouts)
        ok = _date_ok(*m.group(1, 2, 3)) and _clock_ok(*m.group(5, 6, 7))
        if ok and m.group(8) != "Z":
            ok = int(m.group(9)) <= 24 and int(m.group(10)) <= 60
        if ok:
            return True
    m = _TS_DATETIME.fullmatch(v)
    if m and _date_ok(*m.group(1, 2, 3)) and _clock_ok(*m.group(4, 5, 6)):
        return True
    m = _TS_DATE.fullmatch(v)
    if m and _date_ok(*m.group(1, 2, 3)):
        return True
    m = _TS_CLOCK.fullmatch(v)
    if m and _clock_ok(*m.group(1, 2)):
        return True
    return False
