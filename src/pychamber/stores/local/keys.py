"""The local store's data key and what it encrypts. Nothing here runs SQL: the key check is
read and stored by the caller.

The data key (32 random bytes) comes from ``$PYCHAMBER_LOCAL_KEY`` (base64) when set; else from
the OS keyring (service ``pychamber``, user = the database's absolute path); else from a 0600 key
file beside the database (``secrets.key`` for ``secrets.db``). When none exists yet and a value
is being written, a key is created (in the keyring when one works, else in the key file) and the
user is told once, through ``say``, where it is kept.

Values are encrypted with AES-256-GCM, a fresh 12-byte nonce per value, with service, key and
version bound in as associated data (a row moved to another name or version fails to decrypt).
The key check, an encryption of a constant stored with the database, makes a wrong key a clear
error instead of a decryption failure on some row.

``cryptography`` and ``keyring`` are imported only when a key is looked for or used.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any, Callable, Mapping

from pychamber.errors import ChamberError

KEYRING_SERVICE = "pychamber"
KEY_ENV = "PYCHAMBER_LOCAL_KEY"
NONCE_LEN = 12
KEY_LEN = 32
_KEY_CHECK_PLAINTEXT = b"pychamber local store key check v1"
_KEY_CHECK_AAD = b"pychamber:key-check"
_AAD_PREFIX = b"pychamber:local:v1"


def key_file_path(db_path: str) -> str:
    """The key file beside the database: ``secrets.db`` -> ``secrets.key``."""
    root, ext = os.path.splitext(db_path)
    if ext == ".key" or not os.path.basename(root):
        return db_path + ".key"
    return root + ".key"


def _decode_key(text: str) -> bytes | None:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == KEY_LEN else None


def _encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _aad(service: str, key: str, version: int) -> bytes:
    # JSON keeps the three parts unambiguous whatever characters they hold.
    return _AAD_PREFIX + json.dumps([service, key, version]).encode()


class Cipher:
    """AES-256-GCM under one data key, for the database at ``db_path`` (named in errors)."""

    def __init__(self, key: bytes, db_path: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self.db_path = db_path

    def seal(self, service: str, key: str, version: int, value: str) -> tuple[bytes, bytes]:
        """(nonce, ciphertext) of ``value`` as version ``version`` of ``/<service>/<key>``."""
        nonce = os.urandom(NONCE_LEN)
        ct = self._aead.encrypt(nonce, value.encode("utf-8", "surrogatepass"), _aad(service, key, version))
        return nonce, ct

    def open(self, service: str, key: str, version: int, nonce: bytes, ct: bytes) -> str:
        """The value sealed by :meth:`seal`; ChamberError when the row was altered or moved."""
        from cryptography.exceptions import InvalidTag

        try:
            plain = self._aead.decrypt(bytes(nonce), bytes(ct), _aad(service, key, version))
        except (InvalidTag, ValueError):
            raise ChamberError(
                f"cannot decrypt /{service}/{key} version {version} in local secrets database "
                f"{self.db_path}: the stored data was altered or moved"
            ) from None
        return plain.decode("utf-8", "surrogatepass")

    def new_check(self) -> bytes:
        """A key check for this key (nonce + ciphertext of a constant)."""
        nonce = os.urandom(NONCE_LEN)
        return nonce + self._aead.encrypt(nonce, _KEY_CHECK_PLAINTEXT, _KEY_CHECK_AAD)

    def verify(self, check: bytes) -> bool:
        """Whether ``check`` was made with this key."""
        from cryptography.exceptions import InvalidTag

        try:
            plain = self._aead.decrypt(check[:NONCE_LEN], check[NONCE_LEN:], _KEY_CHECK_AAD)
        except (InvalidTag, ValueError):
            return False
        return plain == _KEY_CHECK_PLAINTEXT


class KeySource:
    """Where the data key of the database at ``db_path`` is found, or created.

    ``environ`` supplies ``PYCHAMBER_LOCAL_KEY`` and ``PYTHON_KEYRING_BACKEND``; ``say`` tells
    the user one line (no trailing newline) when a key is created."""

    def __init__(self, db_path: str, environ: Mapping[str, str], say: Callable[[str], None]):
        self.db_path = db_path
        self.key_path = key_file_path(db_path)
        self.environ = environ
        self._say = say

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
        backend = self._keyring()
        if backend is not None:
            text = _keyring_call(backend.get_password, KEYRING_SERVICE, self.db_path)
            if text:
                key = _decode_key(text)
                if key is not None and matches(key):
                    return key
                tried.append(f'the OS keyring (service "{KEYRING_SERVICE}")')
        key = self._read_key_file()
        if key is not None:
            if matches(key):
                return key
            tried.append(f"key file {self.key_path}")

        if tried:
            raise ChamberError(
                f"wrong data key for local secrets database {self.db_path}: the key in "
                + " and in ".join(tried)
                + " does not match"
            )
        if check is not None or not create:
            raise ChamberError(
                f"no data key for local secrets database {self.db_path}: set {KEY_ENV}, or restore "
                f'the OS keyring entry (service "{KEYRING_SERVICE}") or key file {self.key_path}'
            )
        return self._create(backend)

    def holder(self, key: bytes) -> tuple[str, str]:
        """Where ``key`` (as :meth:`find` returned it) is kept: ``("env", KEY_ENV)``,
        ``("keyring", "<module>.<class>")`` naming the keyring backend that holds it, or
        ``("file", <key file path>)``."""
        if self.environ.get(KEY_ENV, ""):
            return "env", KEY_ENV
        backend = self._keyring()
        if backend is not None:
            text = _keyring_call(backend.get_password, KEYRING_SERVICE, self.db_path)
            if text and _decode_key(text) == key:
                return "keyring", backend_name(backend)
        return "file", self.key_path

    def keyring_name(self) -> str | None:
        """The usable keyring backend (``keyrings.alt.file.PlaintextKeyring``), or None."""
        backend = self._keyring()
        return None if backend is None else backend_name(backend)

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

    def _create(self, backend: Any) -> bytes:
        key = os.urandom(KEY_LEN)
        text = _encode_key(key)
        if backend is not None:
            stored = _keyring_call(backend.set_password, KEYRING_SERVICE, self.db_path, text, ok=True)
            if stored and _keyring_call(backend.get_password, KEYRING_SERVICE, self.db_path) == text:
                self._say(
                    f'pychamber: created a new data key in the OS keyring (service "{KEYRING_SERVICE}", '
                    f'user "{self.db_path}")'
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
        self._say(
            f"pychamber: created a new data key in key file {self.key_path} "
            "(no OS keyring available; keep this file safe)"
        )
        return key


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
