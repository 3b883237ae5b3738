"""chamber's validation regexes with Go semantics (cmd/root_test.go, store/ssmstore_test.go)."""

import pytest

from pychamber import names
from pychamber.errors import ChamberError


@pytest.mark.parametrize("key", ["foo", "foo.bar", "foo.", ".foo", "foo-bar", "FOO_bar9"])
def test_valid_keys(key):
    names.validate_key(key)


@pytest.mark.parametrize("key", ["/foo", "foo//bar", "foo/bar", "key\n", "k y", "", "é", "a:b"])
def test_invalid_keys(key):
    with pytest.raises(ChamberError) as e:
        names.validate_key(key)
    assert e.value.message == (
        f"Failed to validate key name '{key}'. Only alphanumeric, dashes, full stops and "
        "underscores are allowed for key names")


@pytest.mark.parametrize("svc", ["foo", "foo.", ".foo", "foo.bar", "foo-bar", "foo/bar", "foo.bar/foo",
                                 "foo-bar/foo", "foo-bar/foo-bar", "foo/bar/foo", "foo/bar/foo-bar",
                                 "_chamber"])
def test_valid_services(svc):
    names.validate_service(svc)


@pytest.mark.parametrize("svc", ["foo/", "/foo", "foo//bar", "foo\n", "foo bar", "", "foo:bar"])
def test_invalid_services(svc):
    with pytest.raises(ChamberError) as e:
        names.validate_service(svc)
    assert e.value.message.startswith(f"Failed to validate service name '{svc}'. Only alphanumeric")
    assert e.value.message.endswith("Service names must not start or end with a forward slash")


@pytest.mark.parametrize("svc", ["foo", "foo/bar:-current-", "foo.bar/foo:current", "foo-bar/foo:current",
                                 "foo-bar/foo-bar:current", "foo/bar/foo:current",
                                 "foo/bar/foo-bar:current", "foo/bar/foo-bar", "_chamber", "foo/bar:a:b"])
def test_valid_label_services(svc):
    names.validate_service_with_label(svc)


@pytest.mark.parametrize("svc", ["foo:current$", "foo.:", ":foo/bar:current", "foo.bar:cur|rent",
                                 "foo:current", "foo/bar:current\n"])
def test_invalid_label_services(svc):
    with pytest.raises(ChamberError) as e:
        names.validate_service_with_label(svc)
    assert "and colon followed by a label name" in e.value.message


@pytest.mark.parametrize("name,ok", [("/a/b", True), ("/a/b/c", True), ("/a", True), ("a/b", False),
                                     ("/a//b", False), ("/a/b:1", False), ("/a/b/", False),
                                     ("/a/b\n", False)])
def test_stored_name_filter(name, ok):
    assert names.is_stored_name(name) is ok


@pytest.mark.parametrize("name,svc", [("/service1/key_one", "service1"),
                                      ("/service2/subService/key_two", "service2/subService"),
                                      ("/a/b/c/key", "a/b/c"), ("/x", "")])
def test_service_of(name, svc):
    assert names.service_of(name) == svc


def test_tag_regexes():
    names.validate_tag("team", "a b+c-d=e._:/@")
    with pytest.raises(ChamberError, match="Failed to validate tag value ''"):
        names.validate_tag("k", "")
    with pytest.raises(ChamberError, match="Only 128 alphanumeric"):
        names.validate_tag("k!", "v")
    with pytest.raises(ChamberError):
        names.validate_tag("k" * 129, "v")
    names.validate_tag("k" * 128, "v" * 256)
    with pytest.raises(ChamberError, match="Only 256 alphanumeric"):
        names.validate_tag("k", "v" * 257)


def test_go_case_mapping():
    assert names.go_lower(".complex/service-CASE") == ".complex/service-case"
    assert names.go_upper("straße") == "STRAßE"  # Go keeps ß; Python's upper() gives SS
    assert names.go_lower("İ") == "i"
    assert names.go_upper("a-b.c") == "A-B.C"


def test_exec_env_name_keeps_dots():
    assert names.exec_env_name("foo.bar-baz") == "FOO.BAR_BAZ"
