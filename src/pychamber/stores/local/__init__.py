"""``-b local``: secrets in one encrypted SQLite file on this machine (see ``store.py``)."""

from pychamber.stores.local.store import LocalStore

__all__ = ["LocalStore"]
