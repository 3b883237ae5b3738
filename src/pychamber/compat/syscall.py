"""Go's ``syscall.Errno`` texts: what chamber prints when ``exec``, ``stat`` or ``open`` fail
(``exec format error``, ``no such file or directory``): glibc's message, first letter lower."""

from __future__ import annotations

import os


def errno_text(err: OSError) -> str:
    """Go's text for the errno of ``err``."""
    text = os.strerror(err.errno) if err.errno else str(err)
    return text[:1].lower() + text[1:]
