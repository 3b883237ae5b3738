"""``-b local``: secrets in one encrypted SQLite file on this machine (issue 5).

:class:`LocalStore` keeps chamber's semantics on top of two parts: ``db.py`` (the SQLite file:
schema, connection, transactions, queries) and ``keys.py`` (the data key and the encryption).

Versions follow chamber's SSM counter: the first write is 1, each write adds 1, and after
``delete`` (which removes every version, as on SSM) the next write starts at 1 again. Names
(service, key), times (UTC) and users are in clear, so listing needs no key; values are
encrypted. When pychamber creates a key it says once where it keeps it, through
``settings.say`` (the CLI's stderr, else the ``pychamber`` logger).

Every change to the versions (write, import, delete) stores a new state MAC, an HMAC under the
data key over every version row; every read of values checks it before it answers, in the same
read transaction, an empty or "not found" answer included. Someone who can write the file but
does not hold the key cannot remove a version (a deleted latest row would otherwise make the
previous value current), a secret or a whole service, renumber, re-date or copy rows unnoticed,
nor switch the MAC off (a database without one passes only if every row was sealed before state
MACs existed; the first write reseals them). Restoring a whole older copy of the file (with its
own valid MAC) is not detected: see docs/threat-model.md. A service is listed one level deep,
as Parameter Store lists a path: a nested key never stands in for one of the service's own.
"""

from __future__ import annotations

import builtins
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

from pychamber.compat.strconv import go_list
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
from pychamber.stores.local import db
from pychamber.stores.local.db import Database, guarded, resolve_db_path
from pychamber.stores.local.keys import KEY_CHECK_VERSION, Cipher, KeySource

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings

STORE_CONFIG_ID = SecretId(RESERVED_SERVICE, "store-config")
#: how a database's state is protected (:meth:`LocalStore._verify_state`)
STATE_LEGACY, STATE_V1, STATE_V2 = 0, 1, 2


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


class LocalStore(Store):
    name = "Local Store"
    allows_empty_values = True  # the database holds one; write and import both accept it

    def __init__(self, path: str, environ: Mapping[str, str] | None = None,
                 settings: "Settings | None" = None):
        """``environ`` supplies the key variables and the user name (default ``os.environ``);
        ``settings.say`` receives the "created a new data key" notice (without settings: the
        ``pychamber`` logger)."""
        self.path = os.path.abspath(path)
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        if settings is None:
            from pychamber.settings import Settings

            settings = Settings(environ=self.environ)
        self.settings = settings
        self.db = Database(self.path)
        self.keys = KeySource(self.path, self.environ, settings.say)
        self.key_path = self.keys.key_path
        self._cipher: Cipher | None = None  # once the data key is known
        import threading

        self._txn_state = threading.local()  # .changing: inside _changing (state checked on entry)

    @classmethod
    def values_problem(cls, pairs: Iterable[tuple[str, str]], tier: str | None = None,
                       key_rule: Callable[[str, str], str | None] | None = None) -> str | None:
        """The base rules, and a nested key (``old/db_password``) refused: the local store lists
        a service one level deep, as Parameter Store does, so it could never be used."""
        def rule(key: str, value: str) -> str | None:
            if "/" in key:
                return (f"key {key!r}: the local backend cannot store a nested key (one holding '/'); "
                        "use --flatten SEP to join nested maps, or rename it")
            return key_rule(key, value) if key_rule else None

        return super().values_problem(pairs, tier, rule)

    @classmethod
    def from_settings(cls, settings: "Settings") -> "LocalStore":
        environ = settings.environ
        return cls(resolve_db_path(environ), environ, settings)

    def close(self) -> None:
        self.db.close()

    # --- the data key ----------------------------------------------------------------------
    def _data_key(self, conn: sqlite3.Connection, create: bool) -> Cipher:
        """The cipher for this database's data key. With ``create`` (inside a write
        transaction) a missing key is created and its key check stored."""
        if self._cipher is None:
            check = db.key_check(conn)
            cipher = Cipher(self.keys.find(check, create), self.path)
            if check is None and create:
                db.set_key_check(conn, cipher.new_check())
            self._cipher = cipher
        return self._cipher

    @contextmanager
    def _changing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that changes versions: the state it starts from is checked (a
        database with a key check or any row), the state MAC renewed before the commit, and a
        key just created in a keyring read back after it. A database from before state MACs, or
        whose MAC is of version 1, has every row resealed as v2 first: from then on no row of
        an older copy can pass for a database without a MAC (no downgrade)."""
        with self.db.write_txn() as conn:
            state = STATE_V2
            if self._needs_verify(conn):
                state = self._verify_state(conn, self._data_key(conn, create=False))
            self._txn_state.changing = True
            try:
                yield conn
            finally:
                self._txn_state.changing = False
            cipher = self._data_key(conn, create=False)
            if state != STATE_V2:
                for service, key, version, nonce, ct in db.value_rows(conn):
                    value = cipher.open(service, key, version, nonce, ct)
                    db.reseal(conn, service, key, version, *cipher.seal(service, key, version, value))
            check = db.key_check(conn)
            if check is not None and cipher.check_version(check) < KEY_CHECK_VERSION:
                db.set_key_check(conn, cipher.new_check())  # from now on the MAC is required
            db.set_state_mac(conn, cipher.state_mac(db.state_rows(conn)))
        self.keys.confirm()

    def _needs_verify(self, conn: sqlite3.Connection) -> bool:
        """Whether the database holds anything a state MAC covers (a new, empty file does not)."""
        return db.key_check(conn) is not None or db.state_mac(conn) is not None or db.any_version(conn)

    @contextmanager
    def _reading(self, conn: sqlite3.Connection) -> Iterator[Cipher | None]:
        """A read transaction whose answer (a value, or that there is none) is verified: the
        cipher once the state MAC has been checked (inside :meth:`_changing` it was checked on
        entry), or None for a database that holds nothing yet."""
        with self.db.snapshot(conn):
            if not self._needs_verify(conn):
                yield None
                return
            cipher = self._data_key(conn, create=False)
            if not getattr(self._txn_state, "changing", False):
                self._verify_state(conn, cipher)
            yield cipher

    def _verify_state(self, conn: sqlite3.Connection, cipher: Cipher) -> int:
        """How the state is protected (STATE_V2, STATE_V1 or STATE_LEGACY), once checked; a
        ChamberError when it fails. A database without a MAC passes only as one written by a
        pychamber before state MACs: a version-1 key check and every row sealed as v1."""
        import hmac

        stored = db.state_mac(conn)
        if stored is not None:
            rows = list(db.state_rows(conn))
            for version in (STATE_V2, STATE_V1):
                if hmac.compare_digest(stored, cipher.state_mac(rows, version)):
                    return version
        else:
            check = db.key_check(conn)
            if (check is not None and cipher.check_version(check) == 1
                    and all(cipher.is_v1_row(*row) for row in db.value_rows(conn))):
                return STATE_LEGACY  # written by a pychamber before state MACs: sealed at its next write
        raise ChamberError(
            f"local secrets database {self.path} fails its integrity check: a version was "
            "removed or rows were altered since pychamber last wrote it"
        )

    def _encrypt(self, conn: sqlite3.Connection, id: SecretId, version: int, value: str) -> tuple[bytes, bytes]:
        return self._data_key(conn, create=True).seal(id.service, id.key, version, value)

    # --- secrets ---------------------------------------------------------------------------
    @guarded
    def write(self, id: SecretId, value: str) -> None:
        self._write(id, value, None)

    @guarded
    def write_with_tags(self, id: SecretId, value: str, tags: dict[str, str]) -> None:
        self._write(id, value, tags)

    @guarded
    def write_many(self, service: str, pairs: Iterable[tuple[str, str]],
                   progress: Callable[[int, int], None] | None = None) -> list[str]:
        """An import in one transaction: every key is written, or (on any failure) none is."""
        items = list(pairs)
        written: list[str] = []
        try:
            with self._changing() as conn:
                for key, value in items:
                    self._write_in(conn, SecretId(service, key), value, None)
                    written.append(key)
                    if progress:
                        progress(len(written), len(items))
        except ChamberError as e:
            raise PartialWriteError([], [k for k, _ in items], e) from None
        return written

    def _write(self, id: SecretId, value: str, tags: dict[str, str] | None) -> None:
        with self._changing() as conn:
            self._write_in(conn, id, value, tags)

    def _write_in(self, conn: sqlite3.Connection, id: SecretId, value: str,
                  tags: dict[str, str] | None) -> None:
        latest = db.latest_version(conn, id.service, id.key)
        version = 1 if latest is None else latest + 1
        if tags and version != 1:
            raise ChamberError("tags on write only supported for new secrets")
        if version == 1:
            required = self._config(conn).required_tags
            missing = [t for t in required if t not in (tags or {})]
            if missing:
                raise ChamberError(f"required tags {go_list(missing)} are missing")
        nonce, ct = self._encrypt(conn, id, version, value)
        db.insert_version(conn, id.service, id.key, version, _now_text(), self._user(), nonce, ct)
        if version == 1:
            # Tags left behind by nothing (a delete removes them) are cleared anyway.
            db.clear_tags(conn, id.service, id.key)
        if tags:
            db.put_tags(conn, id.service, id.key, tags)

    @guarded
    def read(self, id: SecretId, version: int = -1) -> Secret:
        conn = self.db.connect(create=False)
        if conn is None:
            raise SecretNotFound()
        with self._reading(conn) as cipher:  # "not found" is an answer too: verified first
            if cipher is None:
                raise SecretNotFound()
            return self._read(conn, cipher, id, version)

    def _read(self, conn: sqlite3.Connection, cipher: Cipher, id: SecretId, version: int = -1) -> Secret:
        row = db.version_row(conn, id.service, id.key, version)
        if row is None:
            raise SecretNotFound()
        v, created, user, nonce, ct = row
        value = cipher.open(id.service, id.key, v, nonce, ct)
        return Secret(value, self._meta(id.service, id.key, v, created, user))

    def _meta(self, service: str, key: str, version: int, created: str, user: str) -> SecretMetadata:
        version, when, user = self._clear_fields(version, created, user)
        return SecretMetadata(created=when, created_by=user, version=version, key=f"/{service}/{key}")

    def _clear_fields(self, version: object, created: object, user: object) -> tuple[int, datetime, str]:
        """A row's clear fields (read without the key: list, history), checked: a file altered
        to hold something pychamber never writes there is one line, not an internal error."""
        try:
            if type(version) is not int or not isinstance(created, str) or not isinstance(user, str):
                raise ValueError
            return version, _parse_time(created), user
        except ValueError:
            raise ChamberError(f"local secrets database {self.path} fails its integrity check: a "
                               "version's number, time or user is not one pychamber writes") from None

    @guarded
    def list(self, service: str, include_values: bool = False) -> builtins.list[Secret]:
        service = _split_label(service)
        conn = self.db.connect(create=False)
        if conn is None:
            return []
        if not include_values:
            rows = db.latest_rows(conn, service)
            out = [Secret(None, self._meta(service, key, version, created, user))
                   for key, version, created, user, _nonce, _ct in rows]
        else:
            with self._reading(conn) as cipher:  # an empty answer is verified too
                rows = db.latest_rows(conn, service)
                if cipher is None or not rows:
                    return []
                out = [Secret(cipher.open(service, key, version, nonce, ct),
                              self._meta(service, key, version, created, user))
                       for key, version, created, user, nonce, ct in rows]
        out.sort(key=lambda s: s.meta.key.encode())
        return out

    @guarded
    def list_raw(self, service: str) -> builtins.list[RawSecret]:
        conn = self.db.connect(create=False)
        if conn is None:
            return []
        with self._reading(conn) as cipher:  # an empty answer is verified too
            rows = db.latest_rows(conn, service)
            if cipher is None or not rows:
                return []
            out = [RawSecret(f"/{service}/{key}", cipher.open(service, key, version, nonce, ct))
                   for key, version, _created, _user, nonce, ct in rows]
        out.sort(key=lambda s: s.key.encode())
        return out

    @guarded
    def list_services(self, prefix: str, include_secret_name: bool = False) -> builtins.list[str]:
        conn = self.db.connect(create=False)
        if conn is None:
            return []
        want = "/" + prefix
        rows = db.secret_names(conn)
        names = [f"/{s}/{k}" for s, k in rows]
        names = [n for n in names if n.startswith(want)]
        if include_secret_name:
            result = set(names)
        else:
            result = {s for (s, k) in rows if f"/{s}/{k}".startswith(want)}
        return sorted(result, key=lambda s: s.encode())

    @guarded
    def history(self, id: SecretId) -> builtins.list[ChangeEvent]:
        conn = self.db.connect(create=False)
        if conn is None:
            raise SecretNotFound()
        rows = db.history_rows(conn, id.service, id.key)
        if not rows:
            raise SecretNotFound()
        checked = [self._clear_fields(v, t, u) for v, t, u in rows]
        return [ChangeEvent(event_type(v), t, u, v) for v, t, u in checked]

    @guarded
    def delete(self, id: SecretId) -> None:
        if self.db.connect(create=False) is None:
            raise SecretNotFound()
        with self._changing() as conn:  # the new state MAC needs the data key
            self._require_exists(conn, id)
            db.delete_secret(conn, id.service, id.key)

    def _require_exists(self, conn: sqlite3.Connection, id: SecretId) -> None:
        if not db.exists(conn, id.service, id.key):
            raise SecretNotFound()

    # --- tags ------------------------------------------------------------------------------
    def _tags(self, conn: sqlite3.Connection, id: SecretId) -> dict[str, str]:
        self._require_exists(conn, id)
        return db.tags(conn, id.service, id.key)

    @guarded
    def read_tags(self, id: SecretId) -> dict[str, str]:
        conn = self.db.connect(create=False)
        if conn is None:
            raise SecretNotFound()
        return self._tags(conn, id)

    @guarded
    def write_tags(self, id: SecretId, tags: dict[str, str], delete_other_tags: bool = False) -> None:
        if self.db.connect(create=False) is None:
            raise SecretNotFound()
        with self.db.write_txn() as conn:
            current = self._tags(conn, id)
            if delete_other_tags:
                required = self._config(conn).required_tags
                kept = [t for t in required if t in current and t not in tags]
                if kept:
                    raise ChamberError(
                        f"required tags {go_list(kept)} are already present, so they must be rewritten"
                    )
                db.remove_tags(conn, id.service, id.key, [k for k in current if k not in tags])
            db.put_tags(conn, id.service, id.key, tags)

    @guarded
    def delete_tags(self, id: SecretId, tag_keys: builtins.list[str]) -> None:
        if self.db.connect(create=False) is None:
            raise SecretNotFound()
        with self.db.write_txn() as conn:
            required = self._config(conn).required_tags
            wanted = set(tag_keys)
            found = [t for t in required if t in wanted]
            if found:
                raise ChamberError(f"required tags {go_list(found)} may not be deleted")
            self._require_exists(conn, id)
            db.remove_tags(conn, id.service, id.key, tag_keys)

    # --- store config ----------------------------------------------------------------------
    def _config(self, conn: sqlite3.Connection) -> StoreConfig:
        with self._reading(conn) as cipher:  # no config (no required tags) is verified too
            if cipher is None or db.version_row(conn, STORE_CONFIG_ID.service, STORE_CONFIG_ID.key) is None:
                return StoreConfig()
            secret = self._read(conn, cipher, STORE_CONFIG_ID)
        try:
            return parse_store_config(secret.value or "")
        except ValueError as e:  # Go-style JSON messages; they never quote a value
            raise ChamberError(f"failed to unmarshal store config: {_short(e)}") from None

    @guarded
    def config(self) -> StoreConfig:
        conn = self.db.connect(create=False)
        if conn is None:
            return StoreConfig()
        return self._config(conn)

    @guarded
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


def _short(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__
