"""The Store interface: every operation raises until a backend implements it; the null store;
the capabilities each backend declares."""

from __future__ import annotations

import pytest

from pychamber import names
from pychamber.errors import ChamberError, NotImplementedByStore
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
#: What each backend can hold (write and import apply the same rule, Store.value_problem).
CAPABILITIES = {
    # backend: (max_value_bytes, allows_empty_values, empty_value_deletes, concurrent_listing)
    "NULL": (None, False, False, False),
    "SSM": (names.SSM_MAX_VALUE_BYTES, False, False, True),
    "SECRETSMANAGER": (65536, False, True, True),
    "S3": (None, True, False, False),
    "S3-KMS": (None, True, False, False),
    "LOCAL": (None, True, False, False),
}


@pytest.mark.parametrize("backend", sorted(CAPABILITIES))
def test_capabilities_per_backend(backend, tmp_path):
    from pychamber.stores import open_store

    settings = Settings(backend_flag=backend.lower(), s3_bucket_flag="bucket",
                        environ={"PYCHAMBER_LOCAL_PATH": str(tmp_path / "s.db")})
    store = open_store(settings)
    got = (store.max_value_bytes, store.allows_empty_values, store.empty_value_deletes,
           store.concurrent_listing)
    assert got == CAPABILITIES[backend]
    # concurrent listing is declared exactly where list_raw_many is overridden
    overridden = type(store).list_raw_many is not Store.list_raw_many
    assert store.concurrent_listing == overridden
    # tiers only where the backend has them
    assert bool(store.tiers) == (backend == "SSM")


@pytest.mark.parametrize("backend", sorted(CAPABILITIES))
def test_one_value_rule_for_write_and_import(backend):
    from pychamber.stores import backend_class

    cls = backend_class(backend)
    empty_ok = CAPABILITIES[backend][1]
    assert (cls.value_problem("") is None) == empty_ok
    # write keeps chamber's meaning of an empty value where it deletes (Secrets Manager)
    assert (cls.value_problem("", write=True) is None) == (empty_ok or CAPABILITIES[backend][2])
    assert cls.value_problem("a\0b") == names.NUL_VALUE
    limit = CAPABILITIES[backend][0]
    if limit is not None:
        assert cls.value_problem("x" * limit) is None
        assert f"over the {limit}-byte limit" in cls.value_problem("x" * (limit + 1))
        assert f"over the {limit}-byte limit" in cls.values_problem([("k", "é" * (limit // 2 + 1))])
    problem = cls.values_problem([("a", "1"), ("b", "\0"), ("c", "2")])
    assert problem == f"key 'b': {names.NUL_VALUE}"


def test_ssm_tiers():
    from pychamber.stores.ssm import SSMStore

    assert SSMStore.resolve_tier(None) is None
    assert SSMStore.resolve_tier("ADVANCED") == "advanced"
    assert SSMStore.value_problem("x" * 8192, "advanced") is None
    assert SSMStore.value_problem("x" * 8192, "intelligent-tiering") is None
    assert SSMStore.value_problem("x" * 4097, "standard").endswith("--tier advanced stores up to 8192 bytes")
    with pytest.raises(ChamberError, match="invalid --tier 'x'"):
        SSMStore.resolve_tier("x")
    with pytest.raises(ChamberError, match="Unable to use --tier with this backend."):
        Store.resolve_tier("advanced")


def test_capabilities_cover_every_backend():
    from pychamber.stores import BACKENDS

    assert set(BACKENDS) == set(CAPABILITIES)


# --- the factory ----------------------------------------------------------------------------
@pytest.mark.parametrize("backend,env,flags,message", [
    ("bogus", {}, {}, "invalid backend `BOGUS`"),
    # CHAMBER_RETRIES before each backend's own checks
    ("s3", {"CHAMBER_RETRIES": "ten"}, {}, "Cannot parse $CHAMBER_RETRIES to an integer."),
    ("ssm", {"CHAMBER_RETRIES": "ten"}, {"retry_mode": "fast"},
     "Cannot parse $CHAMBER_RETRIES to an integer."),
    ("null", {"CHAMBER_RETRIES": "ten"}, {}, "Cannot parse $CHAMBER_RETRIES to an integer."),
    ("local", {"CHAMBER_RETRIES": "ten"}, {}, "Cannot parse $CHAMBER_RETRIES to an integer."),
    # SSM: the alias flag before the retry mode
    ("ssm", {}, {"kms_key_alias_flag": "other", "retry_mode": "fast"},
     "Unable to use --kms-key-alias with this backend. Use CHAMBER_KMS_KEY_ALIAS instead."),
    ("ssm", {}, {"retry_mode": "fast"}, "Invalid retry mode fast"),
    # S3: the alias flag before the bucket; S3-KMS takes the alias
    ("s3", {}, {"kms_key_alias_flag": "other"}, "Unable to use --kms-key-alias with this backend."),
    ("s3", {}, {}, "Must set bucket for s3 backend"),
    ("s3-kms", {}, {"kms_key_alias_flag": "other"}, "Must set bucket for s3 backend"),
])
def test_open_store_errors_in_order(backend, env, flags, message):
    from pychamber.errors import ChamberError
    from pychamber.stores import open_store

    with pytest.raises(ChamberError) as err:
        open_store(Settings(backend_flag=backend, environ=env, **flags))
    assert str(err.value) == message


def test_open_store_picks_the_class_and_imports_no_botocore(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[2] / "src")
    code = (
        "import sys\n"
        "from pychamber import stores\n"
        "from pychamber.settings import Settings\n"
        "got = []\n"
        "for b in stores.BACKENDS:\n"
        "    s = stores.open_store(Settings(backend_flag=b, s3_bucket_flag='bkt', kms_key_alias_flag=None,\n"
        f"        environ={{'PYCHAMBER_LOCAL_PATH': {str(tmp_path / 's.db')!r}}}))\n"
        "    got.append(f'{b}={type(s).__name__}:{getattr(s, \"kms_key_alias\", None)}')\n"
        "print(' '.join(got), 'botocore' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": src}, capture_output=True,
                         text=True, check=True).stdout
    assert out == ("NULL=NullStore:None SSM=SSMStore:alias/parameter_store_key "
                   "SECRETSMANAGER=SecretsManagerStore:None S3=S3Store:None "
                   "S3-KMS=S3KMSStore:alias/parameter_store_key LOCAL=LocalStore:None False\n")


def test_missing_backend_module_is_unavailable(monkeypatch):
    from pychamber import stores
    from pychamber.errors import ChamberError

    monkeypatch.setitem(stores.BACKENDS, "VAULT", "pychamber.stores.no_such_module:VaultStore")
    with pytest.raises(ChamberError) as err:
        stores.open_store(Settings(backend_flag="vault", environ={}))
    assert str(err.value) == "backend `VAULT` is not available in this version of pychamber yet"


def test_get_store_is_open_store():
    from pychamber import stores

    assert stores.get_store is stores.open_store
