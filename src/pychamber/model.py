"""Pure data types shared by every layer (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pychamber.compat.gotime import EPOCH  # noqa: F401  (Go's zero time.Time)


@dataclass(frozen=True)
class SecretId:
    """A secret's address: a (normalised) service and key."""

    service: str
    key: str


@dataclass
class SecretMetadata:
    """What a store knows about one version of a secret.

    ``key`` is the stored name as the backend reports it (``/svc/key`` on SSM, S3 and local;
    the bare key on Secrets Manager).
    """

    created: datetime = EPOCH
    created_by: str = ""
    version: int = 0
    key: str = ""


@dataclass
class Secret:
    """One version of a secret: its value (``None`` when listed without values) and metadata."""

    value: str | None
    meta: SecretMetadata = field(default_factory=SecretMetadata)


@dataclass
class RawSecret:
    """A secret as exec / env / export see it: a stored name and its latest value."""

    key: str
    value: str


@dataclass
class ChangeEvent:
    """One line of a secret's history: ``Created`` (version 1) or ``Updated``, when, by whom."""

    type: str  # "Created" or "Updated"
    time: datetime
    user: str
    version: int


def event_type(version: int) -> str:
    """chamber: version 1 is "Created", anything else (0 included) is "Updated"."""
    return "Created" if version == 1 else "Updated"


@dataclass
class StoreConfig:
    """chamber's store config (``/_chamber/store-config``): the tags every new secret must carry."""

    version: str = "1"
    required_tags: list[str] = field(default_factory=list)


def key_of(stored_name: str) -> str:
    """The key part of a stored name: the text after the last ``/`` (the bare key when none)."""
    return stored_name.rsplit("/", 1)[-1]
