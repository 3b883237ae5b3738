"""A service's secrets as a dotenv document, and back: ``pychamber edit`` and dotenv ``import``.

``edit`` takes a snapshot of the service (its values and chamber's version counter of each key),
writes it as a dotenv document into a private directory (0700, the file 0600), runs the user's
editor on it, and applies only what changed: one write per added or changed key, one delete per
deleted line (deletions confirmed on a terminal, or ``--yes``). If the service changed in the
store meanwhile (a version counter moved, a key came or went), nothing is written and the keys
are named. The directory is removed whatever happens (an error, Ctrl-C, SIGTERM, SIGHUP).

The document names each secret by its stored key (``db_password=...``) in the quoted form
``export -f dotenv`` writes, which :func:`pychamber.formats.parse_dotenv` reads back exactly;
names read back go through :func:`pychamber.formats.map_dotenv_names` (a new ``DB_HOST`` line
is the key ``db_host``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, cast
from contextlib import contextmanager

from pychamber import formats
from pychamber.errors import ChamberError
from pychamber.model import SecretId, key_of

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.model import RawSecret
    from pychamber.stores.base import Store

NOTHING_WRITTEN = "nothing was written"


def stored_keys(store: "Store", service: str) -> list[str]:
    """The keys ``service`` holds (one listing, no values)."""
    return [key_of(name) for name in store.versions(service)]


# --- the snapshot and the document ------------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    """A service as it was when the editor opened: values by key, and chamber's version counter
    (a token that changes with each write) by stored name."""

    service: str
    values: dict[str, str]
    versions: dict[str, str]


def snapshot(store: "Store", service: str, attempts: int = 3) -> Snapshot:
    """The service's values and versions, taken so that a value is never newer than the version
    kept for it: versions, values, versions again, until both listings of versions agree (else
    the first: a write that lands in between is then seen as a conflict, never missed)."""
    for _ in range(attempts):
        before = store.versions(service)
        raw = cast("list[RawSecret]", store.list_raw(service))
        after = store.versions(service)
        if before == after:
            break
    # what the versions list (Secrets Manager's listing of values also has chamber's own
    # _chamber_metadata entry, which is not a secret to edit)
    keys = {key_of(name) for name in before}
    return Snapshot(service, {key_of(r.key): r.value for r in raw if key_of(r.key) in keys}, before)


HEADER = """\
# pychamber edit {service}: one KEY=value line per secret, KEY being the stored key.
# Change a value, add a line (a new KEY is stored in lower case), or delete a line to delete
# that secret; save and quit to apply only what changed. Lines starting with # are ignored.
# Values are quoted as in export -f dotenv: "..." with \\\\ \\" \\n \\$ escapes, or '...' as is.
"""


def document(snap: Snapshot) -> str:
    """The dotenv document of a snapshot: a comment, then ``key=quoted`` lines sorted by key."""
    from pychamber.formats.common import entries

    lines = [f"{k}={formats.dotenv_value(v)}\n" for k, v in entries(snap.values.items())]
    return HEADER.format(service=snap.service) + "".join(lines)


@dataclass
class Changes:
    """What an edited document changes: new keys, changed keys (both key -> value), deleted keys."""

    added: dict[str, str] = field(default_factory=dict)
    changed: dict[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.deleted)

    def summary(self, service: str) -> str:
        return (f"Updated {service}: {len(self.added)} added, {len(self.changed)} changed, "
                f"{len(self.deleted)} deleted")


def diff(snap: Snapshot, text: str) -> Changes:
    """The changes ``text`` (the edited document) makes to ``snap``. A document that does not
    parse, or names a key twice, raises ChamberError (line number, what is wrong; never a value)."""
    entries = formats.parse_dotenv_entries(text)
    edited = dict(formats.map_dotenv_names(entries, snap.values, exact=True))
    out = Changes()
    for key, value in sorted(edited.items()):
        if key not in snap.values:
            out.added[key] = value
        elif snap.values[key] != value:
            out.changed[key] = value
    out.deleted = sorted(k for k in snap.values if k not in edited)
    return out


def conflicts(snap: Snapshot, now: Mapping[str, str]) -> list[str]:
    """The keys whose version moved, or that came or went, since the snapshot."""
    moved = {name for name in set(snap.versions) | set(now) if snap.versions.get(name) != now.get(name)}
    return sorted(key_of(name) for name in moved)


def _listed(keys: list[str], limit: int = 10) -> str:
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def apply(store: "Store", service: str, changes: Changes) -> None:
    """One write per added or changed key, then one delete per deleted key. A failure midway
    says which were and were not done."""
    writes = sorted({**changes.added, **changes.changed}.items())
    if writes:
        store.write_many(service, writes)  # PartialWriteError names what was not written
    done: list[str] = []
    for key in changes.deleted:
        try:
            store.delete(SecretId(service, key))
        except ChamberError as e:
            left = changes.deleted[len(done):]
            raise ChamberError(f"{e.message} (written: {len(writes)}; deleted: {_listed(done) or 'none'}; "
                               f"not deleted: {_listed(left)})") from None
        done.append(key)


# --- the editor ----------------------------------------------------------------------------------
def editor_command(environ: Mapping[str, str], terminal: bool) -> str:
    """``$VISUAL``, else ``$EDITOR`` (as git picks them), else ``vi`` on a terminal."""
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            return value
    if terminal:
        return "vi"
    raise ChamberError("no editor: set VISUAL or EDITOR")


class _Stopped(Exception):
    def __init__(self, signum: int):
        self.signum = signum


@contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise, so that the private directory is removed on the way out (a
    default disposition would end the process there and then). Main thread only."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _Stopped(signum)

    saved = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


#: What makes git run an editor through the shell (blanks aside: ``code --wait`` is two words).
_SHELL_META = re.compile(r"[|&;<>()$`\\\"'*?\[#~=%\n]")


def run_editor(editor: str, path: str) -> int:
    """Run ``editor`` on ``path`` on this process's terminal: words separated by blanks are run
    directly (``code --wait FILE``), anything with shell syntax as git does (``sh -c 'EDITOR
    "$@"'``). Ctrl-C is the editor's while it runs (pychamber ignores it; the editor starts with
    the default disposition). Returns its exit status (negative: the signal that ended it)."""
    if _SHELL_META.search(editor):
        argv = ["/bin/sh", "-c", editor + ' "$@"', editor, path]
    else:
        argv = [*editor.split(), path]
    try:
        proc = subprocess.Popen(argv)
    except OSError as e:
        raise ChamberError(f"cannot run the editor {argv[0]!r}: {e.strerror}; {NOTHING_WRITTEN}") from None
    main = _in_main_thread()
    saved = signal.signal(signal.SIGINT, lambda s, f: None) if main else None
    try:
        return proc.wait()
    finally:
        if proc.poll() is None:  # we were stopped (SIGTERM, SIGHUP): so is the editor
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if main:
            signal.signal(signal.SIGINT, saved)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def edit_service(store: "Store", service: str, *, editor: str, interactive: bool, yes: bool,
                 ask: Callable[[str], str], say: Callable[[str], None],
                 tmpdir: str | None = None) -> Changes:
    """The whole ``edit``: snapshot, document, editor, changes, confirmation, conflict check,
    writes. ``interactive``: a terminal is there to reopen the editor on an error and to
    confirm deletions (``ask(question) -> answer``); ``say(text)`` shows notes on it. Returns
    what was applied (empty: nothing changed). Raises ChamberError, with nothing written,
    when the editor fails, the document does not parse (off a terminal), a deletion is not
    confirmed, or the service changed meanwhile; KeyboardInterrupt on Ctrl-C."""
    snap = snapshot(store, service)
    workdir = tempfile.mkdtemp(prefix="pychamber-edit-", dir=tmpdir)  # mode 0700
    writing: list[bool] = []  # not empty once the writes began
    try:
        with _stop_signals():
            return _edit(store, snap, workdir, editor, interactive, yes, ask, say, writing)
    except _Stopped as e:
        name = signal.Signals(e.signum).name
        if writing:
            raise ChamberError(f"edit stopped by {name} while writing the changes: some may have been "
                               f"written; run edit again to see {service} as it is") from None
        raise ChamberError(f"edit stopped by {name}; {NOTHING_WRITTEN}") from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _edit(store: "Store", snap: Snapshot, workdir: str, editor: str, interactive: bool, yes: bool,
          ask: Callable[[str], str], say: Callable[[str], None], writing: list[bool]) -> Changes:
    path = os.path.join(workdir, _UNSAFE.sub("_", snap.service) + ".env")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(document(snap))
    while True:
        status = run_editor(editor, path)
        if status in (-signal.SIGINT, 128 + signal.SIGINT):
            raise KeyboardInterrupt
        if status != 0:
            how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
            raise ChamberError(f"the editor {how}; {NOTHING_WRITTEN}")
        try:
            with open(path, "rb") as f:
                data = f.read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ChamberError("the edited file is not valid UTF-8") from None
            changes = diff(snap, text)
            problem = store.values_problem({**changes.added, **changes.changed}.items())
            if problem:
                raise ChamberError(problem)
        except ChamberError as e:
            if not interactive:
                raise ChamberError(f"{e.message}; {NOTHING_WRITTEN}") from None
            say(f"Error: {e.message}\n")
            ask("Press Enter to edit the file again (Ctrl-C gives up, writing nothing): ")
            continue
        break
    if not changes:
        say(f"No changes to {snap.service}.\n")
        return changes
    if changes.deleted and not yes:
        listed = _listed(changes.deleted)
        if not interactive:
            raise ChamberError(f"the edit deletes {len(changes.deleted)} secret(s) of {snap.service} "
                               f"({listed}): confirm on a terminal, or pass --yes; {NOTHING_WRITTEN}")
        answer = ask(f"Delete {len(changes.deleted)} secret(s) of {snap.service}: {listed}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise ChamberError(f"the deletions were not confirmed; {NOTHING_WRITTEN}")
    moved = conflicts(snap, store.versions(snap.service))
    if moved:
        raise ChamberError(f"{snap.service} changed in the store while it was being edited "
                           f"({_listed(moved)}); {NOTHING_WRITTEN}: run edit again")
    writing.append(True)
    apply(store, snap.service, changes)
    return changes
