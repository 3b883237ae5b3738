"""Writing secrets to files: never world-readable, never half-written."""

from __future__ import annotations

import os
import tempfile

from pychamber.errors import ChamberError


def write_atomic(path: str, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to a temporary file beside ``path`` (mode ``mode``), fsync, then rename it
    over ``path``: readers see the old file or the whole new one, never a truncated one."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".pychamber-", suffix=".tmp", dir=directory)
    except OSError as e:
        raise ChamberError(f"Failed to open output file for writing: {_os_error(path, e)}") from None
    try:
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as e:
            raise ChamberError(f"Failed to write output file: {_os_error(path, e)}") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _os_error(path: str, e: OSError) -> str:
    """Go's ``open PATH: reason`` shape."""
    reason = (e.strerror or str(e)).lower()
    return f"open {path}: {reason}"


def read_input(path: str, stdin) -> bytes:
    """The bytes of ``path``, or of stdin for ``-``; chamber's message when it cannot be opened."""
    if path == "-":
        return stdin.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ChamberError(f"Failed to open file: {_os_error(path, e)}") from None
