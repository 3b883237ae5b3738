"""Writing files that hold secrets: one atomic writer (:func:`atomic_write`) for ``export -o``
and for secrets as files (the ECS sidecar pattern, the ``_FILE`` convention of the official database
images): each secret in one file of a directory, named by its key, holding exactly the value's
bytes. One writer, used by ``materialize``, ``exec --files`` and the rotation loop.

What it promises:
- a reader never sees half a secret: each file is written under a temporary name in the same
  directory, its mode (and owner) set, flushed, then renamed over the old one;
- nothing that is not ours is touched: a manifest in the directory (``.pychamber-manifest``,
  names only, never a value) lists the files pychamber wrote; a file of the same name that is
  not in it is an error before anything is written, and only files in it are ever removed
  (when their secret is gone);
- every problem is one line (:class:`~pychamber.errors.ChamberError`), checked before the first
  write where it can be (bad names, foreign files, a directory that cannot be created).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass
from typing import Mapping

from pychamber.compat.syscall import errno_text
from pychamber.compat.syscall import open_error as _go_open_error
from pychamber.errors import ChamberError

MANIFEST = ".pychamber-manifest"
TMP_PREFIX = ".pychamber-tmp-"
DEFAULT_MODE = 0o400
DIR_MODE = 0o700


@dataclass
class Written:
    """What :func:`write_secret_files` did: the files it wrote and the stale ones it removed."""

    directory: str
    written: list[str]
    removed: list[str]

    def path(self, name: str) -> str:
        return os.path.join(self.directory, name)


def check_file_name(name: str) -> None:
    """A key that cannot be a file name of its own in the directory is refused."""
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise ChamberError(f"cannot write secret {name!r} as a file: {name!r} is not a valid file name")
    if name == MANIFEST or name.startswith(TMP_PREFIX):
        raise ChamberError(f"cannot write secret {name!r} as a file: the name is pychamber's own")


def read_manifest(directory: str) -> list[str]:
    """The names pychamber wrote in ``directory`` earlier (empty when there is no manifest)."""
    path = os.path.join(directory, MANIFEST)
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:
        reason = errno_text(e) if isinstance(e, OSError) else "not a pychamber manifest"
        raise ChamberError(f"cannot read {path}: {reason}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(n, str) for n in files):
        raise ChamberError(f"cannot read {path}: not a pychamber manifest")
    return [n for n in files if n and "/" not in n and n not in (".", "..", MANIFEST)]


def write_secret_files(directory: str, secrets: Mapping[str, str], mode: int = DEFAULT_MODE,
                       uid: int | None = None, gid: int | None = None) -> Written:
    """Write ``secrets`` (file name -> value) into ``directory`` (created with mode 0700 when
    missing), remove the files pychamber wrote earlier whose secret is gone, and record what
    is there now in the manifest."""
    for name in secrets:
        check_file_name(name)
    _make_dir(directory)
    ours = set(read_manifest(directory))
    for name in secrets:
        path = os.path.join(directory, name)
        if name not in ours and os.path.lexists(path):
            raise ChamberError(
                f"cannot write secret {name!r} as a file: {path} exists and pychamber did not "
                "write it (remove it, or choose another directory)")
        if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
            raise ChamberError(f"cannot write secret {name!r} as a file: {path} is not a regular file")
    written: list[str] = []
    try:
        for name, value in secrets.items():
            _write_one(directory, name, value.encode("utf-8", "surrogateescape"), mode, uid, gid)
            written.append(name)
    finally:
        # whatever happened, the manifest names every file of ours that is in the directory
        _write_manifest(directory, sorted(ours | set(written)))
    removed = []
    for name in sorted(ours - set(secrets)):
        path = os.path.join(directory, name)
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                os.unlink(path)
                removed.append(name)
        except FileNotFoundError:
            removed.append(name)
        except OSError as e:
            raise ChamberError(f"cannot remove {path}: {errno_text(e)}") from None
    _write_manifest(directory, sorted(secrets))
    _fsync_dir(directory)
    return Written(directory, written, removed)


def _make_dir(directory: str) -> None:
    try:
        os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
    except OSError as e:
        raise ChamberError(f"cannot create directory {directory}: {errno_text(e)}") from None
    if not os.path.isdir(directory):
        raise ChamberError(f"cannot use {directory}: not a directory")


class AtomicWriteError(Exception):
    """:func:`atomic_write` failed: ``stage`` is ``open`` (the temporary file could not be
    created) or ``write``; ``error`` the OSError. Nothing was left behind."""

    def __init__(self, stage: str, error: OSError):
        super().__init__(stage)
        self.stage = stage
        self.error = error


def atomic_write(path: str, data: bytes, mode: int, uid: int | None = None,
                 gid: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path`` (its mode and owner set before it
    gets a name a reader could open), flush it to disk, then rename it over ``path``: a reader
    sees the old file or the whole new one, never a part. The one atomic writer."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=directory)
    except OSError as e:
        raise AtomicWriteError("open", e) from None
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                if uid is not None or gid is not None:
                    os.fchown(f.fileno(), -1 if uid is None else uid, -1 if gid is None else gid)
                os.fchmod(f.fileno(), mode)
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as e:
            raise AtomicWriteError("write", e) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_one(directory: str, name: str, data: bytes, mode: int, uid: int | None,
               gid: int | None) -> None:
    path = os.path.join(directory, name)
    try:
        atomic_write(path, data, mode, uid, gid)
    except AtomicWriteError as e:
        raise ChamberError(f"cannot write {path}: {errno_text(e.error)}") from None


def _write_manifest(directory: str, names: list[str]) -> None:
    body = json.dumps({"written-by": "pychamber", "files": names}, indent=1).encode() + b"\n"
    _write_one(directory, MANIFEST, body, 0o600, None, None)


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


# --- export -o and import's input (chamber's messages) -------------------------------------------
def write_output_file(path: str, data: bytes, mode: int = 0o600) -> None:
    """``export -o FILE``: written atomically, never world-readable; chamber's messages. A
    symlink or a file that is not a regular one (``/dev/stdout``, a FIFO) is written through,
    as chamber's ``os.Create`` does: never replaced by a file of ours."""
    if os.path.isdir(path):  # chamber's os.OpenFile fails on it, before anything is written
        raise ChamberError(f"Failed to open output file for writing: open {path}: is a directory")
    if os.path.islink(path) or (os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode)):
        try:
            f = open(path, "wb")
        except OSError as e:
            raise ChamberError(f"Failed to open output file for writing: {_go_open_error(path, e)}") from None
        try:
            with f:
                f.write(data)
        except OSError as e:
            raise ChamberError(f"Failed to write output file: {_go_open_error(path, e)}") from None
        return
    try:
        atomic_write(path, data, mode)
    except AtomicWriteError as e:
        what = "Failed to open output file for writing" if e.stage == "open" else "Failed to write output file"
        raise ChamberError(f"{what}: {_go_open_error(path, e.error)}") from None
    _fsync_dir(os.path.dirname(os.path.abspath(path)))


def read_input(path: str, stdin) -> bytes:
    """The bytes of ``path``, or of stdin for ``-``; chamber's message when it cannot be opened."""
    if path == "-":
        return stdin.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ChamberError(f"Failed to open file: {_go_open_error(path, e)}") from None
