"""A service's secrets as a dotenv document, and back (``pychamber edit``, dotenv ``import``).

The document names each secret by its stored key (``db_password="..."``), in the double-quoted
form chamber's ``export -f dotenv`` writes, which :func:`pychamber.formats.parse_dotenv` reads
back exactly. Names read back go through :func:`pychamber.formats.map_dotenv_names`, so that
``DB_PASSWORD`` updates ``db_password`` instead of storing a second key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pychamber.model import key_of

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.stores.base import Store


def stored_keys(store: "Store", service: str) -> list[str]:
    """The keys ``service`` holds (one listing, no values)."""
    return [key_of(name) for name in store.versions(service)]

