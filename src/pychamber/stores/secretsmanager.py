"""AWS Secrets Manager backend (chamber §4.2, ``store/secretsmanagerstore.go`` in v3.1.4).

One secret per service, named by the service string. Its SecretString is a compact JSON object
(Go ``json.Marshal`` of a ``map[string]string``) mapping key -> value, plus the reserved entry
``_chamber_metadata``: a JSON-encoded *string* of ``{key: {"created": RFC3339Nano,
"created_by": caller ARN, "version": n}}``.

Compatibility notes (deliberately as chamber):
- writing an empty value deletes the key (``delete`` is implemented that way);
- ``list_raw`` (exec / env / export) includes ``_chamber_metadata`` as an ordinary key;
- a missing service is an AWS error (ResourceNotFoundException), not an empty list;
- read of a version / history only see versions ListSecretVersionIds still returns.

pychamber adds: ``list-services`` and ``find`` (ListSecrets; chamber says the backend is
experimental), writes that never lose a concurrent writer's key (see ``write``), and plain-text
secrets (chamber #361), read-only:

The plain-text rule: a secret whose SecretString is not a JSON object (plain text, as the AWS
console's "Plaintext" tab or another tool stores it, or JSON that is not an object) is read as
ONE key, named after the last segment of the secret's name (the service ``prod/api-token``
holds the key ``api-token``; ``exec`` gives ``API_TOKEN``), whose value is the whole string,
version 0, no author. ``read``, ``list``, ``exec``, ``env`` and ``export`` see it; ``write``,
``import`` and ``delete`` refuse it with one line, so that pychamber never turns someone else's
secret into chamber's JSON. (chamber fails on such a secret with a JSON decoding error.)
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from pychamber import aws, names
from pychamber.compat import gojson
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
from pychamber.compat.gojson import json_string
from pychamber.compat.strconv import go_format_float_f, go_int
from pychamber.compat.gotime import ZERO_TIME, GoTime, parse_go_time
from pychamber.stores.base import Store, concurrently

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings

#: The reserved entry holding chamber's per-key metadata.
METADATA_KEY = "_chamber_metadata"

ROTATION_ENABLED_MSG = "Cannot write to a secret with rotation enabled"
TAGS_MSG = "Not implemented for Secrets Manager Store"
WRITE_TAGS_MSG = "tags on write not implemented for Secrets Manager Store"

#: ListSecrets' largest page.
LIST_SECRETS_PAGE_SIZE = 100
#: What a ListSecrets filter value may hold (else the prefix is matched here only).
_FILTER_VALUE_RE = re.compile(r"[a-zA-Z0-9 :_@/+=.\-]+", re.ASCII)
#: GetSecretValue errors of a secret listed but not readable: it holds no keys for the listing.
_UNREADABLE = frozenset({"AccessDeniedException", "ResourceNotFoundException",
                         "DecryptionFailure", "InvalidRequestException"})

#: How many times a write is tried while other writers change the service's secret.
WRITE_ATTEMPTS = 12
#: The backoff between attempts: random up to min(cap, base * 2**attempt) seconds.
BACKOFF_BASE = 0.05
BACKOFF_CAP = 2.0


@dataclass
class _WriteState:
    user: str | None = None  # the caller's ARN, asked once per write
    rotation_checked: bool = False
    staged: bool = True  # put unstaged + compare-and-swap AWSCURRENT (else chamber's put)
    rebase: tuple[str, str] | None = None  # (our current version, the one it replaced)


def _token() -> str:
    import uuid

    return str(uuid.uuid4())


def _backoff(attempt: int) -> None:
    import random
    import time

    time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)))



#: Translated AWS errors keep their code (``ResourceNotFoundException``): see aws.call.
AwsError = aws.AwsError


# --- Go encoding/json strings -------------------------------------------------------------------
# (The same encoder as pychamber.formats.simple.json_string, kept here so that exec / env with
# this backend do not import the formats package and its YAML dependency.)
def sort_key(key: str) -> bytes:
    """Go's map-key order in ``json.Marshal``: byte-wise on the UTF-8 encoding."""
    return key.encode("utf-8", "surrogatepass")


# --- JSON with encoding/json semantics -------------------------------------------------------
def _loads(text: str) -> Any:
    """gojson.loads (numbers kept as literals, objects as pairs), errors as ChamberError."""
    try:
        return gojson.loads(text)
    except ValueError as exc:
        raise ChamberError(str(exc)) from None


def _check_floats(value: Any) -> None:
    """Go decodes every number of an ``interface{}`` as float64: out-of-range is an error."""
    if isinstance(value, gojson.Number):
        if abs(float(value)) == float("inf"):
            # Go names the number; it is secret data, so it is left out here
            raise ChamberError("json: cannot unmarshal number into Go value of type float64")
    elif isinstance(value, gojson.Object):
        for _, v in value:
            _check_floats(v)
    elif isinstance(value, list):
        for v in value:
            _check_floats(v)


def parse_secret_object(text: str) -> dict[str, str]:
    """chamber's ``secretValueObject.UnmarshalJSON``: a JSON object whose string values are
    kept, numbers become shortest decimals, booleans ``true``/``false``, anything else ``""``."""
    data = _loads(text)
    if data is None:
        return {}
    if not isinstance(data, gojson.Object):
        raise ChamberError(
            f"json: cannot unmarshal {gojson.kind(data)} into Go value of type map[string]interface {{}}"
        )
    _check_floats(data)
    out: dict[str, str] = {}
    for key, value in data:  # a repeated key: the last one wins, as in Go
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, gojson.Number):
            out[key] = go_format_float_f(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            out[key] = ""
    return out


PLAIN_TEXT_MSG = ("the secret {service} holds plain text, not chamber's JSON: pychamber reads it as "
                  "one key ({key}) and does not write to it")


def plain_text_key(service: str) -> str:
    """The one key a plain-text secret is read as: the last segment of its name."""
    return service.rsplit("/", 1)[-1]


def is_plain_text(text: str) -> bool:
    """Whether a SecretString is not chamber's JSON object (the plain-text rule above). An
    empty string and JSON ``null`` are chamber's (no keys)."""
    try:
        data = gojson.loads(text)
    except ValueError:
        return True
    return data is not None and not isinstance(data, gojson.Object)


def secret_object(service: str, text: str) -> dict[str, str]:
    """The keys of one version of the service's secret: chamber's JSON object, or the one key
    of a plain-text secret."""
    if is_plain_text(text):
        return {plain_text_key(service): text}
    return parse_secret_object(text)


def dump_secret_object(obj: dict[str, str]) -> str:
    """Go ``json.Marshal`` of a ``map[string]string``: compact, keys sorted byte-wise."""
    return gojson.marshal_map(obj.items())


@dataclass
class KeyMetadata:
    created: GoTime = ZERO_TIME
    created_by: str = ""
    version: int = 0

    def to_meta(self, key: str) -> SecretMetadata:
        return SecretMetadata(created=self.created.to_datetime(), created_by=self.created_by,
                              version=self.version, key=key)


def parse_metadata(text: str) -> dict[str, KeyMetadata]:
    """``json.Unmarshal`` into ``map[string]secretMetadata`` (fields matched case-insensitively,
    unknown fields ignored, ``null`` leaves a field unset)."""
    data = _loads(text)
    if data is None:
        return {}
    if not isinstance(data, gojson.Object):
        raise ChamberError(
            f"json: cannot unmarshal {gojson.kind(data)} into Go value of type "
            "store.secretValueObjectMetadata"
        )
    out: dict[str, KeyMetadata] = {}
    for key, value in data:
        if value is None:
            out[key] = KeyMetadata()
            continue
        if not isinstance(value, gojson.Object):
            raise ChamberError(
                f"json: cannot unmarshal {gojson.kind(value)} into Go value of type store.secretMetadata"
            )
        meta = KeyMetadata()  # Go decodes a repeated key into a fresh zero value
        for field, v in value:
            name = field.lower()
            if v is None or name not in ("created", "created_by", "version"):
                continue
            if name == "created":
                if not gojson.is_string(v):
                    raise ChamberError("Time.UnmarshalJSON: input is not a JSON string")
                try:
                    meta.created = parse_go_time(v)
                except ValueError as exc:
                    raise ChamberError(str(exc)) from None
            elif name == "created_by":
                if not gojson.is_string(v):
                    raise ChamberError(
                        f"json: cannot unmarshal {gojson.kind(v)} into Go struct field "
                        "secretMetadata.created_by of type string"
                    )
                meta.created_by = v
            else:
                if not (isinstance(v, gojson.Number) and go_int(v) is not None):
                    what = f"number {v}" if isinstance(v, gojson.Number) else gojson.kind(v)
                    raise ChamberError(
                        f"json: cannot unmarshal {what} into Go struct field "
                        "secretMetadata.version of type int"
                    )
                meta.version = int(v)
        out[key] = meta
    return out


def dump_metadata(metadata: dict[str, KeyMetadata]) -> str:
    """Go ``json.Marshal`` of ``map[string]secretMetadata``."""
    items = sorted(metadata.items(), key=lambda kv: sort_key(kv[0]))
    return "{" + ",".join(
        f"{json_string(k)}:{{\"created\":{json_string(m.created.rfc3339nano())},"
        f"\"created_by\":{json_string(m.created_by)},\"version\":{m.version}}}"
        for k, m in items
    ) + "}"


def hydrate(obj: dict[str, str]) -> dict[str, KeyMetadata]:
    """chamber's ``getHydratedMetadata``: the metadata of a secret object ({} when absent)."""
    raw = obj.get(METADATA_KEY)
    if raw is None:
        return {}
    return parse_metadata(raw)


# --- the store ---------------------------------------------------------------------------------
class SecretsManagerStore(Store):
    name = "Secrets Manager Store"
    allows_empty_values = False  # writing an empty value deletes the key
    empty_value_deletes = True
    empty_value_note = "in Secrets Manager an empty value deletes the key"
    max_value_bytes = 65536  # a whole secret's SecretString
    concurrent_listing = True  # list_raw_many: one thread per service
    internal_keys = frozenset({METADATA_KEY})

    def __init__(
        self,
        client_factory: Callable[..., Any],
        settings: "Settings | None" = None,
    ):
        #: ``client_factory(service, operation)`` builds a botocore client for ``secretsmanager``
        #: or ``sts``; ``operation`` names the first API call (for its error message).
        #: The clients are cached by aws.client (one per configuration), not here.
        self._client_factory = client_factory
        self.settings = settings

    @classmethod
    def from_clients(cls, sm_client: Any, sts_client: Any) -> "SecretsManagerStore":
        """A store on existing botocore/boto3 clients (tests, embedding)."""
        clients = {"secretsmanager": sm_client, "sts": sts_client}
        return cls(lambda service, operation=None: clients[service])

    @classmethod
    def from_settings(cls, settings: "Settings", retries: int | None = None) -> "SecretsManagerStore":
        """Clients are created on first use. Both the Secrets Manager and the STS client use
        ``CHAMBER_AWS_SECRETS_MANAGER_ENDPOINT`` (else the deprecated
        ``CHAMBER_AWS_SSM_ENDPOINT``); the retry mode is always standard (as chamber).
        ``retries`` defaults to ``settings.retries``."""
        endpoint_env = aws.ENDPOINT_ENV["secretsmanager"]
        if retries is None:
            retries = settings.retries

        def factory(service: str, operation: str | None = None) -> Any:
            return aws.client(service, settings, retries, "standard",
                              endpoint_env=endpoint_env, operation=operation)

        return cls(factory, settings)

    # --- plumbing ------------------------------------------------------------------------
    def _client(self, service: str, operation: str | None) -> Any:
        return self._client_factory(service, operation)

    def _call(self, op: str, *, service: str = "secretsmanager", redact: Iterable[str] = (),
              **params: Any) -> dict:
        """One API call (:func:`pychamber.aws.call`); errors are :class:`AwsError` (code kept)."""
        return aws.call(lambda operation: self._client(service, operation), service, op,
                        settings=self.settings, redact=redact, **params)

    def _get_string(self, service: str, version_id: str | None = None) -> str:
        params: dict[str, Any] = {"SecretId": service}
        if version_id is not None:
            params["VersionId"] = version_id
        else:  # the same as no stage on AWS; moto moves its default only on a put with AWSCURRENT
            params["VersionStage"] = "AWSCURRENT"
        resp = self._call("GetSecretValue", **params)
        return resp.get("SecretString") or ""

    def _read_latest(self, service: str) -> dict[str, str]:
        """chamber's ``readLatest``: AWS errors as they are; an empty SecretString is
        ``secret not found``; invalid JSON is the decoder's error."""
        text = self._get_string(service)
        if not text:
            raise SecretNotFound()
        return secret_object(service, text)

    def _versions(self, service: str) -> Iterator[dict[str, str]]:
        """The secret object of every version ListSecretVersionIds returns (one page, staged
        versions only), in the order listed; empty SecretStrings are skipped."""
        resp = self._call("ListSecretVersionIds", SecretId=service, IncludeDeprecated=False)
        for entry in resp.get("Versions") or ():
            text = self._get_string(service, entry.get("VersionId"))
            if text:
                yield secret_object(service, text)

    def _caller_arn(self) -> str:
        resp = self._call("GetCallerIdentity", service="sts")
        return resp.get("Arn") or ""

    # --- secrets -------------------------------------------------------------------------
    def write(self, id: SecretId, value: str) -> None:
        """chamber's read-modify-write of the service's secret, safe against concurrent writers:
        the new version is put without AWSCURRENT, then AWSCURRENT is moved to it only if it is
        still on the version that was read (UpdateSecretVersionStage with RemoveFromVersionId:
        a compare-and-swap). Another writer in between: the put version is left unstaged, the
        secret re-read, the change merged into what that writer stored, and tried again after a
        random backoff (at most :data:`WRITE_ATTEMPTS` times). A write that returns is the
        current version; none is reported done that another writer replaced unseen.

        Without the ``secretsmanager:UpdateSecretVersionStage`` permission, chamber's way (a put
        with AWSCURRENT) is used, checked afterwards: the version read must be AWSPREVIOUS and
        the new one AWSCURRENT, else the change is made again on the version the put replaced
        (AWSPREVIOUS, while the put is still current) and tried again. A writer that puts
        between another's put and its check defeats that, so without the permission a
        concurrent write can still be lost (as in chamber)."""
        delete_key = len(value) == 0
        state = _WriteState()
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                _backoff(attempt)
            base, latest, must_create = self._read_for_write(id.service, delete_key, state)
            if delete_key:
                if id.key not in latest:
                    raise SecretNotFound()
                version = 1  # chamber stages deletions as CHAMBER1
                del latest[id.key]
                metadata = hydrate(latest)
                metadata.pop(id.key, None)
                latest[METADATA_KEY] = dump_metadata(metadata)
            else:
                if state.user is None:
                    state.user = self._caller_arn()
                metadata = hydrate(latest)
                version = metadata[id.key].version + 1 if id.key in metadata else 1
                metadata[id.key] = KeyMetadata(GoTime.now(), state.user, version)
                latest[id.key] = value
                latest[METADATA_KEY] = dump_metadata(metadata)

            contents = dump_secret_object(latest)
            size = len(contents.encode("utf-8", "surrogateescape"))
            if not delete_key and size > self.max_value_bytes:  # AWS would refuse it, unnamed
                raise ChamberError(
                    f"the secret {id.service} would be {size} bytes with {id.key}, over the "
                    f"{self.max_value_bytes}-byte limit of a Secrets Manager secret")
            secrets = [v for k, v in latest.items() if k != METADATA_KEY]
            if value:
                secrets.append(value)
            if must_create:
                try:
                    self._call("CreateSecret", redact=secrets, Name=id.service,
                               SecretString=contents, ClientRequestToken=_token())
                except AwsError as err:
                    if err.code == "ResourceExistsException":  # created meanwhile: merge
                        continue
                    raise
                return
            if not state.rotation_checked:
                details = self._call("DescribeSecret", SecretId=id.service)
                if details.get("RotationEnabled"):
                    raise ChamberError(ROTATION_ENABLED_MSG)
                state.rotation_checked = True
            if self._put_version(id.service, contents, secrets, version, base, state):
                return
        raise ChamberError(
            f"the secret {id.service} kept changing under other writers; gave up after "
            f"{WRITE_ATTEMPTS} attempts, and this write is not stored")

    def _read_for_write(self, service: str, delete_key: bool,
                        state: "_WriteState") -> tuple[str | None, dict[str, str], bool]:
        """(the current VersionId, its secret object, whether the secret must be created). After
        chamber's put lost a race and is still current, the object is the version before it
        (what that put replaced), so that the retry brings back what it dropped."""
        rebase, state.rebase = state.rebase, None
        try:
            if rebase is not None:
                resp = self._call("GetSecretValue", SecretId=service, VersionId=rebase[1])
                resp["VersionId"] = rebase[0]
            else:
                resp = self._call("GetSecretValue", SecretId=service, VersionStage="AWSCURRENT")
        except AwsError as err:
            if delete_key or err.code != "ResourceNotFoundException":
                raise
            return None, {}, True
        text = resp.get("SecretString") or ""
        if not text:
            if delete_key:
                raise SecretNotFound()
            return resp.get("VersionId"), {}, False
        if is_plain_text(text):
            raise ChamberError(PLAIN_TEXT_MSG.format(service=service, key=plain_text_key(service)))
        return resp.get("VersionId"), parse_secret_object(text), False

    def _put_version(self, service: str, contents: str, secrets: list[str], version: int,
                     base: str | None, state: "_WriteState") -> bool:
        """Store ``contents`` as the current version if ``base`` still is; False on a conflict."""
        token = _token()
        label = f"CHAMBER{version}"
        if state.staged:
            self._call("PutSecretValue", redact=secrets, SecretId=service, SecretString=contents,
                       ClientRequestToken=token, VersionStages=[label])
            try:
                self._call("UpdateSecretVersionStage", SecretId=service, VersionStage="AWSCURRENT",
                           RemoveFromVersionId=base, MoveToVersionId=token)
                return True
            except AwsError as err:
                if err.code == "AccessDeniedException":
                    state.staged = False  # chamber's way from now on (see write)
                    self._unstage(service, token, label)
                elif err.code in ("InvalidParameterException", "InvalidRequestException"):
                    current = self._stages(service).get("AWSCURRENT")
                    if current == token:  # moved after all (a retried call)
                        return True
                    if current == base:
                        raise
                    self._unstage(service, token, label)
                    return False
                else:
                    raise
        self._call("PutSecretValue", redact=secrets, SecretId=service, SecretString=contents,
                   ClientRequestToken=token, VersionStages=["AWSCURRENT", label])
        stages = self._stages(service)
        if stages.get("AWSCURRENT") == token and stages.get("AWSPREVIOUS") == base:
            return True
        if stages.get("AWSCURRENT") == token and stages.get("AWSPREVIOUS"):
            state.rebase = (token, stages["AWSPREVIOUS"])
        return False

    def _stages(self, service: str) -> dict[str, str]:
        """Staging label -> VersionId, from DescribeSecret."""
        resp = self._call("DescribeSecret", SecretId=service)
        return {label: vid for vid, labels in (resp.get("VersionIdsToStages") or {}).items()
                for label in labels}

    def _unstage(self, service: str, token: str, label: str) -> None:
        """Take ``label`` off a version that lost the race, so that history and ``read -v`` never
        see it (best effort: the label may have moved on already)."""
        try:
            self._call("UpdateSecretVersionStage", SecretId=service, VersionStage=label,
                       RemoveFromVersionId=token)
        except ChamberError:
            pass

    def write_with_tags(self, id: SecretId, value: str, tags: dict[str, str]) -> None:
        raise ChamberError(WRITE_TAGS_MSG)

    def read(self, id: SecretId, version: int = -1) -> Secret:
        if version == -1:
            latest = self._read_latest(id.service)
            if id.key not in latest:
                raise SecretNotFound()
            meta = hydrate(latest).get(id.key, KeyMetadata())
            return Secret(value=latest[id.key], meta=meta.to_meta(id.key))
        for obj in self._versions(id.service):
            meta = hydrate(obj).get(id.key, KeyMetadata())
            if meta.version == version:
                if id.key not in obj:
                    raise SecretNotFound()
                return Secret(value=obj[id.key], meta=meta.to_meta(id.key))
        raise SecretNotFound()

    def delete(self, id: SecretId) -> None:
        self.write(id, "")

    def history(self, id: SecretId) -> list[ChangeEvent]:
        found: dict[int, ChangeEvent] = {}
        for obj in self._versions(id.service):
            meta = hydrate(obj).get(id.key)
            if meta is None or meta.version in found:
                continue
            found[meta.version] = ChangeEvent(
                event_type(meta.version), meta.created.to_datetime(), meta.created_by, meta.version
            )
        if not found:
            raise SecretNotFound()
        return [found[v] for v in sorted(found)]

    def list(self, service: str, include_values: bool = False) -> builtins.list[Secret]:
        latest = self._read_latest(service)
        metadata = hydrate(latest)
        out = []
        for key in sorted(latest, key=sort_key):
            if key == METADATA_KEY:
                continue
            meta = metadata.get(key, KeyMetadata())
            out.append(Secret(value=latest[key] if include_values else None,
                              meta=meta.to_meta(key)))
        return out

    def list_raw(self, service: str) -> builtins.list[RawSecret]:
        latest = self._read_latest(service)
        return [RawSecret(key=k, value=latest[k]) for k in sorted(latest, key=sort_key)]

    def list_raw_many(self, services: builtins.list[str]) -> builtins.list[builtins.list[RawSecret]]:
        """``list_raw`` of several services, fetched concurrently; results in argument order.
        The first failing service (in argument order) raises its error. The caller's deadline
        (:func:`pychamber.aws.command_deadline`) covers them all, handed on to the threads."""
        if len(services) <= 1:
            return [self.list_raw(s) for s in services]
        deadline = aws.current_deadline()
        self._client("secretsmanager", "GetSecretValue")  # build once, before the threads

        def one(service: str) -> builtins.list[RawSecret]:
            with aws.within(deadline):
                return self.list_raw(service)

        return concurrently(one, services)

    def list_services(self, prefix: str, include_secret_name: bool = False) -> builtins.list[str]:
        """pychamber (chamber answers that the backend is experimental): every secret whose name is a
        service name is a service; found with ListSecrets (100 a page, the name filter doing
        the prefix match, which is case-sensitive as chamber's). Without secret names, the
        services whose name begins with ``prefix`` (no value is read, so a secret holding no
        key is listed too). With them, ``/<service>/<key>`` for every key of every such secret
        that begins with ``/<prefix>`` (as SSM's), read concurrently (a plain-text secret is
        its one key); a secret this caller may not read holds no keys and is skipped."""
        head = prefix.split("/", 1)[0]
        services = [n for n in self._secret_names(head) if names.SERVICE_RE.fullmatch(n)]
        if not include_secret_name:
            return [n for n in services if n.startswith(prefix)]
        want = "/" + prefix
        services = [n for n in services if n.startswith(prefix) or prefix.startswith(n + "/")]
        found = []
        for service, obj in zip(services, self._objects_for_listing(services)):
            found += [name for k in sorted(obj, key=sort_key) if k != METADATA_KEY
                      and names.KEY_RE.fullmatch(k) and (name := f"/{service}/{k}").startswith(want)]
        return found

    def _secret_names(self, head: str) -> builtins.list[str]:
        """The names of the secrets beginning with ``head`` (ListSecrets, every page)."""
        params: dict[str, Any] = {"MaxResults": LIST_SECRETS_PAGE_SIZE}
        if head and _FILTER_VALUE_RE.fullmatch(head):
            params["Filters"] = [{"Key": "name", "Values": [head]}]
        out: list[str] = []
        seen: set[str] = set()
        while True:
            resp = self._call("ListSecrets", **params)
            out += [e.get("Name") or "" for e in resp.get("SecretList") or ()]
            token = resp.get("NextToken")
            if not token or token in seen:
                return [n for n in out if n.startswith(head)]
            seen.add(token)
            params["NextToken"] = token

    def _objects_for_listing(self, services: builtins.list[str]) -> builtins.list[dict[str, str]]:
        """Each service's secret object, fetched concurrently; {} for one that holds no chamber
        keys (not a JSON object, empty, or not readable by this caller)."""
        def one(service: str) -> dict[str, str]:
            try:
                return self._read_latest(service)
            except AwsError as err:
                if err.code in _UNREADABLE:
                    return {}
                raise
            except ChamberError:  # not chamber's JSON object, or empty
                return {}

        if len(services) <= 1:
            return [one(s) for s in services]
        self._client("secretsmanager", "GetSecretValue")  # build once, before the threads
        return concurrently(one, services)

    # --- tags (not implemented) ----------------------------------------------------------
    def read_tags(self, id: SecretId) -> dict[str, str]:
        raise ChamberError(TAGS_MSG)

    def write_tags(self, id: SecretId, tags: dict[str, str], delete_other_tags: bool = False) -> None:
        raise ChamberError(TAGS_MSG)

    def delete_tags(self, id: SecretId, tag_keys: builtins.list[str]) -> None:
        raise ChamberError(TAGS_MSG)

    # --- store config: always the defaults -----------------------------------------------
    def config(self) -> StoreConfig:
        return StoreConfig(version="1", required_tags=[])
