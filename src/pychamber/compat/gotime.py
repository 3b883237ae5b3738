"""Go's ``time.Time`` as chamber's Secrets Manager and S3 metadata marshal it: RFC 3339 with
nanoseconds (``RFC3339Nano``: trailing zeros of the fraction trimmed, ``Z`` for UTC), parsed
strictly and re-marshalled with the offset it was read with. Pure."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pychamber.compat.gojson import json_string


@dataclass(frozen=True)
class GoTime:
    """A ``time.Time`` as chamber's metadata round-trips it: wall clock fields, nanoseconds and
    the UTC offset it was parsed with (Go keeps the offset; re-marshalling keeps it too)."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanos: int = 0
    offset: int = 0  # seconds east of UTC

    @classmethod
    def now(cls) -> "GoTime":
        ns = time.time_ns()
        secs, nanos = divmod(ns, 1_000_000_000)
        d = datetime(1970, 1, 1) + timedelta(seconds=secs)
        return cls(d.year, d.month, d.day, d.hour, d.minute, d.second, nanos, 0)

    def rfc3339nano(self) -> str:
        """Go's ``RFC3339Nano`` layout: fraction with trailing zeros trimmed, ``Z`` for UTC."""
        text = (f"{self.year:04d}-{self.month:02d}-{self.day:02d}T"
                f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}")
        if self.nanos:
            text += "." + f"{self.nanos:09d}".rstrip("0")
        if self.offset == 0:
            return text + "Z"
        sign = "+" if self.offset > 0 else "-"
        hh, rem = divmod(abs(self.offset), 3600)
        return text + f"{sign}{hh:02d}:{rem // 60:02d}"

    def to_datetime(self) -> datetime:
        """The instant in UTC (microsecond precision); the zero time when out of range."""
        try:
            local = datetime(self.year, self.month, self.day, self.hour, self.minute,
                             self.second, self.nanos // 1000,
                             tzinfo=timezone(timedelta(seconds=self.offset)))
            return local.astimezone(timezone.utc)
        except (ValueError, OverflowError):
            return EPOCH


ZERO_TIME = GoTime(1, 1, 1, 0, 0, 0, 0, 0)
#: Go's zero ``time.Time`` as a Python datetime (``model.EPOCH``).
EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)

def short_time(dt: datetime) -> str:
    """Go's layout ``2006-01-02 15:04:05`` (chamber's ShortTimeFormat) in the machine's local
    time zone (honours ``TZ``). The year is always four digits, as Go prints it: the zero time is
    ``0001-01-01 00:00:00`` (glibc's ``strftime("%Y")`` would print ``1``)."""
    if dt.tzinfo is not None:
        try:
            dt = dt.astimezone()
        except (OverflowError, ValueError):
            pass
    return (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d} "
            f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}")


_RFC3339_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in(month: int, year: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS[month - 1]


def parse_go_time(text: str) -> GoTime:
    """``time.Time.UnmarshalJSON`` of a JSON string (strict RFC 3339). Raises ValueError."""
    m = _RFC3339_RE.fullmatch(text)
    ok = m is not None
    if m:
        year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
        ok = (1 <= month <= 12 and 1 <= day <= _days_in(month, year) and hour <= 23
              and minute <= 59 and second <= 59)
        offset = 0
        if ok and m.group(8) != "Z":
            z = m.group(8)
            oh, om = int(z[1:3]), int(z[4:6])
            ok = oh <= 23 and om <= 59
            offset = (oh * 60 + om) * 60 * (-1 if z[0] == "-" else 1)
    if not ok:
        raise ValueError(
            f'parsing time {json_string(text)} as "2006-01-02T15:04:05Z07:00": cannot parse '
            f'{json_string(text)} as RFC 3339'
        )
    assert m is not None  # ok: it matched
    frac = (m.group(7) or "")[:9]
    nanos = int(frac.ljust(9, "0")) if frac else 0
    return GoTime(year, month, day, hour, minute, second, nanos, offset)


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

def _date_ok(y: str, m: str, d: str) -> bool:
    year, month, day = int(y), int(m), int(d)
    return 1 <= month <= 12 and 1 <= day <= _days_in(month, year)


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



# --- time.ParseDuration ------------------------------------------------------------------------
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0,
                   "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` (``500ms``, ``1m30s``, ``2h``), in seconds. Raises
    ValueError with Go's message (``time: invalid duration "x"``)."""
    s = text
    sign = 1.0
    if s[:1] in ("+", "-"):
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f"time: invalid duration {json_string(text)}")
    total = 0.0
    pos = 0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if not m or m.group(1) in ("", "."):
            if m is None and re.match(r"[0-9.]+$", s[pos:]):
                raise ValueError(f"time: missing unit in duration {json_string(text)}")
            if m is None and re.match(r"[0-9.]+", s[pos:]):
                unit = re.match(r"[0-9.]+([^0-9.]*)", s[pos:]).group(1)  # type: ignore[union-attr]
                raise ValueError(f"time: unknown unit {json_string(unit)} in duration {json_string(text)}")
            raise ValueError(f"time: invalid duration {json_string(text)}")
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    return sign * total
