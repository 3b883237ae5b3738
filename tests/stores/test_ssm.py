"""SSMStore against the moto server (chamber §4.1)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from pychamber.errors import ChamberError, SecretNotFound
from pychamber.model import RawSecret, SecretId, StoreConfig
from pychamber.settings import Settings
from pychamber.compat.strconv import go_atoi, go_int, go_list
from pychamber.stores.ssm import (
    SSMStore,
    base_path,
    dump_store_config,
    parse_store_config,
)


@pytest.fixture
def make_store(aws_process_env):
    def make(retries: int = 3) -> SSMStore:
        return SSMStore.from_settings(Settings(environ=aws_process_env), retries)

    return make


@pytest.fixture
def store(make_store):
    return make_store()


def sid(service: str, key: str) -> SecretId:
    return SecretId(service, key)


def put(ssm_client, name, value="v", description=None, type_="SecureString", **kw):
    params = dict(Name=name, Value=value, Type=type_, Overwrite=True, **kw)
    if description is not None:
        params["Description"] = description
    ssm_client.put_parameter(**params)


def fail_op(store: SSMStore, op: str, code: str = "AccessDeniedException", times: int | None = None):
    """Make ``op`` answer HTTP 400 ``code`` (every time, or the first ``times`` times)."""
    from botocore.awsrequest import AWSResponse

    calls = []

    class Raw:
        def stream(self, **_):
            yield b""

    def handler(request, **_):
        calls.append(1)
        if times is not None and len(calls) > times:
            return None
        body = json.dumps({"__type": code, "message": "nope"}).encode()
        resp = AWSResponse(
            request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, Raw()
        )
        resp._content = body
        return resp

    store.client.meta.events.register_first(f"before-send.ssm.{op}", handler)
    return calls


# --- pure helpers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,want",
    [
        ("1", 1), ("42", 42), ("+7", 7), ("-3", -3), ("007", 7), ("", 0), (None, 0), ("x", 0),
        ("1.5", 0), (" 1", 0), ("1 ", 0), ("1_0", 0), ("٣", 0), ("99999999999999999999", 2**63 - 1),
        ("-99999999999999999999", -(2**63)),
    ],
)
def test_go_atoi(text, want):
    assert go_atoi(text) == want


@pytest.mark.parametrize("text,want", [("1", 1), ("-0", 0), ("+5", 5), (str(2**63 - 1), 2**63 - 1),
                                       (str(2**63), None), (str(-(2**63)), -(2**63)), ("1.0", None), ("1e3", None)])
def test_go_int(text, want):
    assert go_int(text) == want


def test_small_helpers():
    assert go_list(["a", "b"]) == "[a b]"
    assert go_list([]) == "[]"
    assert base_path("/a/b/key") == "/a/b"
    assert base_path("/svc/key") == "/svc"
    assert base_path("key") == "key"


def test_store_config_json():
    assert dump_store_config(StoreConfig("1", ["a", "b"])) == '{"version":"1","requiredTags":["a","b"]}'
    assert dump_store_config(StoreConfig("1", [])) == '{"version":"1"}'
    assert parse_store_config('{"VERSION":"2","requiredtags":["x"],"other":1}') == StoreConfig("2", ["x"])
    assert parse_store_config("{}") == StoreConfig("", [])
    for bad in ("", "[]", "{", '{"version":1}', '{"requiredTags":"a"}', "nope"):
        with pytest.raises(ValueError):
            parse_store_config(bad)


# --- write -----------------------------------------------------------------------------------
def test_write_versions_in_description(store, ssm_client):
    store.write(sid("svc", "key"), "one")
    p = ssm_client.describe_parameters()["Parameters"]
    assert [(x["Name"], x["Description"], x["Type"], x["KeyId"]) for x in p] == [
        ("/svc/key", "1", "SecureString", "alias/parameter_store_key")
    ]
    store.write(sid("svc", "key"), "two")
    got = ssm_client.get_parameter(Name="/svc/key", WithDecryption=True)["Parameter"]
    assert got["Value"] == "two"
    assert got["Type"] == "SecureString"
    desc = ssm_client.describe_parameters()["Parameters"][0]
    assert desc["Description"] == "2"
    hist = ssm_client.get_parameter_history(Name="/svc/key")["Parameters"]
    assert [h["Description"] for h in hist] == ["1", "2"]


@pytest.mark.parametrize(
    "alias,want",
    [("mykey", "alias/mykey"), ("alias/other", "alias/other"), ("", "alias/")],
)
def test_kms_key_alias_from_env(make_store, ssm_client, monkeypatch, alias, want):
    monkeypatch.setenv("CHAMBER_KMS_KEY_ALIAS", alias)
    store = make_store()
    store.write(sid("svc", "key"), "v")
    assert ssm_client.describe_parameters()["Parameters"][0]["KeyId"] == want


def test_write_tags_on_create(store, ssm_client):
    store.write_with_tags(sid("svc", "key"), "v", {"team": "a", "env": "prod"})
    tags = ssm_client.list_tags_for_resource(ResourceType="Parameter", ResourceId="/svc/key")
    assert {t["Key"]: t["Value"] for t in tags["TagList"]} == {"team": "a", "env": "prod"}
    assert store.read_tags(sid("svc", "key")) == {"team": "a", "env": "prod"}


def test_write_tags_on_existing_refused(store, ssm_client):
    store.write(sid("svc", "key"), "v1")
    with pytest.raises(ChamberError) as e:
        store.write_with_tags(sid("svc", "key"), "v2", {"team": "a"})
    assert str(e.value) == "tags on write only supported for new secrets"
    assert store.read(sid("svc", "key")).value == "v1"
    # empty tags behave like a plain write
    store.write_with_tags(sid("svc", "key"), "v2", {})
    assert store.read(sid("svc", "key")).meta.version == 2


def test_tag_failure_after_put(store):
    fail_op(store, "AddTagsToResource", "TooManyTagsError")
    with pytest.raises(ChamberError) as e:
        store.write_with_tags(sid("svc", "key"), "v", {"team": "a"})
    msg = str(e.value)
    assert msg.startswith("failed to write tags on successfully created secret: "
                          "operation error SSM: AddTagsToResource, ")
    assert "\n" not in msg
    assert store.read(sid("svc", "key")).value == "v"  # the put itself happened


def test_required_tags(store, ssm_client):
    store.write(sid("svc", "old"), "v")  # before the config: no rules
    store.set_config(StoreConfig("1", ["team", "owner"]))
    raw = ssm_client.get_parameter(Name="/_chamber/store-config", WithDecryption=True)["Parameter"]
    assert raw["Value"] == '{"version":"1","requiredTags":["team","owner"]}'
    assert store.config() == StoreConfig("1", ["team", "owner"])

    with pytest.raises(ChamberError) as e:
        store.write(sid("svc", "new"), "v")
    assert str(e.value) == "required tags [team owner] are missing"
    with pytest.raises(ChamberError) as e:
        store.write_with_tags(sid("svc", "new"), "v", {"team": "x"})
    assert str(e.value) == "required tags [owner] are missing"
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "new"))

    store.write_with_tags(sid("svc", "new"), "v", {"team": "x", "owner": "y"})
    assert store.read_tags(sid("svc", "new")) == {"team": "x", "owner": "y"}
    store.write(sid("svc", "old"), "v2")  # existing secrets need no tags
    assert store.read(sid("svc", "old")).meta.version == 2

    # tag rules
    with pytest.raises(ChamberError) as e:
        store.delete_tags(sid("svc", "new"), ["owner", "other", "team"])
    assert str(e.value) == "required tags [team owner] may not be deleted"
    store.write_tags(sid("svc", "new"), {"extra": "1"})
    with pytest.raises(ChamberError) as e:
        store.write_tags(sid("svc", "new"), {"owner": "z"}, delete_other_tags=True)
    assert str(e.value) == "required tags [team] are already present, so they must be rewritten"
    store.write_tags(sid("svc", "new"), {"owner": "z", "team": "t"}, delete_other_tags=True)
    assert store.read_tags(sid("svc", "new")) == {"owner": "z", "team": "t"}
    # a required tag that is not present yet may be left out
    store.write_tags(sid("svc", "old"), {"x": "1"}, delete_other_tags=True)
    assert store.read_tags(sid("svc", "old")) == {"x": "1"}

    # set_config again: version 2 of the config secret
    store.set_config(StoreConfig("1", []))
    assert store.read(sid("_chamber", "store-config")).meta.version == 2
    assert store.config() == StoreConfig("1", [])


def test_config_default_and_invalid(store, ssm_client):
    assert store.config() == StoreConfig("1", [])
    put(ssm_client, "/_chamber/store-config", "{not json", description="1")
    with pytest.raises(ChamberError) as e:
        store.config()
    assert str(e.value).startswith("failed to unmarshal store config: ")
    with pytest.raises(ChamberError) as e:
        store.write(sid("svc", "new"), "v")
    assert str(e.value).startswith("failed to unmarshal store config: ")


def test_write_error_is_one_line_aws_error(store):
    with pytest.raises(ChamberError) as e:
        store.write(sid("svc", "key"), "")  # SSM rejects empty values
    msg = str(e.value)
    assert msg.startswith("operation error SSM: PutParameter, https response error StatusCode: 400, RequestID: ")
    assert "api error ValidationException: " in msg
    assert "\n" not in msg


# --- read ------------------------------------------------------------------------------------
def test_read_latest_and_versions(store):
    i = sid("svc", "key")
    for v in ("one", "two", "three"):
        store.write(i, v)
    latest = store.read(i)
    assert (latest.value, latest.meta.version, latest.meta.key) == ("three", 3, "/svc/key")
    assert latest.meta.created_by == "N/A"  # moto's LastModifiedUser
    assert isinstance(latest.meta.created, datetime) and latest.meta.created.tzinfo is not None
    for n, v in ((1, "one"), (2, "two"), (3, "three")):
        s = store.read(i, n)
        assert (s.value, s.meta.version, s.meta.key) == (v, n, "/svc/key")
        assert s.meta.created.tzinfo is not None
    with pytest.raises(SecretNotFound):
        store.read(i, 4)
    with pytest.raises(SecretNotFound):
        store.read(i, 0)


def test_read_missing(store):
    with pytest.raises(SecretNotFound) as e:
        store.read(sid("svc", "nope"))
    assert str(e.value) == "secret not found"
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "nope"), 1)
    with pytest.raises(SecretNotFound):
        store.history(sid("svc", "nope"))


def test_read_version_and_history_tell_a_refusal_from_not_found(store):
    # chamber answers "secret not found" for any GetParameterHistory error; pychamber keeps that
    # text for a parameter that is really missing and gives every other failure its own line
    store.write(sid("svc", "key"), "v")
    with pytest.raises(SecretNotFound):
        store.history(sid("svc", "nope"))
    fail_op(store, "GetParameterHistory", "AccessDeniedException")
    for call in (lambda: store.read(sid("svc", "key"), 1), lambda: store.history(sid("svc", "key"))):
        with pytest.raises(ChamberError) as e:
            call()
        assert not isinstance(e.value, SecretNotFound)
        assert "operation error SSM: GetParameterHistory, " in str(e.value)
        assert "api error AccessDeniedException: nope" in str(e.value)


def test_read_latest_error_is_passed_through(store):
    fail_op(store, "GetParameters", "AccessDeniedException")
    with pytest.raises(ChamberError) as e:
        store.read(sid("svc", "key"))
    assert not isinstance(e.value, SecretNotFound)
    assert "operation error SSM: GetParameters, " in str(e.value)
    assert "api error AccessDeniedException: nope" in str(e.value)


def test_external_parameter_is_version_0(store, ssm_client):
    put(ssm_client, "/svc/ext", "external", type_="String")
    s = store.read(sid("svc", "ext"))
    assert (s.value, s.meta.version) == ("external", 0)
    assert [(e.type, e.version) for e in store.history(sid("svc", "ext"))] == [("Updated", 0)]
    assert store.read(sid("svc", "ext"), 0).value == "external"
    store.write(sid("svc", "ext"), "mine")
    desc = ssm_client.describe_parameters()["Parameters"][0]
    assert desc["Description"] == "1" and desc["Type"] == "SecureString"
    assert [(e.type, e.version) for e in store.history(sid("svc", "ext"))] == [
        ("Updated", 0),
        ("Created", 1),
    ]
    put(ssm_client, "/svc/ext2", "x", description="not a number")
    assert store.read(sid("svc", "ext2")).meta.version == 0


def test_history(store):
    i = sid("svc", "key")
    store.write(i, "a")
    store.write(i, "b")
    store.write(i, "c")
    events = store.history(i)
    assert [(e.type, e.version, e.user) for e in events] == [
        ("Created", 1, "N/A"),
        ("Updated", 2, "N/A"),
        ("Updated", 3, "N/A"),
    ]
    assert events[0].time <= events[1].time <= events[2].time
    assert all(e.time.tzinfo is not None for e in events)


def test_history_and_versions_paginate(store, ssm_client):
    for n in range(1, 56):  # GetParameterHistory pages hold 50
        put(ssm_client, "/svc/many", f"value {n}", description=str(n))
    assert store.read(sid("svc", "many"), 53).value == "value 53"
    assert store.read(sid("svc", "many"), 2).value == "value 2"
    assert [e.version for e in store.history(sid("svc", "many"))] == list(range(1, 56))
    assert store.read(sid("svc", "many")).meta.version == 55


# --- delete ----------------------------------------------------------------------------------
def test_delete(store, ssm_client):
    store.write(sid("svc", "key"), "v")
    store.write(sid("svc", "key"), "v2")
    store.delete(sid("svc", "key"))
    assert ssm_client.describe_parameters()["Parameters"] == []
    with pytest.raises(SecretNotFound) as e:
        store.delete(sid("svc", "key"))
    assert str(e.value) == "secret not found"
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "key"))
    store.write(sid("svc", "key"), "again")
    assert store.read(sid("svc", "key")).meta.version == 1


# --- list ------------------------------------------------------------------------------------
def _setup_match(store, ssm_client):
    store.write(sid("match", "a"), "1")
    store.write(sid("match", "b"), "2")
    store.write(sid("matchlonger", "c"), "3")
    store.write(sid("match/nested", "d"), "4")
    store.write(sid("other", "e"), "5")
    put(ssm_client, "/match/bad name", "x", description="1")  # moto accepts these names
    put(ssm_client, "/match/bang!", "x", description="1")


def test_list_exact_service(store, ssm_client):
    _setup_match(store, ssm_client)
    got = sorted(store.list("match"), key=lambda s: s.meta.key)
    assert [(s.meta.key, s.value, s.meta.version) for s in got] == [
        ("/match/a", None, 1),
        ("/match/b", None, 1),
    ]
    with_values = sorted(store.list("match", include_values=True), key=lambda s: s.meta.key)
    assert [(s.meta.key, s.value) for s in with_values] == [("/match/a", "1"), ("/match/b", "2")]
    assert [s.meta.key for s in store.list("match/nested", True)] == ["/match/nested/d"]
    assert store.list("nothing") == []


def test_list_raw_exact_service(store, ssm_client):
    _setup_match(store, ssm_client)
    put(ssm_client, "/match/plain", "string type", type_="String")
    got = sorted(store.list_raw("match"), key=lambda r: r.key)
    assert got == [
        RawSecret("/match/a", "1"),
        RawSecret("/match/b", "2"),
        RawSecret("/match/plain", "string type"),
    ]
    assert store.list_raw("match/nested") == [RawSecret("/match/nested/d", "4")]
    assert store.list_raw("nothing") == []


def test_list_raw_uses_only_get_parameters_by_path(store, ssm_client):
    store.write(sid("svc", "a"), "1")
    seen = []
    store.client.meta.events.register("before-call.ssm.*", lambda model, **_: seen.append(model.name))
    store.list_raw("svc")
    assert set(seen) == {"GetParametersByPath"}


def test_pagination(store, ssm_client):
    for n in range(55):
        put(ssm_client, f"/big/k{n:02d}", f"value-{n}", description="1")
    for n in range(20):  # exactly two pages of 10: moto then sends an empty page with a token
        put(ssm_client, f"/twenty/k{n:02d}", f"v{n}", description="1")
    raw = store.list_raw("big")
    assert sorted((r.key, r.value) for r in raw) == sorted(
        (f"/big/k{n:02d}", f"value-{n}") for n in range(55)
    )
    assert len(store.list_raw("twenty")) == 20
    listed = store.list("big", include_values=True)
    assert sorted((s.meta.key, s.value) for s in listed) == sorted(
        (f"/big/k{n:02d}", f"value-{n}") for n in range(55)
    )
    assert store.read(sid("big", "k54")).value == "value-54"  # metadata on a later describe page
    assert len(store.list_services("big", include_secret_name=True)) == 55
    assert sorted(store.list_services("")) == ["big", "twenty"]


def test_list_services(store, ssm_client):
    for service in ("app", "app/web", "app/web/deep", "apple", "other"):
        store.write(sid(service, "k"), "v")
    put(ssm_client, "/app/bad name", "x")
    assert sorted(store.list_services("app")) == ["app", "app/web", "app/web/deep", "apple"]
    assert sorted(store.list_services("app/")) == ["app", "app/web", "app/web/deep"]
    assert sorted(store.list_services("")) == ["app", "app/web", "app/web/deep", "apple", "other"]
    assert sorted(store.list_services("app/web", include_secret_name=True)) == [
        "/app/web/deep/k",
        "/app/web/k",
    ]
    assert store.list_services("zzz") == []


def test_list_raw_many_order(store):
    for service, n in (("s1", 3), ("s2", 1), ("s3", 12), ("s4", 0)):
        for k in range(n):
            store.write(sid(service, f"k{k}"), f"{service}-{k}")
    services = ["s3", "s4", "s1", "s2", "s1"]
    got = store.list_raw_many(services)
    assert [sorted(r.key for r in rs) for rs in got] == [
        sorted(f"/s3/k{k}" for k in range(12)),
        [],
        ["/s1/k0", "/s1/k1", "/s1/k2"],
        ["/s2/k0"],
        ["/s1/k0", "/s1/k1", "/s1/k2"],
    ]
    assert store.list_raw_many([]) == []
    assert store.list_raw_many(["s2"]) == [[RawSecret("/s2/k0", "s2-0")]]


# --- values ----------------------------------------------------------------------------------
TRICKY = {
    "quotes": "it's \"quoted\" `back`",
    "newlines": "line1\nline2\n",
    "crlf": "a\r\nb\r\n",
    "tabs": "\tlead\ttab\t",
    "unicode": "héllo wörld ✓ 🎉 日本語",
    "dollar": "$HOME ${X} $(rm -rf) $$",
    "backslash": "C:\\path\\n\\t\\\\",
    "spaces": "  padded  ",
    "json": '{"a": [1, 2], "b": null}',
    "big": ("0123456789abcdef" * 256),  # 4096 bytes
    "bigunicode": "é" * 2000,  # 4000 bytes
}


def test_tricky_values_round_trip(store, ssm_client):
    for key, value in TRICKY.items():
        store.write(sid("tricky", key), value)
    for key, value in TRICKY.items():
        assert store.read(sid("tricky", key)).value == value
        assert store.read(sid("tricky", key), 1).value == value
        got = ssm_client.get_parameter(Name=f"/tricky/{key}", WithDecryption=True)["Parameter"]
        assert got["Value"] == value
    assert {r.key: r.value for r in store.list_raw("tricky")} == {
        f"/tricky/{k}": v for k, v in TRICKY.items()
    }
    assert {s.meta.key: s.value for s in store.list("tricky", True)} == {
        f"/tricky/{k}": v for k, v in TRICKY.items()
    }


# --- tags ------------------------------------------------------------------------------------
def test_tags(store):
    i = sid("svc", "key")
    with pytest.raises(SecretNotFound):
        store.read_tags(i)
    with pytest.raises(ChamberError) as e:
        store.write_tags(i, {"a": "1"})
    assert not isinstance(e.value, SecretNotFound)
    assert "operation error SSM: AddTagsToResource, " in str(e.value)
    assert "InvalidResourceId" in str(e.value)

    store.write(i, "v")
    assert store.read_tags(i) == {}
    store.write_tags(i, {"a": "1", "b": "2"})
    store.write_tags(i, {"b": "3", "c": "4"})
    assert store.read_tags(i) == {"a": "1", "b": "3", "c": "4"}
    store.write_tags(i, {"c": "5"}, delete_other_tags=True)
    assert store.read_tags(i) == {"c": "5"}
    store.delete_tags(i, ["c", "missing"])
    assert store.read_tags(i) == {}
    store.write(i, "v2")  # tags survive writes
    store.write_tags(i, {"x": "y"})
    store.write(i, "v3")
    assert store.read_tags(i) == {"x": "y"}


# --- write_many (import) -----------------------------------------------------------------------
def test_write_many_versions_and_calls(store, ssm_client):
    store.write(sid("svc", "existing"), "old")
    put(ssm_client, "/svc/foreign", "f", type_="String")  # version 0 -> 1
    put(ssm_client, "/svc/deeper/k", "d", description="4")  # read individually -> 5
    seen = []
    store.client.meta.events.register("before-call.ssm.*", lambda model, **_: seen.append(model.name))
    progress = []
    pairs = [("existing", "new"), ("fresh", "x\r\ny"), ("foreign", "mine"), ("deeper/k", "dd"),
             ("fresh", "again"), ("Upper Case", "u")]
    assert store.write_many("svc", pairs, lambda n, t: progress.append((n, t))) == [k for k, _ in pairs]
    assert progress == [(n, 6) for n in range(1, 7)]
    # one listing, one config read (a GetParameters: none stored), one read for deeper/k
    assert sorted(seen) == sorted(
        ["DescribeParameters"] * 2 + ["GetParameters"] * 2 + ["PutParameter"] * 6
    )
    got = {p["Name"]: p for p in ssm_client.describe_parameters(
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/svc"]}])["Parameters"]}
    assert {n: got[n]["Description"] for n in got} == {
        "/svc/existing": "2", "/svc/fresh": "2", "/svc/foreign": "1", "/svc/deeper/k": "5",
        "/svc/Upper Case": "1",
    }
    assert all(p["Type"] == "SecureString" and p["KeyId"] == "alias/parameter_store_key" for p in got.values())
    assert store.read(sid("svc", "fresh")).value == "again"
    assert store.read(sid("svc", "fresh"), 1).value == "x\r\ny"


def test_write_many_required_tags_partial(store):
    store.write(sid("svc", "a"), "1")
    store.set_config(StoreConfig("1", ["team"]))
    with pytest.raises(ChamberError) as e:
        store.write_many("svc", [("a", "2"), ("b", "3"), ("c", "4")])
    err = e.value
    assert err.written == ["a"] and err.not_written == ["b", "c"]
    assert str(err.cause) == "required tags [team] are missing"
    assert store.read(sid("svc", "a")).value == "2"
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "b"))


def test_write_many_aws_error_partial(store):
    with pytest.raises(ChamberError) as e:
        store.write_many("svc", [("a", "1"), ("b", ""), ("c", "3")])
    assert e.value.written == ["a"] and e.value.not_written == ["b", "c"]
    assert "api error ValidationException" in str(e.value) and "\n" not in str(e.value)


# --- concurrent writers of one key (chamber's counter lives in the Description) ----------------
def _writer_sneaks_in(store: SSMStore, ssm_client, name: str, value: str) -> None:
    """Before the store's next PutParameter, another chamber-like writer stores ``value`` under
    the chamber version the store has just read + 1 (what a concurrent chamber would claim)."""

    def before(**kwargs):
        client.meta.events.unregister("before-send.ssm.PutParameter", before)
        current = ssm_client.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])["Parameters"]
        claimed = go_atoi(current[0]["Description"]) + 1 if current else 1
        put(ssm_client, name, value, str(claimed))

    client = store._get_client("PutParameter")
    client.meta.events.register_first("before-send.ssm.PutParameter", before)


@pytest.fixture
def said(aws_process_env):
    lines: list[str] = []
    store = SSMStore.from_settings(Settings(environ=aws_process_env, report=lines.append), 3)
    return store, lines


def test_a_shared_chamber_version_is_detected_and_read_predictably(said, ssm_client):
    store, lines = said
    store.write(sid("svc", "k"), "one")
    _writer_sneaks_in(store, ssm_client, "/svc/k", "theirs")
    store.write(sid("svc", "k"), "mine")  # both claimed chamber version 2
    warning = ("warning: /svc/k has chamber version 2 more than once (Parameter Store versions 2, "
               "3, written concurrently); read -v 2 reads the newest (3)\n")
    assert lines == [warning]
    hist = ssm_client.get_parameter_history(Name="/svc/k")["Parameters"]
    assert [(h["Version"], h["Description"]) for h in hist] == [(1, "1"), (2, "2"), (3, "2")]
    lines.clear()
    assert store.read(sid("svc", "k"), 2).value == "mine"  # the newest of the two
    assert lines == [warning]
    lines.clear()
    assert [(e.type, e.version) for e in store.history(sid("svc", "k"))] == [
        ("Created", 1), ("Updated", 2), ("Updated", 2)]
    assert lines == [warning]
    lines.clear()
    store.write(sid("svc", "k"), "next")  # no one in between: no line
    assert lines == [] and store.read(sid("svc", "k")).meta.version == 3


def test_a_concurrent_write_with_another_number_says_nothing(said, ssm_client):
    store, lines = said
    store.write(sid("svc", "k"), "one")

    def before(**kwargs):
        client.meta.events.unregister("before-send.ssm.PutParameter", before)
        put(ssm_client, "/svc/k", "other tool")  # no Description: moto keeps "1"... then 7
        put(ssm_client, "/svc/k", "other tool", "7")

    client = store._get_client("PutParameter")
    client.meta.events.register_first("before-send.ssm.PutParameter", before)
    store.write(sid("svc", "k"), "mine")
    assert lines == []


def test_import_detects_a_shared_version_too(said, ssm_client):
    store, lines = said
    store.write(sid("svc", "k"), "one")
    _writer_sneaks_in(store, ssm_client, "/svc/k", "theirs")
    store.write_many("svc", [("k", "mine"), ("j", "new")])
    assert len(lines) == 1 and lines[0].startswith("warning: /svc/k has chamber version 2 more than once")
