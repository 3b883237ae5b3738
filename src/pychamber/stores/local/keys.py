"""The local store's data key and what it encrypts. Nothing here runs SQL: the key check and the
state MAC are read and stored by the caller.

Where the data key (32 random bytes) is looked for, in this order:

1. ``$PYCHAMBER_LOCAL_KEY`` (base64), when set;
2. the key file (:func:`key_file_path`), when it exists: beside the database (``secrets.key``
   for ``secrets.db``), or, for a database inside a git work tree, outside it in
   ``$XDG_DATA_HOME/pychamber/keys/`` (``git add -A`` would commit a key file beside it). It must
   be owned by this user (or root) and not readable by group or others, as ssh requires of a
   private key;
3. a keyring (service ``pychamber``, user = the database's absolute path): the OS keyring that
   ``keyring`` detects, or the one chosen explicitly with ``PYTHON_KEYRING_BACKEND`` or
   keyring's ``keyringrc.cfg``. A keyring that keeps its entries in a file (keyrings.alt's
   ``PlaintextKeyring``, ``EncryptedKeyring``) is never picked silently because a package
   happens to be installed: only when chosen explicitly, and it is then named as a plaintext
   (or encrypted) keyring file, never "the OS keyring".

When none exists yet and a value is being written, a key is created: in the keyring when one is
usable, else in a new 0600 key file (written atomically: a temporary file, fsync, then linked
into place, so a failed write leaves nothing behind). The user is told once, through ``say``,
where it is kept. A keyring held in a file is rewritten whole by every ``set_password``, so
pychamber holds an exclusive ``flock`` on a lock file beside it while it writes and checks its
entry, and a shared one while it reads: processes creating keys at once never drop each other's.
After the database commits, the new entry is read back once more (:meth:`KeySource.confirm`); an
entry lost after all (another program rewrote the file) is stored again, else saved to the key
file.

Values are encrypted with AES-256-GCM, a fresh 12-byte nonce per value, with service, key and
version bound in as associated data (a row moved to another name or version fails to decrypt).
The key check, an encryption of a constant stored with the database, makes a wrong key a clear
error instead of a decryption failure on some row. A key check of version 2 also says that the
database keeps a state MAC (an HMAC over every version row, see :meth:`Cipher.state_mac`), so a
removed version is detected. Values sealed since are bound to associated data of version 2, so
that none of them can pass for a row of a database from before state MACs (no downgrade).

``cryptography`` and ``keyring`` are imported only when a key is looked for or used: a key from
the environment or the key file never imports ``keyring``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
from typing import Any, Callable, Iterable, Iterator, Mapping

from pychamber.errors import ChamberError
from pychamber.stores.local.db import blob

KEYRING_SERVICE = "pychamber"
KEY_ENV = "PYCHAMBER_LOCAL_KEY"
KEYRING_ENV = "PYTHON_KEYRING_BACKEND"
NONCE_LEN = 12
KEY_LEN = 32
_KEY_CHECK_PLAINTEXT = b"pychamber local store key check v1"
_KEY_CHECK_AAD = {1: b"pychamber:key-check", 2: b"pychamber:key-check:v2:state-mac"}
KEY_CHECK_VERSION = 2
#: the associated data of a value: v2 since values are sealed only in databases that keep a state
#: MAC; v1 values (sealed before) are still opened, and resealed as v2 by the next write
_AAD_PREFIX = {1: b"pychamber:local:v1", 2: b"pychamber:local:v2"}
ROW_VERSION = 2
#: the state MAC's label: v2 when every row is sealed as v2, v1 before (see LocalStore)
_STATE_MAC_LABEL = {1: b"pychamber:local:state-mac:v1", 2: b"pychamber:local:state-mac:v2"}
STATE_MAC_VERSION = 2


def _beside(db_path: str) -> str:
    """The key file beside the database: ``secrets.db`` -> ``secrets.key``."""
    root, ext = os.path.splitext(db_path)
    if ext == ".key" or not os.path.basename(root):
        return db_path + ".key"
    return root + ".key"


def git_work_tree(directory: str) -> str | None:
    """The top of the git work tree ``directory`` is in (where ``.git`` is), or None."""
    current = os.path.abspath(directory)
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _keys_dir(environ: Mapping[str, str]) -> str:
    home = environ.get("HOME") or os.path.expanduser("~")
    data_home = environ.get("XDG_DATA_HOME", "")
    if not data_home or not os.path.isabs(data_home):
        data_home = os.path.join(home, ".local", "share")
    return os.path.join(data_home, "pychamber", "keys")


def key_file_path(db_path: str, environ: Mapping[str, str] | None = None) -> str:
    """The key file of the database at ``db_path``: ``<name>.key`` beside it (``secrets.db`` ->
    ``secrets.key``), except for a database inside a git work tree, where ``git add -A`` would
    commit a key file beside it: then ``$XDG_DATA_HOME/pychamber/keys/<name>-<hash>.key``
    (``~/.local/share/...``), the hash telling apart databases of the same name."""
    db_path = os.path.abspath(db_path)
    beside = _beside(db_path)
    if git_work_tree(os.path.dirname(db_path)) is None:
        return beside
    import hashlib

    tag = hashlib.sha256(os.fsencode(db_path)).hexdigest()[:12]
    stem = os.path.splitext(os.path.basename(beside))[0]
    return os.path.join(_keys_dir(os.environ if environ is None else environ), f"{stem}-{tag}.key")


def _decode_key(text: str) -> bytes | None:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == KEY_LEN else None


def _encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _aad(service: str, key: str, version: int, row_version: int = ROW_VERSION) -> bytes:
    # JSON keeps the three parts unambiguous whatever characters they hold.
    return _AAD_PREFIX[row_version] + json.dumps([service, key, version]).encode()


class Cipher:
    """AES-256-GCM under one data key, for the database at ``db_path`` (named in errors)."""

    def __init__(self, key: bytes, db_path: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self._key = key
        self.db_path = db_path

    def seal(self, service: str, key: str, version: int, value: str) -> tuple[bytes, bytes]:
        """(nonce, ciphertext) of ``value`` as version ``version`` of ``/<service>/<key>``."""
        nonce = os.urandom(NONCE_LEN)
        ct = self._aead.encrypt(nonce, value.encode("utf-8", "surrogatepass"), _aad(service, key, version))
        return nonce, ct

    def open(self, service: str, key: str, version: int, nonce: bytes, ct: bytes,
             row_versions: tuple[int, ...] = (2, 1)) -> str:
        """The value sealed by :meth:`seal` (or by a pychamber before v2 rows, unless
        ``row_versions`` says otherwise); ChamberError when the row was altered or moved."""
        plain = self._open(service, key, version, nonce, ct, row_versions)
        if plain is None:
            raise ChamberError(
                f"cannot decrypt /{service}/{key} version {version} in local secrets database "
                f"{self.db_path}: the stored data was altered or moved"
            )
        return plain.decode("utf-8", "surrogatepass")

    def _open(self, service: str, key: str, version: int, nonce: bytes, ct: bytes,
              row_versions: tuple[int, ...]) -> bytes | None:
        from cryptography.exceptions import InvalidTag

        for row_version in row_versions:
            try:
                return self._aead.decrypt(blob(nonce), blob(ct), _aad(service, key, version, row_version))
            except (InvalidTag, ValueError):
                continue
        return None

    def is_v1_row(self, service: str, key: str, version: int, nonce: bytes, ct: bytes) -> bool:
        """Whether the row was sealed by a pychamber before state MACs (v1 associated data)."""
        return self._open(service, key, version, nonce, ct, (1,)) is not None

    def new_check(self) -> bytes:
        """A key check (version 2) for this key: nonce + ciphertext of a constant."""
        nonce = os.urandom(NONCE_LEN)
        aad = _KEY_CHECK_AAD[KEY_CHECK_VERSION]
        return nonce + self._aead.encrypt(nonce, _KEY_CHECK_PLAINTEXT, aad)

    def check_version(self, check: bytes) -> int:
        """The version of key check ``check`` made with this key (1: before state MACs), or 0
        when it was made with another key."""
        from cryptography.exceptions import InvalidTag

        for version, aad in _KEY_CHECK_AAD.items():
            try:
                plain = self._aead.decrypt(check[:NONCE_LEN], check[NONCE_LEN:], aad)
            except (InvalidTag, ValueError):
                continue
            if plain == _KEY_CHECK_PLAINTEXT:
                return version
        return 0

    def verify(self, check: bytes) -> bool:
        """Whether ``check`` was made with this key."""
        return self.check_version(check) > 0

    def state_mac(self, rows: Iterable[tuple], mac_version: int = STATE_MAC_VERSION) -> bytes:
        """HMAC-SHA256 (under a key derived from the data key) over ``rows``, every version row
        as ``(service, key, version, created, created_by, nonce)`` in primary-key order. The
        nonce pins the row's ciphertext (GCM authenticates it under that nonce). Version 2 also
        says that every row is sealed as v2 (no row an older copy of the file could supply
        would pass as one of a database from before state MACs)."""
        import hashlib
        import hmac

        subkey = hmac.new(self._key, _STATE_MAC_LABEL[mac_version], hashlib.sha256).digest()
        mac = hmac.new(subkey, digestmod=hashlib.sha256)
        for row in rows:  # blob(): the bytes of each column, whatever type an edit left there
            for part in map(blob, row):
                mac.update(len(part).to_bytes(4, "big") + part)
        return mac.digest()


# --- keyrings -----------------------------------------------------------------------------------
def _file_backed(backend: Any) -> bool:
    """Whether a keyring backend keeps its entries in a file of its own (keyrings.alt)."""
    return any(c.__name__ == "FileBacked" and c.__module__.startswith("keyrings.alt")
               for c in type(backend).__mro__)


def _plaintext(backend: Any) -> bool:
    return any(c.__name__ == "PlaintextKeyring" for c in type(backend).__mro__)


class Keyring:
    """The keyring pychamber uses: ``backend``, how it was chosen, and what to call it."""

    def __init__(self, backend: Any, explicit: str | None):
        self.backend = backend
        self.explicit = explicit  # "PYTHON_KEYRING_BACKEND", "keyringrc.cfg" or None (detected)
        self.file_path: str | None = None
        if _file_backed(backend):
            try:
                self.file_path = str(backend.file_path)
            except Exception:  # noqa: BLE001 - a broken backend is described without its file
                self.file_path = None

    @property
    def plaintext(self) -> bool:
        """Whether it keeps its entries in a file in clear (keyrings.alt's PlaintextKeyring)."""
        return _plaintext(self.backend)

    @property
    def name(self) -> str:
        """What to call it in messages."""
        label = backend_name(self.backend)
        if self.file_path is not None or _file_backed(self.backend):
            kind = "plaintext keyring file" if self.plaintext else "encrypted keyring file"
            where = f" {self.file_path}" if self.file_path else ""
            return f"the {kind}{where} ({label}, chosen by {self.explicit})"
        how = f", chosen by {self.explicit}" if self.explicit else ""
        return f"the OS keyring ({label}{how})"

    @contextlib.contextmanager
    def locked(self, exclusive: bool) -> Iterator[None]:
        """A keyring kept in a file is rewritten whole by each write: hold a lock beside it
        (exclusive to write, shared to read) so that concurrent pychamber processes never lose
        each other's entries. Other keyrings (OS services) need none."""
        if self.file_path is None:
            yield
            return
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Unix
            yield
            return
        directory = os.path.dirname(self.file_path) or "."
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            fd = os.open(self.file_path + ".pychamber-lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise ChamberError(f"cannot lock {self.name}: {e.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # releases the lock

    def get(self, db_path: str) -> str | None:
        with self.locked(exclusive=False):
            return _keyring_call(self.backend.get_password, KEYRING_SERVICE, db_path)

    def store(self, db_path: str, text: str) -> bool:
        """Store ``text`` and read it back, under the exclusive lock: True when it is there."""
        with self.locked(exclusive=True):
            if not _keyring_call(self.backend.set_password, KEYRING_SERVICE, db_path, text, ok=True):
                return False
            return _keyring_call(self.backend.get_password, KEYRING_SERVICE, db_path) == text


def choose_keyring(environ: Mapping[str, str]) -> Keyring | None:
    """The keyring pychamber uses, or None (no usable one; a file keyring nobody chose)."""
    try:
        import keyring
        import keyring.backends.fail
        import keyring.core

        wanted = environ.get(KEYRING_ENV)
        explicit: str | None = None
        if wanted:
            explicit = KEYRING_ENV
            if wanted != os.environ.get(KEYRING_ENV):
                backend = keyring.core.load_keyring(wanted)
            else:
                backend = keyring.get_keyring()
        else:
            backend = keyring.get_keyring()
            if _file_backed(backend) or _chained(backend):
                configured = keyring.core.load_config()
                if configured is not None and type(configured) is type(backend):
                    explicit = "keyringrc.cfg"
        if explicit is None:
            backend = _not_a_file(backend)
        if backend is None or isinstance(backend, keyring.backends.fail.Keyring):
            return None
        return Keyring(backend, explicit)
    except ChamberError:
        raise
    except Exception:  # noqa: BLE001 - NoKeyringError, ModuleNotFoundError, RuntimeError...
        return None


def _chained(backend: Any) -> bool:
    return type(backend).__name__ == "ChainerBackend"


def _not_a_file(backend: Any) -> Any:
    """``backend`` detected by keyring, without the keyrings kept in files: a plaintext file is
    never used just because keyrings.alt is installed. A chain keeps its best other member."""
    if _chained(backend):
        others = [b for b in backend.backends if not _file_backed(b)]
        return others[0] if others else None
    return None if _file_backed(backend) else backend


class KeySource:
    """Where the data key of the database at ``db_path`` is found, or created.

    ``environ`` supplies ``PYCHAMBER_LOCAL_KEY`` and ``PYTHON_KEYRING_BACKEND``; ``say`` tells
    the user one line (no trailing newline) when a key is created."""

    def __init__(self, db_path: str, environ: Mapping[str, str], say: Callable[[str], None]):
        self.db_path = db_path
        self.environ = environ
        self.work_tree = git_work_tree(os.path.dirname(os.path.abspath(db_path)))
        self.key_path = key_file_path(db_path, environ)
        # a key file an earlier pychamber put beside a database in a work tree is still read
        beside = _beside(os.path.abspath(db_path))
        self._key_paths = [self.key_path] + ([beside] if beside != self.key_path else [])
        self._say = say
        self._keyring: Keyring | None | bool = False  # False: not looked for yet
        self._unconfirmed: str | None = None  # a key just stored in the keyring, to read back

    def keyring(self) -> Keyring | None:
        if self._keyring is False:
            self._keyring = choose_keyring(self.environ)
        return self._keyring  # type: ignore[return-value]

    def describe(self) -> str:
        """Where the key is (or would be) found, in one phrase, without reading the database:
        ``PYCHAMBER_LOCAL_KEY``, ``key file PATH``, ``the OS keyring (...)`` or ``the plaintext
        keyring file PATH (...)``, or ``no data key found (...)``."""
        if self.environ.get(KEY_ENV, ""):
            return KEY_ENV
        if self._read_key_file() is not None:
            return f"key file {self.key_path}"
        ring = self.keyring()
        if ring is not None and ring.get(self.db_path):
            return ring.name
        where = f"nothing in {ring.name}" if ring is not None else "no usable keyring"
        return f"no data key found ({KEY_ENV} unset, no key file {self.key_path}, {where})"

    def holder(self, key: bytes) -> tuple[str, str]:
        """Where ``key`` (as :meth:`find` returned it) is kept: ``("env", KEY_ENV)``,
        ``("file", <key file path>)``, or ``("keyring", "<module>.<class>")`` naming the keyring
        backend that holds it."""
        if self.environ.get(KEY_ENV, ""):
            return "env", KEY_ENV
        if self._read_key_file() == key:
            return "file", self.key_path
        ring = self.keyring()
        if ring is not None and _decode_key(ring.get(self.db_path) or "") == key:
            return "keyring", backend_name(ring.backend)
        return "file", self.key_path

    def plaintext_keyring(self) -> bool:
        """Whether the keyring pychamber would use keeps its entries in a file in clear."""
        ring = self.keyring()
        return ring is not None and ring.plaintext

    def keyring_name(self) -> str | None:
        """The keyring backend pychamber would use (``keyrings.alt.file.PlaintextKeyring``, only
        when chosen explicitly), or None: a new key would go to the key file."""
        ring = self.keyring()
        return None if ring is None else backend_name(ring.backend)

    def find(self, check: bytes | None, create: bool) -> bytes:
        """The data key matching ``check`` (the database's key check; None: none stored yet).
        With ``create`` and no key anywhere (and no check), a new key is created and stored.
        Raises ChamberError naming what was tried when no key matches."""

        def matches(key: bytes) -> bool:
            return check is None or Cipher(key, self.db_path).verify(check)

        env_key = self.environ.get(KEY_ENV, "")
        if env_key:
            key = _decode_key(env_key)
            if key is None:
                raise ChamberError(f"{KEY_ENV} is not a valid data key (expected 32 bytes in base64)")
            if not matches(key):
                raise ChamberError(
                    f"{KEY_ENV} is the wrong data key for local secrets database {self.db_path}"
                )
            return key

        tried: list[str] = []
        key = self._read_key_file()
        if key is not None:
            if matches(key):
                return key
            tried.append(f"key file {self.key_path}")
        ring = self.keyring()
        if ring is not None:
            text = ring.get(self.db_path)
            if text:
                key = _decode_key(text)
                if key is not None and matches(key):
                    return key
                tried.append(f'{ring.name}, service "{KEYRING_SERVICE}"')

        if tried:
            raise ChamberError(
                f"wrong data key for local secrets database {self.db_path}: the key in "
                + " and in ".join(tried)
                + " does not match"
            )
        if check is not None or not create:
            where = f"the entry in {ring.name}" if ring is not None else "the keyring entry"
            raise ChamberError(
                f"no data key for local secrets database {self.db_path}: set {KEY_ENV}, or restore "
                f'{where} (service "{KEYRING_SERVICE}") or key file {self.key_path}'
            )
        return self._create(ring)

    def _read_key_file(self) -> bytes | None:
        for path in self._key_paths:
            key = self._read_one_key_file(path)
            if key is not None:
                self.key_path = path  # named in messages: the file that holds it
                return key
        return None

    def _read_one_key_file(self, path: str) -> bytes | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise ChamberError(f"cannot read key file {path}: {e.strerror}") from None
        try:
            _check_private(fd, path)
            try:
                text = os.read(fd, 4096).decode("ascii")
            except (OSError, UnicodeDecodeError) as e:
                reason = e.strerror if isinstance(e, OSError) and e.strerror else "unreadable"
                raise ChamberError(f"cannot read key file {path}: {reason}") from None
        finally:
            os.close(fd)
        key = _decode_key(text)
        if key is None:
            raise ChamberError(f"key file {path} does not hold a valid data key")
        return key

    def _create(self, ring: Keyring | None) -> bytes:
        key = os.urandom(KEY_LEN)
        text = _encode_key(key)
        if ring is not None and ring.store(self.db_path, text):
            self._unconfirmed = text
            self._say(
                f'pychamber: created a new data key in {ring.name}, service "{KEYRING_SERVICE}", '
                f'user "{self.db_path}"'
            )
            return key
        self._write_key_file(text)
        why = "no OS keyring available" if ring is None else f"{ring.name} did not keep it"
        if self.work_tree is not None:
            why += f"; outside the git work tree {self.work_tree}, so that it is never committed"
        self._say(f"pychamber: created a new data key in key file {self.key_path} ({why}; keep this file safe)")
        return key

    def confirm(self) -> None:
        """After the database committed a new key's check: the keyring entry is read back once
        more. Lost meanwhile (another program rewrote a keyring file), it is stored again, or
        else saved to the key file, and the user is told."""
        text, self._unconfirmed = self._unconfirmed, None
        ring = self.keyring()
        if text is None or ring is None or ring.get(self.db_path) == text:
            return
        if ring.store(self.db_path, text):
            return
        self._write_key_file(text)
        self._say(f"pychamber: {ring.name} lost the new data key; saved it in key file {self.key_path} "
                  "(keep this file safe)")

    def _write_key_file(self, text: str) -> None:
        """A new 0600 key file, all or nothing: never an empty or partial one, never over an
        existing one, never inside the database's git work tree."""
        self.key_path = self._key_paths[0]
        directory = os.path.dirname(self.key_path) or "."
        if self.work_tree is not None:
            inside = git_work_tree(directory)
            if inside is not None:
                raise ChamberError(
                    f"local secrets database {self.db_path} is in the git work tree {self.work_tree}, and "
                    f"its key file would be in the git work tree {inside} ({self.key_path}), where git "
                    f"add -A would commit it: set {KEY_ENV}, or XDG_DATA_HOME to a directory outside "
                    "any repository")
            try:
                os.makedirs(directory, mode=0o700, exist_ok=True)
            except OSError as e:
                raise ChamberError(f"cannot create directory {directory}: {e.strerror}") from None
        tmp = os.path.join(directory, f".{os.path.basename(self.key_path)}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as e:
            raise ChamberError(f"cannot create key file {self.key_path}: {e.strerror}") from None
        try:
            try:
                data = (text + "\n").encode("ascii")
                while data:
                    data = data[os.write(fd, data):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.link(tmp, self.key_path)  # fails if one exists: nothing is replaced
        except FileExistsError:
            raise ChamberError(f"key file {self.key_path} appeared while creating a key; try again") from None
        except OSError as e:
            raise ChamberError(f"cannot write key file {self.key_path}: {e.strerror or e}") from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _check_private(fd: int, path: str) -> None:
    """Refuse a key file others may read, or that another user owns (as ssh does)."""
    import stat

    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise ChamberError(f"key file {path} is not a regular file")
    if hasattr(os, "geteuid") and st.st_uid not in (os.geteuid(), 0):
        raise ChamberError(f"key file {path} is owned by another user (uid {st.st_uid}); refusing to use it")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise ChamberError(
            f"key file {path} is accessible by group or others (mode {mode:o}); "
            f"refusing to use it: run chmod 600 {path}"
        )


def describe_key_source(db_path: str, environ: Mapping[str, str]) -> str:
    """Where the data key of the local database at ``db_path`` is found, in one phrase (for
    ``doctor``): ``PYCHAMBER_LOCAL_KEY``, ``key file PATH``, ``the OS keyring (CLASS)``, ``the
    plaintext keyring file PATH (CLASS, chosen by ...)`` or ``no data key found (...)``. Raises
    ChamberError for an unusable key file (wrong mode or owner, not a key)."""
    return KeySource(os.path.abspath(db_path), environ, lambda _line: None).describe()


def backend_name(backend: Any) -> str:
    """A keyring backend's dotted class name."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _keyring_call(fn: Callable[..., Any], *args: Any, ok: bool = False) -> Any:
    """Call a keyring method; any exception means "no usable keyring" (None / False)."""
    try:
        result = fn(*args)
    except Exception:  # noqa: BLE001
        return False if ok else None
    return True if ok else result
