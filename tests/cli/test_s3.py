"""The S3 and S3-KMS backends end to end against moto (§4.3, §4.4): run_cli, in-process on a fake
console (the exec lines as processes)."""

from __future__ import annotations

import json
import sys

import pytest

BUCKET = "chamber-cli-bucket"
ARN = "arn:aws:sts::123456789012:user/moto"
BACKENDS = {
    "s3": ["-b", "s3", "--backend-s3-bucket", BUCKET],
    "s3-kms": ["-b", "s3-kms", "--backend-s3-bucket", BUCKET],
}


@pytest.fixture
def s3(aws_env, aws_client):
    client = aws_client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def run(run_cli, s3):
    def go(*args, **kw):
        extra = dict(kw.pop("env_extra", None) or {})
        extra.setdefault("TZ", "UTC")
        return run_cli(*args, env_extra=extra, **kw)

    return go


@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    return request.param


def keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def body(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def index_name(backend: str) -> str:
    return "__latest.json" if backend == "s3" else "__kms_alias_parameter_store_key__latest.json"


def test_write_read_list_history_delete(run, s3, backend):
    b = BACKENDS[backend]
    run(*b, "write", "MySvc", "DB_Password", "hunter2", check=True)
    run(*b, "write", "mysvc", "db_password", "hunter3", check=True)
    run(*b, "write", "mysvc", "other", "x", check=True)
    assert keys(s3) == sorted([f"mysvc/{index_name(backend)}", "mysvc/db_password.json",
                               "mysvc/other.json"])
    obj = json.loads(body(s3, "mysvc/db_password.json"))
    assert obj["key"] == "/mysvc/db_password" and list(obj["values"]) == ["1", "2"]

    r = run(*b, "read", "-q", "mysvc", "db_password", check=True)
    assert r.stdout == "hunter3\n"
    r = run(*b, "read", "-v", "1", "mysvc", "db_password", check=True)
    lines = r.stdout.splitlines()
    assert lines[0].split("\t")[0:1] == ["Key"]
    assert [c for c in lines[1].split("\t") if c][:3] == ["db_password", "hunter2", "1"]
    assert lines[1].rstrip("\t").endswith(ARN)

    r = run(*b, "list", "-e", "mysvc", check=True)
    rows = [[c for c in line.split("\t") if c] for line in r.stdout.splitlines()]
    assert rows[0] == ["Key", "Version", "LastModified", "User", "Value"]
    assert [(row[0], row[1], row[-1]) for row in rows[1:]] == [("db_password", "2", "hunter3"),
                                                                ("other", "1", "x")]

    r = run(*b, "history", "mysvc", "db_password", check=True)
    rows = [[c for c in line.split("\t") if c] for line in r.stdout.splitlines()]
    assert rows[0] == ["Event", "Version", "Date", "User"]
    assert [(row[0], row[1], row[-1]) for row in rows[1:]] == [("Created", "1", ARN),
                                                                ("Updated", "2", ARN)]

    run(*b, "delete", "mysvc", "db_password", check=True)
    assert "mysvc/db_password.json" not in keys(s3)
    r = run(*b, "read", "mysvc", "db_password")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to read: secret not found\n")
    r = run(*b, "history", "mysvc", "db_password")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to get history: secret not found\n")


def test_delete_missing_key_succeeds(run, s3, backend):
    r = run(*BACKENDS[backend], "delete", "svc", "nothing", check=True)
    assert (r.stdout, r.stderr) == ("", "")
    assert keys(s3) == [f"svc/{index_name(backend)}"]


def test_export_and_exec(run, s3, backend):
    b = BACKENDS[backend]
    run(*b, "write", "app", "db-url", "postgres://x<y>", check=True)
    run(*b, "write", "app", "port", "5432", check=True)
    r = run(*b, "export", "app", check=True)
    assert r.stdout == '{"db-url":"postgres://x\\u003cy\\u003e","port":"5432"}\n'
    r = run(*b, "export", "-f", "dotenv", "app", check=True)
    assert "PORT=" in r.stdout and "DB_URL=" in r.stdout
    code = "import os; print(os.environ['DB_URL'], os.environ['PORT'])"
    r = run(*b, "exec", "app", "--", sys.executable, "-c", code, check=True)
    assert r.stdout == "postgres://x<y> 5432\n"
    r = run(*b, "export", "nothing", check=True)
    assert r.stdout == "{}\n"


def test_list_fails_when_index_has_no_object(run, s3):
    s3.put_object(Bucket=BUCKET, Key="svc/__latest.json", Body=b'{"latest":{"ghost":"boo"}}')
    r = run(*BACKENDS["s3"], "list", "svc")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to list store contents: secret not found\n")
    # exec/export only read the index
    r = run(*BACKENDS["s3"], "export", "svc", check=True)
    assert r.stdout == '{"ghost":"boo"}\n'


def test_tags_not_implemented(run, backend):
    b = BACKENDS[backend]
    r = run(*b, "tag", "read", "svc", "k")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to read tags: Not implemented for S3 Store\n")
    r = run(*b, "write", "--tags", "a=b", "svc", "k", "v")
    assert (r.returncode, r.stderr) == (1, "Error: tags on write not implemented for S3 Store\n")


@pytest.mark.parametrize("name", ["s3", "s3-kms"])
def test_bucket_required(run_cli, name):
    r = run_cli("-b", name, "list", "svc")
    assert (r.returncode, r.stderr) == (
        1, "Error: Failed to get secret store: Must set bucket for s3 backend\n")


def test_bucket_from_env(run, s3):
    run("write", "svc", "k", "v", check=True,
        env_extra={"CHAMBER_SECRET_BACKEND": "s3", "CHAMBER_S3_BUCKET": BUCKET})
    assert keys(s3) == ["svc/__latest.json", "svc/k.json"]


def test_kms_key_alias_refused_for_s3(run_cli):
    r = run_cli("-b", "s3", "--backend-s3-bucket", BUCKET, "--kms-key-alias", "mine", "list", "svc")
    assert (r.returncode, r.stderr) == (
        1, "Error: Failed to get secret store: Unable to use --kms-key-alias with this backend.\n")


def test_kms_key_alias_flag_and_env(run, s3):
    run(*BACKENDS["s3-kms"], "--kms-key-alias", "team/key", "write", "svc", "a", "1", check=True)
    run(*BACKENDS["s3-kms"], "write", "svc", "b", "2", check=True,
        env_extra={"CHAMBER_KMS_KEY_ALIAS": "other"})
    assert keys(s3) == ["svc/__kms_alias_other__latest.json", "svc/__kms_alias_team_key__latest.json",
                        "svc/a.json", "svc/b.json"]
    assert s3.head_object(Bucket=BUCKET, Key="svc/a.json")["SSEKMSKeyId"] == "alias/team/key"
    assert s3.head_object(Bucket=BUCKET, Key="svc/b.json")["SSEKMSKeyId"] == "alias/other"
    r = run(*BACKENDS["s3-kms"], "export", "svc", check=True)
    assert r.stdout == '{"a":"1","b":"2"}\n'
    r = run(*BACKENDS["s3-kms"], "--kms-key-alias", "other", "write", "svc", "a", "3")
    assert (r.returncode, r.stderr) == (1, "Error: Unable to overwrite secret a using new KMS key "
                                           "alias/other; mismatch with existing key alias/team/key\n")
    r = run(*BACKENDS["s3-kms"], "--kms-key-alias", "other", "delete", "svc", "a")
    assert r.returncode == 1 and "mismatch with existing key alias/team/key" in r.stderr


def test_kms_key_alias_takes_a_key_id_or_arn(run, s3):
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    arn = f"arn:aws:kms:eu-west-1:111122223333:key/{key_id}"  # another region
    run(*BACKENDS["s3-kms"], "--kms-key-alias", key_id, "write", "svc", "a", "1", check=True)
    run(*BACKENDS["s3-kms"], "--kms-key-alias", arn, "write", "svc", "b", "2", check=True)
    assert s3.head_object(Bucket=BUCKET, Key="svc/a.json")["SSEKMSKeyId"] == key_id
    assert s3.head_object(Bucket=BUCKET, Key="svc/b.json")["SSEKMSKeyId"] == arn
    assert f"svc/__kms_{key_id}__latest.json" in keys(s3)
    assert f"svc/__kms_{arn.replace('/', '_')}__latest.json" in keys(s3)
    assert run(*BACKENDS["s3-kms"], "export", "svc", check=True).stdout == '{"a":"1","b":"2"}\n'


def test_missing_bucket_error(run):
    r = run("-b", "s3", "--backend-s3-bucket", "no-such-bucket", "write", "svc", "k", "topsecret")
    assert r.returncode == 1
    assert r.stderr.startswith("Error: operation error S3: GetObject, https response error "
                               "StatusCode: 404, ")
    assert r.stderr.endswith("api error NoSuchBucket: The specified bucket does not exist\n")
    assert "topsecret" not in r.stderr


def test_import_writes_each_key(run, s3, backend):
    b = BACKENDS[backend]
    r = run(*b, "import", "svc", "-", input='{"a":"1","b":"2"}', check=True)
    assert "Successfully imported 2 secrets" in r.stdout
    assert keys(s3) == sorted([f"svc/{index_name(backend)}", "svc/a.json", "svc/b.json"])
