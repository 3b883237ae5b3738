"""Go's ``log/slog`` text handler, as chamber v3 prints its ``--verbose`` lines:
``time=2024-01-02T03:04:05.678+00:00 level=DEBUG msg="aws call" operation=PutParameter``."""

from __future__ import annotations

from datetime import datetime


def text_line(msg: str, level: str = "DEBUG", now: datetime | None = None, **fields: object) -> str:
    """One slog text record (no trailing newline); values quoted as slog quotes them."""
    when = (now or datetime.now().astimezone()).isoformat(timespec="milliseconds")
    parts = [f"time={when}", f"level={level}", f"msg={quote(msg)}"]
    parts += [f"{k}={quote(str(v))}" for k, v in fields.items()]
    return " ".join(parts)


def quote(s: str) -> str:
    """slog's text value: bare when it needs no quoting, else a quoted string."""
    if s and all(c.isprintable() and c not in ' ="' for c in s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
