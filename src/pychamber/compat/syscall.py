"""Go's ``syscall.Errno`` texts: what chamber prints when ``exec``, ``stat`` or ``open`` fail
(``exec format error``, ``no such file or directory``): glibc's message, first letter lower."""

from __future__ import annotations

import os


def errno_text(err: OSError) -> str:
    """Go's text for the errno of ``err``."""
    text = os.strerror(err.errno) if err.errno else str(err)
    return text[:1].lower() + text[1:]


def open_error(path: str, err: OSError) -> str:
    """Go's ``*PathError`` of a failed open, as chamber prints it: ``open PATH: reason``."""
    reason = (err.strerror or str(err)).lower()
    return f"open {path}: {reason}"
