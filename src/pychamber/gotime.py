"""Go's ``time.Time`` as chamber's Secrets Manager and S3 metadata marshal it: RFC 3339 with
nanoseconds (``RFC3339Nano``: trailing zeros of the fraction trimmed, ``Z`` for UTC), parsed
strictly and re-marshalled with the offset it was read with. Pure."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pychamber.gojson import json_string
from pychamber.model import EPOCH


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
    frac = (m.group(7) or "")[:9]
    nanos = int(frac.ljust(9, "0")) if frac else 0
    return GoTime(year, month, day, hour, minute, second, nanos, offset)
