"""The local store's SQLite file: where it lives, its schema, the connection, transactions and
every query. Nothing here knows about keys or encryption: values arrive and leave as
``(nonce, ciphertext)``.

The database is ``$PYCHAMBER_LOCAL_PATH``, else ``$XDG_DATA_HOME/pychamber/secrets.db``, else
``~/.local/share/pychamber/secrets.db``; it is created with mode 0600 (its directory 0700). The
schema version lives in ``PRAGMA user_version``; a database from a newer pychamber is refused.

Tables:

- ``versions(service, key, version, created, created_by, nonce, ciphertext)``: every version of
  every secret (the history); the latest version is the highest number.
- ``tags(service, key, tag_key, tag_value)``.
- ``meta(name, value)``: ``key_check``, the data key's check value, and ``state_mac``, the MAC
  over every version row (see ``keys.py``).

The file keeps SQLite's rollback journal (a ``-journal`` file exists only while a write
commits): reading creates no file and needs no free space, so ``exec`` leaves nothing beside the
database and a full disk stays readable. A database an earlier pychamber put in WAL mode is
switched back when it is next opened by a user who may write it.

A database whose file or directory this process may not write (a read-only mount, an image
layer, a file of mode 0400) is opened read-only (SQLite's ``mode=ro``; ``immutable=1`` when
the directory is not writable, as no lock or journal file can be created there): reads work,
and a write fails at once with one line.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from functools import wraps
from typing import Any, Callable, Iterator, Mapping, TypeVar

from pychamber.errors import ChamberError

SCHEMA_VERSION = 1
PATH_ENV = "PYCHAMBER_LOCAL_PATH"
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    service    TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created    TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    nonce      BLOB    NOT NULL,
    ciphertext BLOB    NOT NULL,
    PRIMARY KEY (service, key, version)
);
CREATE TABLE IF NOT EXISTS tags (
    service   TEXT NOT NULL,
    key       TEXT NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (service, key, tag_key)
);
"""
_OUR_TABLES = {"meta", "versions", "tags"}

F = TypeVar("F", bound=Callable[..., Any])


def resolve_db_path(environ: Mapping[str, str]) -> str:
    """The database path from ``$PYCHAMBER_LOCAL_PATH`` / ``$XDG_DATA_HOME`` / ``~``."""
    home = environ.get("HOME") or os.path.expanduser("~")
    explicit = environ.get(PATH_ENV, "")
    if explicit:
        if explicit == "~" or explicit.startswith("~/"):
            explicit = home + explicit[1:]
        return os.path.abspath(explicit)
    data_home = environ.get("XDG_DATA_HOME", "")
    if not data_home or not os.path.isabs(data_home):  # XDG: ignore relative paths
        data_home = os.path.join(home, ".local", "share")
    return os.path.abspath(os.path.join(data_home, "pychamber", "secrets.db"))


class Database:
    """One database file and its connection (opened on first use), one per thread: SQLite
    connections may not cross threads, and ``exec --watch`` polls from a thread of its own."""

    def __init__(self, path: str):
        import threading

        self.path = path
        self._local = threading.local()
        self.read_only = False

    @property
    def _conn(self) -> sqlite3.Connection | None:
        return getattr(self._local, "conn", None)

    @_conn.setter
    def _conn(self, conn: sqlite3.Connection | None) -> None:
        self._local.conn = conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def error(self, e: sqlite3.Error) -> ChamberError:
        """A SQLite error as a one-line ChamberError naming the file."""
        text = str(e) or type(e).__name__
        if "not a database" in text or "malformed" in text:
            return ChamberError(
                f"local secrets database {self.path} is corrupted or not a pychamber database ({text})"
            )
        return ChamberError(f"cannot use local secrets database {self.path}: {text}")

    def connect(self, create: bool) -> sqlite3.Connection | None:
        """The connection, opened on first use. ``create=False`` returns None when there is no
        database yet (reads of a store that was never written create nothing)."""
        if self._conn is not None:
            return self._conn
        if not os.path.exists(self.path):
            if not create:
                return None
            self._create_file()
        elif os.path.isdir(self.path):
            raise ChamberError(f"local secrets database {self.path} is a directory")
        directory = os.path.dirname(self.path) or "."
        dir_writable = os.access(directory, os.W_OK)
        self.read_only = not (dir_writable and os.access(self.path, os.W_OK))
        if not self.read_only and _in_wal_mode(self.path):
            if not os.path.exists(self.path + "-wal") and _no_room(directory):
                # WAL's -shm needs room a full disk does not have: read the file as it is
                # (immutable), since nothing can write it either (no writer without a -wal)
                self.read_only, dir_writable = True, False
            else:
                _leave_wal(self.path)
        try:
            if self.read_only:
                from urllib.parse import quote

                uri = "file:" + quote(self.path) + "?mode=ro" + ("" if dir_writable else "&immutable=1")
                conn = sqlite3.connect(uri, timeout=BUSY_TIMEOUT_S, isolation_level=None, uri=True)
            else:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as e:
            raise self.error(e) from None
        try:
            if not self._check_schema(conn):
                conn.close()
                return None
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _refuse_write(self) -> None:
        raise ChamberError(
            f"local secrets database {self.path} is read-only (this user may not write the file "
            "or its directory): nothing was written"
        )

    def _create_file(self) -> None:
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            try:
                os.makedirs(directory, mode=0o700, exist_ok=True)
                os.chmod(directory, 0o700)
            except OSError as e:
                raise ChamberError(f"cannot create directory {directory}: {e.strerror}") from None
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        except FileExistsError:
            pass  # another process was first
        except OSError as e:
            raise ChamberError(f"cannot create local secrets database {self.path}: {e.strerror}") from None

    def _check_schema(self, conn: sqlite3.Connection) -> bool:
        """False: a read-only database that is still empty (reads find nothing)."""
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ChamberError(
                    f"local secrets database {self.path} was written by a newer pychamber "
                    f"(schema version {version}; this pychamber reads up to {SCHEMA_VERSION}); "
                    "upgrade pychamber"
                )
            if version == SCHEMA_VERSION:
                return True
            if self.read_only:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                if tables - _OUR_TABLES:
                    raise ChamberError(f"local secrets database {self.path} is not a pychamber database")
                return False
            # Version 0: a new (empty) file. Create the schema, unless the file holds
            # something else, which is left untouched.
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                    if tables - _OUR_TABLES:
                        raise ChamberError(
                            f"local secrets database {self.path} is not a pychamber database"
                        )
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            conn.execute(stmt)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                rollback(conn)
                raise
            if version > SCHEMA_VERSION:  # another process upgraded meanwhile
                return self._check_schema(conn)
            return True
        except sqlite3.Error as e:
            raise self.error(e) from None

    @contextmanager
    def write_txn(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``), creating the database if needed;
        committed at the end, rolled back on any exception."""
        if self._conn is None and not os.path.exists(self.path):
            directory = os.path.dirname(self.path) or "."
            if os.path.isdir(directory) and not os.access(directory, os.W_OK):
                self._refuse_write()
        conn = self.connect(create=True)
        if conn is None or self.read_only:
            self._refuse_write()
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise

    @contextmanager
    def snapshot(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same committed state."""
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            rollback(conn)


def _in_wal_mode(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return False
    return len(header) == 20 and header[18] == 2  # the file format's read version: 2 is WAL


def _leave_wal(path: str) -> None:
    """A database an earlier pychamber put in WAL mode goes back to a rollback journal (SQLite's
    default): a reader then creates no ``-wal``/``-shm`` files beside it (``exec`` leaves
    nothing behind) and needs no free space (a full disk stays readable). Busy or failing: left
    as it is, and tried again next time."""
    try:
        conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error:
        pass
    finally:
        conn.close()


def _no_room(directory: str) -> bool:
    """Whether the file system has no room for WAL's ``-shm`` and ``-wal`` files (under 256 KiB)."""
    try:
        st = os.statvfs(directory)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 256 * 1024


def guarded(fn: F) -> F:
    """A method of an object with a ``db`` (:class:`Database`) whose SQLite errors become
    one-line ChamberErrors naming the database file."""

    @wraps(fn)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise self.db.error(e) from None

    return wrapper  # type: ignore[return-value]


def rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def blob(value: Any) -> bytes:
    """A BLOB column's value as bytes, whatever an edited database holds there (TEXT, a number):
    the bytes then fail their check or MAC with the database's own message, not a TypeError."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


# --- the key check ------------------------------------------------------------------------------
def key_check(conn: sqlite3.Connection) -> bytes | None:
    row = conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
    return None if row is None else blob(row[0])


def set_key_check(conn: sqlite3.Connection, value: bytes) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('key_check', ?)", (value,))


# --- the state MAC ------------------------------------------------------------------------------
def state_mac(conn: sqlite3.Connection) -> bytes | None:
    row = conn.execute("SELECT value FROM meta WHERE name = 'state_mac'").fetchone()
    return None if row is None else blob(row[0])


def set_state_mac(conn: sqlite3.Connection, value: bytes) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('state_mac', ?)", (value,))


def state_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """(service, key, version, created, created_by, nonce) of every version, in key order."""
    return conn.execute(
        "SELECT service, key, version, created, created_by, nonce FROM versions"
        " ORDER BY service, key, version"
    )


# --- versions -----------------------------------------------------------------------------------
def latest_version(conn: sqlite3.Connection, service: str, key: str) -> int | None:
    row = conn.execute(
        "SELECT MAX(version) FROM versions WHERE service = ? AND key = ?", (service, key)
    ).fetchone()
    return row[0]


def insert_version(conn: sqlite3.Connection, service: str, key: str, version: int, created: str,
                   created_by: str, nonce: bytes, ciphertext: bytes) -> None:
    conn.execute(
        "INSERT INTO versions(service, key, version, created, created_by, nonce, ciphertext)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (service, key, version, created, created_by, nonce, ciphertext),
    )


def version_row(conn: sqlite3.Connection, service: str, key: str, version: int = -1) -> tuple | None:
    """(version, created, created_by, nonce, ciphertext) of one version (-1: the latest), or
    None."""
    if version == -1:
        return conn.execute(
            "SELECT version, created, created_by, nonce, ciphertext FROM versions"
            " WHERE service = ? AND key = ? ORDER BY version DESC LIMIT 1",
            (service, key),
        ).fetchone()
    return conn.execute(
        "SELECT version, created, created_by, nonce, ciphertext FROM versions"
        " WHERE service = ? AND key = ? AND version = ?",
        (service, key, version),
    ).fetchone()


def latest_rows(conn: sqlite3.Connection, service: str) -> list[tuple]:
    """(key, version, created, created_by, nonce, ciphertext) of each key's latest version: the
    service's own keys, as Parameter Store lists a path one level deep (a nested key such as
    ``old/db_password``, which an older pychamber imported, never stands in for ``db_password``)."""
    # SQLite returns the bare columns from the row holding MAX(version).
    return conn.execute(
        "SELECT key, MAX(version), created, created_by, nonce, ciphertext FROM versions"
        " WHERE service = ? AND instr(key, '/') = 0 GROUP BY key ORDER BY key",
        (service,),
    ).fetchall()


def any_version(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM versions LIMIT 1").fetchone() is not None


def value_rows(conn: sqlite3.Connection) -> list[tuple]:
    """(service, key, version, nonce, ciphertext) of every version."""
    return conn.execute("SELECT service, key, version, nonce, ciphertext FROM versions"
                        " ORDER BY service, key, version").fetchall()


def reseal(conn: sqlite3.Connection, service: str, key: str, version: int, nonce: bytes,
           ciphertext: bytes) -> None:
    conn.execute("UPDATE versions SET nonce = ?, ciphertext = ? WHERE service = ? AND key = ? AND version = ?",
                 (nonce, ciphertext, service, key, version))


def history_rows(conn: sqlite3.Connection, service: str, key: str) -> list[tuple]:
    """(version, created, created_by) of every version, oldest first."""
    return conn.execute(
        "SELECT version, created, created_by FROM versions WHERE service = ? AND key = ?"
        " ORDER BY version",
        (service, key),
    ).fetchall()


def secret_names(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(service, key) of every secret."""
    return conn.execute("SELECT DISTINCT service, key FROM versions").fetchall()


def exists(conn: sqlite3.Connection, service: str, key: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM versions WHERE service = ? AND key = ? LIMIT 1", (service, key)
    ).fetchone()
    return row is not None


def delete_secret(conn: sqlite3.Connection, service: str, key: str) -> None:
    """Every version of the secret, and its tags."""
    conn.execute("DELETE FROM versions WHERE service = ? AND key = ?", (service, key))
    clear_tags(conn, service, key)


# --- tags ---------------------------------------------------------------------------------------
def tags(conn: sqlite3.Connection, service: str, key: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT tag_key, tag_value FROM tags WHERE service = ? AND key = ? ORDER BY tag_key",
        (service, key),
    ).fetchall()
    return dict(rows)


def put_tags(conn: sqlite3.Connection, service: str, key: str, tags: Mapping[str, str]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO tags(service, key, tag_key, tag_value) VALUES (?, ?, ?, ?)",
        [(service, key, k, v) for k, v in tags.items()],
    )


def remove_tags(conn: sqlite3.Connection, service: str, key: str, tag_keys: list[str]) -> None:
    conn.executemany(
        "DELETE FROM tags WHERE service = ? AND key = ? AND tag_key = ?",
        [(service, key, k) for k in tag_keys],
    )


def clear_tags(conn: sqlite3.Connection, service: str, key: str) -> None:
    conn.execute("DELETE FROM tags WHERE service = ? AND key = ?", (service, key))
