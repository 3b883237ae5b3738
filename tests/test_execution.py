"""exec's pure parts (no AWS, no subprocess): environment assembly (chamber §5.2-5.4), Go's
LookPath, the kernel-limit guard, the command-line split and the loader's ordering."""

from __future__ import annotations

import io
import os
import stat

import pytest

from pychamber import execution as ex
from pychamber.errors import ChamberError
from pychamber.model import RawSecret, Secret, SecretMetadata
from pychamber.stores.base import Store


def raw(service: str, key: str, value: str) -> RawSecret:
    return RawSecret(key=f"/{service}/{key}", value=value)


# --- non-strict ----------------------------------------------------------------------------
def test_names_upper_dash_to_underscore_dot_kept():
    st = ex.start({}, pristine=True, strict=False)
    ex.apply_service(st, "svc", [raw("svc", "foo-bar", "1"), raw("svc", "foo.bar", "2"),
                                 raw("svc", "MiXed_case", "3")])
    assert st.env == {"FOO_BAR": "1", "FOO.BAR": "2", "MIXED_CASE": "3"}


def test_name_is_text_after_last_slash_and_bare_keys():
    st = ex.start({}, pristine=True, strict=False)
    ex.apply_service(st, "a/b", [RawSecret("/a/b/k-1", "x"), RawSecret("bare-key", "y")])
    assert st.env == {"K_1": "x", "BARE_KEY": "y"}


def test_later_services_win_with_warnings_in_order():
    parent = {"HOME": "/root", "KEEP": "k"}
    st = ex.start(parent, pristine=False, strict=False)
    assert ex.apply_service(st, "One", [raw("one", "home", "h1"), raw("one", "a", "1")]) == ["HOME"]
    assert ex.apply_service(st, "two", [raw("two", "a", "2"), raw("two", "b", "3")]) == ["A"]
    assert st.env == {"HOME": "h1", "KEEP": "k", "A": "2", "B": "3"}
    assert st.sources["A"].service == "two" and st.sources["A"].key == "/two/a"
    assert "KEEP" not in st.sources
    assert parent == {"HOME": "/root", "KEEP": "k"}  # the parent mapping is not modified
    assert ex.overwrite_warning("One", "HOME") == \
        "warning: service One overwriting environment variable HOME"


def test_two_keys_same_name_in_one_service_is_a_collision():
    st = ex.start({}, pristine=True, strict=False)
    assert ex.apply_service(st, "s", [raw("s", "a-b", "1"), raw("s", "a_b", "2")]) == ["A_B"]


def test_pristine_starts_empty():
    st = ex.start({"PATH": "/bin"}, pristine=True, strict=False)
    assert st.env == {}


# --- strict --------------------------------------------------------------------------------
def strict(parent, services, value="chamberme", pristine=False):
    st = ex.start(parent, pristine=pristine, strict=True)
    for name, secrets in services:
        ex.apply_service_strict(st, name, secrets, value, pristine)
    return st


def test_strict_substitutes_only_sentinels_and_skips_absent():
    st = strict({"DB_PASSWORD": "chamberme", "PATH": "/bin"},
                [("svc", [raw("svc", "db-password", "pw"), raw("svc", "other", "o")])])
    assert st.env == {"DB_PASSWORD": "pw", "PATH": "/bin"}
    assert st.names_set() == ["DB_PASSWORD"]


def test_strict_unnormalized_parent_key():
    with pytest.raises(ChamberError) as e:
        strict({"db-password": "chamberme"}, [("svc", [])])
    assert str(e.value) == ("parent env has key `db-password` with expected value `chamberme`, but "
                            "key is not normalized like `DB_PASSWORD`, so would never get substituted")


def test_strict_parent_value_not_sentinel():
    with pytest.raises(ChamberError) as e:
        strict({"PATH": "/bin"}, [("svc", [raw("svc", "path", "secret!")])])
    assert str(e.value) == "parent env has PATH, but was expecting value `chamberme`, not `/bin`"


def test_strict_missing_key():
    with pytest.raises(ChamberError) as e:
        strict({"DB": "chamberme"}, [("svc", [raw("svc", "other", "x")])])
    assert str(e.value) == "parent env was expecting DB=chamberme, but was not in store"


def test_strict_custom_value():
    st = strict({"A": "fillme"}, [("svc", [raw("svc", "a", "1")])], value="fillme")
    assert st.env == {"A": "1"}
    with pytest.raises(ChamberError) as e:
        strict({"A": "chamberme"}, [("svc", [raw("svc", "a", "1")])], value="fillme")
    assert "expecting value `fillme`, not `chamberme`" in str(e.value)


def test_strict_pristine_keeps_only_substituted():
    st = strict({"A": "chamberme", "PATH": "/bin", "HOME": "/root"},
                [("svc", [raw("svc", "a", "1"), raw("svc", "b", "2")])], pristine=True)
    assert st.env == {"A": "1"}


def test_strict_is_per_service_second_service_sees_substituted_value():
    # chamber evaluates strict mode per service: a later service with an already substituted key
    # fails; the message must not show the secret itself (chamber would).
    with pytest.raises(ChamberError) as e:
        strict({"A": "chamberme"}, [("one", [raw("one", "a", "s3cr3t")]),
                                    ("two", [raw("two", "a", "other")])])
    msg = str(e.value)
    assert msg.startswith("parent env has A, but was expecting value `chamberme`, not `")
    assert "s3cr3t" not in msg and "/one/a" in msg


def test_strict_sentinels_must_be_satisfied_by_first_service():
    with pytest.raises(ChamberError) as e:
        strict({"A": "chamberme", "B": "chamberme"},
               [("one", [raw("one", "a", "1")]), ("two", [raw("two", "b", "2")])])
    assert str(e.value) == "parent env was expecting B=chamberme, but was not in store"


def test_strict_pristine_second_service_sees_only_first_services_vars():
    st = strict({"A": "chamberme", "PATH": "/bin"},
                [("one", [raw("one", "a", "1")]), ("two", [raw("two", "zzz", "2")])], pristine=True)
    assert st.env == {}  # "two" set nothing, so everything from before it is pruned


# --- limits ----------------------------------------------------------------------------------
def test_single_variable_limit_boundary():
    # NAME=value plus NUL: 131072 bytes is allowed, one more is not.
    name = "BIG"
    ok = "x" * (ex.MAX_ARG_STRLEN - len(name) - 2)
    st = ex.ExecEnv({name: ok}, {name: ex.Source("svc", "/svc/big")})
    ex.check_environment(["true"], st)
    st.env[name] = ok + "y"
    with pytest.raises(ChamberError) as e:
        ex.check_environment(["true"], st)
    msg = str(e.value)
    assert "BIG" in msg and "/svc/big" in msg and "131073" in msg and "131072" in msg
    assert "xxxx" not in msg


def test_multibyte_values_counted_in_bytes():
    value = "é" * 70000  # 140000 bytes in UTF-8, 70000 characters
    with pytest.raises(ChamberError, match="environment variable V "):
        ex.check_environment(["true"], ex.ExecEnv({"V": value}))


def test_total_budget_names_largest_variable():
    st = ex.ExecEnv({"SMALL": "a", "LARGER": "b" * 100}, {"LARGER": ex.Source("s", "/s/larger")})
    # argv "true": 5+8; SMALL=a: 8+8; LARGER=...: 108+8
    total = 13 + 16 + 116
    ex.check_environment(["true"], st, limit=total)
    with pytest.raises(ChamberError) as e:
        ex.check_environment(["true"], st, limit=total - 1)
    msg = str(e.value)
    assert f"take {total} bytes" in msg and "ARG_MAX" in msg and "LARGER" in msg
    assert "bbbb" not in msg


def test_nul_and_bad_names_refused_without_value():
    with pytest.raises(ChamberError, match="NUL") as e:
        ex.check_environment(["true"], ex.ExecEnv({"A": "pw\0zz9"}))
    assert "zz9" not in str(e.value) and "environment variable A" in str(e.value)
    with pytest.raises(ChamberError, match="not a valid environment variable name"):
        ex.check_environment(["true"], ex.ExecEnv({"A=B": "x"}))
    with pytest.raises(ChamberError, match="argument 1"):
        ex.check_environment(["true", "a\0b"], ex.ExecEnv({}))


def test_default_budget_is_sysconf():
    assert ex.arg_max() == os.sysconf("SC_ARG_MAX")


# --- LookPath -------------------------------------------------------------------------------
@pytest.fixture
def bindir(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    prog = d / "prog"
    prog.write_text("#!/bin/sh\necho hi\n")
    prog.chmod(0o755)
    noexec = d / "noexec"
    noexec.write_text("x")
    noexec.chmod(0o644)
    (d / "adir").mkdir()
    return d


def test_look_path_search(bindir):
    assert ex.look_path("prog", f"/nonexistent:{bindir}") == str(bindir / "prog")
    assert ex.look_path("prog", f"{bindir}//:/usr/bin") == str(bindir / "prog")  # cleaned


def test_look_path_not_found(bindir):
    for path in ("/nonexistent", "", None):
        with pytest.raises(ChamberError) as e:
            ex.look_path("nosuch-prog", path)
        assert str(e.value) == 'exec: "nosuch-prog": executable file not found in $PATH'


def test_look_path_skips_dirs_and_non_executables(bindir):
    if os.geteuid() == 0 and os.access(bindir / "noexec", os.X_OK):
        pytest.skip("root can execute anything here")
    with pytest.raises(ChamberError, match="not found"):
        ex.look_path("noexec", str(bindir))
    with pytest.raises(ChamberError, match="not found"):
        ex.look_path("adir", str(bindir))


def test_look_path_relative_entries_refused(bindir, monkeypatch):
    monkeypatch.chdir(bindir)
    for path in ("", ":", ".", "/nonexistent::/x"):
        with pytest.raises(ChamberError) as e:
            ex.look_path("prog", path or ":")
        assert str(e.value) == 'exec: "prog": cannot run executable found relative to current directory'
    monkeypatch.chdir(bindir.parent)
    with pytest.raises(ChamberError, match="relative to current directory"):
        ex.look_path("prog", "bin")


def test_look_path_with_slash_used_as_is(bindir, monkeypatch):
    assert ex.look_path(str(bindir / "prog"), "") == str(bindir / "prog")
    monkeypatch.chdir(bindir)
    assert ex.look_path("./prog", "") == "./prog"
    with pytest.raises(ChamberError) as e:
        ex.look_path("./missing", "/usr/bin")
    assert str(e.value) == 'exec: "./missing": stat ./missing: no such file or directory'
    with pytest.raises(ChamberError) as e:
        ex.look_path("./adir", "")
    assert str(e.value) == 'exec: "./adir": is a directory'
    if not (os.geteuid() == 0 and os.access("noexec", os.X_OK)):
        with pytest.raises(ChamberError) as e:
            ex.look_path("./noexec", "")
        assert str(e.value) == 'exec: "./noexec": permission denied'


def test_go_quote():
    assert ex.go_quote("foo") == '"foo"'
    assert ex.go_quote('a"b\\c\n\t') == '"a\\"b\\\\c\\n\\t"'
    assert ex.go_quote("é\x01") == '"é\\x01"'
    assert ex.go_quote(os.fsdecode(b"\xff")) == '"\\xff"'


def test_exec_into_failure_is_one_line(tmp_path):
    script = tmp_path / "bad"
    script.write_bytes(b"\x00\x01\x02not a program")
    script.chmod(0o755)
    with pytest.raises(ChamberError) as e:
        ex.exec_into(str(script), [str(script)], {})
    assert str(e.value) == "exec format error"


def test_parent_environ_is_a_copy():
    env = ex.parent_environ()
    env["PYCHAMBER_TEST_X"] = "1"
    assert "PYCHAMBER_TEST_X" not in os.environ


# --- the command line split ------------------------------------------------------------------
@pytest.mark.parametrize("raw_argv,args,want", [
    (["exec", "a", "b", "--", "cmd", "x"], ["a", "b", "cmd", "x"], (["a", "b"], ["cmd", "x"])),
    (["exec", "a", "--", "cmd", "--", "y"], ["a", "cmd", "--", "y"], (["a"], ["cmd", "--", "y"])),
    (["exec", "a", "--", "cmd", "--pristine"], ["a", "cmd", "--pristine"], (["a"], ["cmd", "--pristine"])),
    (["--verbose", "-b", "ssm", "exec", "--pristine", "a", "--", "c"], ["a", "c"], (["a"], ["c"])),
    (["exec", "a", "--verbose", "-r", "3", "--strict", "--", "c"], ["a", "c"], (["a"], ["c"])),
    (["exec", "--strict-value", "--", "a", "--", "c"], ["a", "c"], (["a"], ["c"])),
    (["exec", "--strict-value=v", "a", "--", "c"], ["a", "c"], (["a"], ["c"])),
    (["exec", "--", "c"], ["c"], ([], ["c"])),
    (["exec", "a", "--"], ["a"], (["a"], [])),
    (["exec", "a", "b"], ["a", "b"], None),
    (["-b", "null", "exec", "a", "--", "c"], ["a", "c"], (["a"], ["c"])),
])
def test_split_command_line(raw_argv, args, want):
    from pychamber.cli.run import split_command_line

    assert split_command_line(raw_argv, args) == want


# --- loading order with a fake store ---------------------------------------------------------
class FakeStore(Store):
    def __init__(self, data, fail=(), many=True):
        self.data = data
        self.fail = set(fail)
        self.calls: list[str] = []
        if not many:
            self.list_raw_many = None  # type: ignore[assignment]

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


@pytest.fixture
def err(monkeypatch):
    from pychamber.cli import console as console_mod

    buf = io.BytesIO()
    monkeypatch.setattr(console_mod.console, "_stderr", buf)
    return buf


def test_assemble_uses_list_raw_many_and_merges_in_order(err):
    from pychamber.execution import assemble
    from pychamber.settings import Settings

    store = FakeStore({"one": {"a": "1", "b": "1"}, "two": {"a": "2"}})
    st = assemble(Settings(), store, ["One", "two"], {"B": "x"}, False, False, "chamberme")
    assert st.env == {"B": "1", "A": "2"}
    assert store.calls[0] == "many"
    assert err.getvalue().decode() == (
        "warning: service One overwriting environment variable B\n"
        "warning: service two overwriting environment variable A\n")


def test_assemble_error_attributed_in_argument_order(err):
    from pychamber.execution import assemble
    from pychamber.settings import Settings

    store = FakeStore({"one": {"a": "1"}, "two": {"a": "2"}}, fail={"two", "three"})
    with pytest.raises(ChamberError) as e:
        assemble(Settings(), store, ["one", "two", "three", "one"], {}, True, False, "chamberme")
    assert str(e.value) == "Failed to list store contents: boom two"
    # list_raw_many failed: listed again one by one, stopping at the first failure
    assert store.calls == ["many", "one", "two", "one", "two"]


def test_assemble_strict_errors_unwrapped(err):
    from pychamber.execution import assemble
    from pychamber.settings import Settings

    store = FakeStore({}, fail={"one"}, many=False)
    with pytest.raises(ChamberError) as e:
        assemble(Settings(), store, ["one"], {}, False, True, "chamberme")
    assert str(e.value) == "boom one"


def test_dry_run_table():
    from pychamber.execution import dry_run_table

    store = FakeStore({"one": {"a-b": "v3"}, "two": {"c": "v1"}})
    st = ex.ExecEnv({"A_B": "v3", "C": "v1", "PATH": "/bin"},
                    {"A_B": ex.Source("One", "/one/a-b"), "C": ex.Source("two", "/two/c")})
    from pychamber.compat.tabwriter import table

    out = dry_run_table(store, st)
    assert out == table([["Name", "Service", "Key", "Version"], ["A_B", "one", "a-b", "3"],
                         ["C", "two", "c", "1"]])
    assert "v3" not in out


# --- the typer-free fast path's parser -------------------------------------------------------
@pytest.mark.parametrize("argv,want", [
    (["exec", "a", "--", "c"], ({}, {}, ["a"], ["c"])),
    (["--verbose", "-b", "ssm", "exec", "--pristine", "a", "b", "--strict", "--", "c", "--x"],
     ({"verbose": True, "backend_flag": "ssm"}, {"pristine": True, "strict": True}, ["a", "b"],
      ["c", "--x"])),
    (["-bnull", "exec", "a", "-r", "3", "--strict-value=v", "--dry-run", "--", "c"],
     ({"backend_flag": "null", "retries_flag": 3}, {"strict_value": "v", "dry_run": True}, ["a"],
      ["c"])),
    (["exec", "--strict-value", "--", "a", "--", "c"], ({}, {"strict_value": "--"}, ["a"], ["c"])),
    (["--retry-mode", "adaptive", "exec", "a", "--", "c"],
     ({"retry_mode": "adaptive"}, {}, ["a"], ["c"])),
])
def test_parse_fast(argv, want):
    assert ex.parse_fast(argv) == want


@pytest.mark.parametrize("argv", [
    [], ["exec"], ["exec", "a", "c"], ["exec", "--", "c"], ["exec", "a", "--"], ["list", "a"],
    ["exec", "-h"], ["exec", "--help", "a", "--", "c"], ["exec", "--nope", "a", "--", "c"],
    ["exec", "a", "-r", "x", "--", "c"], ["--pristine", "exec", "a", "--", "c"],
    ["--min-throttle-delay", "1s", "exec", "a", "--", "c"], ["exec", "--verbose=true", "a", "--", "c"],
    ["-b"], ["version"],
])
def test_parse_fast_defers_everything_else(argv):
    assert ex.parse_fast(argv) is None
