"""Releases: a sealed, numbered snapshot of a service's secrets in S3, which a fleet starts from.

The store (Parameter Store, or any backend) stays where secrets are written, listed and audited;
``publish`` copies each service's secrets (keys, values, store versions) into one immutable
object per release, and ``exec --release`` reads that one object instead of the store: one S3
GetObject and one KMS Decrypt per service, no Parameter Store call at all.

Objects, in ``$PYCHAMBER_RELEASE_BUCKET`` under ``$PYCHAMBER_RELEASE_PREFIX`` (optional):

- ``PREFIX/SERVICE/releases/NNNNNN``: release N, written once (``PutObject`` with
  ``If-None-Match: *``, so that two publishers never take one number), never modified or
  deleted by pychamber;
- ``PREFIX/SERVICE/current``: a full copy of the current release (not a pointer to follow: reading
  the current release is one GET). ``publish`` writes it conditionally on the ETag it read;
  ``rollback`` copies release N over it in one ``CopyObject``.

Sealing (envelope encryption): a fresh data key per release from KMS ``GenerateDataKey``
under the configured key (``--kms-key-alias`` / ``$CHAMBER_KMS_KEY_ALIAS``, default
``alias/parameter_store_key``) with the encryption context ``{"pychamber:service": SERVICE,
"pychamber:release": "N"}``; the content is AES-256-GCM with the object's header line (format,
service, release number, time, publisher, key count, the KMS key and the encrypted data key) as
associated data. Opening checks the header's service and number against what was asked for,
then KMS decrypts the data key with the context built from them, then GCM checks header and
content together, then the content's own service and number. So an object altered by one byte,
swapped between services or numbers, or sealed by someone without the key fails to open, with
one line saying which. There is no fallback to the store or to another release.

Server-side encryption of the bucket applies on top (the objects are written without SSE
headers: the bucket's default encryption is used), never instead.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from pychamber import aws, names
from pychamber.errors import ChamberError
from pychamber.model import RawSecret, key_of

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings
    from pychamber.stores.base import Store

FORMAT = "pychamber-release/1"
CONTEXT_SERVICE = "pychamber:service"
CONTEXT_RELEASE = "pychamber:release"
NUMBER_WIDTH = 6
CURRENT = "current"
#: Attempts at a publish when another publisher takes the number first.
PUBLISH_ATTEMPTS = 5
#: Listings of the store until two agree (a write during the snapshot is never half-taken).
SNAPSHOT_ATTEMPTS = 3
NO_BUCKET = ("no release bucket: set PYCHAMBER_RELEASE_BUCKET (and, optionally, "
             "PYCHAMBER_RELEASE_PREFIX)")
#: The watcher's fingerprint entry for the release number (a key can never be named so).
RELEASE_ENTRY = "(release)"
CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})
MISSING_CODES = frozenset({"NoSuchKey", "404"})


class ReleaseNotFound(ChamberError):
    """The release object asked for does not exist (no release published yet, or no such number)."""


# --- what a release holds ----------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """One secret of a release: its stored name (``/svc/key``; bare on Secrets Manager), its
    value, and the store's version token (``Store.versions``) when it was published."""

    key: str
    value: str
    version: str

    def __repr__(self) -> str:  # never a value in a traceback or a log
        return f"Entry(key={self.key!r}, version={self.version!r})"


@dataclass(frozen=True)
class Header:
    """The object's clear header (authenticated with the content as AES-GCM associated data)."""

    service: str
    number: int
    published: str
    publisher: str
    keys: int
    kms_key: str
    data_key: bytes
    nonce: bytes

    def to_bytes(self) -> bytes:
        return json.dumps({
            "format": FORMAT, "service": self.service, "release": self.number,
            "published": self.published, "publisher": self.publisher, "keys": self.keys,
            "kms_key": self.kms_key, "data_key": base64.b64encode(self.data_key).decode(),
            "nonce": base64.b64encode(self.nonce).decode()},
            sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


@dataclass
class Release:
    """An opened release: its header and its secrets in the store's listing order."""

    header: Header
    entries: list[Entry]
    etag: str = ""

    @property
    def number(self) -> int:
        return self.header.number

    def raw(self) -> list[RawSecret]:
        return [RawSecret(e.key, e.value) for e in self.entries]

    def versions(self) -> dict[str, str]:
        return {e.key: e.version for e in self.entries}

    def content(self) -> list[tuple[str, str, str]]:
        return [(e.key, e.value, e.version) for e in self.entries]


@dataclass(frozen=True)
class Listed:
    """One line of ``release list``: from the object's clear header (checked when opened)."""

    number: int
    published: str
    publisher: str
    keys: int
    current: bool


@dataclass(frozen=True)
class Published:
    """What ``publish`` did for one service: ``number`` is current now; ``new`` when a release
    was written, else the store matched an existing release (``moved``: current moved to it)."""

    service: str
    number: int
    new: bool
    moved: bool = False


@dataclass
class Difference:
    """A release against the store now, by stored name and version (never a value)."""

    number: int
    added: list[tuple[str, str]] = field(default_factory=list)  # (key, store version)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (key, release version)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # (key, release, store)

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        out = [f"+ {k} (version {v} in the store, not in release {self.number})"
               for k, v in self.added]
        out += [f"- {k} (version {v} in release {self.number}, not in the store)"
                for k, v in self.removed]
        out += [f"~ {k} version {a} in release {self.number}, {b} in the store"
                for k, a, b in self.changed]
        return sorted(out, key=lambda line: line[2:])


# --- selectors and places ------------------------------------------------------------------------
def parse_selector(text: str | int | None, what: str = '"--release" flag') -> int | None:
    """``--release``'s value (or the argument ``what`` names): ``current`` (or empty) -> None,
    a positive number -> it."""
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return text
    word = str(text).strip()
    if word.lower() in ("", CURRENT):
        return None
    if word.isascii() and word.isdigit() and len(word) <= 18 and int(word) > 0:  # int() of 5000 digits raises
        return int(word)
    from pychamber.compat.strconv import go_quote

    raise ChamberError(f"invalid argument {go_quote(str(text))} for {what}: a release number (1, 2, ...) or current")


def object_key(prefix: str, service: str, number: int | None) -> str:
    base = f"{prefix}/{service}" if prefix else service
    return f"{base}/{CURRENT}" if number is None else f"{base}/releases/{number:0{NUMBER_WIDTH}d}"


def releases_prefix(prefix: str, service: str) -> str:
    return (f"{prefix}/{service}" if prefix else service) + "/releases/"


def encryption_context(service: str, number: int) -> dict[str, str]:
    return {CONTEXT_SERVICE: service, CONTEXT_RELEASE: str(number)}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --- sealing (pure but for the KMS calls given) ------------------------------------------------
def seal(service: str, number: int, entries: Sequence[Entry], publisher: str, kms_key: str,
         plain_key: bytes, encrypted_key: bytes, published: str | None = None,
         nonce: bytes | None = None) -> bytes:
    """The object's bytes: the header line, then AES-256-GCM of the content (header as AAD)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = Header(service, number, published or _now(), publisher, len(entries), kms_key,
                    encrypted_key, nonce or os.urandom(12))
    head = header.to_bytes()
    content = json.dumps({"service": service, "release": number,
                          "secrets": [[e.key, e.value, e.version] for e in entries]},
                         separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return head + b"\n" + AESGCM(plain_key).encrypt(header.nonce, content, head)


def read_header(body: bytes, where: str) -> tuple[Header, bytes, bytes]:
    """(header, its bytes, the ciphertext) of an object; ChamberError when it is not a release."""
    head, sep, sealed = body.partition(b"\n")
    try:
        if not sep:
            raise ValueError
        data = json.loads(head.decode("ascii"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError
        header = Header(str(data["service"]), int(data["release"]), str(data["published"]),
                        str(data["publisher"]), int(data["keys"]), str(data["kms_key"]),
                        base64.b64decode(data["data_key"], validate=True),
                        base64.b64decode(data["nonce"], validate=True))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError, OverflowError):
        raise ChamberError(f"{where} is not a pychamber release (altered, or not written by "
                           "pychamber release publish)") from None
    return header, head, sealed


def check_place(header: Header, service: str, number: int | None, where: str) -> None:
    """The header names the service (and number) the object was read for: else it was swapped."""
    if header.service != service:
        raise ChamberError(f"{where} holds a release of service {header.service!r}, not "
                           f"{service!r}: refused (an object swapped between services)")
    if number is not None and header.number != number:
        raise ChamberError(f"{where} holds release {header.number}, not {number}: refused (an "
                           "object swapped between release numbers)")


def unseal(header: Header, head: bytes, sealed: bytes, plain_key: bytes, where: str) -> list[Entry]:
    """The entries of an object whose data key KMS opened; refuses one altered after sealing."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        content = AESGCM(plain_key).decrypt(header.nonce, sealed, head)
    except (InvalidTag, ValueError):
        raise ChamberError(f"{where} failed authentication: it was altered after it was sealed; "
                           "refused") from None
    data = json.loads(content.decode("ascii"))
    if data.get("service") != header.service or data.get("release") != header.number:
        raise ChamberError(f"{where} does not hold what its header says: refused")
    return [Entry(str(k), str(v), str(ver)) for k, v, ver in data["secrets"]]


# --- the releases of a bucket ------------------------------------------------------------------
class Releases:
    """The release objects of ``$PYCHAMBER_RELEASE_BUCKET``: opening, publishing, listing,
    rolling back. Every AWS call goes through :func:`pychamber.aws.call`; clients are built on
    first use (S3, KMS and STS, standard retries, ``AWS_ENDPOINT_URL[_S3|_KMS]`` honoured)."""

    def __init__(self, settings: "Settings", retries: int | None = None):
        self.settings = settings
        self.bucket = settings.release_bucket
        if not self.bucket:
            raise ChamberError(NO_BUCKET)
        self.prefix = settings.release_prefix
        self.kms_key = settings.s3_kms_key_alias
        self.retries = settings.retries if retries is None else retries

    # calls
    def _client(self, service: str, op: str | None) -> Any:
        return aws.client(service, self.settings, self.retries, "standard", endpoint_env=(),
                          operation=op)

    def call(self, service: str, op: str, **params: Any) -> Any:
        return aws.call(lambda o: self._client(service, o), service, op, settings=self.settings,
                        **params)

    def where(self, service: str, number: int | None) -> str:
        return f"s3://{self.bucket}/{object_key(self.prefix, service, number)}"

    def _describe(self, service: str, number: int | None) -> str:
        return f"the current release of {service}" if number is None else \
            f"release {number} of {service}"

    # reading
    def fetch(self, service: str, number: int | None = None,
              etag: str | None = None) -> tuple[bytes, str] | None:
        """The object's (body, ETag); None when ``etag`` still matches (HTTP 304)."""
        key = object_key(self.prefix, service, number)
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if etag:
            params["IfNoneMatch"] = etag
        try:
            resp = self.call("s3", "GetObject", ok_codes=("304", "NotModified"), **params)
            if resp is None:
                return None
            with aws.translated("GetObject", "s3"):
                body = resp["Body"].read()
        except aws.AwsError as e:
            if e.code in MISSING_CODES:
                raise ReleaseNotFound(self._missing(service, number)) from None
            raise e.wrap(f"Failed to read {self._describe(service, number)}: ") from None
        return body, str(resp.get("ETag") or "")

    def _missing(self, service: str, number: int | None) -> str:
        if number is None:
            return (f"no release of service {service} in {self.where(service, None)}: publish one "
                    f"with `pychamber release publish {service}`")
        return f"release {number} of service {service} does not exist ({self.where(service, number)})"

    def open_body(self, body: bytes, service: str, number: int | None, etag: str = "") -> Release:
        """Check and decrypt an object read for ``service`` (release ``number``; None: current)."""
        where = self.where(service, number)
        header, head, sealed = read_header(body, where)
        check_place(header, service, number, where)
        try:
            resp = self.call("kms", "Decrypt", CiphertextBlob=header.data_key, KeyId=self.kms_key,
                             EncryptionContext=encryption_context(service, header.number))
        except aws.AwsError as e:
            raise e.wrap(f"Failed to open {where}: KMS did not open its data key with "
                         f"{self.kms_key} for service {service}, release {header.number} "
                         "(sealed with another key or for another place, or kms:Decrypt "
                         "denied): ") from None
        plain = resp.get("Plaintext") or b""
        return Release(header, unseal(header, head, sealed, plain, where), etag)

    def open(self, service: str, number: int | None = None) -> Release:
        """Release ``number`` of ``service`` (None: the current one): one GET, one Decrypt."""
        with aws.command_deadline(self.settings, "read"):
            got = self.fetch(service, number)
            assert got is not None
            body, etag = got
            return self.open_body(body, service, number, etag)

    def numbers(self, service: str) -> list[int]:
        """The release numbers of ``service`` (ListObjectsV2 of its ``releases/``), ascending."""
        prefix = releases_prefix(self.prefix, service)
        found: list[int] = []
        token = None
        while True:
            params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
            if token:
                params["ContinuationToken"] = token
            try:
                resp = self.call("s3", "ListObjectsV2", **params) or {}
            except aws.AwsError as e:
                raise e.wrap(f"Failed to list the releases of {service}: ") from None
            for obj in resp.get("Contents") or ():
                rest = str(obj.get("Key", ""))[len(prefix):]
                if rest.isascii() and rest.isdigit() and len(rest) >= NUMBER_WIDTH:
                    found.append(int(rest))
            token = resp.get("NextContinuationToken")
            if not resp.get("IsTruncated") or not token:
                return sorted(found)

    def list_releases(self, service: str) -> list[Listed]:
        """Every release of ``service``, oldest first, from the headers (one GET each)."""
        with aws.command_deadline(self.settings, "read"):
            current = self._current_number(service)
            out = []
            for n in self.numbers(service):
                got = self.fetch(service, n)
                assert got is not None
                where = self.where(service, n)
                header = read_header(got[0], where)[0]
                check_place(header, service, n, where)
                out.append(Listed(n, header.published, header.publisher, header.keys, n == current))
            return out

    def _current_number(self, service: str) -> int | None:
        try:
            got = self.fetch(service, None)
        except ReleaseNotFound:
            return None
        assert got is not None
        where = self.where(service, None)
        header = read_header(got[0], where)[0]
        check_place(header, service, None, where)
        return header.number

    # writing
    def publish(self, store: "Store", services: Sequence[str],
                progress: Callable[[Published], None] | None = None) -> list[Published]:
        """Publish each service's secrets as they are in ``store`` now (see :func:`snapshot`)."""
        publisher = self._publisher()
        done = []
        for raw in services:
            service = names.service_name(raw, prefix="")
            with aws.command_deadline(self.settings, "read"):
                entries = snapshot(store, service)
                result = self._publish_one(service, entries, publisher)
            done.append(result)
            if progress:
                progress(result)
        return done

    def _publisher(self) -> str:
        try:
            return str((self.call("sts", "GetCallerIdentity") or {}).get("Arn") or "")
        except aws.AwsError as e:
            raise e.wrap("Failed to publish: who is publishing (STS GetCallerIdentity): ") from None

    def _publish_one(self, service: str, entries: list[Entry], publisher: str) -> Published:
        content = [(e.key, e.value, e.version) for e in entries]
        for _ in range(PUBLISH_ATTEMPTS):
            current: Release | None = None
            try:
                current = self.open(service, None)
            except ReleaseNotFound:
                pass  # the first release
            except ChamberError as e:
                raise e.wrap("Failed to publish (the current release does not open: fix or roll "
                             "back first): ") from None
            if current is not None and current.content() == content:
                return Published(service, current.number, new=False)
            numbers = self.numbers(service)
            latest = numbers[-1] if numbers else 0
            if current is not None and latest and latest != current.number:
                newest = self.open(service, latest)
                if newest.content() == content:  # the store is back to the newest release
                    self._move_current(service, latest, current.etag)
                    return Published(service, latest, new=False, moved=True)
            number = max(latest, current.number if current else 0) + 1
            body = self._seal(service, number, entries, publisher)
            if not self._put(service, number, body, if_none_match=True):
                continue  # another publisher took the number: look again
            if not self._put(service, None, body, if_match=current.etag if current else None,
                             if_none_match=current is None):
                raise ChamberError(
                    f"release {number} of {service} was written, but another publisher moved "
                    f"the current release meanwhile: check `pychamber release list {service}` "
                    "and publish again or roll back")
            return Published(service, number, new=True)
        raise ChamberError(f"Failed to publish {service}: other publishers kept taking the next "
                           f"release number ({PUBLISH_ATTEMPTS} attempts)")

    def _seal(self, service: str, number: int, entries: list[Entry], publisher: str) -> bytes:
        try:
            resp = self.call("kms", "GenerateDataKey", KeyId=self.kms_key, KeySpec="AES_256",
                             EncryptionContext=encryption_context(service, number))
        except aws.AwsError as e:
            raise e.wrap(f"Failed to publish {service}: no data key from {self.kms_key}: ") from None
        return seal(service, number, entries, publisher, str(resp.get("KeyId") or self.kms_key),
                    resp["Plaintext"], resp["CiphertextBlob"])

    def _put(self, service: str, number: int | None, body: bytes, *, if_none_match: bool = False,
             if_match: str | None = None) -> bool:
        """A conditional PutObject; False when its condition failed (someone else wrote)."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": object_key(self.prefix, service, number),
                                  "Body": body, "ContentType": "application/octet-stream"}
        if if_match:
            params["IfMatch"] = if_match
        elif if_none_match:
            params["IfNoneMatch"] = "*"
        try:
            self.call("s3", "PutObject", **params)
        except aws.AwsError as e:
            if e.code in CONFLICT_CODES:
                return False
            raise e.wrap(f"Failed to write {self.where(service, number)}: ") from None
        return True

    def _move_current(self, service: str, number: int, etag: str | None = None) -> None:
        """Current becomes a copy of release ``number``: one CopyObject."""
        params: dict[str, Any] = {
            "Bucket": self.bucket, "Key": object_key(self.prefix, service, None),
            "CopySource": {"Bucket": self.bucket, "Key": object_key(self.prefix, service, number)}}
        if etag:
            params["IfMatch"] = etag
        try:
            self.call("s3", "CopyObject", **params)
        except aws.AwsError as e:
            if e.code in CONFLICT_CODES:
                raise ChamberError(f"another publisher moved the current release of {service} "
                                   "meanwhile: look again with `pychamber release list "
                                   f"{service}`") from None
            raise e.wrap(f"Failed to move the current release of {service} to {number}: ") from None

    def rollback(self, service: str, number: int) -> Release:
        """Make release ``number`` current: it is opened first (a release that does not open is
        never made current), then copied over ``current`` in one write."""
        with aws.command_deadline(self.settings, "read"):
            target = self.open(service, number)
            self._move_current(service, number)
            return target

    def diff(self, store: "Store", service: str, number: int | None = None) -> Difference:
        """Release ``number`` (None: current) against the store's versions now."""
        with aws.command_deadline(self.settings, "read"):
            release = self.open(service, number)
            now = store.versions(service)
        then = release.versions()
        out = Difference(release.number)
        for name in sorted(set(then) | set(now)):
            key = key_of(name)
            if name not in then:
                out.added.append((key, now[name]))
            elif name not in now:
                out.removed.append((key, then[name]))
            elif then[name] != now[name]:
                out.changed.append((key, then[name], now[name]))
        return out


def snapshot(store: "Store", service: str) -> list[Entry]:
    """The service's secrets with their versions, consistent: versions, values, versions again,
    until the two version listings agree (a write during the snapshot is retried, never
    half-taken). An empty service is refused (a typo would publish nothing)."""
    for _ in range(SNAPSHOT_ATTEMPTS):
        before = store.versions(service)
        secrets: Sequence[RawSecret] = store.list_raw(service)
        after = store.versions(service)
        if before == after and all(s.key in after for s in secrets):
            if not secrets:
                raise ChamberError(f"service {service} has no secrets in the store: nothing to "
                                   "publish")
            return [Entry(s.key, s.value, after[s.key]) for s in secrets]
    raise ChamberError(f"Failed to publish {service}: its secrets kept changing while they were "
                       "read; publish again once the writes are done")


