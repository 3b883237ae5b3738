"""``-b local``: secrets in one encrypted SQLite file on this machine (issue 5).

Layout
------
The database is ``$PYCHAMBER_LOCAL_PATH``, else ``$XDG_DATA_HOME/pychamber/secrets.db``, else
``~/.local/share/pychamber/secrets.db``; pychamber creates it with mode 0600 (its directory 0700).
The schema version lives in ``PRAGMA user_version``; a database from a newer pychamber is refused.

Tables:

- ``versions(service, key, version, created, created_by, nonce, ciphertext)``: every version of
  every secret (the history). The latest version is the highest number. Versions follow chamber's
  SSM counter: the first write is 1, each write adds 1, and after ``delete`` (which removes every
  version, as on SSM) the next write starts at 1 again.
- ``tags(service, key, tag_key, tag_value)``.
- ``meta(name, value)``: ``key_check``, an AES-GCM encryption of a constant, so that a wrong data
  key gives a clear error instead of a decryption failure on some row.

Names (service, key), times (UTC) and users are in clear, so listing needs no key; values are
encrypted with AES-256-GCM, a fresh 12-byte nonce per value, with service, key and version bound
in as associated data (a row moved to another name or version fails to decrypt).

The data key (32 random bytes) comes from ``$PYCHAMBER_LOCAL_KEY`` (base64) when set; else from
the OS keyring (service ``pychamber``, user = the database's absolute path); else from a 0600 key
file beside the database (``secrets.key`` for ``secrets.db``). When pychamber creates a key it
says once, on stderr, where it keeps it.

``cryptography`` and ``keyring`` are imported only when a value is encrypted or decrypted.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import sqlite3
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import wraps
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from pychamber.errors import ChamberError, SecretNotFound
from pychamber.model import (
    ChangeEvent,
    RawSecret,
    Secret,
    SecretId,
    SecretMetadata,
    StoreConfig,
    event_type,
)
from pychamber.names import RESERVED_SERVICE
from pychamber.stores.base import PartialWriteError, Store
from pychamber.stores.config import dump_store_config, parse_store_config

SCHEMA_VERSION = 1
KEYRING_SERVICE = "pychamber"
KEY_ENV = "PYCHAMBER_LOCAL_KEY"
PATH_ENV = "PYCHAMBER_LOCAL_PATH"
BUSY_TIMEOUT_S = 30.0
NONCE_LEN = 12
KEY_LEN = 32
_KEY_CHECK_PLAINTEXT = b"pychamber local store key check v1"
_KEY_CHECK_AAD = b"pychamber:key-check"
_AAD_PREFIX = b"pychamber:local:v1"

STORE_CONFIG_ID = SecretId(RESERVED_SERVICE, "store-config")

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


def _guarded(fn: F) -> F:
    """Turn SQLite errors into one-line ChamberErrors naming the database file."""

    @wraps(fn)
    def wrapper(self: "LocalStore", *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise self._db_error(e) from None

    return wrapper  # type: ignore[return-value]


def _go_list(items: list[str]) -> str:
    """Go's ``%v`` of a string slice: ``[a b]``."""
    return "[" + " ".join(items) + "]"


def _aad(service: str, key: str, version: int) -> bytes:
    # JSON keeps the three parts unambiguous whatever characters they hold.
    return _AAD_PREFIX + json.dumps([service, key, version]).encode()


def _split_label(service: str) -> str:
    """chamber's list strips a ``:label`` suffix from the service."""
    return service.split(":", 1)[0]


def _now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _parse_time(text: str) -> datetime:
    t = datetime.fromisoformat(text)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t


def _decode_key(text: str) -> bytes | None:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == KEY_LEN else None


def _encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


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


def key_file_path(db_path: str) -> str:
    """The key file beside the database: ``secrets.db`` -> ``secrets.key``."""
    root, ext = os.path.splitext(db_path)
    if ext == ".key" or not os.path.basename(root):
        return db_path + ".key"
    return root + ".key"


class LocalStore(Store):
    name = "Local Store"
    allows_empty_values = False  # as import has always treated it (the database could hold one)

    def __init__(self, path: str, environ: Mapping[str, str] | None = None):
        self.path = os.path.abspath(path)
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.key_path = key_file_path(self.path)
        self._conn: sqlite3.Connection | None = None
        self._aead: Any = None  # AESGCM, once the data key is known

    @classmethod
    def from_settings(cls, settings: Any) -> "LocalStore":
        environ = settings.environ
        return cls(resolve_db_path(environ), environ)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- errors ----------------------------------------------------------------------------
    def _db_error(self, e: sqlite3.Error) -> ChamberError:
        text = str(e) or type(e).__name__
        if "not a database" in text or "malformed" in text:
            return ChamberError(
                f"local secrets database {self.path} is corrupted or not a pychamber database ({text})"
            )
        return ChamberError(f"cannot use local secrets database {self.path}: {text}")

    # --- connection ------------------------------------------------------------------------
    def _db(self, create: bool) -> sqlite3.Connection | None:
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
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as e:
            raise self._db_error(e) from None
        try:
            self._check_schema(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

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

    def _check_schema(self, conn: sqlite3.Connection) -> None:
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ChamberError(
                    f"local secrets database {self.path} was written by a newer pychamber "
                    f"(schema version {version}; this pychamber reads up to {SCHEMA_VERSION}); "
                    "upgrade pychamber"
                )
            if version == SCHEMA_VERSION:
                return
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
                _rollback(conn)
                raise
            if version == 0:
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                except sqlite3.OperationalError:
                    pass  # stays in rollback-journal mode, which is just as safe
            elif version > SCHEMA_VERSION:  # another process upgraded meanwhile
                self._check_schema(conn)
        except sqlite3.Error as e:
            raise self._db_error(e) from None

    @contextmanager
    def _write_txn(self) -> Iterator[sqlite3.Connection]:
        conn = self._db(create=True)
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    # --- the data key ----------------------------------------------------------------------
    def _key_check(self, conn: sqlite3.Connection) -> bytes | None:
        row = conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
        return None if row is None else bytes(row[0])

    def _data_key(self, conn: sqlite3.Connection, create: bool) -> Any:
        """The AESGCM object for this database's data key. With ``create`` (inside a write
        transaction) a missing key is created and its key check stored."""
        if self._aead is not None:
            return self._aead
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        check = self._key_check(conn)

        def matches(key: bytes) -> bool:
            if check is None:
                return True
            return _verify_check(AESGCM(key), check)

        def adopt(key: bytes) -> Any:
            aead = AESGCM(key)
            if check is None and create:
                nonce = os.urandom(NONCE_LEN)
                value = nonce + aead.encrypt(nonce, _KEY_CHECK_PLAINTEXT, _KEY_CHECK_AAD)
                conn.execute(
                    "INSERT OR REPLACE INTO meta(name, value) VALUES ('key_check', ?)", (value,)
                )
            self._aead = aead
            return aead

        env_key = self.environ.get(KEY_ENV, "")
        if env_key:
            key = _decode_key(env_key)
            if key is None:
                raise ChamberError(f"{KEY_ENV} is not a valid data key (expected 32 bytes in base64)")
            if not matches(key):
                raise ChamberError(
                    f"{KEY_ENV} is the wrong data key for local secrets database {self.path}"
                )
            return adopt(key)

        tried: list[str] = []
        backend = self._keyring()
        if backend is not None:
            text = _keyring_call(backend.get_password, KEYRING_SERVICE, self.path)
            if text:
                key = _decode_key(text)
                if key is not None and matches(key):
                    return adopt(key)
                tried.append(f'the OS keyring (service "{KEYRING_SERVICE}")')
        key = self._read_key_file()
        if key is not None:
            if matches(key):
                return adopt(key)
            tried.append(f"key file {self.key_path}")

        if tried:
            raise ChamberError(
                f"wrong data key for local secrets database {self.path}: the key in "
                + " and in ".join(tried)
                + " does not match"
            )
        if check is not None or not create:
            raise ChamberError(
                f"no data key for local secrets database {self.path}: set {KEY_ENV}, or restore "
                f'the OS keyring entry (service "{KEYRING_SERVICE}") or key file {self.key_path}'
            )
        return adopt(self._create_key(backend))

    def _keyring(self) -> Any:
        """A usable keyring backend, or None (no keyring, or any error loading it)."""
        try:
            import keyring
            import keyring.backends.fail
            import keyring.core

            wanted = self.environ.get("PYTHON_KEYRING_BACKEND")
            if wanted and wanted != os.environ.get("PYTHON_KEYRING_BACKEND"):
                backend = keyring.core.load_keyring(wanted)
            else:
                backend = keyring.get_keyring()
            if isinstance(backend, keyring.backends.fail.Keyring):
                return None
            return backend
        except Exception:  # noqa: BLE001 - NoKeyringError, ModuleNotFoundError, RuntimeError...
            return None

    def _read_key_file(self) -> bytes | None:
        try:
            with open(self.key_path, "r", encoding="ascii") as f:
                text = f.read()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else "unreadable"
            raise ChamberError(f"cannot read key file {self.key_path}: {reason}") from None
        key = _decode_key(text)
        if key is None:
            raise ChamberError(f"key file {self.key_path} does not hold a valid data key")
        return key

    def _create_key(self, backend: Any) -> bytes:
        key = os.urandom(KEY_LEN)
        text = _encode_key(key)
        if backend is not None:
            stored = _keyring_call(backend.set_password, KEYRING_SERVICE, self.path, text, ok=True)
            if stored and _keyring_call(backend.get_password, KEYRING_SERVICE, self.path) == text:
                sys.stderr.write(
                    f'pychamber: created a new data key in the OS keyring (service "{KEYRING_SERVICE}", '
                    f'user "{self.path}")\n'
                )
                return key
        try:
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise ChamberError(
                f"key file {self.key_path} appeared while creating a key; try again"
            ) from None
        except OSError as e:
            raise ChamberError(f"cannot create key file {self.key_path}: {e.strerror}") from None
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        sys.stderr.write(
            f"pychamber: created a new data key in key file {self.key_path} "
            "(no OS keyring available; keep this file safe)\n"
        )
        return key

    # --- encryption ------------------------------------------------------------------------
    def _encrypt(self, conn: sqlite3.Connection, id: SecretId, version: int, value: str) -> tuple[bytes, bytes]:
        aead = self._data_key(conn, create=True)
        nonce = os.urandom(NONCE_LEN)
        ct = aead.encrypt(nonce, value.encode("utf-8", "surrogatepass"), _aad(id.service, id.key, version))
        return nonce, ct

    def _decrypt(self, conn: sqlite3.Connection, service: str, key: str, version: int,
                 nonce: bytes, ct: bytes) -> str:
        aead = self._data_key(conn, create=False)
        from cryptography.exceptions import InvalidTag

        try:
            plain = aead.decrypt(bytes(nonce), bytes(ct), _aad(service, key, version))
        except (InvalidTag, ValueError):
            raise ChamberError(
                f"cannot decrypt /{service}/{key} version {version} in local secrets database "
                f"{self.path}: the stored data was altered or moved"
            ) from None
        return plain.decode("utf-8", "surrogatepass")

    # --- secrets ---------------------------------------------------------------------------
    @_guarded
    def write(self, id: SecretId, value: str) -> None:
        self._write(id, value, None)

    @_guarded
    def write_with_tags(self, id: SecretId, value: str, tags: dict[str, str]) -> None:
        self._write(id, value, tags)

    @_guarded
    def write_many(self, service: str, pairs: Iterable[tuple[str, str]],
                   progress: Callable[[int, int], None] | None = None) -> list[str]:
        """An import in one transaction: every key is written, or (on any failure) none is."""
        items = list(pairs)
        written: list[str] = []
        try:
            with self._write_txn() as conn:
                for key, value in items:
                    self._write_in(conn, SecretId(service, key), value, None)
                    written.append(key)
                    if progress:
                        progress(len(written), len(items))
        except ChamberError as e:
            raise PartialWriteError([], [k for k, _ in items], e) from None
        return written

    def _write(self, id: SecretId, value: str, tags: dict[str, str] | None) -> None:
        with self._write_txn() as conn:
            self._write_in(conn, id, value, tags)

    def _write_in(self, conn: sqlite3.Connection, id: SecretId, value: str,
                  tags: dict[str, str] | None) -> None:
        row = conn.execute(
            "SELECT MAX(version) FROM versions WHERE service = ? AND key = ?",
            (id.service, id.key),
        ).fetchone()
        version = 1 if row[0] is None else row[0] + 1
        if tags and version != 1:
            raise ChamberError("tags on write only supported for new secrets")
        if version == 1:
            required = self._config(conn).required_tags
            missing = [t for t in required if t not in (tags or {})]
            if missing:
                raise ChamberError(f"required tags {_go_list(missing)} are missing")
        nonce, ct = self._encrypt(conn, id, version, value)
        conn.execute(
            "INSERT INTO versions(service, key, version, created, created_by, nonce, ciphertext)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (id.service, id.key, version, _now_text(), self._user(), nonce, ct),
        )
        if version == 1:
            # Tags left behind by nothing (a delete removes them) are cleared anyway.
            conn.execute("DELETE FROM tags WHERE service = ? AND key = ?", (id.service, id.key))
        if tags:
            conn.executemany(
                "INSERT OR REPLACE INTO tags(service, key, tag_key, tag_value) VALUES (?, ?, ?, ?)",
                [(id.service, id.key, k, v) for k, v in tags.items()],
            )

    @_guarded
    def read(self, id: SecretId, version: int = -1) -> Secret:
        conn = self._db(create=False)
        if conn is None:
            raise SecretNotFound()
        return self._read(conn, id, version)

    def _read(self, conn: sqlite3.Connection, id: SecretId, version: int = -1) -> Secret:
        if version == -1:
            row = conn.execute(
                "SELECT version, created, created_by, nonce, ciphertext FROM versions"
                " WHERE service = ? AND key = ? ORDER BY version DESC LIMIT 1",
                (id.service, id.key),
            ).fetchone()
        else:
            row = conn.execute(
                "SELECT version, created, created_by, nonce, ciphertext FROM versions"
                " WHERE service = ? AND key = ? AND version = ?",
                (id.service, id.key, version),
            ).fetchone()
        if row is None:
            raise SecretNotFound()
        v, created, user, nonce, ct = row
        value = self._decrypt(conn, id.service, id.key, v, nonce, ct)
        return Secret(value, self._meta(id.service, id.key, v, created, user))

    def _meta(self, service: str, key: str, version: int, created: str, user: str) -> SecretMetadata:
        return SecretMetadata(
            created=_parse_time(created), created_by=user, version=version, key=f"/{service}/{key}"
        )

    def _latest_rows(self, conn: sqlite3.Connection, service: str) -> list[tuple]:
        # SQLite returns the bare columns from the row holding MAX(version).
        return conn.execute(
            "SELECT key, MAX(version), created, created_by, nonce, ciphertext FROM versions"
            " WHERE service = ? GROUP BY key ORDER BY key",
            (service,),
        ).fetchall()

    @_guarded
    def list(self, service: str, include_values: bool = False) -> list[Secret]:
        service = _split_label(service)
        conn = self._db(create=False)
        if conn is None:
            return []
        out = []
        for key, version, created, user, nonce, ct in self._latest_rows(conn, service):
            value = self._decrypt(conn, service, key, version, nonce, ct) if include_values else None
            out.append(Secret(value, self._meta(service, key, version, created, user)))
        out.sort(key=lambda s: s.meta.key.encode())
        return out

    @_guarded
    def list_raw(self, service: str) -> list[RawSecret]:
        conn = self._db(create=False)
        if conn is None:
            return []
        out = [
            RawSecret(f"/{service}/{key}", self._decrypt(conn, service, key, version, nonce, ct))
            for key, version, _created, _user, nonce, ct in self._latest_rows(conn, service)
        ]
        out.sort(key=lambda s: s.key.encode())
        return out

    @_guarded
    def list_services(self, prefix: str, include_secret_name: bool = False) -> list[str]:
        conn = self._db(create=False)
        if conn is None:
            return []
        want = "/" + prefix
        rows = conn.execute("SELECT DISTINCT service, key FROM versions").fetchall()
        names = [f"/{s}/{k}" for s, k in rows]
        names = [n for n in names if n.startswith(want)]
        if include_secret_name:
            result = set(names)
        else:
            result = {s for (s, k) in rows if f"/{s}/{k}".startswith(want)}
        return sorted(result, key=lambda s: s.encode())

    @_guarded
    def history(self, id: SecretId) -> list[ChangeEvent]:
        conn = self._db(create=False)
        if conn is None:
            raise SecretNotFound()
        rows = conn.execute(
            "SELECT version, created, created_by FROM versions WHERE service = ? AND key = ?"
            " ORDER BY version",
            (id.service, id.key),
        ).fetchall()
        if not rows:
            raise SecretNotFound()
        return [ChangeEvent(event_type(v), _parse_time(t), u, v) for v, t, u in rows]

    @_guarded
    def delete(self, id: SecretId) -> None:
        if self._db(create=False) is None:
            raise SecretNotFound()
        with self._write_txn() as conn:
            self._require_exists(conn, id)
            conn.execute("DELETE FROM versions WHERE service = ? AND key = ?", (id.service, id.key))
            conn.execute("DELETE FROM tags WHERE service = ? AND key = ?", (id.service, id.key))

    def _require_exists(self, conn: sqlite3.Connection, id: SecretId) -> None:
        row = conn.execute(
            "SELECT 1 FROM versions WHERE service = ? AND key = ? LIMIT 1", (id.service, id.key)
        ).fetchone()
        if row is None:
            raise SecretNotFound()

    # --- tags ------------------------------------------------------------------------------
    def _tags(self, conn: sqlite3.Connection, id: SecretId) -> dict[str, str]:
        self._require_exists(conn, id)
        rows = conn.execute(
            "SELECT tag_key, tag_value FROM tags WHERE service = ? AND key = ? ORDER BY tag_key",
            (id.service, id.key),
        ).fetchall()
        return dict(rows)

    @_guarded
    def read_tags(self, id: SecretId) -> dict[str, str]:
        conn = self._db(create=False)
        if conn is None:
            raise SecretNotFound()
        return self._tags(conn, id)

    @_guarded
    def write_tags(self, id: SecretId, tags: dict[str, str], delete_other_tags: bool = False) -> None:
        if self._db(create=False) is None:
            raise SecretNotFound()
        with self._write_txn() as conn:
            current = self._tags(conn, id)
            if delete_other_tags:
                required = self._config(conn).required_tags
                kept = [t for t in required if t in current and t not in tags]
                if kept:
                    raise ChamberError(
                        f"required tags {_go_list(kept)} are already present, so they must be rewritten"
                    )
                remove = [k for k in current if k not in tags]
                conn.executemany(
                    "DELETE FROM tags WHERE service = ? AND key = ? AND tag_key = ?",
                    [(id.service, id.key, k) for k in remove],
                )
            conn.executemany(
                "INSERT OR REPLACE INTO tags(service, key, tag_key, tag_value) VALUES (?, ?, ?, ?)",
                [(id.service, id.key, k, v) for k, v in tags.items()],
            )

    @_guarded
    def delete_tags(self, id: SecretId, tag_keys: list[str]) -> None:
        if self._db(create=False) is None:
            raise SecretNotFound()
        with self._write_txn() as conn:
            required = self._config(conn).required_tags
            wanted = set(tag_keys)
            found = [t for t in required if t in wanted]
            if found:
                raise ChamberError(f"required tags {_go_list(found)} may not be deleted")
            self._require_exists(conn, id)
            conn.executemany(
                "DELETE FROM tags WHERE service = ? AND key = ? AND tag_key = ?",
                [(id.service, id.key, k) for k in tag_keys],
            )

    # --- store config ----------------------------------------------------------------------
    def _config(self, conn: sqlite3.Connection) -> StoreConfig:
        try:
            secret = self._read(conn, STORE_CONFIG_ID)
        except SecretNotFound:
            return StoreConfig()
        try:
            return parse_store_config(secret.value or "")
        except ValueError as e:  # Go-style JSON messages; they never quote a value
            raise ChamberError(f"failed to unmarshal store config: {_short(e)}") from None

    @_guarded
    def config(self) -> StoreConfig:
        conn = self._db(create=False)
        if conn is None:
            return StoreConfig()
        return self._config(conn)

    @_guarded
    def set_config(self, config: StoreConfig) -> None:
        try:
            self._write(STORE_CONFIG_ID, dump_store_config(config), None)
        except ChamberError as e:
            raise e.wrap("failed to write store config: ") from None

    # --- misc ------------------------------------------------------------------------------
    def _user(self) -> str:
        """The OS user name, as getpass.getuser() finds it, but from ``self.environ``."""
        for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
            user = self.environ.get(name)
            if user:
                return user
        try:
            import pwd

            return pwd.getpwuid(os.getuid()).pw_name
        except (ImportError, KeyError, AttributeError):
            return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _verify_check(aead: Any, check: bytes) -> bool:
    from cryptography.exceptions import InvalidTag

    try:
        plain = aead.decrypt(check[:NONCE_LEN], check[NONCE_LEN:], _KEY_CHECK_AAD)
    except (InvalidTag, ValueError):
        return False
    return plain == _KEY_CHECK_PLAINTEXT


def _keyring_call(fn: Callable[..., Any], *args: Any, ok: bool = False) -> Any:
    """Call a keyring method; any exception means "no usable keyring" (None / False)."""
    try:
        result = fn(*args)
    except Exception:  # noqa: BLE001
        return False if ok else None
    return True if ok else result


def _short(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__
