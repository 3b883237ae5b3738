"""SecretsManagerStore against the shared moto server (chamber §4.2)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

from pychamber import aws
from pychamber.errors import ChamberError, SecretNotFound
from pychamber.model import EPOCH, RawSecret, SecretId
from pychamber.settings import Settings
from pychamber.stores import get_store
from pychamber.compat.strconv import go_format_float_f
from pychamber.stores import secretsmanager as sm
from pychamber.stores.secretsmanager import GoTime, SecretsManagerStore

REGION = "us-east-1"
FIXED = GoTime(2024, 6, 1, 12, 0, 0, 123456789, 0)
NOT_FOUND_PREFIX = "operation error Secrets Manager: GetSecretValue, https response error StatusCode: "


@pytest.fixture
def sm_client(aws_client):
    return aws_client("secretsmanager")


@pytest.fixture
def caller_arn(aws_client):
    return aws_client("sts").get_caller_identity()["Arn"]


@pytest.fixture
def store(aws_process_env):
    return SecretsManagerStore.from_settings(Settings(environ=os.environ), 3)


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(GoTime, "now", classmethod(lambda cls: FIXED))
    return FIXED


def stored(sm_client, service: str) -> str:
    return sm_client.get_secret_value(SecretId=service, VersionStage="AWSCURRENT")["SecretString"]


def metadata(sm_client, service: str) -> dict:
    return json.loads(json.loads(stored(sm_client, service))["_chamber_metadata"])


def current_stages(sm_client, service: str) -> list[str]:
    for v in sm_client.list_secret_version_ids(SecretId=service)["Versions"]:
        if "AWSCURRENT" in v["VersionStages"]:
            return sorted(v["VersionStages"])
    raise AssertionError("no AWSCURRENT version")


# --- factory and exact storage format ----------------------------------------------------------
def test_factory_builds_secretsmanager_store(aws_process_env):
    store = get_store(Settings(backend_flag="secretsmanager", environ=os.environ))
    assert isinstance(store, SecretsManagerStore)


def test_first_write_exact_secret_string(store, sm_client, caller_arn, fixed_now):
    store.write(SecretId("svc", "db"), "pw")
    expected = (
        '{"_chamber_metadata":"{\\"db\\":{\\"created\\":\\"2024-06-01T12:00:00.123456789Z\\",'
        '\\"created_by\\":\\"' + caller_arn + '\\",\\"version\\":1}}","db":"pw"}'
    )
    assert stored(sm_client, "svc") == expected
    # one secret per service, named by the service; created (not put): AWSCURRENT only
    names = [s["Name"] for s in sm_client.list_secrets()["SecretList"]]
    assert names == ["svc"]
    assert current_stages(sm_client, "svc") == ["AWSCURRENT"]


def test_go_json_escaping_and_byte_order(store, sm_client, caller_arn, fixed_now):
    store.write(SecretId("a/b", "zeta"), "1")
    store.write(SecretId("a/b", "alpha"), 'x<y>&z"\\\n\u2028\u2029é')
    meta = (
        '{"alpha":{"created":"2024-06-01T12:00:00.123456789Z","created_by":"' + caller_arn
        + '","version":1},"zeta":{"created":"2024-06-01T12:00:00.123456789Z","created_by":"'
        + caller_arn + '","version":1}}'
    )
    inner = meta.replace('"', '\\"')
    expected = (
        '{"_chamber_metadata":"' + inner + '",'
        '"alpha":"x\\u003cy\\u003e\\u0026z\\"\\\\\\n\\u2028\\u2029é","zeta":"1"}'
    )
    assert stored(sm_client, "a/b") == expected
    assert store.read(SecretId("a/b", "alpha")).value == 'x<y>&z"\\\n\u2028\u2029é'


def test_metadata_fields(store, sm_client, caller_arn):
    before = datetime.now(timezone.utc)
    store.write(SecretId("svc", "db"), "pw")
    meta = metadata(sm_client, "svc")
    assert set(meta) == {"db"}
    assert list(meta["db"]) == ["created", "created_by", "version"]
    assert meta["db"]["created_by"] == caller_arn
    assert meta["db"]["version"] == 1
    created = meta["db"]["created"]
    assert created.endswith("Z") and "T" in created
    if "." in created:
        assert not created[:-1].endswith("0")  # Go trims trailing zeros of the fraction
    secret = store.read(SecretId("svc", "db"))
    assert secret.meta.created_by == caller_arn
    assert secret.meta.version == 1
    assert secret.meta.key == "db"
    assert abs((secret.meta.created - before).total_seconds()) < 60


# --- write / read / versions / history ---------------------------------------------------------
def test_versions_history_and_stages(store, sm_client):
    sid = SecretId("svc", "db")
    for v in ("one", "two", "three"):
        store.write(sid, v)
    assert current_stages(sm_client, "svc") == ["AWSCURRENT", "CHAMBER3"]
    latest = store.read(sid)
    assert (latest.value, latest.meta.version) == ("three", 3)
    assert store.read(sid, 1).value == "one"
    assert store.read(sid, 2).value == "two"
    assert store.read(sid, 3).meta.version == 3
    with pytest.raises(SecretNotFound, match="^secret not found$"):
        store.read(sid, 4)
    events = store.history(sid)
    assert [(e.type, e.version) for e in events] == [
        ("Created", 1), ("Updated", 2), ("Updated", 3)
    ]
    assert all(e.user.startswith("arn:aws:") for e in events)


def _sneak_in(store, sm_client, op, times=1):
    """Before the store's next ``op`` call(s), another writer stores key ``other`` (a put with
    AWSCURRENT, as chamber does): the store's read-modify-write then races it."""
    count = {"n": 0}

    def before(**kwargs):
        if count["n"] < times:
            count["n"] += 1
            obj = json.loads(stored(sm_client, "svc"))
            obj[f"other{count['n']}"] = "theirs"
            sm_client.put_secret_value(SecretId="svc", SecretString=json.dumps(obj))
        return None

    client = store._client("secretsmanager", op)
    client.meta.events.register_first(f"before-send.secrets-manager.{op}", before)
    return count


@pytest.mark.parametrize("op", ["PutSecretValue", "UpdateSecretVersionStage"])
def test_a_concurrent_write_is_merged_not_lost(store, sm_client, op):
    store.write(SecretId("svc", "first"), "1")
    count = _sneak_in(store, sm_client, op, times=2)
    store.write(SecretId("svc", "mine"), "2")
    assert count["n"] == 2  # two conflicts, then the third attempt went through
    obj = json.loads(stored(sm_client, "svc"))
    assert {k: obj[k] for k in ("first", "other1", "other2", "mine")} == {
        "first": "1", "other1": "theirs", "other2": "theirs", "mine": "2"}
    # the versions that lost the race are left unstaged: history sees the stored versions only
    staged = sm_client.list_secret_version_ids(SecretId="svc")["Versions"]
    assert all(json.loads(sm_client.get_secret_value(SecretId="svc", VersionId=v["VersionId"])
                          ["SecretString"]).get("mine") in (None, "2") for v in staged)
    assert [e.version for e in store.history(SecretId("svc", "mine"))] == [1]


def _deny(store, op):
    """``op`` answers AccessDeniedException (an IAM policy without it), every time."""
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield b""

    def handler(request, **_):
        resp = AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, Raw())
        resp._content = json.dumps({"__type": "AccessDeniedException", "message": "no"}).encode()
        return resp

    store._client("secretsmanager", op).meta.events.register_first(
        f"before-send.secrets-manager.{op}", handler)


def test_without_update_secret_version_stage_writes_as_chamber_and_still_merges(store, sm_client):
    store.write(SecretId("svc", "first"), "1")
    _deny(store, "UpdateSecretVersionStage")
    store.write(SecretId("svc", "second"), "2")  # chamber's put with AWSCURRENT, then checked
    count = _sneak_in(store, sm_client, "PutSecretValue", times=2)  # 1: the put; 2: the retry's
    store.write(SecretId("svc", "mine"), "3")
    assert count["n"] == 2
    obj = json.loads(stored(sm_client, "svc"))
    assert {k: obj.get(k) for k in ("first", "second", "other1", "other2", "mine")} == {
        "first": "1", "second": "2", "other1": "theirs", "other2": "theirs", "mine": "3"}
    assert current_stages(sm_client, "svc") == ["AWSCURRENT", "CHAMBER1"]


def test_a_write_that_keeps_losing_gives_up_and_says_so(store, sm_client, monkeypatch):
    monkeypatch.setattr(sm, "WRITE_ATTEMPTS", 3)
    monkeypatch.setattr(sm, "BACKOFF_BASE", 0.001)
    store.write(SecretId("svc", "first"), "1")
    _sneak_in(store, sm_client, "UpdateSecretVersionStage", times=99)
    with pytest.raises(ChamberError) as exc:
        store.write(SecretId("svc", "mine"), "2")
    assert exc.value.message == ("the secret svc kept changing under other writers; gave up after "
                                 "3 attempts, and this write is not stored")
    assert "mine" not in json.loads(stored(sm_client, "svc"))


def test_two_first_writes_race_to_create_the_secret(store, sm_client):
    def before(**kwargs):
        client.meta.events.unregister("before-send.secrets-manager.CreateSecret", before)
        sm_client.create_secret(Name="svc", SecretString=json.dumps({"theirs": "x"}))

    client = store._client("secretsmanager", "CreateSecret")
    client.meta.events.register_first("before-send.secrets-manager.CreateSecret", before)
    store.write(SecretId("svc", "mine"), "2")
    obj = json.loads(stored(sm_client, "svc"))
    assert (obj["theirs"], obj["mine"]) == ("x", "2")


def test_other_keys_keep_their_metadata_verbatim(store, sm_client):
    store.write(SecretId("svc", "db"), "pw")
    before = metadata(sm_client, "svc")["db"]
    store.write(SecretId("svc", "other"), "x")
    store.write(SecretId("svc", "other"), "y")
    meta = metadata(sm_client, "svc")
    assert meta["db"] == before
    assert meta["other"]["version"] == 2
    # history of db is de-duplicated across the versions that carry it
    assert [e.version for e in store.history(SecretId("svc", "db"))] == [1]
    assert [e.version for e in store.history(SecretId("svc", "other"))] == [1, 2]


def test_reading_missing_key_and_missing_service(store):
    store.write(SecretId("svc", "db"), "pw")
    with pytest.raises(SecretNotFound):
        store.read(SecretId("svc", "nope"))
    with pytest.raises(SecretNotFound):
        store.history(SecretId("svc", "nope"))
    with pytest.raises(SecretNotFound):
        store.read(SecretId("svc", "nope"), 1)
    for call in (
        lambda: store.read(SecretId("missing", "db")),
        lambda: store.list("missing"),
        lambda: store.list_raw("missing"),
    ):
        with pytest.raises(ChamberError) as exc:
            call()
        assert not isinstance(exc.value, SecretNotFound)
        msg = exc.value.message
        assert msg.startswith(NOT_FOUND_PREFIX), msg
        assert "api error ResourceNotFoundException: " in msg
        assert "\n" not in msg
    # AWS answers ListSecretVersionIds with ResourceNotFoundException; moto 5.2 with an
    # internal error (KeyError, HTTP 500). Either way it is the AWS error, not "secret not found".
    once = SecretsManagerStore.from_settings(Settings(environ=os.environ), 1)
    for call in (lambda: once.history(SecretId("missing", "db")),
                 lambda: once.read(SecretId("missing", "db"), 1)):
        with pytest.raises(ChamberError) as exc:
            call()
        assert not isinstance(exc.value, SecretNotFound)
        assert exc.value.message.startswith(
            "operation error Secrets Manager: ListSecretVersionIds, "), exc.value.message


# --- empty value deletes -----------------------------------------------------------------------
def test_empty_value_deletes_key(store, sm_client):
    store.write(SecretId("svc", "db"), "pw")
    store.write(SecretId("svc", "db"), "pw2")
    store.write(SecretId("svc", "other"), "x")
    store.write(SecretId("svc", "db"), "")
    data = json.loads(stored(sm_client, "svc"))
    assert sorted(data) == ["_chamber_metadata", "other"]
    assert set(metadata(sm_client, "svc")) == {"other"}
    assert current_stages(sm_client, "svc") == ["AWSCURRENT", "CHAMBER1"]
    with pytest.raises(SecretNotFound):
        store.read(SecretId("svc", "db"))
    # old versions are still there
    assert store.read(SecretId("svc", "db"), 2).value == "pw2"
    # absent key
    with pytest.raises(SecretNotFound, match="^secret not found$"):
        store.write(SecretId("svc", "db"), "")


def test_delete(store, sm_client):
    store.write(SecretId("svc", "db"), "pw")
    store.delete(SecretId("svc", "db"))
    assert stored(sm_client, "svc") == '{"_chamber_metadata":"{}"}'
    assert store.list("svc") == []
    assert [r.key for r in store.list_raw("svc")] == ["_chamber_metadata"]
    with pytest.raises(SecretNotFound):
        store.delete(SecretId("svc", "db"))
    with pytest.raises(ChamberError) as exc:
        store.delete(SecretId("missing", "db"))
    assert exc.value.message.startswith(NOT_FOUND_PREFIX)
    assert "ResourceNotFoundException" in exc.value.message
    assert [s["Name"] for s in sm_client.list_secrets()["SecretList"]] == ["svc"]


# --- list / list_raw ---------------------------------------------------------------------------
def test_list_and_list_raw(store, sm_client):
    store.write(SecretId("svc", "b"), "2")
    store.write(SecretId("svc", "a"), "1")
    store.write(SecretId("svc", "a"), "11")
    secrets = store.list("svc")
    assert [(s.meta.key, s.meta.version, s.value) for s in secrets] == [("a", 2, None), ("b", 1, None)]
    assert [s.value for s in store.list("svc", include_values=True)] == ["11", "2"]
    raw = store.list_raw("svc")
    assert [r.key for r in raw] == ["_chamber_metadata", "a", "b"]
    assert raw[0].value == json.loads(stored(sm_client, "svc"))["_chamber_metadata"]
    assert [r.value for r in raw[1:]] == ["11", "2"]


def test_list_raw_many(store):
    store.write(SecretId("one", "k"), "1")
    store.write(SecretId("two", "k"), "2")
    res = store.list_raw_many(["two", "one"])
    assert [[(r.key, r.value) for r in rs if r.key == "k"] for rs in res] == [[("k", "2")], [("k", "1")]]
    with pytest.raises(ChamberError, match="ResourceNotFoundException"):
        store.list_raw_many(["one", "missing"])


# --- foreign secrets ---------------------------------------------------------------------------
def test_foreign_secret_values_converted(store, sm_client):
    sm_client.create_secret(
        Name="rds",
        SecretString='{"port":3306,"flag":true,"off":false,"n":null,"o":{},"a":[1],'
                     '"f":1.50,"big":1e21,"small":1e-7,"neg":-0.0,"s":"x"}',
    )
    raw = {r.key: r.value for r in store.list_raw("rds")}
    assert raw == {
        "port": "3306", "flag": "true", "off": "false", "n": "", "o": "", "a": "",
        "f": "1.5", "big": "1000000000000000000000", "small": "0.0000001", "neg": "-0", "s": "x",
    }
    port = store.read(SecretId("rds", "port"))
    assert port.value == "3306"
    assert (port.meta.version, port.meta.created, port.meta.created_by) == (0, EPOCH, "")
    assert [s.meta.version for s in store.list("rds")] == [0] * 11
    # a write re-serialises everything as strings and adds the metadata
    store.write(SecretId("rds", "port"), "5432")
    data = json.loads(stored(sm_client, "rds"))
    assert data["flag"] == "true" and data["n"] == "" and data["port"] == "5432"
    assert metadata(sm_client, "rds")["port"]["version"] == 1


@pytest.mark.parametrize("text", ["not json", "[1,2]", '"str"', "hunter2\nsecond line", "42"])
def test_a_plain_text_secret_is_one_read_only_key(store, sm_client, text):
    """chamber #361: a secret that is not chamber's JSON object is read as one key, named
    after the last segment of its name, holding the whole string; writes refuse it."""
    sm_client.create_secret(Name="prod/api-token", SecretString=text)
    assert store.list_raw("prod/api-token") == [RawSecret(key="api-token", value=text)]
    assert store.read(SecretId("prod/api-token", "api-token")).value == text
    assert [(s.meta.key, s.meta.version) for s in store.list("prod/api-token")] == [("api-token", 0)]
    with pytest.raises(SecretNotFound):
        store.read(SecretId("prod/api-token", "other"))
    for attempt in (lambda: store.write(SecretId("prod/api-token", "api-token"), "new"),
                    lambda: store.write(SecretId("prod/api-token", "other"), "new"),
                    lambda: store.delete(SecretId("prod/api-token", "api-token"))):
        with pytest.raises(ChamberError) as exc:
            attempt()
        assert exc.value.message == (
            "the secret prod/api-token holds plain text, not chamber's JSON: pychamber reads it "
            "as one key (api-token) and does not write to it")
        assert text not in exc.value.message
    assert stored(sm_client, "prod/api-token") == text  # never rewritten


def test_json_null_is_an_empty_secret(store, sm_client):
    sm_client.create_secret(Name="nul", SecretString="null")
    assert store.list_raw("nul") == []
    store.write(SecretId("nul", "k"), "v")
    assert store.read(SecretId("nul", "k")).value == "v"


def test_bad_metadata_is_an_error(store, sm_client):
    sm_client.create_secret(Name="m", SecretString='{"k":"v","_chamber_metadata":"{\\"k\\":{\\"version\\":1.5}}"}')
    with pytest.raises(ChamberError, match="cannot unmarshal number 1.5 into Go struct field "
                                           "secretMetadata.version of type int"):
        store.read(SecretId("m", "k"))


def test_foreign_metadata_times_round_trip(store, sm_client):
    meta = {"k": {"Created": "2024-06-01T12:00:00.500+02:00", "created_by": "u", "version": 4, "x": 1},
            "gone": None}
    sm_client.create_secret(
        Name="m", SecretString=json.dumps({"k": "v", "gone": "g", "_chamber_metadata": json.dumps(meta)})
    )
    secret = store.read(SecretId("m", "k"))
    assert secret.meta.version == 4
    assert secret.meta.created == datetime(2024, 6, 1, 10, 0, 0, 500000, tzinfo=timezone.utc)
    store.write(SecretId("m", "other"), "o")
    after = metadata(sm_client, "m")
    assert after["k"] == {"created": "2024-06-01T12:00:00.5+02:00", "created_by": "u", "version": 4}
    assert after["gone"] == {"created": "0001-01-01T00:00:00Z", "created_by": "", "version": 0}


def test_binary_secret_reads_as_empty(store, sm_client):
    """No SecretString (a binary secret; AWS refuses an empty one): chamber's "empty secret
    string" path -- not found for reads and deletes, a write puts a new JSON version."""
    sm_client.create_secret(Name="bin", SecretBinary=b"\x00\x01")
    with pytest.raises(SecretNotFound):
        store.list("bin")
    with pytest.raises(SecretNotFound):
        store.write(SecretId("bin", "k"), "")
    store.write(SecretId("bin", "k"), "v")  # PutSecretValue, not CreateSecret
    assert store.read(SecretId("bin", "k")).value == "v"
    assert current_stages(sm_client, "bin") == ["AWSCURRENT", "CHAMBER1"]


# --- rotation ----------------------------------------------------------------------------------
def test_rotation_enabled_refuses_writes(store, sm_client):
    store.write(SecretId("rot", "k"), "v")
    sm_client.rotate_secret(
        SecretId="rot", RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False
    )
    if not sm_client.describe_secret(SecretId="rot").get("RotationEnabled"):
        pytest.skip("moto did not enable rotation")
    before = stored(sm_client, "rot")
    with pytest.raises(ChamberError, match="^Cannot write to a secret with rotation enabled$"):
        store.write(SecretId("rot", "k"), "new")
    with pytest.raises(ChamberError, match="^Cannot write to a secret with rotation enabled$"):
        store.delete(SecretId("rot", "k"))
    assert stored(sm_client, "rot") == before


# --- endpoints ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "variables",
    [
        {"CHAMBER_AWS_SECRETS_MANAGER_ENDPOINT": "{url}"},
        {"CHAMBER_AWS_SSM_ENDPOINT": "{url}"},
        {"CHAMBER_AWS_SECRETS_MANAGER_ENDPOINT": "{url}", "CHAMBER_AWS_SSM_ENDPOINT": "http://127.0.0.1:9"},
        {"CHAMBER_AWS_SECRETS_MANAGER_ENDPOINT": "", "CHAMBER_AWS_SSM_ENDPOINT": "{url}"},
    ],
)
def test_endpoint_variables(aws_process_env, moto_server, sm_client, monkeypatch, variables):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    for k, v in variables.items():
        monkeypatch.setenv(k, v.format(url=moto_server))
    aws.reset_cache()
    store = SecretsManagerStore.from_settings(Settings(environ=os.environ), 1)
    store.write(SecretId("ep", "k"), "v")  # GetSecretValue, STS, CreateSecret all on moto
    assert json.loads(stored(sm_client, "ep"))["k"] == "v"


def test_no_endpoint_variable_uses_aws_endpoint_url(aws_process_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    aws.reset_cache()
    store = SecretsManagerStore.from_settings(Settings(environ=os.environ), 1)
    with pytest.raises(ChamberError) as exc:
        store.list_raw("svc")
    assert exc.value.message.startswith("operation error Secrets Manager: GetSecretValue, ")
    assert "127.0.0.1:9" in exc.value.message


# --- list-services / find (pychamber: chamber says the backend is experimental) ----------------
def test_list_services(store, sm_client):
    for service, key in [("app", "db"), ("app/sub", "db"), ("apple", "s3_bucket"), ("other", "x")]:
        store.write(SecretId(service, key), "v")
    sm_client.create_secret(Name="app/plain", SecretString="not json")  # plain text: one key
    sm_client.create_secret(Name="app/keys", SecretString='{"Ok":"1","bad key":"2","x/y":"3"}')
    sm_client.create_secret(Name="bad name!", SecretString="{}")  # not a service name
    sm_client.create_secret(Name="App", SecretString='{"k":"v"}')  # the filter is case-sensitive
    assert sorted(store.list_services("")) == ["App", "app", "app/keys", "app/plain", "app/sub",
                                               "apple", "other"]
    assert sorted(store.list_services("app")) == ["app", "app/keys", "app/plain", "app/sub", "apple"]
    assert sorted(store.list_services("app/", True)) == ["/app/db", "/app/keys/Ok", "/app/plain/plain",
                                                         "/app/sub/db"]
    assert store.list_services("app/d", True) == ["/app/db"]
    assert store.list_services("nothing", True) == []


def test_list_services_pages(store, sm_client, monkeypatch):
    monkeypatch.setattr(sm, "LIST_SECRETS_PAGE_SIZE", 2)
    for i in range(5):
        sm_client.create_secret(Name=f"svc{i}", SecretString=json.dumps({f"k{i}": "v"}))
    assert store.list_services("") == [f"svc{i}" for i in range(5)]
    assert sorted(store.list_services("", True)) == [f"/svc{i}/k{i}" for i in range(5)]


# --- not implemented ---------------------------------------------------------------------------
def test_not_implemented(store):
    sid = SecretId("svc", "k")
    cases = [
        (lambda: store.read_tags(sid), "Not implemented for Secrets Manager Store"),
        (lambda: store.write_tags(sid, {"a": "b"}), "Not implemented for Secrets Manager Store"),
        (lambda: store.delete_tags(sid, ["a"]), "Not implemented for Secrets Manager Store"),
        (lambda: store.write_with_tags(sid, "v", {"a": "b"}),
         "tags on write not implemented for Secrets Manager Store"),
    ]
    for call, message in cases:
        with pytest.raises(ChamberError) as exc:
            call()
        assert exc.value.message == message
    config = store.config()
    assert (config.version, config.required_tags) == ("1", [])


# --- secret values never appear in errors ------------------------------------------------------
def test_errors_redact_values():
    from botocore.exceptions import ClientError

    class FakeSM:
        def get_secret_value(self, **kw):
            return {"SecretString": '{"old":"old-secret-value"}'}

        def describe_secret(self, **kw):
            return {}

        def put_secret_value(self, **kw):
            raise ClientError(
                {"Error": {"Code": "ValidationException",
                           "Message": "bad " + kw["SecretString"] + "\nnew-secret-value"},
                 "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "r"}},
                "PutSecretValue",
            )

    class FakeSTS:
        def get_caller_identity(self, **kw):
            return {"Arn": "arn:aws:iam::1:user/u"}

    store = SecretsManagerStore.from_clients(FakeSM(), FakeSTS())
    with pytest.raises(ChamberError) as exc:
        store.write(SecretId("svc", "new"), "new-secret-value")
    msg = exc.value.message
    assert msg.startswith("operation error Secrets Manager: PutSecretValue, https response error "
                          "StatusCode: 400, RequestID: r, api error ValidationException: ")
    assert "new-secret-value" not in msg and "old-secret-value" not in msg
    assert "\n" not in msg


# --- pure helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "literal, text",
    [("3306", "3306"), ("1.50", "1.5"), ("1e21", "1000000000000000000000"), ("0.1", "0.1"),
     ("-0", "-0"), ("-0.0", "-0"), ("1e-7", "0.0000001"), ("12345678901234567890", "12345678901234567000"),
     ("2.5e-3", "0.0025"), ("100", "100")],
)
def test_format_float(literal, text):
    assert go_format_float_f(literal) == text


@pytest.mark.parametrize(
    "text, out",
    [
        ("2024-06-01T12:00:00Z", "2024-06-01T12:00:00Z"),
        ("2024-06-01T12:00:00.120000000Z", "2024-06-01T12:00:00.12Z"),
        ("2024-06-01T12:00:00.1234567891234Z", "2024-06-01T12:00:00.123456789Z"),
        ("2024-06-01T12:00:00-00:00", "2024-06-01T12:00:00Z"),
        ("2024-02-29T23:59:59+05:30", "2024-02-29T23:59:59+05:30"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    ],
)
def test_go_time_round_trip(text, out):
    assert sm.parse_go_time(text).rfc3339nano() == out


@pytest.mark.parametrize(
    "text", ["2023-02-29T00:00:00Z", "2024-06-01 12:00:00Z", "2024-06-01T24:00:00Z", "2024-06-01T12:00:00",
             "2024-06-01T12:00:00+0200", "x"]
)
def test_go_time_rejects(text):
    with pytest.raises(ValueError, match="parsing time"):
        sm.parse_go_time(text)


def test_now_is_utc_nanoseconds():
    t = GoTime.now()
    assert t.offset == 0
    assert abs((t.to_datetime() - datetime.now(timezone.utc)).total_seconds()) < 5
    assert t.rfc3339nano().endswith("Z")




def test_a_write_that_would_make_the_secret_too_big_is_refused_before_the_put(store, sm_client):
    # each value fits, the service's one SecretString (values + metadata) would not: AWS refuses
    # it (moto does not); the error names the service and key, never a value
    store.write(SecretId("big", "a"), "x" * 40000)
    with pytest.raises(ChamberError) as e:
        store.write(SecretId("big", "b"), "y" * 40000)
    assert "over the 65536-byte limit of a Secrets Manager secret" in e.value.message
    assert "big" in e.value.message and "yyy" not in e.value.message
    assert sorted(json.loads(stored(sm_client, "big"))) == ["_chamber_metadata", "a"]
