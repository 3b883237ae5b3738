"""The library's loading (api.fetch / api.assemble) with a fake store: concurrent listing,
precedence, warnings in order, errors attributed in argument order; the dry-run table."""

from __future__ import annotations

import pytest

from pychamber import api
from pychamber import envbuild as ex
from pychamber.errors import ChamberError
from pychamber.model import RawSecret, Secret, SecretMetadata
from pychamber.settings import Settings
from pychamber.stores.base import Store


class FakeStore(Store):
    concurrent_listing = True

    def __init__(self, data, fail=(), many=True):
        self.data = data
        self.fail = set(fail)
        self.calls: list[str] = []
        if not many:
            self.concurrent_listing = False

    def list_raw(self, service):
        self.calls.append(service)
        if service in self.fail:
            raise ChamberError(f"boom {service}")
        return [RawSecret(f"/{service}/{k}", v) for k, v in self.data.get(service, {}).items()]

    def list_raw_many(self, services):  # type: ignore[override]
        self.calls.append("many")
        return [self.list_raw(s) for s in services]

    def list(self, service, include_values=False):
        return [Secret(None, SecretMetadata(version=int(v[-1]) if v[-1:].isdigit() else 0,
                                            key=f"/{service}/{k}"))
                for k, v in self.data.get(service, {}).items()]


class Warnings(list):
    def text(self) -> str:
        """As the CLI prints them: one line each."""
        return "".join(f"{w}\n" for w in self)


@pytest.fixture
def err():
    """The warnings passed to assemble's ``warn``."""
    return Warnings()


def assemble(store, services, parent, pristine, strict, strict_value, warn):
    return api.assemble(Settings(), store, services, parent, pristine, strict, strict_value, warn.append)


def test_assemble_uses_list_raw_many_and_merges_in_order(err):
    store = FakeStore({"one": {"a": "1", "b": "1"}, "two": {"a": "2"}})
    st = assemble(store, ["One", "two"], {"B": "x"}, False, False, "chamberme", err)
    assert st.env == {"B": "1", "A": "2"}
    assert store.calls[0] == "many"
    assert err.text() == (
        "warning: service One overwriting environment variable B\n"
        "warning: service two overwriting environment variable A\n")


def test_assemble_error_attributed_in_argument_order(err):
    store = FakeStore({"one": {"a": "1"}, "two": {"a": "2"}}, fail={"two", "three"})
    with pytest.raises(ChamberError) as e:
        assemble(store, ["one", "two", "three", "one"], {}, True, False, "chamberme", err)
    assert str(e.value) == "Failed to list store contents: boom two"
    # list_raw_many failed: listed again one by one, stopping at the first failure
    assert store.calls == ["many", "one", "two", "one", "two"]


def test_assemble_without_concurrent_listing_lists_one_by_one(err):
    store = FakeStore({"one": {"a": "1"}, "two": {"a": "2"}}, many=False)
    st = assemble(store, ["one", "two"], {}, False, False, "chamberme", err)
    assert store.calls == ["one", "two"] and st.env == {"A": "2"}


def test_assemble_strict_errors_unwrapped(err):
    store = FakeStore({}, fail={"one"}, many=False)
    with pytest.raises(ChamberError) as e:
        assemble(store, ["one"], {}, False, True, "chamberme", err)
    assert str(e.value) == "boom one"


def test_dry_run_table():
    from pychamber.cli.run import dry_run_table
    from pychamber.compat.tabwriter import table

    store = FakeStore({"one": {"a-b": "v3"}, "two": {"c": "v1"}})
    st = ex.ExecEnv({"A_B": "v3", "C": "v1", "PATH": "/bin"},
                    {"A_B": ex.Source("One", "/one/a-b"), "C": ex.Source("two", "/two/c")})
    out = dry_run_table(store, st)
    assert out == table([["Name", "Service", "Key", "Version"], ["A_B", "one", "a-b", "3"],
                         ["C", "two", "c", "1"]])
    assert "v3" not in out
