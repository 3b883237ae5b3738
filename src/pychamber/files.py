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
- an interrupted run (killed, or out of space) is never a reason to refuse the next one: all
  files are staged in full before any is renamed, the manifest names those about to be renamed
  (with their inodes) first, and our own temporary files are swept;
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


#: The largest user or group id (``(uid_t)-1``, one more, means "unchanged" to chown).
MAX_ID = 2**32 - 2


def check_owner(uid: int | None, gid: int | None) -> None:
    """An owner that cannot be one (negative, or past a 32-bit id) is refused before anything
    is created (else chown's OverflowError, after the directory was made)."""
    for what, value in (("uid", uid), ("gid", gid)):
        if value is not None and not 0 <= value <= MAX_ID:
            raise ChamberError(f"invalid {what} {value}: a user or group id is 0 to {MAX_ID}")


@dataclass
class Manifest:
    """What ``.pychamber-manifest`` says: ``files``, the names pychamber wrote; ``pending``, the
    names a run was about to rename into place, each with its temporary file's inode (a run
    killed between renames left them: a file there with that inode is ours); ``created``,
    whether pychamber created the directory."""

    files: list[str]
    pending: dict[str, int]
    created: bool = False


def _valid_name(n: object) -> bool:
    return isinstance(n, str) and bool(n) and "/" not in n and n not in (".", "..", MANIFEST)


def load_manifest(directory: str) -> Manifest:
    """The manifest of ``directory`` (empty when there is none)."""
    path = os.path.join(directory, MANIFEST)
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        return Manifest([], {})
    except (OSError, ValueError) as e:
        reason = errno_text(e) if isinstance(e, OSError) else "not a pychamber manifest"
        raise ChamberError(f"cannot read {path}: {reason}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(n, str) for n in files):
        raise ChamberError(f"cannot read {path}: not a pychamber manifest")
    pending = data.get("pending", {})
    if not isinstance(pending, dict):
        raise ChamberError(f"cannot read {path}: not a pychamber manifest")
    return Manifest([n for n in files if _valid_name(n)],
                    {n: i for n, i in pending.items() if _valid_name(n) and isinstance(i, int)},
                    data.get("created") is True)


def read_manifest(directory: str) -> list[str]:
    """The names pychamber wrote in ``directory`` earlier (empty when there is no manifest)."""
    return load_manifest(directory).files


def _ours(directory: str, manifest: Manifest) -> set[str]:
    """The files of ours in ``directory``: those the manifest lists, and those an interrupted run
    renamed into place (a pending name whose file has the inode it recorded)."""
    ours = set(manifest.files)
    for name, ino in manifest.pending.items():
        try:
            st = os.lstat(os.path.join(directory, name))
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_ino == ino:
            ours.add(name)
    return ours


def write_secret_files(directory: str, secrets: Mapping[str, str], mode: int = DEFAULT_MODE,
                       uid: int | None = None, gid: int | None = None) -> Written:
    """Write ``secrets`` (file name -> value) into ``directory`` (created with mode 0700 when
    missing, owned by ``uid``:``gid`` when given), remove the files pychamber wrote earlier whose
    secret is gone, and record what is there now in the manifest.

    All or nothing up to the renames: every new file is first written in full under a temporary
    name (a full disk fails here, and nothing is changed), then the manifest records the names
    about to appear, then each is renamed into place. A run killed at any point leaves nothing
    the next run refuses: it sweeps our temporary files and recognises what was renamed. One run
    at a time per directory (an ``flock`` on it)."""
    for name in secrets:
        check_file_name(name)
    check_owner(uid, gid)
    created = _make_dir(directory, uid, gid)
    with _locked(directory):
        _sweep_temporary_files(directory)
        manifest = load_manifest(directory)
        ours = _ours(directory, manifest)
        for name in secrets:
            path = os.path.join(directory, name)
            if name not in ours and os.path.lexists(path):
                raise ChamberError(
                    f"cannot write secret {name!r} as a file: {path} exists and pychamber did not "
                    "write it (remove it, or choose another directory)")
            if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
                raise ChamberError(f"cannot write secret {name!r} as a file: {path} is not a regular file")
        created = created or manifest.created
        staged: dict[str, tuple[str, int]] = {}
        try:
            for name, value in secrets.items():
                staged[name] = _stage_one(directory, name, value.encode("utf-8", "surrogateescape"),
                                          mode, uid, gid)
            _write_manifest(directory, sorted(ours), {n: ino for n, (_, ino) in staged.items()}, created)
        except BaseException:
            for tmp, _ in staged.values():
                _unlink_quietly(tmp)
            raise
        written: list[str] = []
        try:
            for name, (tmp, _) in staged.items():
                path = os.path.join(directory, name)
                try:
                    os.replace(tmp, path)
                except OSError as e:
                    raise ChamberError(f"cannot write {path}: {errno_text(e)}") from None
                written.append(name)
        finally:
            for name, (tmp, _) in staged.items():
                if name not in written:
                    _unlink_quietly(tmp)
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
        _write_manifest(directory, sorted(secrets), {}, created)
        _fsync_dir(directory)
    return Written(directory, written, removed)


def remove_secret_files(directory: str) -> list[str]:
    """Remove every file pychamber wrote in ``directory`` (as :func:`write_secret_files` knows
    them), its temporary files and the manifest, and the directory itself when pychamber created
    it and nothing else is left in it: ``exec --init``/``--watch`` when the program has ended.
    Never a file that is not ours. Returns the names removed."""
    try:
        lock = _locked(directory)
        lock.__enter__()
    except ChamberError:
        return []  # the directory is gone already
    try:
        _sweep_temporary_files(directory)
        manifest = load_manifest(directory)
        removed = []
        for name in sorted(_ours(directory, manifest)):
            path = os.path.join(directory, name)
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    os.unlink(path)
                    removed.append(name)
            except FileNotFoundError:
                pass
            except OSError as e:
                raise ChamberError(f"cannot remove {path}: {errno_text(e)}") from None
        _unlink_quietly(os.path.join(directory, MANIFEST))
    finally:
        lock.__exit__(None, None, None)
    if manifest.created:
        try:
            os.rmdir(directory)
        except OSError:
            pass  # something else is in it: left as it is
    return removed


def _make_dir(directory: str, uid: int | None = None, gid: int | None = None) -> bool:
    """Whether the directory was created now (then owned by ``uid``:``gid`` when given, so that
    the program those files are for can open it)."""
    created = not os.path.lexists(directory)
    try:
        os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
    except OSError as e:
        raise ChamberError(f"cannot create directory {directory}: {errno_text(e)}") from None
    if not os.path.isdir(directory):
        raise ChamberError(f"cannot use {directory}: not a directory")
    if created and (uid is not None or gid is not None):
        try:
            os.chown(directory, -1 if uid is None else uid, -1 if gid is None else gid)
        except OSError as e:
            raise ChamberError(f"cannot set the owner of directory {directory}: {errno_text(e)}") from None
    return created


class _locked:
    """An exclusive ``flock`` on the directory: one writer at a time (the sweep of temporary
    files never takes another run's)."""

    def __init__(self, directory: str):
        self.directory = directory
        self.fd = -1

    def __enter__(self) -> None:
        try:
            self.fd = os.open(self.directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                              | getattr(os, "O_CLOEXEC", 0))
        except OSError as e:
            raise ChamberError(f"cannot use {self.directory}: {errno_text(e)}") from None
        try:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass  # no flock here: one run at a time is then the caller's business

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # releases the lock
            self.fd = -1


def _sweep_temporary_files(directory: str) -> None:
    """Our own temporary files left by a run that was killed (the name is ours: see
    :func:`check_file_name`)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.startswith(TMP_PREFIX):
            path = os.path.join(directory, name)
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    os.unlink(path)
            except OSError:
                pass


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class AtomicWriteError(Exception):
    """:func:`atomic_write` failed: ``stage`` is ``open`` (the temporary file could not be
    created) or ``write``; ``error`` the OSError. Nothing was left behind."""

    def __init__(self, stage: str, error: OSError):
        super().__init__(stage)
        self.stage = stage
        self.error = error


def _stage(directory: str, data: bytes, mode: int, uid: int | None, gid: int | None) -> tuple[str, int]:
    """A complete temporary file in ``directory`` (mode and owner set before it holds a byte,
    flushed to disk): its path and inode. Nothing is left behind on failure."""
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
                ino = os.fstat(f.fileno()).st_ino
        except OSError as e:
            raise AtomicWriteError("write", e) from None
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp, ino


def atomic_write(path: str, data: bytes, mode: int, uid: int | None = None,
                 gid: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path`` (its mode and owner set before it
    gets a name a reader could open), flush it to disk, then rename it over ``path``: a reader
    sees the old file or the whole new one, never a part. The one atomic writer."""
    tmp, _ = _stage(os.path.dirname(os.path.abspath(path)), data, mode, uid, gid)
    try:
        os.replace(tmp, path)
    except OSError as e:
        _unlink_quietly(tmp)
        raise AtomicWriteError("write", e) from None
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _stage_one(directory: str, name: str, data: bytes, mode: int, uid: int | None,
               gid: int | None) -> tuple[str, int]:
    try:
        return _stage(directory, data, mode, uid, gid)
    except AtomicWriteError as e:
        raise ChamberError(f"cannot write {os.path.join(directory, name)}: {errno_text(e.error)}") from None


def _write_one(directory: str, name: str, data: bytes, mode: int, uid: int | None,
               gid: int | None) -> None:
    path = os.path.join(directory, name)
    try:
        atomic_write(path, data, mode, uid, gid)
    except AtomicWriteError as e:
        raise ChamberError(f"cannot write {path}: {errno_text(e.error)}") from None


def _write_manifest(directory: str, names: list[str], pending: dict[str, int], created: bool) -> None:
    doc: dict = {"written-by": "pychamber", "files": names}
    if pending:
        doc["pending"] = pending
    if created:
        doc["created"] = True
    body = json.dumps(doc, indent=1).encode() + b"\n"
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
def write_output_file(path: str, data: bytes, mode: int = 0o600, append: bool = False) -> None:
    """``export -o FILE``: written atomically, never world-readable; chamber's messages.

    A symlink is followed only when it, and every link after it, belongs to this user or to
    root, and a regular file it leads to belongs to this user or root too: a link planted in a
    shared directory never receives the secrets. A file reached through a link is written in
    place (the link stays) and ends up no more open than 0600; a dangling link's target is
    created 0600. A file that is not a regular one (``/dev/stdout``, a FIFO) is written
    through, as chamber's ``os.Create`` does: never replaced by a file of ours.

    ``append`` (``-f github``, whose file the runner reads as ``>>`` appends): the data is
    added at the end (after a line end, if the file lacks one), the file created 0600 when
    missing, an existing file's owner and mode kept; a failed append is cut off again."""
    if os.path.isdir(path):  # chamber's os.OpenFile fails on it, before anything is written
        raise ChamberError(f"Failed to open output file for writing: open {path}: is a directory")
    through = _check_links(path)
    try:
        st: os.stat_result | None = os.stat(path)
    except OSError:
        st = None
    if append or through or (st is not None and not stat.S_ISREG(st.st_mode)):
        _write_in_place(path, data, mode, append, through, st)
        return
    try:
        atomic_write(path, data, mode)
    except AtomicWriteError as e:
        what = "Failed to open output file for writing" if e.stage == "open" else "Failed to write output file"
        raise ChamberError(f"{what}: {_go_open_error(path, e.error)}") from None
    _fsync_dir(os.path.dirname(os.path.abspath(path)))


def _trusted_uid(uid: int) -> bool:
    return not hasattr(os, "geteuid") or uid in (os.geteuid(), 0)


def _check_links(path: str) -> bool:
    """Whether ``path`` is a symlink; a ChamberError when it, or a link it leads to, belongs to
    another user (the link may have been planted in a shared directory)."""
    current, through = path, False
    for _ in range(40):
        try:
            st = os.lstat(current)
        except OSError:
            return through  # dangling, or a magic link's target (pipe:[N]): open() decides
        if not stat.S_ISLNK(st.st_mode):
            return through
        through = True
        if not _trusted_uid(st.st_uid):
            raise ChamberError(f"Failed to open output file for writing: open {path}: refusing to follow "
                               f"symlink {current}, which another user owns (uid {st.st_uid})")
        current = os.path.join(os.path.dirname(current), os.readlink(current))
    return through  # a loop: open() reports it


def _write_in_place(path: str, data: bytes, mode: int, append: bool, through: bool,
                    st: os.stat_result | None) -> None:
    flags = os.O_CREAT | (os.O_APPEND if append else 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = -1
        if append and (st is None or stat.S_ISREG(st.st_mode)):
            try:
                fd = os.open(path, flags | os.O_RDWR, 0o600)  # read access: the last byte
            except PermissionError:
                pass
        if fd < 0:  # a FIFO opened for writing waits for its reader, as chamber's os.Create does
            fd = os.open(path, flags | os.O_WRONLY, 0o600)
    except OSError as e:
        raise ChamberError(f"Failed to open output file for writing: {_go_open_error(path, e)}") from None
    try:
        st = os.fstat(fd)
        regular = stat.S_ISREG(st.st_mode)
        if through and regular and not _trusted_uid(st.st_uid):
            raise ChamberError(f"Failed to open output file for writing: open {path}: refusing to write "
                               f"through a symlink to a file another user owns (uid {st.st_uid})")
        start = st.st_size if regular and append else 0
        try:
            if regular and not append:
                if stat.S_IMODE(st.st_mode) & ~mode & 0o7777:
                    os.fchmod(fd, stat.S_IMODE(st.st_mode) & mode)  # never more open than asked
                os.ftruncate(fd, 0)
            if append and start and _last_byte(fd, start) != b"\n":
                data = b"\n" + data
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if regular:
                os.fsync(fd)
        except OSError as e:
            if append and regular:
                try:
                    os.ftruncate(fd, start)  # no half-written variable left for the runner
                except OSError:
                    pass
            raise ChamberError(f"Failed to write output file: {_go_open_error(path, e)}") from None
    finally:
        os.close(fd)


def _last_byte(fd: int, size: int) -> bytes:
    try:
        return os.pread(fd, 1, size - 1)
    except OSError:  # opened write-only: assume the file ends its last line
        return b"\n"


def read_input(path: str, stdin) -> bytes:
    """The bytes of ``path``, or of stdin for ``-``; chamber's message when it cannot be opened."""
    if path == "-":
        return stdin.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ChamberError(f"Failed to open file: {_go_open_error(path, e)}") from None
