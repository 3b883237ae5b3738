"""S3Store (S3 and S3-KMS) against the moto server (chamber §4.3, §4.4)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from pychamber.compat import gotime
from pychamber.errors import ChamberError, NotImplementedByStore, SecretNotFound
from pychamber.model import RawSecret, SecretId, StoreConfig
from pychamber.settings import Settings
from pychamber.stores import get_store
from pychamber.stores.s3 import (
    S3Store,
    SecretObject,
    dump_index,
    kms_index_name,
    now_rfc3339nano,
    parse_go_time,
    parse_index,
    parse_kms_index,
)

BUCKET = "chamber-test-bucket"
ARN = "arn:aws:sts::123456789012:user/moto"
#: 2024-06-01T12:00:00.123456789Z
FIXED_NS = 1717243200_123456789
FIXED = "2024-06-01T12:00:00.123456789Z"


@pytest.fixture
def s3(aws_process_env, aws_client):
    client = aws_client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def make_store(s3, aws_process_env):
    def make(backend: str = "s3", alias: str | None = None, bucket: str = BUCKET) -> S3Store:
        settings = Settings(backend_flag=backend, s3_bucket_flag=bucket, kms_key_alias_flag=alias,
                            environ=aws_process_env)
        store = get_store(settings)
        assert isinstance(store, S3Store)
        return store

    return make


@pytest.fixture
def store(make_store):
    return make_store()


@pytest.fixture
def kms_store(make_store):
    return make_store("s3-kms")


@pytest.fixture
def fixed_time(monkeypatch):
    monkeypatch.setattr(gotime.time, "time_ns", lambda: FIXED_NS)


def sid(service: str, key: str) -> SecretId:
    return SecretId(service, key)


def body(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def keys(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def put_raw(s3, key: str, data: str | bytes) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=data.encode() if isinstance(data, str) else data)


def fail_get(store: S3Store, path: str, status: int, code: str, message: str = "nope"):
    """Make GetObject of ``path`` answer ``status``/``code`` (S3 XML error)."""
    from botocore.awsrequest import AWSResponse

    class Raw:
        def __init__(self, data):
            self.data = data

        def stream(self, **_):
            yield self.data

    def handler(request, **_):
        if request.url.split("?")[0].endswith("/" + path):
            xml = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
                   f"<Message>{message}</Message><RequestId>rid</RequestId></Error>").encode()
            return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, Raw(xml))
        return None

    store._client("s3", None).meta.events.register_first("before-send.s3.GetObject", handler)


# --- pure helpers -----------------------------------------------------------------------------
@pytest.mark.parametrize("ns,want", [
    (FIXED_NS, FIXED),
    (1717243200_120000000, "2024-06-01T12:00:00.12Z"),
    (1717243200_000000000, "2024-06-01T12:00:00Z"),
    (1717243200_000000001, "2024-06-01T12:00:00.000000001Z"),
])
def test_now_is_go_rfc3339nano(monkeypatch, ns, want):
    monkeypatch.setattr(gotime.time, "time_ns", lambda: ns)
    assert now_rfc3339nano() == want


@pytest.mark.parametrize("text,want,when", [
    (FIXED, FIXED, datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)),
    ("2024-06-01T12:00:00.500+02:00", "2024-06-01T12:00:00.5+02:00",
     datetime(2024, 6, 1, 10, 0, 0, 500000, tzinfo=timezone.utc)),
    ("2024-06-01T12:00:00.000+00:00", "2024-06-01T12:00:00Z",
     datetime(2024, 6, 1, 12, tzinfo=timezone.utc)),
    ("2024-06-01T12:00:00-05:30", "2024-06-01T12:00:00-05:30",
     datetime(2024, 6, 1, 17, 30, tzinfo=timezone.utc)),
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=timezone.utc)),
])
def test_parse_go_time(text, want, when):
    out, dt = parse_go_time(text)
    assert out == want and dt == when


def test_parse_go_time_rejects_non_rfc3339():
    with pytest.raises(ValueError, match='parsing time "yesterday" as "2006-01-02T15:04:05Z07:00"'):
        parse_go_time("yesterday")


def test_secret_object_round_trip_is_go_marshal():
    text = ('{"service":"svc","key":"/svc/k","values":{"1":{"created":"2024-06-01T12:00:00Z",'
            '"created_by":"me","version":1,"value":"a\\u003cb"},"10":{"created":'
            '"2024-06-01T12:00:00.1Z","created_by":"me","version":10,"value":"\\u0026"},'
            '"2":{"created":"2024-06-01T12:00:00Z","created_by":"me","version":2,"value":"x"}}}')
    obj = SecretObject.from_json(text.encode())
    assert sorted(obj.values) == [1, 2, 10]
    assert obj.values[1].value == "a<b"
    assert obj.to_json() == text


def test_secret_object_decoding_is_lenient_like_go():
    obj = SecretObject.from_json(
        b'{"Service":"svc","KEY":"/svc/k","extra":1,"values":{"3":{"Version":3,"VALUE":"v",'
        b'"created":null}}}')
    assert (obj.service, obj.key, obj.values[3].version, obj.values[3].value) == ("svc", "/svc/k", 3, "v")
    assert obj.values[3].created == "0001-01-01T00:00:00Z"
    with pytest.raises(ValueError, match="cannot unmarshal string into Go struct field"):
        SecretObject.from_json(b'{"values":{"1":{"version":"1"}}}')
    with pytest.raises(ValueError, match="invalid character"):
        SecretObject.from_json(b"{nope")


def test_index_helpers():
    assert dump_index({"b": "2", "a": "<&>"}) == '{"latest":{"a":"\\u003c\\u0026\\u003e","b":"2"}}'
    assert parse_index(b'{"latest":{"a":"1"}}') == {"a": "1"}
    assert parse_index(b"{}") == {}
    with pytest.raises(ValueError, match="latest.latest of type string"):
        parse_index(b'{"latest":{"a":1}}')
    kms = parse_kms_index(b'{"latest":{"a":{"version":2,"value":"v","KMSAlias":"alias/x"}}}')
    assert (kms["a"].version, kms["a"].value, kms["a"].kms_alias) == (2, "v", "alias/x")
    assert kms_index_name("alias/parameter_store_key") == "__kms_alias_parameter_store_key__latest.json"
    assert kms_index_name("alias/a/b") == "__kms_alias_a_b__latest.json"


# --- S3 ---------------------------------------------------------------------------------------
def test_write_stores_exact_bytes(store, s3, fixed_time):
    store.write(sid("svc", "db"), 'p<w>&"d"\n')
    assert body(s3, "svc/db.json") == (
        '{"service":"svc","key":"/svc/db","values":{"1":{"created":"' + FIXED + '","created_by":"'
        + ARN + '","version":1,"value":"p\\u003cw\\u003e\\u0026\\"d\\"\\n"}}}').encode()
    assert body(s3, "svc/__latest.json") == (
        b'{"latest":{"db":"p\\u003cw\\u003e\\u0026\\"d\\"\\n"}}')
    assert sorted(keys(s3)) == ["svc/__latest.json", "svc/db.json"]


def test_sse_is_aes256(store, s3):
    store.write(sid("svc", "k"), "v")
    for key in ("svc/k.json", "svc/__latest.json"):
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ServerSideEncryption"] == "AES256"
        assert "SSEKMSKeyId" not in head


def test_versions_are_ordered_as_strings(store, s3, fixed_time):
    for i in range(1, 12):
        store.write(sid("svc", "k"), f"v{i}")
    text = body(s3, "svc/k.json").decode()
    data = json.loads(text, object_pairs_hook=lambda pairs: pairs)
    values = dict(data)["values"]
    assert [k for k, _ in values] == ["1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"]
    assert not text.endswith("\n")
    assert body(s3, "svc/__latest.json") == b'{"latest":{"k":"v11"}}'
    assert store.read(sid("svc", "k")).meta.version == 11
    assert store.read(sid("svc", "k"), 10).value == "v10"


def test_index_keys_sorted_and_values_latest(store, s3):
    for k in ("zeta", "alpha", "mid"):
        store.write(sid("svc", k), k.upper())
    store.write(sid("svc", "alpha"), "A2")
    assert body(s3, "svc/__latest.json") == b'{"latest":{"alpha":"A2","mid":"MID","zeta":"ZETA"}}'


def test_prune_keeps_101_versions(store, s3):
    for i in range(1, 103):
        store.write(sid("svc", "k"), f"v{i}")
    obj = SecretObject.from_json(body(s3, "svc/k.json"))
    assert sorted(obj.values) == list(range(2, 103))
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "k"), 1)
    assert store.read(sid("svc", "k"), 2).value == "v2"
    events = store.history(sid("svc", "k"))
    assert [e.version for e in events] == list(range(2, 103))
    assert {e.type for e in events} == {"Updated"}


def test_prune_drops_everything_older_than_newest_minus_100(store, s3):
    """A seeded object with sparse versions: only versions >= newest-100 survive a write."""
    values = ",".join(
        f'"{n}":{{"created":"{FIXED}","created_by":"x","version":{n},"value":"v{n}"}}'
        for n in (1, 5, 50, 150))
    put_raw(s3, "svc/k.json", f'{{"service":"svc","key":"/svc/k","values":{{{values}}}}}')
    store.write(sid("svc", "k"), "new")
    obj = SecretObject.from_json(body(s3, "svc/k.json"))
    assert sorted(obj.values) == [150, 151]
    assert obj.values[151].value == "new"


def test_read_latest_and_versions(store, fixed_time):
    store.write(sid("svc", "k"), "one")
    store.write(sid("svc", "k"), "two")
    s = store.read(sid("svc", "k"))
    assert s.value == "two"
    assert (s.meta.version, s.meta.created_by, s.meta.key) == (2, ARN, "/svc/k")
    assert s.meta.created == datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    assert store.read(sid("svc", "k"), 1).value == "one"
    for version in (0, 3, -2):
        with pytest.raises(SecretNotFound):
            store.read(sid("svc", "k"), version)
    with pytest.raises(SecretNotFound, match="secret not found"):
        store.read(sid("svc", "missing"))


def test_history_sorted_by_version(store, s3):
    entries = [(3, "2024-01-03T00:00:00Z"), (1, "2024-01-01T00:00:00Z"), (10, "2024-01-10T00:00:00Z"),
               (2, "2024-01-02T00:00:00+01:00")]
    values = ",".join(
        f'"{n}":{{"created":"{c}","created_by":"u{n}","version":{n},"value":"v"}}' for n, c in entries)
    put_raw(s3, "svc/k.json", f'{{"service":"svc","key":"/svc/k","values":{{{values}}}}}')
    events = store.history(sid("svc", "k"))
    assert [(e.type, e.version, e.user) for e in events] == [
        ("Created", 1, "u1"), ("Updated", 2, "u2"), ("Updated", 3, "u3"), ("Updated", 10, "u10")]
    assert events[1].time == datetime(2024, 1, 1, 23, tzinfo=timezone.utc)
    with pytest.raises(SecretNotFound):
        store.history(sid("svc", "missing"))


def test_foreign_times_are_rewritten_as_go_would(store, s3):
    put_raw(s3, "svc/k.json", '{"service":"svc","key":"/svc/k","values":{"1":{"created":'
            '"2024-06-01T12:00:00.500+02:00","created_by":"x","version":1,"value":"a"},'
            '"2":{"created":"2024-06-01T12:00:00.000+00:00","created_by":"x","version":2,"value":"b"}}}')
    store.write(sid("svc", "k"), "c")
    text = body(s3, "svc/k.json").decode()
    assert '"1":{"created":"2024-06-01T12:00:00.5+02:00"' in text
    assert '"2":{"created":"2024-06-01T12:00:00Z"' in text


def test_list_and_list_raw(store):
    store.write(sid("svc", "b"), "2")
    store.write(sid("svc", "a"), "1")
    store.write(sid("svc", "a"), "1b")
    store.write(sid("other", "c"), "3")
    listed = store.list("svc")
    assert [(s.meta.key, s.meta.version, s.value) for s in listed] == [
        ("/svc/a", 2, None), ("/svc/b", 1, None)]
    assert [(s.meta.key, s.value) for s in store.list("svc", True)] == [("/svc/a", "1b"), ("/svc/b", "2")]
    assert store.list_raw("svc") == [RawSecret("/svc/a", "1b"), RawSecret("/svc/b", "2")]
    assert store.list("nothing") == [] and store.list_raw("nothing") == []


def test_list_raw_uses_the_index_only(store, s3):
    put_raw(s3, "svc/__latest.json", '{"latest":{"ghost":"boo","x":"\\u003c"}}')
    assert store.list_raw("svc") == [RawSecret("/svc/ghost", "boo"), RawSecret("/svc/x", "<")]


def test_list_fails_when_index_names_a_missing_object(store, s3):
    store.write(sid("svc", "real"), "v")
    put_raw(s3, "svc/__latest.json", '{"latest":{"real":"v","ghost":"boo"}}')
    with pytest.raises(SecretNotFound):
        store.list("svc")


def test_nested_service(store, s3):
    store.write(sid("a/b", "k"), "v")
    assert sorted(keys(s3)) == ["a/b/__latest.json", "a/b/k.json"]
    assert body(s3, "a/b/k.json").startswith(b'{"service":"a/b","key":"/a/b/k",')
    assert store.list_raw("a/b") == [RawSecret("/a/b/k", "v")]


def test_delete(store, s3):
    store.write(sid("svc", "a"), "1")
    store.write(sid("svc", "b"), "2")
    store.delete(sid("svc", "a"))
    assert sorted(keys(s3)) == ["svc/__latest.json", "svc/b.json"]
    assert body(s3, "svc/__latest.json") == b'{"latest":{"b":"2"}}'
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "a"))


def test_delete_missing_key_succeeds_and_writes_index(store, s3):
    store.delete(sid("empty", "nothing"))
    assert keys(s3) == ["empty/__latest.json"]
    assert body(s3, "empty/__latest.json") == b'{"latest":{}}'


def test_not_implemented(store):
    for call in (lambda: store.read_tags(sid("s", "k")),
                 lambda: store.write_tags(sid("s", "k"), {"a": "b"}),
                 lambda: store.delete_tags(sid("s", "k"), ["a"])):
        with pytest.raises(NotImplementedByStore) as e:
            call()
        assert str(e.value) == "Not implemented for S3 Store"
    with pytest.raises(NotImplementedByStore) as e:
        store.write_with_tags(sid("s", "k"), "v", {"a": "b"})
    assert str(e.value) == "tags on write not implemented for S3 Store"
    assert store.config() == StoreConfig(version="1", required_tags=[])


def test_missing_bucket_is_the_aws_error(make_store):
    store = make_store(bucket="no-such-bucket")
    with pytest.raises(ChamberError) as e:
        store.write(sid("svc", "k"), "secret-value")
    msg = str(e.value)
    assert msg.startswith("operation error S3: GetObject, https response error StatusCode: 404, ")
    assert "HostID: " in msg and msg.endswith("api error NoSuchBucket: The specified bucket does not exist")
    assert "secret-value" not in msg and "\n" not in msg
    with pytest.raises(ChamberError, match="NoSuchBucket"):
        store.list_raw("svc")
    with pytest.raises(ChamberError, match="NoSuchBucket"):
        store.read(sid("svc", "k"))


def test_error_messages_never_carry_the_value(store):
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield (b"<Error><Code>InvalidArgument</Code><Message>bad body hunter2-secret</Message>"
                   b"</Error>")

    def handler(request, **_):
        return AWSResponse(request.url, 400, {}, Raw())

    store._client("s3", None).meta.events.register_first("before-send.s3.PutObject", handler)
    with pytest.raises(ChamberError) as e:
        store.write(sid("svc", "k"), "hunter2-secret")
    assert "hunter2-secret" not in str(e.value) and "[REDACTED]" in str(e.value)
    assert "operation error S3: PutObject" in str(e.value)


def test_one_sts_call_per_write(store):
    calls = []
    store._client("sts", None).meta.events.register(
        "before-call.sts.GetCallerIdentity", lambda **_: calls.append(1))
    store.write(sid("svc", "k"), "v")
    store.read(sid("svc", "k"))
    store.list("svc", True)
    store.delete(sid("svc", "k"))
    assert len(calls) == 1


# --- S3-KMS -----------------------------------------------------------------------------------
DEFAULT_INDEX = "svc/__kms_alias_parameter_store_key__latest.json"


def test_kms_write_exact_bytes_and_sse(kms_store, s3, fixed_time):
    kms_store.write(sid("svc", "db"), "pw<1>")
    assert sorted(keys(s3)) == [DEFAULT_INDEX, "svc/db.json"]
    assert body(s3, "svc/db.json") == (
        '{"service":"svc","key":"/svc/db","values":{"1":{"created":"' + FIXED + '","created_by":"'
        + ARN + '","version":1,"value":"pw\\u003c1\\u003e"}}}').encode()
    assert body(s3, DEFAULT_INDEX) == (
        b'{"latest":{"db":{"version":1,"value":"pw\\u003c1\\u003e","KMSAlias":"alias/parameter_store_key"}}}')
    for key in ("svc/db.json", DEFAULT_INDEX):
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"] == "alias/parameter_store_key"


def test_kms_alias_from_flag(make_store, s3):
    store = make_store("s3-kms", alias="team/key")  # alias/ prepended
    assert store.kms_key_alias == "alias/team/key"
    store.write(sid("svc", "k"), "v")
    assert sorted(keys(s3)) == ["svc/__kms_alias_team_key__latest.json", "svc/k.json"]
    assert s3.head_object(Bucket=BUCKET, Key="svc/k.json")["SSEKMSKeyId"] == "alias/team/key"


def test_kms_two_aliases_merge(make_store, s3):
    a = make_store("s3-kms", alias="alias/a")
    b = make_store("s3-kms", alias="alias/b")
    a.write(sid("svc", "ka"), "va")
    b.write(sid("svc", "kb"), "vb")
    a.write(sid("svc", "ka"), "va2")
    assert body(s3, "svc/__kms_alias_a__latest.json") == (
        b'{"latest":{"ka":{"version":2,"value":"va2","KMSAlias":"alias/a"}}}')
    assert body(s3, "svc/__kms_alias_b__latest.json") == (
        b'{"latest":{"kb":{"version":1,"value":"vb","KMSAlias":"alias/b"}}}')
    for st in (a, b):
        assert st.list_raw("svc") == [RawSecret("/svc/ka", "va2"), RawSecret("/svc/kb", "vb")]
        assert [(s.meta.key, s.meta.version) for s in st.list("svc")] == [("/svc/ka", 2), ("/svc/kb", 1)]
    # reads are object based: any alias reads any secret
    assert b.read(sid("svc", "ka")).value == "va2"


def test_kms_alias_mismatch(make_store, s3):
    a = make_store("s3-kms", alias="alias/a")
    b = make_store("s3-kms", alias="alias/b")
    a.write(sid("svc", "k"), "v")
    want = "Unable to overwrite secret k using new KMS key alias/b; mismatch with existing key alias/a"
    with pytest.raises(ChamberError) as e:
        b.write(sid("svc", "k"), "v2")
    assert str(e.value) == want
    with pytest.raises(ChamberError) as e:
        b.delete(sid("svc", "k"))
    assert str(e.value) == want
    assert a.read(sid("svc", "k")).value == "v"
    a.delete(sid("svc", "k"))
    assert a.list_raw("svc") == []
    assert body(s3, "svc/__kms_alias_a__latest.json") == b'{"latest":{}}'


def test_kms_merge_prefers_higher_version_and_saves_own_entries_only(make_store, s3):
    put_raw(s3, "svc/__kms_alias_a__latest.json",
            '{"latest":{"k":{"version":3,"value":"from-a","KMSAlias":"alias/a"},'
            '"x":{"version":1,"value":"x-a","KMSAlias":"alias/a"}}}')
    put_raw(s3, "svc/__kms_alias_b__latest.json",
            '{"latest":{"k":{"version":5,"value":"from-b","KMSAlias":"alias/b"}}}')
    a = make_store("s3-kms", alias="alias/a")
    assert a.list_raw("svc") == [RawSecret("/svc/k", "from-b"), RawSecret("/svc/x", "x-a")]
    # k now belongs to alias/b: alias/a may not overwrite it
    with pytest.raises(ChamberError, match="mismatch with existing key alias/b"):
        a.write(sid("svc", "k"), "v")
    a.write(sid("svc", "y"), "y-a")
    # alias/a's index keeps only alias/a entries (k's stale alias/a entry is dropped)
    assert body(s3, "svc/__kms_alias_a__latest.json") == (
        b'{"latest":{"x":{"version":1,"value":"x-a","KMSAlias":"alias/a"},'
        b'"y":{"version":1,"value":"y-a","KMSAlias":"alias/a"}}}')


def test_kms_index_paginates(kms_store, s3, monkeypatch):
    for i in range(12):
        put_raw(s3, f"svc/__kms_alias_k{i:02d}__latest.json",
                f'{{"latest":{{"key{i:02d}":{{"version":1,"value":"v{i}","KMSAlias":"alias/k{i:02d}"}}}}}}')
    real = kms_store._call
    pages = []

    def call(service, op, **kw):
        if op == "ListObjectsV2":
            kw["MaxKeys"] = 5
            pages.append(1)
        return real(service, op, **kw)

    monkeypatch.setattr(kms_store, "_call", call)
    raw = kms_store.list_raw("svc")
    assert len(raw) == 12 and raw[0] == RawSecret("/svc/key00", "v0")
    assert len(pages) == 3


def test_kms_access_denied_index_is_skipped(make_store, s3):
    a = make_store("s3-kms", alias="alias/a")
    b = make_store("s3-kms", alias="alias/b")
    a.write(sid("svc", "ka"), "va")
    b.write(sid("svc", "kb"), "vb")
    fail_get(b, "svc/__kms_alias_a__latest.json", 403, "AccessDenied", "Access Denied")
    assert b.list_raw("svc") == [RawSecret("/svc/kb", "vb")]


def test_kms_other_index_errors(make_store, s3):
    a = make_store("s3-kms", alias="alias/a")
    a.write(sid("svc", "ka"), "va")
    fail_get(a, "svc/__kms_alias_a__latest.json", 400, "InvalidObjectState", "archived")
    with pytest.raises(ChamberError) as e:
        a.list_raw("svc")
    msg = str(e.value)
    assert msg.startswith("Error reading latest index for KMS Key (svc/__kms_alias_a__latest.json): "
                          "operation error S3: GetObject, https response error StatusCode: 400")
    assert msg.endswith(", InvalidObjectState: archived")  # a modeled GetObject error


def test_kms_malformed_index(kms_store, s3):
    put_raw(s3, DEFAULT_INDEX, "{nope")
    with pytest.raises(ChamberError) as e:
        kms_store.list_raw("svc")
    assert str(e.value) == (f"Error reading latest index for KMS Key ({DEFAULT_INDEX}): invalid "
                            "character 'n' looking for beginning of object key string")


def test_kms_delete_missing_key_succeeds(kms_store, s3):
    kms_store.delete(sid("svc", "nothing"))
    assert keys(s3) == [DEFAULT_INDEX]
    assert body(s3, DEFAULT_INDEX) == b'{"latest":{}}'


@pytest.mark.parametrize("flavour", ["s3", "s3-kms"])
def test_list_services_from_the_secret_objects(make_store, s3, flavour):
    store = make_store(flavour)
    for service, key in [("app", "db"), ("app/sub", "db"), ("apple", "s3_bucket"), ("other", "x")]:
        store.write(sid(service, key), "v")
    put_raw(s3, "app/README.txt", "not a secret")  # neither .json nor an index: not a secret
    put_raw(s3, "app/bad key.json", "{}")  # not a key name chamber could have written
    put_raw(s3, "toplevel.json", "{}")  # no service
    assert sorted(store.list_services("")) == ["app", "app/sub", "apple", "other"]
    assert sorted(store.list_services("app")) == ["app", "app/sub", "apple"]
    assert sorted(store.list_services("app/", True)) == ["/app/db", "/app/sub/db"]
    assert store.list_services("app/d", True) == ["/app/db"]
    assert store.list_services("app/db.j", True) == []  # names, not object paths, match
    assert store.list_services("nothing") == []


def test_list_services_pages(store, s3):
    for i in range(1003):
        put_raw(s3, f"svc{i % 3}/k{i}.json", "{}")
    found = store.list_services("", True)
    assert len(found) == 1003 and sorted(store.list_services("")) == ["svc0", "svc1", "svc2"]


def test_kms_missing_bucket(make_store):
    store = make_store("s3-kms", bucket="no-such-bucket")
    with pytest.raises(ChamberError) as e:
        store.list_raw("svc")
    msg = str(e.value)
    assert msg.startswith("operation error S3: ListObjectsV2, https response error StatusCode: 404, ")
    assert msg.endswith(", NoSuchBucket: The specified bucket does not exist")


def test_created_timestamps_use_now(store):
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    store.write(sid("svc", "k"), "v")
    created = store.read(sid("svc", "k")).meta.created
    assert before <= created <= datetime.now(timezone.utc) + timedelta(seconds=5)


def test_malformed_documents_are_go_json_errors(store, s3):
    put_raw(s3, "svc/k.json", "{nope")
    with pytest.raises(ChamberError) as e:
        store.read(sid("svc", "k"))
    assert str(e.value) == "invalid character 'n' looking for beginning of object key string"
    put_raw(s3, "svc/__latest.json", '{"latest":[1]}')
    with pytest.raises(ChamberError) as e:
        store.list_raw("svc")
    assert str(e.value) == ("json: cannot unmarshal array into Go struct field latest.latest of "
                            "type map[string]string")


def test_list_of_object_without_versions_is_not_found(store, s3):
    put_raw(s3, "svc/__latest.json", '{"latest":{"k":"v"}}')
    put_raw(s3, "svc/k.json", '{"service":"svc","key":"/svc/k","values":{}}')
    with pytest.raises(SecretNotFound):
        store.list("svc")
    with pytest.raises(SecretNotFound):
        store.read(sid("svc", "k"))


def test_verbose_logs_calls_without_values(make_store, aws_process_env):
    lines: list[str] = []
    settings = Settings(backend_flag="s3", s3_bucket_flag=BUCKET, verbose=True,
                        environ=aws_process_env, report=lines.append)
    store = get_store(settings)
    store.write(sid("svc", "k"), "hunter2-secret")
    err = "".join(lines)
    ops = [line.split("operation=")[1] for line in err.splitlines() if "operation=" in line]
    assert ops == ["GetObject", "GetObject", "GetCallerIdentity", "PutObject", "PutObject"]
    assert "hunter2-secret" not in err
