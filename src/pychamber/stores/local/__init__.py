"""``-b local``: secrets in one encrypted SQLite file on this machine (issue 5).

- ``db.py``: the SQLite file (where it lives, schema, connection, transactions, queries);
- ``keys.py``: the data key (``PYCHAMBER_LOCAL_KEY``, the OS keyring, the 0600 key file, creating
  one) and the AES-GCM encryption of values;
- ``store.py``: :class:`LocalStore`, chamber's semantics on top of both.
"""

from pychamber.stores.local.db import PATH_ENV, SCHEMA_VERSION, resolve_db_path
from pychamber.stores.local.keys import KEY_ENV, KEYRING_SERVICE, key_file_path
from pychamber.stores.local.store import LocalStore

__all__ = [
    "KEY_ENV",
    "KEYRING_SERVICE",
    "PATH_ENV",
    "SCHEMA_VERSION",
    "LocalStore",
    "key_file_path",
    "resolve_db_path",
]
