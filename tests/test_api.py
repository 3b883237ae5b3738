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


# --- the request: prepared once, loaded by exec's first start, each rotation, materialize, env() ---

def test_request_is_frozen_and_loads_the_same_way_each_time(err):
    import dataclasses

    store = FakeStore({"web": {"db_password": "pw", "token": "t1"}, "shared": {"token": "t2"}})
    request = api.Request(Settings(), store, ("Web", "shared"), files="/run/secrets")
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.pristine = True  # type: ignore[misc]
    assert request.loaded == ["web", "shared"]
    first, files = request.environment({"HOME": "/root"}, err.append)
    again, files_again = request.environment({"HOME": "/root"}, err.append)
    assert (first.env, files) == (again.env, files_again)
    assert files == {"db_password": "pw", "token": "t2"}
    assert first.env == {"HOME": "/root", "DB_PASSWORD_FILE": "/run/secrets/db_password",
                         "TOKEN_FILE": "/run/secrets/token"}
    assert err.text() == "warning: service shared overwriting environment variable TOKEN\n" * 2
    without_files, none = api.Request(Settings(), store, ("web",)).environment({}, err.append)
    assert none is None and without_files.env == {"DB_PASSWORD": "pw", "TOKEN": "t1"}


def test_request_refuses_a_key_that_cannot_be_a_file(err):
    store = FakeStore({"web": {"..": "x"}})
    with pytest.raises(ChamberError, match="cannot write secret '..' as a file"):
        api.Request(Settings(), store, ("web",), files="/run/secrets").environment({}, err.append)


def test_prepare_checks_the_services_before_opening_the_store(err, tmp_path):
    unknown_backend = Settings(backend_flag="vault", environ={})
    with pytest.raises(ChamberError) as e:
        api.prepare(unknown_backend, ["ok", "bad service"], err.append)
    assert str(e.value).startswith("Failed to validate service: Failed to validate service name 'bad service'")
    with pytest.raises(ChamberError, match="invalid backend"):
        api.prepare(unknown_backend, ["_chamber"], err.append)
    assert err == [ex.names.RESERVED_WARNING]
    local = api.settings_for("local", local_path=tmp_path / "s.db",
                             environ={"PYCHAMBER_LOCAL_KEY": "A" * 43 + "="})
    request = api.prepare(local, ["web"], err.append, files="rel/dir")
    assert request.files == str(tmp_path.cwd() / "rel" / "dir") and request.services == ("web",)
