"""The store interface every backend implements (chamber's ``store.Store``).

Conventions shared by every backend:
- ``SecretId`` arrives normalised by the CLI; every backend's ``write`` checks it again
  (:func:`_checking_names`, wrapped around it by :meth:`Store.__init_subclass__`)
  (one rule for the CLI and the library: nothing is stored that the CLI cannot delete).
- ``read(id, version=-1)`` reads the latest version; any other number reads that chamber version.
- Missing secrets raise ``SecretNotFound`` ("secret not found").
- Stored names (``SecretMetadata.key``, ``RawSecret.key``) are ``/<service>/<key>`` except on
  Secrets Manager, whose keys are bare.
- Backend errors are raised as ``ChamberError`` with a one-line message and never a secret value.
"""

from __future__ import annotations

import builtins
import functools
from contextvars import ContextVar
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence, TypeVar

from pychamber import names
from pychamber.errors import ChamberError, NotImplementedByStore
from pychamber.model import ChangeEvent, RawSecret, Secret, SecretId, StoreConfig

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings


#: How many offending keys a refusal names before "and N more".
MAX_LISTED = 10
#: Upper bound on the threads of :func:`concurrently` (a store listing several services).
MAX_WORKERS = 8

_T = TypeVar("_T")
_R = TypeVar("_R")


def concurrently(fn: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``fn`` of each item on at most :data:`MAX_WORKERS` threads, results in the items' order;
    the first failing item, in that order, raises its error. One item runs on this thread."""
    if len(items) <= 1:
        return [fn(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
        return [f.result() for f in futures]
#: Set while :meth:`Store.write_many` writes an import's keys one by one (which may hold inner
#: ``/``, checked by import's own rule before the first write).
_IMPORTING: ContextVar[bool] = ContextVar("pychamber_importing", default=False)


class PartialWriteError(ChamberError):
    """A bulk write stopped midway: says which keys were written and which were not
    (``uncertain``: the key whose write was under way when it was interrupted)."""

    def __init__(self, written: list[str], not_written: list[str], cause: ChamberError,
                 uncertain: str | None = None):
        self.written = written
        self.not_written = not_written
        self.cause = cause
        total = len(written) + len(not_written) + (uncertain is not None)
        if not written and uncertain is None:
            detail = "nothing was written"
        else:
            detail = f"{len(written)} of {total} written"
            if not_written:
                shown = ", ".join(not_written[:10])
                more = f" and {len(not_written) - 10} more" if len(not_written) > 10 else ""
                detail += f"; not written: {shown}{more}"
            detail += "; running the same import again finishes the job"
        super().__init__(f"{cause.message} ({detail})", cause.exit_code)

    @classmethod
    def interrupted(cls, written: list[str], in_flight: str | None,
                    not_written: list[str]) -> "PartialWriteError":
        """Ctrl-C midway (exit status 130): what was written, the key whose write was under way
        (it may or may not have landed), and what was not."""
        from pychamber.errors import ExitStatus

        what = "interrupted" if in_flight is None else (
            f"interrupted while writing {in_flight}, which may or may not have been written")
        return cls(written, not_written, ChamberError(what, ExitStatus.INTERRUPTED), in_flight)


def value_size(value: str) -> int:
    """A value's size as the backends count it: its UTF-8 bytes (a lone surrogate, which only
    a file name's bytes can give, counted as the bytes it stands for)."""
    try:
        return len(value.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return len(value.encode("utf-8", "surrogatepass"))


def _checking_names(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` (a backend's write or write_with_tags) refusing, before any call, a service or
    key that no chamber command could address (:func:`names.validate_secret_id`; an import's
    inner ``/`` only inside :meth:`Store.write_many`)."""

    @functools.wraps(method)
    def checked(self: "Store", id: SecretId, *args: Any, **kwargs: Any) -> Any:
        names.validate_secret_id(id.service, id.key, import_keys=_IMPORTING.get())
        return method(self, id, *args, **kwargs)

    checked.__dict__["checks_names"] = True
    return checked


class Store:
    """The interface. Every operation raises :class:`NotImplementedByStore` ("... for <name>")
    until a backend implements it: a backend that forgets one fails loudly instead of, say,
    running ``exec`` with no secrets. Only :meth:`config` has a working default.

    Every backend's ``write`` and ``write_with_tags`` refuse a name that no chamber command
    could address, as the CLI does, before any call (so a library caller of
    :func:`pychamber.open_store` cannot store what ``chamber`` cannot read). ``write_many`` is
    import's: it writes the keys it is given (import checks them all first)."""

    #: Used in "Not implemented for <name>" messages.
    name = "Store"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("write", "write_with_tags"):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "checks_names", False):
                setattr(cls, name, _checking_names(method))

    # --- capabilities (read by the CLI instead of testing backend names) -------------------
    max_value_bytes: int | None = None
    """The largest value the backend stores, in UTF-8 bytes (SSM: 4096); ``None``: no limit
    pychamber checks before writing (import refuses an oversized value before writing any)."""

    allows_empty_values: bool = False
    """Whether an empty value is stored as a value. False where the backend refuses it (SSM)
    or gives it another meaning (Secrets Manager deletes the key); import refuses empty values
    up front on such backends."""

    empty_value_deletes: bool = False
    """Whether ``write`` of an empty value deletes the key (Secrets Manager, as chamber): write
    keeps that meaning, import refuses empty values (an import never deletes)."""

    empty_value_note: str = "this backend refuses empty values"
    """Why an empty value is refused, for the one-line refusal (never mentions a value)."""

    tiers: Mapping[str, tuple[str, int]] = MappingProxyType({})
    """What ``--tier`` selects (SSM): the flag's word -> (the API's name, the largest value in
    bytes). Empty: the backend has no tiers and refuses ``--tier``. :attr:`max_value_bytes` is
    the limit without ``--tier``."""

    internal_keys: frozenset[str] = frozenset()
    """Entries of :meth:`list_raw` that are the backend's bookkeeping, not secrets (Secrets
    Manager's ``_chamber_metadata``, which ``exec`` passes on as chamber does): not counted as
    secrets (``doctor``)."""

    concurrent_listing: bool = False
    """Whether :meth:`list_raw_many` fetches the services concurrently (so that a caller such as
    ``exec`` should prefer it to one :meth:`list_raw` per service)."""

    # --- the value rule (write and import apply the same one, before any call) -------------
    @classmethod
    def resolve_tier(cls, tier: str | None) -> str | None:
        """``--tier``'s word, checked: None when not given; ChamberError when the backend has
        no tiers or does not know the word."""
        if tier is None:
            return None
        if not cls.tiers:
            raise ChamberError("Unable to use --tier with this backend.")
        word = tier.lower()
        if word not in cls.tiers:
            raise ChamberError(f"invalid --tier {tier!r}: use " + ", ".join(cls.tiers))
        return word

    @classmethod
    def value_limit(cls, tier: str | None = None) -> int | None:
        """The largest value in UTF-8 bytes with ``tier`` (a word :meth:`resolve_tier` gave),
        or the backend's default limit; None: no limit pychamber checks."""
        return cls.tiers[tier][1] if tier else cls.max_value_bytes

    @classmethod
    def value_problem(cls, value: str, tier: str | None = None, *, write: bool = False) -> str | None:
        """Why this backend cannot store ``value`` (empty, NUL byte, over the limit), or None;
        never mentions the value. ``write``: an empty value is the delete that ``write`` means
        on a backend where it deletes (:attr:`empty_value_deletes`)."""
        if value == "":
            if cls.allows_empty_values or (write and cls.empty_value_deletes):
                return None
            return f"the value is empty ({cls.empty_value_note})"
        if "\0" in value:
            return names.NUL_VALUE
        limit = cls.value_limit(tier)
        sent_untiered = write and tier is None and bool(cls.tiers)
        if sent_untiered:
            # chamber sends it without a Tier: the account's default tier or the parameter's own
            # decides (the backend says so in one line when it refuses); only what no tier holds
            # is refused here
            limit = max(n for _, n in cls.tiers.values())
        if limit is None:
            return None
        size = value_size(value)
        if size <= limit:
            return None
        if not cls.tiers:
            return f"the value is {size} bytes, over the {limit}-byte limit of {cls.name}"
        bigger = [(w, n) for w, (_, n) in cls.tiers.items() if n > limit]
        if sent_untiered:
            largest = next(w for w, (_, n) in cls.tiers.items() if n == limit)
            return f"the value is {size} bytes, over the {limit}-byte limit of the largest tier (--tier {largest})"
        if tier is None:
            where = f"the {limit}-byte limit of a {next(iter(cls.tiers))} parameter"
        else:
            where = f"the {limit}-byte limit of --tier {tier}"
        hint = (f"; --tier {bigger[0][0]} stores up to {bigger[0][1]} bytes" if bigger
                else " (the largest tier)")
        return f"the value is {size} bytes, over {where}{hint}"

    @classmethod
    def values_problem(cls, pairs: Iterable[tuple[str, str]], tier: str | None = None,
                       key_rule: Callable[[str, str], str | None] | None = None) -> str | None:
        """Every (key, value) that cannot be stored, as one line (``key 'a': why; key 'b':
        why; and 3 more``, at most :data:`MAX_LISTED` named), or None. ``key_rule(key, value)``
        adds a check of its own (import's key names), tried first."""
        problems = []
        for key, value in pairs:
            why = (key_rule(key, value) if key_rule else None) or cls.value_problem(value, tier)
            if why:
                problems.append(why if why.startswith("key ") else f"key {key!r}: {why}")
        if not problems:
            return None
        more = len(problems) - MAX_LISTED
        return "; ".join(problems[:MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")

    def use_tier(self, tier: str) -> None:
        """Write with ``tier`` (a word :meth:`resolve_tier` gave) from now on."""
        raise ChamberError("Unable to use --tier with this backend.")

    @classmethod
    def from_settings(cls, settings: "Settings") -> "Store":
        """Build the store for ``settings`` (what :func:`pychamber.stores.open_store` calls).
        Raises ChamberError for a configuration the backend refuses; must not contact the
        backend (clients are built on first use)."""
        raise NotImplementedByStore(f"from_settings is not implemented for {cls.name}")

    def _not_implemented(self, what: str = "Not implemented") -> NotImplementedByStore:
        return NotImplementedByStore(f"{what} for {self.name}")

    # --- secrets -------------------------------------------------------------------------
    def write(self, id: SecretId, value: str) -> None:
        raise self._not_implemented("Write is not implemented")

    def write_with_tags(self, id: SecretId, value: str, tags: dict[str, str]) -> None:
        raise self._not_implemented("WriteWithTags is not implemented")

    def read(self, id: SecretId, version: int = -1) -> Secret:
        raise self._not_implemented()

    def list(self, service: str, include_values: bool = False) -> builtins.list[Secret]:
        raise self._not_implemented("List is not implemented")

    def list_raw(self, service: str) -> builtins.list[RawSecret]:
        raise self._not_implemented("ListRaw is not implemented")

    def list_raw_many(self, services: builtins.list[str]) -> builtins.list[builtins.list[RawSecret]]:
        """``list_raw`` for several services, results in argument order. Backends that can fetch
        concurrently override this (and set :attr:`concurrent_listing`)."""
        return [self.list_raw(s) for s in services]

    def write_many(self, service: str, pairs: Iterable[tuple[str, str]],
                   progress: Callable[[int, int], None] | None = None) -> builtins.list[str]:
        """Write each (key, value) of ``service`` in order; keys are used as given. Returns the
        keys written. On a failure raises ``PartialWriteError`` naming what was and was not
        written. Backends override this to spend fewer calls (SSM: one read of the service's
        versions, then one put per key)."""
        items = list(pairs)
        written: list[str] = []
        importing = _IMPORTING.set(True)
        try:
            for i, (key, value) in enumerate(items):
                try:
                    self.write(SecretId(service, key), value)
                except ChamberError as e:
                    raise PartialWriteError(written, [k for k, _ in items[i:]], e) from None
                except KeyboardInterrupt:
                    raise PartialWriteError.interrupted(written, key, [k for k, _ in items[i + 1:]]) from None
                written.append(key)
                if progress:
                    progress(len(written), len(items))
        finally:
            _IMPORTING.reset(importing)
        return written

    def versions(self, service: str) -> dict[str, str]:
        """A fingerprint of each secret of ``service``: stored name -> a token that changes
        when the value changes (``exec --watch`` compares them every interval). This default is
        chamber's version counter from :meth:`list` without values (local: one query; S3: the
        index object; Secrets Manager: the secret's metadata); backends override it with a
        cheaper listing (SSM: one GetParametersByPath without decryption, never the
        rate-limited DescribeParameters)."""
        return {s.meta.key: str(s.meta.version) for s in self.list(service, False)}

    def list_services(self, prefix: str, include_secret_name: bool = False) -> builtins.list[str]:
        """The services whose name starts with ``prefix`` (``""``: every service), as
        ``list-services PREFIX`` lists them; ``include_secret_name``: each secret's stored name
        instead (``/web/db_password``), as ``list-services -s``."""
        raise self._not_implemented("ListServices is not implemented")

    def history(self, id: SecretId) -> builtins.list[ChangeEvent]:
        raise self._not_implemented("History is not implemented")

    def delete(self, id: SecretId) -> None:
        raise self._not_implemented()

    # --- tags ----------------------------------------------------------------------------
    def read_tags(self, id: SecretId) -> dict[str, str]:
        raise self._not_implemented()

    def write_tags(self, id: SecretId, tags: dict[str, str], delete_other_tags: bool = False) -> None:
        raise self._not_implemented()

    def delete_tags(self, id: SecretId, tag_keys: builtins.list[str]) -> None:
        raise self._not_implemented()

    # --- store config (required tags) ----------------------------------------------------
    def config(self) -> StoreConfig:
        """The store config. The default is what chamber's stores that keep none (S3, S3-KMS,
        Secrets Manager, Null) answer: version "1", no required tags."""
        return StoreConfig()

    def set_config(self, config: StoreConfig) -> None:
        raise self._not_implemented()
