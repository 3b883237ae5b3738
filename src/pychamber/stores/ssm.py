"""SSM Parameter Store backend (chamber §4.1, ``store/ssmstore.go`` in chamber v3.1.4).

Parameters are ``/<service>/<key>`` SecureStrings. chamber's version number lives in the
parameter's ``Description`` (a decimal string), not in SSM's own ``Version``.

Concurrent writers of one key can both claim chamber version N+1 (the counter is read, then
written; chamber does the same, and the layout is kept). A writer whose put moved SSM's own
Version by more than one looks at the history and, when another entry carries its number, says
so in one line on stderr. Then ``read -v N`` reads the newest entry with N (the highest SSM
Version: the last written), and ``history`` lists every SSM version oldest first (a shared N
appears once per entry), each with that line.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable

from pychamber import aws, names
from pychamber.compat.strconv import go_atoi, go_list
from pychamber.errors import ChamberError, SecretNotFound
from pychamber.model import (
    EPOCH,
    ChangeEvent,
    RawSecret,
    Secret,
    SecretId,
    SecretMetadata,
    StoreConfig,
    event_type,
)
from pychamber.settings import DEFAULT_KMS_KEY_ALIAS
from pychamber.stores.base import PartialWriteError, Store, concurrently, value_size
from pychamber.stores.config import dump_store_config, parse_store_config

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings

STORE_CONFIG_ID = SecretId(names.RESERVED_SERVICE, "store-config")
LATEST_STORE_CONFIG_VERSION = "1"

#: The largest value of an advanced (and an intelligent-tiering) parameter.
SSM_ADVANCED_MAX_VALUE_BYTES = 8192
#: GetParametersByPath's maximum page size.
BY_PATH_PAGE_SIZE = 10
#: GetParameters accepts at most 10 names.
GET_PARAMETERS_BATCH = 10
#: DescribeParameters' largest page (its default is 10): import's listing of the versions.
DESCRIBE_PAGE_SIZE = 50
#: ListServices page size (chamber sets MaxResults 50).
LIST_SERVICES_PAGE_SIZE = 50
#: The GetParameterHistory errors that mean "no such parameter": chamber's ``secret not found``
#: (chamber says it for every error: no credentials, a refused connection, a stall...).
HISTORY_NOT_FOUND = ("ParameterNotFound", "ParameterVersionNotFound")

def base_path(name: str) -> str:
    """chamber's ``basePath``: ``/a/b/key`` -> ``/a/b``."""
    parts = name.split("/")
    if len(parts) == 1:
        return parts[0]
    return "/".join(parts[:-1])


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    return EPOCH


def _meta(p: dict) -> SecretMetadata:
    """chamber's ``parameterMetaToSecretMeta`` (also used for history entries)."""
    return SecretMetadata(
        created=_utc(p.get("LastModifiedDate")),
        created_by=p.get("LastModifiedUser") or "",
        version=go_atoi(p.get("Description")),
        key=p.get("Name") or "",
    )


def shared_version_warning(name: str, version: int, ssm_versions: list[int]) -> str:
    """The one line said when concurrent writers gave two versions of ``name`` the same
    chamber version (it lives in the Description, chamber's layout)."""
    listed = ", ".join(str(v) for v in ssm_versions)
    return (f"warning: {name} has chamber version {version} more than once (Parameter Store "
            f"versions {listed}, written concurrently); read -v {version} reads the newest "
            f"({ssm_versions[-1]})")


class _Pacer:
    """Spaces calls at most ``rate`` per second (0 = no pacing)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        import time

        now = time.monotonic()
        if now < self.next_at:
            time.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


class SSMStore(Store):
    name = "SSMStore"
    max_value_bytes = names.SSM_MAX_VALUE_BYTES
    allows_empty_values = False  # PutParameter refuses an empty value
    empty_value_note = "Parameter Store refuses empty values"
    tiers = MappingProxyType({
        "standard": ("Standard", names.SSM_MAX_VALUE_BYTES),
        "advanced": ("Advanced", SSM_ADVANCED_MAX_VALUE_BYTES),
        # a value over 4 KB makes an intelligent-tiering parameter an advanced one
        "intelligent-tiering": ("Intelligent-Tiering", SSM_ADVANCED_MAX_VALUE_BYTES),
    })
    #: The API's Tier for writes (``--tier``); None: no Tier on PutParameter, as chamber.
    tier: str | None = None
    concurrent_listing = True  # list_raw_many: one thread per service

    def __init__(
        self,
        client_factory: Callable[..., Any],
        kms_key_alias: str = DEFAULT_KMS_KEY_ALIAS,
        settings: "Settings | None" = None,
    ):
        #: ``client_factory(operation)`` builds the client; ``operation`` (or None) names the
        #: first API call, for the error message when the client cannot be built.
        self._client_factory = client_factory
        self.kms_key_alias = kms_key_alias
        self.settings = settings

    @classmethod
    def from_client(cls, client: Any, kms_key_alias: str = DEFAULT_KMS_KEY_ALIAS) -> "SSMStore":
        """A store on an existing botocore/boto3 SSM client (tests, embedding)."""
        return cls(lambda operation=None: client, kms_key_alias)

    @classmethod
    def from_settings(cls, settings: "Settings", retries: int | None = None) -> "SSMStore":
        """The client is created on first use (so building a store costs nothing). Refuses
        ``--kms-key-alias`` (SSM reads CHAMBER_KMS_KEY_ALIAS) and an unknown retry mode.
        ``retries`` defaults to ``settings.retries``."""
        if settings.kms_key_alias_given:
            raise ChamberError(
                "Unable to use --kms-key-alias with this backend. Use CHAMBER_KMS_KEY_ALIAS instead."
            )
        if settings.retry_mode not in ("standard", "adaptive"):
            raise ChamberError(f"Invalid retry mode {settings.retry_mode}")
        if retries is None:
            retries = settings.retries

        def factory(operation: str | None = None) -> Any:
            return aws.client("ssm", settings, retries, settings.retry_mode, operation=operation)

        return cls(factory, settings.ssm_kms_key_alias, settings)

    # --- plumbing ------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The botocore SSM client (built on first use; ChamberError when it cannot be)."""
        return self._get_client(None)

    def _get_client(self, operation: str | None) -> Any:
        # aws.client caches one client per configuration: nothing to keep here
        return self._client_factory(operation)

    def _call(
        self,
        op: str,
        *,
        redact: Iterable[str] = (),
        not_found: bool | Iterable[str] = (),
        **params: Any,
    ) -> dict:
        """Call one SSM operation (:func:`pychamber.aws.call`): ``not_found=True`` turns every
        error into SecretNotFound, a list of codes only those."""
        return aws.call(self._get_client, "ssm", op, settings=self.settings, redact=redact,
                        not_found=not_found, **params)

    def _pages(self, op: str, result_key: str, *, not_found: bool | Iterable[str] = (), **params: Any):
        """Every item of a NextToken-paginated operation, pages in order (empty pages and
        pages carrying a token are tolerated; stops when the token is absent or repeats)."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            if token:
                params["NextToken"] = token
            resp = self._call(op, not_found=not_found, **params)
            yield from resp.get(result_key) or ()
            token = resp.get("NextToken")
            if not token or token in seen:
                return
            seen.add(token)

    @staticmethod
    def _name(id: SecretId) -> str:
        return f"/{id.service}/{id.key}"

    # --- secrets -------------------------------------------------------------------------
    def write(self, id: SecretId, value: str) -> None:
        self._write(id, value, None)

    def write_with_tags(self, id: SecretId, value: str, tags: dict[str, str]) -> None:
        self._write(id, value, tags)

    def _write(self, id: SecretId, value: str, tags: dict[str, str] | None) -> None:
        version = 1
        ssm_version = 0  # Parameter Store's own version of what was read
        try:
            current, ssm_version = self._read_latest_with_version(id)
        except SecretNotFound:
            pass
        else:
            version = current.meta.version + 1

        if tags and version != 1:
            raise ChamberError("tags on write only supported for new secrets")
        if version == 1:
            required = self.config().required_tags
            missing = [t for t in required if t not in (tags or {})]
            if missing:
                raise ChamberError(f"required tags {go_list(missing)} are missing")

        self._put(self._name(id), value, version, ssm_version)
        if tags:
            try:
                self.write_tags(id, tags, False)
            except ChamberError as err:
                raise err.wrap("failed to write tags on successfully created secret: ") from None

    def write_many(
        self,
        service: str,
        pairs: Iterable[tuple[str, str]],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """``write`` of each (key, value) in order, with the same versions, KeyId, Description
        and required-tag rule, but one DescribeParameters listing of ``/<service>`` instead of a
        read per key (keys outside that level, e.g. containing ``/``, are read one by one) and
        the store config read at most once. Raises PartialWriteError on the first failure."""
        items = list(pairs)
        written: list[str] = []
        pace = _Pacer(self.settings.write_rate if self.settings is not None else 0)
        level = "/" + service
        versions: dict[str, int] = {}  # stored name -> current chamber version
        ssm_versions: dict[str, int] = {}  # stored name -> Parameter Store's own version
        required: list[str] | None = None
        try:
            filters = [{"Key": "Path", "Option": "OneLevel", "Values": [level]}]
            for p in self._pages("DescribeParameters", "Parameters", ParameterFilters=filters,
                                 MaxResults=DESCRIBE_PAGE_SIZE):
                versions[p.get("Name") or ""] = go_atoi(p.get("Description"))
                ssm_versions[p.get("Name") or ""] = int(p.get("Version") or 0)
        except ChamberError as err:
            raise PartialWriteError([], [k for k, _ in items], err) from None
        except KeyboardInterrupt:
            raise PartialWriteError.interrupted([], None, [k for k, _ in items]) from None
        for i, (key, value) in enumerate(items):
            id = SecretId(service, key)
            name = self._name(id)
            try:
                if base_path(name) == level:
                    version = versions[name] + 1 if name in versions else 1
                else:
                    try:
                        current, ssm_versions[name] = self._read_latest_with_version(id)
                        version = current.meta.version + 1
                    except SecretNotFound:
                        version = 1
                if version == 1:
                    if required is None:
                        required = self.config().required_tags
                    if required:
                        raise ChamberError(f"required tags {go_list(required)} are missing")
                pace.wait()
                ssm_versions[name] = self._put(name, value, version, ssm_versions.get(name, 0))
            except ChamberError as err:
                raise PartialWriteError(written, [k for k, _ in items[i:]], err) from None
            except KeyboardInterrupt:  # say what was written, as a failure midway does
                raise PartialWriteError.interrupted(written, key, [k for k, _ in items[i + 1:]]) from None
            versions[name] = version
            written.append(key)
            if progress:
                progress(len(written), len(items))
        return written

    def use_tier(self, tier: str) -> None:
        self.tier = self.tiers[tier][0]

    def _put(self, name: str, value: str, version: int, read_ssm_version: int = 0) -> int:
        """PutParameter with chamber's version ``version`` in the Description; returns Parameter
        Store's own new version. ``read_ssm_version``: SSM's version of what the chamber version
        was read from (0: none). Another write in between (SSM's version moved by more than
        one) may have claimed the same chamber version: that is checked and warned about."""
        params: dict[str, Any] = {"Tier": self.tier} if self.tier else {}
        try:
            resp = self._call(
                "PutParameter",
                redact=[value],
                KeyId=self.kms_key_alias,
                Name=name,
                Type="SecureString",
                Value=value,
                Overwrite=True,
                Description=str(version),
                **params,
            )
        except aws.AwsError as err:
            size = value_size(value)
            if err.code != "ValidationException" or self.tier or size <= names.SSM_MAX_VALUE_BYTES:
                raise
            # sent without a Tier (as chamber): the account's default tier is standard
            raise ChamberError(f"Parameter Store refused {name}: the value is {size} bytes, over the "
                               f"{names.SSM_MAX_VALUE_BYTES}-byte limit of a standard parameter (the account's "
                               f"default tier); --tier advanced stores up to {SSM_ADVANCED_MAX_VALUE_BYTES} "
                               "bytes") from None
        ssm_version = int(resp.get("Version") or 0)
        if ssm_version and ssm_version != read_ssm_version + 1:
            self._check_shared_version(name, version, ssm_version)
        return ssm_version

    def _check_shared_version(self, name: str, version: int, ssm_version: int) -> None:
        """After a concurrent write: one line on stderr when another entry of ``name``'s history
        carries chamber version ``version`` too (chamber's counter cannot tell them apart)."""
        try:
            shared = [int(h.get("Version") or 0) for h in self._history_entries(name, False)
                      if go_atoi(h.get("Description")) == version]
        except ChamberError:
            return  # the write is done; the check is only a courtesy
        if len(shared) > 1:
            self._warn(shared_version_warning(name, version, shared))

    def _warn(self, line: str) -> None:
        if self.settings is not None:
            self.settings.say(line)
        else:
            import logging

            logging.getLogger("pychamber").warning(line)

    def read(self, id: SecretId, version: int = -1) -> Secret:
        if version == -1:
            return self._read_latest(id)
        return self._read_version(id, version)

    def _read_latest(self, id: SecretId) -> Secret:
        return self._read_latest_with_version(id)[0]

    def _read_latest_with_version(self, id: SecretId) -> tuple[Secret, int]:
        """The latest secret and Parameter Store's own version of it."""
        name = self._name(id)
        resp = self._call("GetParameters", Names=[name], WithDecryption=True)
        params = resp.get("Parameters") or []
        if not params:
            raise SecretNotFound()
        value = params[0].get("Value")
        meta = self._describe_one(name)
        if meta is None:
            raise SecretNotFound()
        return Secret(value=value, meta=_meta(meta)), int(params[0].get("Version") or 0)

    def _describe_one(self, name: str) -> dict | None:
        filters = [{"Key": "Path", "Option": "OneLevel", "Values": [base_path(name)]}]
        for p in self._pages("DescribeParameters", "Parameters", ParameterFilters=filters):
            if p.get("Name") == name:
                return p
        return None

    def _history_entries(self, name: str, with_values: bool) -> list[dict]:
        """GetParameterHistory of ``name``, every page, in Parameter Store's version order
        (oldest first; sorted, whatever order the pages came in)."""
        entries = list(self._pages("GetParameterHistory", "Parameters", not_found=HISTORY_NOT_FOUND,
                                   Name=name, WithDecryption=with_values))
        return sorted(entries, key=lambda h: int(h.get("Version") or 0))

    def _read_version(self, id: SecretId, version: int) -> Secret:
        """Chamber version ``version``. Two concurrent writers can both have claimed it (as in
        chamber): then the newest of them (the highest Parameter Store version, the one written
        last) is read, with one line on stderr naming them."""
        name = self._name(id)
        matches = [h for h in self._history_entries(name, True)
                   if go_atoi(h.get("Description")) == version and h.get("Value") is not None]
        if not matches:
            raise SecretNotFound()
        if version > 0 and len(matches) > 1:
            self._warn(shared_version_warning(name, version,
                                              [int(h.get("Version") or 0) for h in matches]))
        newest = matches[-1]
        return Secret(value=newest["Value"], meta=_meta(newest))

    def history(self, id: SecretId) -> list[ChangeEvent]:
        """One event per Parameter Store version, oldest first (as chamber). A chamber version
        that two concurrent writers both claimed appears twice, in the order written, with one
        line on stderr per shared number."""
        name = self._name(id)
        entries = self._history_entries(name, False)
        events: builtins.list[ChangeEvent] = []
        seen: dict[int, builtins.list[int]] = {}
        for h in entries:
            m = _meta(h)
            events.append(ChangeEvent(event_type(m.version), m.created, m.created_by, m.version))
            seen.setdefault(m.version, []).append(int(h.get("Version") or 0))
        for version, ssm_versions in seen.items():
            if version > 0 and len(ssm_versions) > 1:  # 0: written by another tool
                self._warn(shared_version_warning(name, version, ssm_versions))
        return events

    def list(self, service: str, include_values: bool = False) -> builtins.list[Secret]:
        secrets: dict[str, Secret] = {}
        filters = [{"Key": "Path", "Option": "OneLevel", "Values": ["/" + service]}]
        for p in self._pages("DescribeParameters", "Parameters", ParameterFilters=filters):
            name = p.get("Name") or ""
            if names.is_stored_name(name):
                secrets[name] = Secret(value=None, meta=_meta(p))
        if include_values:
            keys = list(secrets)
            for i in range(0, len(keys), GET_PARAMETERS_BATCH):
                resp = self._call(
                    "GetParameters", Names=keys[i : i + GET_PARAMETERS_BATCH], WithDecryption=True
                )
                for p in resp.get("Parameters") or ():
                    s = secrets.get(p.get("Name"))
                    if s is not None:
                        s.value = p.get("Value")
        return list(secrets.values())

    def list_raw(self, service: str) -> builtins.list[RawSecret]:
        """exec's listing: GetParametersByPath, 10 decrypted values a page (the fewest calls
        of the shared read quota without knowing the names)."""
        secrets: dict[str, RawSecret] = {}
        for p in self._pages(
            "GetParametersByPath",
            "Parameters",
            Path="/" + service + "/",
            Recursive=False,
            WithDecryption=True,
            MaxResults=BY_PATH_PAGE_SIZE,
        ):
            name = p.get("Name") or ""
            if names.is_stored_name(name):
                secrets[name] = RawSecret(key=name, value=p.get("Value") or "")
        return list(secrets.values())

    def versions(self, service: str) -> dict[str, str]:
        """Parameter Store's own version of each parameter of ``service``: the same
        GetParametersByPath listing as exec's, without decryption (no KMS call, no value),
        never the rate-limited DescribeParameters."""
        found: dict[str, str] = {}
        for p in self._pages("GetParametersByPath", "Parameters", Path="/" + service + "/",
                             Recursive=False, WithDecryption=False, MaxResults=BY_PATH_PAGE_SIZE):
            name = p.get("Name") or ""
            if names.is_stored_name(name):
                found[name] = str(p.get("Version", ""))
        return found

    def list_raw_many(self, services: builtins.list[str]) -> builtins.list[builtins.list[RawSecret]]:
        """``list_raw`` of several services, fetched concurrently; results in argument order.
        The first failing service (in argument order) raises its error. The caller's deadline
        (:func:`pychamber.aws.command_deadline`) covers them all."""
        if len(services) <= 1:
            return [self.list_raw(s) for s in services]
        deadline = aws.current_deadline()
        _ = self.client  # build the client once, before the threads share it

        def one(service: str) -> builtins.list[RawSecret]:
            with aws.within(deadline):
                return self.list_raw(service)

        return concurrently(one, services)

    def list_services(self, prefix: str, include_secret_name: bool = False) -> builtins.list[str]:
        filters = [{"Key": "Name", "Option": "BeginsWith", "Values": ["/" + prefix]}]
        found: dict[str, None] = {}
        for p in self._pages(
            "DescribeParameters",
            "Parameters",
            ParameterFilters=filters,
            MaxResults=LIST_SERVICES_PAGE_SIZE,
        ):
            name = p.get("Name") or ""
            if names.is_stored_name(name):
                found[name if include_secret_name else names.service_of(name)] = None
        return list(found)

    def delete(self, id: SecretId) -> None:
        self.read(id, -1)  # SecretNotFound("secret not found") when missing
        self._call("DeleteParameter", Name=self._name(id))

    # --- tags ----------------------------------------------------------------------------
    def read_tags(self, id: SecretId) -> dict[str, str]:
        resp = self._call(
            "ListTagsForResource",
            not_found=("InvalidResourceId",),
            ResourceType="Parameter",
            ResourceId=self._name(id),
        )
        return {t["Key"]: t.get("Value", "") for t in resp.get("TagList") or ()}

    def write_tags(self, id: SecretId, tags: dict[str, str], delete_other_tags: bool = False) -> None:
        if delete_other_tags:
            current = self.read_tags(id)
            required = self.config().required_tags
            kept = [t for t in required if t in current and t not in tags]
            if kept:
                raise ChamberError(
                    f"required tags {go_list(kept)} are already present, so they must be rewritten"
                )
            remove = [k for k in current if k not in tags]
            if remove:
                self.delete_tags(id, remove)
        self._call(
            "AddTagsToResource",
            ResourceType="Parameter",
            ResourceId=self._name(id),
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )

    def delete_tags(self, id: SecretId, tag_keys: builtins.list[str]) -> None:
        required = self.config().required_tags
        keys = set(tag_keys)
        found = [t for t in required if t in keys]
        if found:
            raise ChamberError(f"required tags {go_list(found)} may not be deleted")
        self._call(
            "RemoveTagsFromResource",
            ResourceType="Parameter",
            ResourceId=self._name(id),
            TagKeys=list(tag_keys),
        )

    # --- store config --------------------------------------------------------------------
    def config(self) -> StoreConfig:
        try:
            secret = self._read_latest(STORE_CONFIG_ID)
        except SecretNotFound:
            return StoreConfig(version=LATEST_STORE_CONFIG_VERSION, required_tags=[])
        try:
            return parse_store_config(secret.value or "")
        except ValueError as exc:
            raise ChamberError(f"failed to unmarshal store config: {exc}") from None

    def set_config(self, config: StoreConfig) -> None:
        try:
            self._write(STORE_CONFIG_ID, dump_store_config(config), None)
        except ChamberError as err:
            raise err.wrap("failed to write store config: ") from None
