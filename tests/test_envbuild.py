"""The child's environment (envbuild, pure): naming, precedence, strict and pristine modes
(chamber §5.2-5.4), and the kernel-limit guard."""

from __future__ import annotations

import os

import pytest

from pychamber import envbuild as ex
from pychamber.errors import ChamberError
from pychamber.model import RawSecret


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


def test_validate_services_returns_the_reserved_warning():
    assert ex.validate_services(["web", "_chamber"]) == [ex.names.RESERVED_WARNING]
    with pytest.raises(ChamberError) as e:
        ex.validate_services(["bad!"])
    assert str(e.value).startswith("Failed to validate service: ")
