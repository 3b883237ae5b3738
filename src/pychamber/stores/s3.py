"""S3 and S3-KMS backends (chamber §4.3/§4.4, ``store/s3store.go`` and ``store/s3storeKMS.go``).

Objects in the bucket:

- ``<service>/<key>.json``: one secret with up to 101 versions, compact Go-style JSON
  ``{"service":...,"key":"/<service>/<key>","values":{"<n>":{"created":...,"created_by":...,
  "version":n,"value":...}}}`` (version map keys in *string* order, as Go sorts map keys);
- S3: ``<service>/__latest.json``, the index ``{"latest":{"<key>":"<value>"}}``;
- S3-KMS: one index per KMS alias, ``<service>/__kms_<alias, "/" -> "_">__latest.json``, holding
  ``{"latest":{"<key>":{"version":n,"value":...,"KMSAlias":...}}}``; reading merges every
  ``<service>/__kms*`` object (the higher version wins).

There is no locking: concurrent writers can lose updates (as in chamber).
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable

from pychamber import aws
from pychamber.names import KEY_RE as _KEY_RE, STORED_NAME_RE as _STORED_NAME_RE
from pychamber.errors import ChamberError, SecretNotFound
from pychamber.compat import gojson
from pychamber.compat.gojson import json_string
from pychamber.compat.gotime import ZERO_TIME, GoTime
from pychamber.compat.gotime import parse_go_time as _parse_go_time
from pychamber.compat.strconv import go_int
from pychamber.model import ChangeEvent, RawSecret, Secret, SecretId, SecretMetadata, event_type
from pychamber.settings import DEFAULT_KMS_KEY_ALIAS
from pychamber.stores.base import Store

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings

#: chamber's MaximumVersions: versions older than newest - 100 are dropped (at most 101 kept).
MAXIMUM_VERSIONS = 100
LATEST_OBJECT_NAME = "__latest.json"

#: Error codes aws-sdk-go-v2 models for an S3 operation: those print as ``Code: message``,
#: every other code as ``api error Code: message``.
_MODELED_ERRORS = {
    "GetObject": {"InvalidObjectState", "NoSuchKey"},
    "ListObjectsV2": {"NoSuchBucket"},
    "PutObject": {"EncryptionTypeMismatch", "InvalidRequest", "InvalidWriteOffset", "TooManyParts"},
}


#: The names of the KMS indexes (``__kms_<alias>__latest.json``), which are not secrets.
_KMS_INDEX_RE = re.compile(r"__kms_.*__latest\.json", re.DOTALL)


# --- Go time.Time in JSON (RFC 3339 with nanoseconds) -----------------------------------------
_ZERO_TIME = ZERO_TIME.rfc3339nano()


def now_rfc3339nano() -> str:
    """``time.Now().UTC()`` marshalled by encoding/json."""
    return GoTime.now().rfc3339nano()


def parse_go_time(text: str) -> tuple[str, datetime]:
    """A JSON time string as Go's ``time.Time.UnmarshalJSON`` reads it: the text Go would
    marshal it back to, and the instant. Raises ValueError with Go's wording."""
    t = _parse_go_time(text)
    return t.rfc3339nano(), t.to_datetime()


# --- lenient Go-style JSON decoding ------------------------------------------------------------
def _loads(raw: bytes) -> Any:
    return gojson.loads(raw.decode("utf-8", "replace"))


def _fields(obj: gojson.Object, names: Iterable[str]) -> dict[str, Any]:
    """Go struct decoding: JSON keys match field names case-insensitively, the last one wins,
    unknown keys are ignored."""
    wanted = {n.lower(): n for n in names}
    out: dict[str, Any] = {}
    for k, v in obj:
        name = wanted.get(k.lower())
        if name is not None:
            out[name] = v
    return out


# --- stored documents --------------------------------------------------------------------------
@dataclass
class SecretVersion:
    created: str = _ZERO_TIME  # Go's marshalled form
    created_by: str = ""
    version: int = 0
    value: str = ""

    def to_json(self) -> str:
        return (f'{{"created":{json_string(self.created)},"created_by":'
                f'{json_string(self.created_by)},"version":{self.version},'
                f'"value":{json_string(self.value)}}}')

    @property
    def created_time(self) -> datetime:
        return parse_go_time(self.created)[1]


@dataclass
class SecretObject:
    service: str = ""
    key: str = ""
    values: dict[int, SecretVersion] = field(default_factory=dict)

    def latest_version(self) -> int:
        """chamber's getLatestVersion: the largest version key, 0 when none is positive."""
        return max([0, *self.values])

    def prune(self) -> None:
        newest = self.latest_version()
        for v in [v for v in self.values if v < newest - MAXIMUM_VERSIONS]:
            del self.values[v]

    def to_json(self) -> str:
        # encoding/json sorts map keys by their string form: "1" < "10" < "2".
        items = sorted(self.values.items(), key=lambda kv: str(kv[0]))
        values = ",".join(f'"{k}":{v.to_json()}' for k, v in items)
        return (f'{{"service":{json_string(self.service)},"key":{json_string(self.key)},'
                f'"values":{{{values}}}}}')

    @classmethod
    def from_json(cls, raw: bytes) -> "SecretObject":
        data = _loads(raw)
        obj = cls()
        if data is None:
            return obj
        if not isinstance(data, gojson.Object):
            raise ValueError(f"json: cannot unmarshal {gojson.kind(data)} into Go value of type "
                             "store.secretObject")
        f = _fields(data, ("service", "key", "values"))
        obj.service = gojson.field_string(f.get("service"), "secretObject.service") or ""
        obj.key = gojson.field_string(f.get("key"), "secretObject.key") or ""
        values = f.get("values")
        if values is None:
            return obj
        if not isinstance(values, gojson.Object):
            raise gojson.type_error(values, "secretObject.values", "map[int]store.secretVersion")
        for k, v in values:
            n = go_int(k)
            if n is None:
                raise ValueError(f"json: cannot unmarshal number {k} into Go value of type int")
            obj.values[n] = _version_from(v)
        return obj


def _version_from(v: Any) -> SecretVersion:
    where = "secretObject.values"
    if v is None:
        return SecretVersion()
    if not isinstance(v, gojson.Object):
        raise gojson.type_error(v, where, "store.secretVersion")
    f = _fields(v, ("created", "created_by", "version", "value"))
    out = SecretVersion()
    created = f.get("created")
    if created is not None:
        if not gojson.is_string(created):
            raise ValueError("Time.UnmarshalJSON: input is not a JSON string")
        out.created = parse_go_time(created)[0]
    out.created_by = gojson.field_string(f.get("created_by"), where + ".created_by") or ""
    version = gojson.field_int(f.get("version"), where + ".version")
    out.version = version if version is not None else 0
    out.value = gojson.field_string(f.get("value"), where + ".value") or ""
    return out


@dataclass
class KMSLatestValue:
    version: int = 0
    value: str = ""
    kms_alias: str = ""

    def to_json(self) -> str:
        return (f'{{"version":{self.version},"value":{json_string(self.value)},'
                f'"KMSAlias":{json_string(self.kms_alias)}}}')


def _latest_map(raw: bytes, struct: str) -> list[tuple[str, Any]]:
    """The pairs of the ``latest`` object of an index document (empty when absent/null)."""
    data = _loads(raw)
    if data is None:
        return []
    if not isinstance(data, gojson.Object):
        raise ValueError(f"json: cannot unmarshal {gojson.kind(data)} into Go value of type store.{struct}")
    latest = _fields(data, ("latest",)).get("latest")
    if latest is None:
        return []
    if not isinstance(latest, gojson.Object):
        go_type = "map[string]string" if struct == "latest" else "map[string]store.LatestValue"
        raise gojson.type_error(latest, f"{struct}.latest", go_type)
    return list(latest)


def parse_index(raw: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in _latest_map(raw, "latest"):
        out[k] = gojson.field_string(v, "latest.latest") or ""
    return out


def dump_index(index: dict[str, str]) -> str:
    return f'{{"latest":{gojson.marshal_map(index.items())}}}'


def parse_kms_index(raw: bytes) -> dict[str, KMSLatestValue]:
    out: dict[str, KMSLatestValue] = {}
    where = "LatestIndexFile.latest"
    for k, v in _latest_map(raw, "LatestIndexFile"):
        if v is None:
            out[k] = KMSLatestValue()
            continue
        if not isinstance(v, gojson.Object):
            raise gojson.type_error(v, where, "store.LatestValue")
        f = _fields(v, ("version", "value", "KMSAlias"))
        version = gojson.field_int(f.get("version"), where + ".version")
        out[k] = KMSLatestValue(
            version=version if version is not None else 0,
            value=gojson.field_string(f.get("value"), where + ".value") or "",
            kms_alias=gojson.field_string(f.get("KMSAlias"), where + ".KMSAlias") or "",
        )
    return out


def dump_kms_index(index: dict[str, KMSLatestValue]) -> str:
    body = ",".join(f"{json_string(k)}:{v.to_json()}" for k, v in sorted(index.items()))
    return f'{{"latest":{{{body}}}}}'


def kms_index_name(alias: str) -> str:
    return f"__kms_{alias.replace('/', '_')}__latest.json"


def object_path(id: SecretId) -> str:
    return f"{id.service}/{id.key}.json"


# --- the store ---------------------------------------------------------------------------------
class S3Store(Store):
    """``-b s3`` (``kms_key_alias=None``) and ``-b s3-kms`` (an alias)."""

    name = "S3 Store"
    allows_empty_values = True

    def __init__(
        self,
        s3_factory: Callable[..., Any],
        sts_factory: Callable[..., Any],
        bucket: str,
        kms_key_alias: str | None = None,
        settings: "Settings | None" = None,
    ):
        #: Each factory returns the (cached: aws.client keeps one per configuration) client.
        self._factories = {"s3": s3_factory, "sts": sts_factory}
        self.bucket = bucket
        self.kms_key_alias = kms_key_alias
        self.settings = settings

    @property
    def kms(self) -> bool:
        return self.kms_key_alias is not None

    #: Whether ``from_settings`` builds the S3-KMS flavour (:class:`S3KMSStore`).
    uses_kms = False

    @classmethod
    def from_settings(cls, settings: "Settings", retries: int | None = None,
                      kms: bool | None = None) -> "S3Store":
        """Clients are built on first use. S3 backends always use the standard retry mode and
        have no chamber-specific endpoint variable (``AWS_ENDPOINT_URL[_S3|_STS]`` work).
        Refuses ``--kms-key-alias`` (plain S3) and a missing bucket. ``retries`` defaults to
        ``settings.retries``, ``kms`` to the class's :attr:`uses_kms`."""
        if kms is None:
            kms = cls.uses_kms
        if not kms and settings.kms_key_alias_given:
            raise ChamberError("Unable to use --kms-key-alias with this backend.")
        if not settings.s3_bucket:
            raise ChamberError("Must set bucket for s3 backend")
        if retries is None:
            retries = settings.retries

        def s3(operation: str | None = None) -> Any:
            return aws.client("s3", settings, retries, "standard", endpoint_env=(),
                              operation=operation)

        def sts(operation: str | None = None) -> Any:
            return aws.client("sts", settings, retries, "standard", endpoint_env=(),
                              operation=operation)

        alias = (settings.s3_kms_key_alias or DEFAULT_KMS_KEY_ALIAS) if kms else None
        return cls(s3, sts, settings.s3_bucket, alias, settings)

    @classmethod
    def from_clients(cls, s3: Any, sts: Any, bucket: str,
                     kms_key_alias: str | None = None) -> "S3Store":
        """A store on existing botocore/boto3 clients (tests, embedding)."""
        return cls(lambda op=None: s3, lambda op=None: sts, bucket, kms_key_alias)

    # --- plumbing ------------------------------------------------------------------------
    def _client(self, service: str, operation: str | None) -> Any:
        return self._factories[service](operation)

    def _call(self, service: str, op: str, *, redact: Iterable[str] = (),
              ok_codes: Iterable[str] = (), **params: Any) -> dict | None:
        """One API call (:func:`pychamber.aws.call`). An error whose code is in ``ok_codes``
        returns None instead."""
        return aws.call(lambda operation: self._client(service, operation), service, op,
                        settings=self.settings, redact=redact, ok_codes=ok_codes,
                        reword=_s3_message, **params)

    def _get(self, path: str, ok_codes: Iterable[str] = ("NoSuchKey",)) -> bytes | None:
        """An object's bytes, or None when it does not exist."""
        resp = self._call("s3", "GetObject", ok_codes=ok_codes, Bucket=self.bucket, Key=path)
        if resp is None:
            return None
        with aws.bounded(self.settings), aws.translated("GetObject", "s3"):  # the body too
            return resp["Body"].read()

    def _put(self, path: str, body: str, redact: Iterable[str]) -> None:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": path,
                                  "Body": body.encode("utf-8", "surrogatepass")}
        if self.kms:
            params["ServerSideEncryption"] = "aws:kms"
            params["SSEKMSKeyId"] = self.kms_key_alias
        else:
            params["ServerSideEncryption"] = "AES256"
        self._call("s3", "PutObject", redact=redact, **params)

    def _caller_arn(self) -> str:
        resp = self._call("sts", "GetCallerIdentity") or {}
        return resp.get("Arn") or ""

    def _read_object(self, id: SecretId) -> SecretObject | None:
        raw = self._get(object_path(id))
        if raw is None:
            return None
        try:
            return SecretObject.from_json(raw)
        except ValueError as exc:
            raise ChamberError(str(exc)) from None

    # --- indexes -------------------------------------------------------------------------
    def _index_path(self, service: str) -> str:
        if self.kms:
            return f"{service}/{kms_index_name(self.kms_key_alias or '')}"
        return f"{service}/{LATEST_OBJECT_NAME}"

    def _read_index(self, service: str) -> dict[str, str]:
        raw = self._get(self._index_path(service))
        if raw is None:
            return {}
        try:
            return parse_index(raw)
        except ValueError as exc:
            raise ChamberError(str(exc)) from None

    def _read_kms_index(self, service: str) -> dict[str, KMSLatestValue]:
        """Every ``<service>/__kms*`` index merged (the higher version wins; on a tie the one
        listed later). Indexes that answer AccessDenied are skipped."""
        merged: dict[str, KMSLatestValue] = {}
        error: ChamberError | None = None
        for page in self._listing(f"{service}/__kms"):
            for path in page:
                try:
                    raw = self._get(path, ok_codes=("NoSuchKey", "AccessDenied"))
                    index = parse_kms_index(raw) if raw is not None else {}
                except (ChamberError, ValueError) as exc:
                    # chamber stops reading this page and moves on to the next one; the error
                    # is reported once the listing is done.
                    error = ChamberError(
                        f"Error reading latest index for KMS Key ({path}): {exc}")
                    break
                for k, v in index.items():
                    old = merged.get(k)
                    merged[k] = old if old is not None and old.version > v.version else v
        if error is not None:
            raise error
        return merged

    def _listing(self, prefix: str) -> Iterable[list[str]]:
        """ListObjectsV2 of ``prefix``, every page: the object keys of each page, in order."""
        token: str | None = None
        while True:
            params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
            if token:
                params["ContinuationToken"] = token
            page = self._call("s3", "ListObjectsV2", **params) or {}
            yield [entry.get("Key") or "" for entry in page.get("Contents") or ()]
            token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
            if not token:
                return

    def _check_alias(self, index: dict[str, KMSLatestValue], key: str) -> None:
        entry = index.get(key)
        if entry is not None and entry.kms_alias != self.kms_key_alias:
            raise ChamberError(
                f"Unable to overwrite secret {key} using new KMS key {self.kms_key_alias}; "
                f"mismatch with existing key {entry.kms_alias}")

    def _write_kms_index(self, service: str, index: dict[str, KMSLatestValue]) -> None:
        mine = {k: v for k, v in index.items() if v.kms_alias == self.kms_key_alias}
        self._put(self._index_path(service), dump_kms_index(mine),
                  redact=[v.value for v in mine.values()])

    def _write_index(self, service: str, index: dict[str, str]) -> None:
        self._put(self._index_path(service), dump_index(index), redact=list(index.values()))

    # --- secrets -------------------------------------------------------------------------
    def write(self, id: SecretId, value: str) -> None:
        if self.kms:
            kms_index = self._read_kms_index(id.service)
            self._check_alias(kms_index, id.key)
        else:
            index = self._read_index(id.service)
        obj = self._read_object(id)
        if obj is None:
            obj = SecretObject(service=id.service, key=f"/{id.service}/{id.key}")
        version = obj.latest_version() + 1
        user = self._caller_arn()
        obj.values[version] = SecretVersion(now_rfc3339nano(), user, version, value)
        obj.prune()
        self._put(object_path(id), obj.to_json(), redact=[v.value for v in obj.values.values()])
        if self.kms:
            kms_index[id.key] = KMSLatestValue(version, value, self.kms_key_alias or "")
            self._write_kms_index(id.service, kms_index)
        else:
            index[id.key] = value
            self._write_index(id.service, index)

    def write_with_tags(self, id: SecretId, value: str, tags: dict[str, str]) -> None:
        raise self._not_implemented("tags on write not implemented")

    def read(self, id: SecretId, version: int = -1) -> Secret:
        obj = self._read_object(id)
        if obj is None:
            raise SecretNotFound()
        if version == -1:
            version = obj.latest_version()
        entry = obj.values.get(version)
        if entry is None:
            raise SecretNotFound()
        return Secret(value=entry.value, meta=self._meta(obj, entry))

    @staticmethod
    def _meta(obj: SecretObject, entry: SecretVersion) -> SecretMetadata:
        return SecretMetadata(created=entry.created_time, created_by=entry.created_by,
                              version=entry.version, key=obj.key)

    def _index_keys(self, service: str) -> list[str]:
        if self.kms:
            return sorted(self._read_kms_index(service))
        return sorted(self._read_index(service))

    def list(self, service: str, include_values: bool = False) -> builtins.list[Secret]:
        secrets = []
        for key in self._index_keys(service):
            obj = self._read_object(SecretId(service, key))
            if obj is None:
                raise SecretNotFound()
            entry = obj.values.get(obj.latest_version())
            if entry is None:
                raise SecretNotFound()
            secrets.append(Secret(value=entry.value if include_values else None,
                                  meta=self._meta(obj, entry)))
        return secrets

    def list_raw(self, service: str) -> builtins.list[RawSecret]:
        if self.kms:
            kms_index = self._read_kms_index(service)
            return [RawSecret(f"/{service}/{k}", v.value) for k, v in sorted(kms_index.items())]
        index = self._read_index(service)
        return [RawSecret(f"/{service}/{k}", v) for k, v in sorted(index.items())]

    def history(self, id: SecretId) -> builtins.list[ChangeEvent]:
        obj = self._read_object(id)
        if obj is None:
            raise SecretNotFound()
        events = [
            ChangeEvent(event_type(n), v.created_time, v.created_by, v.version)
            for n, v in sorted(obj.values.items(), key=lambda kv: (kv[1].version, kv[0]))
        ]
        return events

    def delete(self, id: SecretId) -> None:
        """No existence check: deleting a missing key succeeds (and writes the index)."""
        if self.kms:
            kms_index = self._read_kms_index(id.service)
            self._check_alias(kms_index, id.key)
            kms_index.pop(id.key, None)
        else:
            index = self._read_index(id.service)
            index.pop(id.key, None)
        self._call("s3", "DeleteObject", Bucket=self.bucket, Key=object_path(id))
        if self.kms:
            self._write_kms_index(id.service, kms_index)
        else:
            self._write_index(id.service, index)

    def list_services(self, prefix: str, include_secret_name: bool = False) -> builtins.list[str]:
        """pychamber (chamber answers that the backend is experimental): the services are the
        folders holding secret objects (``<service>/<key>.json``; the indexes are not secrets),
        as the same names SSM gives: ``/<service>/<key>`` beginning with ``/<prefix>``, or their
        services. One ListObjectsV2 listing of the prefix, 1000 objects a page, no object read;
        both flavours list every service of the bucket (secret objects are the same in both)."""
        found: dict[str, None] = {}
        for path in self._object_paths(prefix):
            service, _, base = path.rpartition("/")
            key = base[:-len(".json")]
            if (not base.endswith(".json") or base == LATEST_OBJECT_NAME
                    or _KMS_INDEX_RE.fullmatch(base) or not _KEY_RE.fullmatch(key)):
                continue
            name = f"/{service}/{key}"
            if not _STORED_NAME_RE.fullmatch(name) or not name.startswith("/" + prefix):
                continue
            found[name if include_secret_name else service] = None
        return list(found)

    def _object_paths(self, prefix: str) -> Iterable[str]:
        """The key of every object whose key begins with ``prefix``."""
        for page in self._listing(prefix):
            yield from page


class S3KMSStore(S3Store):
    """``-b s3-kms``: :class:`S3Store` with server-side KMS encryption and per-alias indexes
    (the alias: ``--kms-key-alias``, else CHAMBER_KMS_KEY_ALIAS, else the default)."""

    uses_kms = True


def _s3_message(msg: str, exc: BaseException, op: str, service: str) -> str:
    """aws-sdk-go-v2's S3 specifics on top of the translated message: ``HostID: <x-amz-id-2>``
    after the request id, and modeled error codes printed as ``Code: message``."""
    resp = getattr(exc, "response", None)
    if service != "s3" or not isinstance(resp, dict):
        return msg
    meta = resp.get("ResponseMetadata") or {}
    host = meta.get("HostId") or (meta.get("HTTPHeaders") or {}).get("x-amz-id-2", "")
    i = msg.find(", api error ")
    if i >= 0:
        code = aws.error_code(exc) or ""
        tail = msg[i + 2:]
        if code in _MODELED_ERRORS.get(op, ()):
            tail = tail[len("api error "):]
        msg = f"{msg[:i]}, HostID: {host}, {tail}"
    return msg
