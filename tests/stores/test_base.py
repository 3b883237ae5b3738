"""The Store interface: every operation raises until a backend implements it; the null store;
the capabilities each backend declares."""

from __future__ import annotations

import pytest

from pychamber import names
from pychamber.errors import NotImplementedByStore
from pychamber.model import SecretId, StoreConfig
from pychamber.settings import Settings
from pychamber.stores.base import Store

ID = SecretId("svc", "key")

#: (method, arguments, chamber-style message for a store named "Bare Store")
OPERATIONS = [
    ("write", (ID, "v"), "Write is not implemented for Bare Store"),
    ("write_with_tags", (ID, "v", {"a": "b"}), "WriteWithTags is not implemented for Bare Store"),
    ("read", (ID,), "Not implemented for Bare Store"),
    ("list", ("svc",), "List is not implemented for Bare Store"),
    ("list_raw", ("svc",), "ListRaw is not implemented for Bare Store"),
    ("list_services", ("",), "ListServices is not implemented for Bare Store"),
    ("history", (ID,), "History is not implemented for Bare Store"),
    ("delete", (ID,), "Not implemented for Bare Store"),
    ("read_tags", (ID,), "Not implemented for Bare Store"),
    ("write_tags", (ID, {"a": "b"}), "Not implemented for Bare Store"),
    ("delete_tags", (ID, ["a"]), "Not implemented for Bare Store"),
    ("set_config", (StoreConfig(),), "Not implemented for Bare Store"),
    # built on the operations above, so they fail the same way
    ("list_raw_many", (["a", "b"],), "ListRaw is not implemented for Bare Store"),
]


class BareStore(Store):
    name = "Bare Store"


@pytest.mark.parametrize("method,args,message", OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_every_base_operation_raises(method, args, message):
    with pytest.raises(NotImplementedByStore) as err:
        getattr(BareStore(), method)(*args)
    assert str(err.value) == message


def test_write_many_reports_the_first_write_failing():
    from pychamber.stores.base import PartialWriteError

    with pytest.raises(PartialWriteError) as err:
        BareStore().write_many("svc", [("a", "1"), ("b", "2")])
    assert str(err.value) == "Write is not implemented for Bare Store (nothing was written)"


def test_base_config_is_chamber_default_and_capabilities_are_the_strictest():
    assert BareStore().config() == StoreConfig(version="1", required_tags=[])
    assert (Store.max_value_bytes, Store.allows_empty_values, Store.concurrent_listing) == (
        None, False, False)


# --- the null store (chamber's store/nullstore.go) ----------------------------------------
def test_null_store_is_empty_and_refuses_the_rest():
    from pychamber.stores.null import NullStore

    null = NullStore()
    assert null.list("svc") == [] and null.list("svc", True) == []
    assert null.list_raw("svc") == []
    assert null.list_raw_many(["a", "b"]) == [[], []]
    assert null.list_services("") == [] and null.list_services("x", True) == []
    assert null.history(ID) == []
    assert null.config() == StoreConfig(version="1", required_tags=[])
    refused = {
        "write": ((ID, "v"), "Write is not implemented for Null Store"),
        "write_with_tags": ((ID, "v", {}), "WriteWithTags is not implemented for Null Store"),
        "read": ((ID, 3), "Not implemented for Null Store"),
        "delete": ((ID,), "Not implemented for Null Store"),
        "read_tags": ((ID,), "Not implemented for Null Store"),
        "write_tags": ((ID, {"a": "b"}, True), "Not implemented for Null Store"),
        "delete_tags": ((ID, ["a"]), "Not implemented for Null Store"),
        "set_config": ((StoreConfig(),), "SetConfig is not implemented for Null Store"),
    }
    for method, (args, message) in refused.items():
        with pytest.raises(NotImplementedByStore) as err:
            getattr(null, method)(*args)
        assert str(err.value) == message, method


# --- capabilities ---------------------------------------------------------------------------
#: What import has always decided by backend name (cli/transfer.py): SSM's value limit, empty
#: values only on S3 and S3-KMS.
CAPABILITIES = {
    # backend: (max_value_bytes, allows_empty_values, concurrent_listing)
    "NULL": (None, False, False),
    "SSM": (names.SSM_MAX_VALUE_BYTES, False, True),
    "SECRETSMANAGER": (None, False, True),
    "S3": (None, True, False),
    "S3-KMS": (None, True, False),
    "LOCAL": (None, False, False),
}


@pytest.mark.parametrize("backend", sorted(CAPABILITIES))
def test_capabilities_per_backend(backend, tmp_path):
    from pychamber.stores import get_store as open_store

    settings = Settings(backend_flag=backend.lower(), s3_bucket_flag="bucket",
                        environ={"PYCHAMBER_LOCAL_PATH": str(tmp_path / "s.db")})
    store = open_store(settings)
    got = (store.max_value_bytes, store.allows_empty_values, store.concurrent_listing)
    assert got == CAPABILITIES[backend]
    # exactly the rule import used to spell out with backend names
    assert store.max_value_bytes == (names.SSM_MAX_VALUE_BYTES if backend == "SSM" else None)
    assert store.allows_empty_values == (backend in ("S3", "S3-KMS"))
    # concurrent listing is declared exactly where list_raw_many is overridden
    overridden = type(store).list_raw_many is not Store.list_raw_many
    assert store.concurrent_listing == overridden

