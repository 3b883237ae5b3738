"""``-b null``: no storage at all (chamber's ``store/nullstore.go``).

As chamber's: the listings are empty, the store config is the default one, and ``SetConfig``
is not implemented. Everything that reads or changes a secret or its tags is not implemented
either, with the messages :class:`~pychamber.stores.base.Store` already raises (chamber's words:
``Write is not implemented for Null Store``, ``WriteWithTags is not implemented for Null
Store``, ``Not implemented for Null Store`` for read, delete and the tags).
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from pychamber.model import ChangeEvent, RawSecret, Secret, SecretId, StoreConfig
from pychamber.stores.base import Store

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings


class NullStore(Store):
    name = "Null Store"

    @classmethod
    def from_settings(cls, settings: "Settings") -> "NullStore":
        return cls()

    # --- nothing to list -----------------------------------------------------------------
    def list(self, service: str, include_values: bool = False) -> builtins.list[Secret]:
        return []

    def list_raw(self, service: str) -> builtins.list[RawSecret]:
        return []

    def list_services(self, prefix: str, include_secret_name: bool = False) -> builtins.list[str]:
        return []

    def history(self, id: SecretId) -> builtins.list[ChangeEvent]:
        return []

    # --- store config --------------------------------------------------------------------
    def config(self) -> StoreConfig:
        return StoreConfig(version="1", required_tags=[])

    def set_config(self, config: StoreConfig) -> None:
        raise self._not_implemented("SetConfig is not implemented")
