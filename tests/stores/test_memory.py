"""A backend is one class and one line in ``stores.BACKENDS``: a throwaway in-memory store,
registered for the test, is opened by ``open_store`` like the built-in ones."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pychamber import stores
from pychamber.errors import ChamberError, NotImplementedByStore, SecretNotFound
from pychamber.model import ChangeEvent, RawSecret, Secret, SecretId, SecretMetadata, event_type
from pychamber.settings import Settings
from pychamber.stores.base import Store

WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


class MemoryStore(Store):
    """Secrets in a dict: {(service, key): [value of version 1, 2, ...]}."""

    name = "Memory Store"
    allows_empty_values = True

    def __init__(self, user: str):
        self.user = user
        self.data: dict[tuple[str, str], list[str]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> "MemoryStore":
        user = settings.environ.get("MEMORY_USER", "")
        if not user:
            raise ChamberError("Must set MEMORY_USER for the memory backend")
        return cls(user)

    def _meta(self, id: SecretId, version: int) -> SecretMetadata:
        return SecretMetadata(WHEN, self.user, version, f"/{id.service}/{id.key}")

    def write(self, id: SecretId, value: str) -> None:
        self.data.setdefault((id.service, id.key), []).append(value)

    def read(self, id: SecretId, version: int = -1) -> Secret:
        values = self.data.get((id.service, id.key), [])
        n = len(values) if version == -1 else version
        if not 1 <= n <= len(values):
            raise SecretNotFound()
        return Secret(values[n - 1], self._meta(id, n))

    def list(self, service: str, include_values: bool = False) -> list[Secret]:
        out = []
        for (s, k), values in sorted(self.data.items()):
            if s == service:
                out.append(Secret(values[-1] if include_values else None,
                                  self._meta(SecretId(s, k), len(values))))
        return out

    def list_raw(self, service: str) -> list[RawSecret]:
        return [RawSecret(s.meta.key, s.value or "") for s in self.list(service, True)]

    def history(self, id: SecretId) -> list[ChangeEvent]:
        n = len(self.data.get((id.service, id.key), []))
        return [ChangeEvent(event_type(v), WHEN, self.user, v) for v in range(1, n + 1)]


@pytest.fixture
def memory_backend(monkeypatch):
    """The one line a new backend needs, for this test only."""
    monkeypatch.setitem(stores.BACKENDS, "MEMORY", f"{__name__}:MemoryStore")


def test_open_store_builds_a_registered_backend(memory_backend):
    store = stores.open_store(Settings(backend_flag="memory", environ={"MEMORY_USER": "ann"}))
    assert type(store).__name__ == "MemoryStore" and store.user == "ann"
    store.write(SecretId("svc", "a"), "1")
    store.write(SecretId("svc", "a"), "2")
    store.write(SecretId("svc", "b"), "")
    store.write(SecretId("other", "c"), "3")
    assert store.read(SecretId("svc", "a")).value == "2"
    assert store.read(SecretId("svc", "a"), 1).value == "1"
    assert store.list_raw_many(["svc", "other"]) == [
        [RawSecret("/svc/a", "2"), RawSecret("/svc/b", "")], [RawSecret("/other/c", "3")]]
    assert [e.version for e in store.history(SecretId("svc", "a"))] == [1, 2]
    assert len(store.write_many("svc", [("d", "4"), ("e", "5")])) == 2
    # the capabilities it declares, and the defaults it did not
    assert (store.max_value_bytes, store.allows_empty_values, store.concurrent_listing) == (
        None, True, False)
    # what it does not implement fails loudly, in chamber's words
    with pytest.raises(NotImplementedByStore, match="^ListServices is not implemented for Memory Store$"):
        store.list_services("")
    with pytest.raises(NotImplementedByStore, match="^Not implemented for Memory Store$"):
        store.read_tags(SecretId("svc", "a"))


def test_registered_backend_errors_follow_the_common_ones(memory_backend):
    with pytest.raises(ChamberError, match="^Must set MEMORY_USER for the memory backend$"):
        stores.open_store(Settings(backend_flag="Memory", environ={}))
    # the retries variable is still checked first, whatever the backend
    with pytest.raises(ChamberError, match=r"^Cannot parse \$CHAMBER_RETRIES to an integer\.$"):
        stores.open_store(Settings(backend_flag="memory", environ={"CHAMBER_RETRIES": "x"}))


def test_unregistered_backend_is_invalid():
    with pytest.raises(ChamberError, match="^invalid backend `MEMORY`$"):
        stores.open_store(Settings(backend_flag="memory", environ={}))
