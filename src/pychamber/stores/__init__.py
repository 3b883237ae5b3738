"""The store factory: one table from backend name to the class that implements it.

Adding a backend is one module with a :class:`~pychamber.stores.base.Store` subclass whose
``from_settings(settings)`` builds it (and raises its own configuration errors), plus one line
in :data:`BACKENDS`. Backend modules are imported lazily, so that commands which never touch a
store (help, version) import nothing heavy, and building a store imports no botocore.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from pychamber.errors import ChamberError
from pychamber.stores.base import Store

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings

#: Backend name (as ``-b`` / ``CHAMBER_SECRET_BACKEND``, upper-cased) -> ``module:Class``.
BACKENDS: dict[str, str] = {
    "NULL": "pychamber.stores.null:NullStore",
    "SSM": "pychamber.stores.ssm:SSMStore",
    "SECRETSMANAGER": "pychamber.stores.secretsmanager:SecretsManagerStore",
    "S3": "pychamber.stores.s3:S3Store",
    "S3-KMS": "pychamber.stores.s3:S3KMSStore",
    "LOCAL": "pychamber.stores.local:LocalStore",
}


def open_store(settings: "Settings") -> Store:
    """The store ``settings`` name. Errors, in chamber's order: an unknown backend, an
    unparsable ``CHAMBER_RETRIES``, then the backend's own (``from_settings``)."""
    backend = settings.backend
    target = BACKENDS.get(backend)
    if target is None:
        raise ChamberError(f"invalid backend `{backend}`")
    _ = settings.retries  # may raise "Cannot parse $CHAMBER_RETRIES ...", whatever the backend
    return backend_class(backend, target).from_settings(settings)


def backend_class(backend: str, target: str | None = None) -> type[Store]:
    """The class implementing ``backend`` (imported now)."""
    module_name, _, attr = (target or BACKENDS[backend]).partition(":")
    try:
        return getattr(import_module(module_name), attr)
    except ImportError:
        raise ChamberError(
            f"backend `{backend}` is not available in this version of pychamber yet") from None


#: The name callers used before the table; same function.
get_store = open_store
