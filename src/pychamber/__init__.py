"""pychamber: a drop-in compatible Python rewrite of segmentio/chamber, as a library.

Load a service's secrets in-process, named as ``pychamber exec`` names them::

    import pychamber

    pychamber.load_env("web", "shared")          # like python-dotenv's load_dotenv()
    settings = pychamber.env("web")              # {"DB_PASSWORD": "..."}
    store = pychamber.open_store()               # every operation the CLI has
    store.write(pychamber.SecretId("web", "db_password"), "hunter2")

The backend and its options come from the same ``CHAMBER_*`` variables the CLI reads
(``CHAMBER_SECRET_BACKEND``, ``CHAMBER_AWS_REGION``, ``CHAMBER_KMS_KEY_ALIAS``...), keyword
arguments overriding them. Errors are :class:`ChamberError`, whose text is the CLI's one line
and never holds a secret value. ``import pychamber`` imports no botocore: the AWS engine is
loaded when a store first talks to AWS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pychamber.errors import ChamberError, ChamberWarning, NotImplementedByStore, SecretNotFound
from pychamber.model import ChangeEvent, RawSecret, Secret, SecretId, SecretMetadata, StoreConfig

__version__ = "0.1.0"

__all__ = [
    "ChamberError", "ChamberWarning", "ChangeEvent", "NotImplementedByStore", "RawSecret",
    "Secret", "SecretId", "SecretMetadata", "SecretNotFound", "Store", "StoreConfig",
    "env", "load_env", "open_store", "__version__",
]

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.api import env, load_env, open_store
    from pychamber.stores.base import Store

_LAZY = {"env": "pychamber.api", "load_env": "pychamber.api", "open_store": "pychamber.api",
         "Store": "pychamber.stores.base"}


def __getattr__(name: str) -> Any:
    """The functions and the Store class, imported on first use (PEP 562): ``import pychamber``
    stays as cheap as the CLI's ``--help`` needs it to be."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pychamber' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
