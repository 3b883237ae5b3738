"""``-b local``: secrets in one encrypted SQLite file on this machine (issue 5).

- ``db.py``: the SQLite file (where it lives, schema, connection, transactions, queries);
- ``keys.py``: the data key (``PYCHAMBER_LOCAL_KEY``, the 0600 key file, the OS keyring, creating
  one; :func:`describe_key_source` says where it is) and the AES-GCM encryption of values;
- ``store.py``: :class:`LocalStore`, chamber's semantics on top of both.
"""

from pychamber.stores.local.db import PATH_ENV, SCHEMA_VERSION, resolve_db_path
from pychamber.stores.local.keys import KEY_ENV, KEYRING_SERVICE, describe_key_source, key_file_path
from pychamber.stores.local.store import LocalStore

__all__ = [
    "KEY_ENV",
    "KEYRING_SERVICE",
    "PATH_ENV",
    "SCHEMA_VERSION",
    "LocalStore",
    "describe_key_source",
    "key_file_path",
    "resolve_db_path",
]
