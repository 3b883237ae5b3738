"""pychamber -b secretsmanager against the shared moto server (chamber §4.2): run_cli, in-process on
a fake console (the exec lines as processes)."""

from __future__ import annotations

import json
import sys

import pytest

SM = ("-b", "secretsmanager")
NOT_FOUND = "operation error Secrets Manager: GetSecretValue, https response error StatusCode: "


@pytest.fixture
def sm_client(aws_client):
    return aws_client("secretsmanager")


@pytest.fixture
def sm(run_cli):
    def run(*args, **kw):
        return run_cli(*SM, *args, **kw)

    return run


def rows(stdout: str) -> list[list[str]]:
    return [[c for c in line.split("\t") if c] for line in stdout.splitlines()]


def test_write_read_list_history(sm, sm_client):
    sm("write", "MySvc", "DB_Pass", "one", check=True)
    sm("write", "mysvc", "db_pass", "two", check=True)
    sm("write", "mysvc", "other", "--", "-x", check=True)
    data = json.loads(sm_client.get_secret_value(SecretId="mysvc", VersionStage="AWSCURRENT")["SecretString"])
    assert sorted(data) == ["_chamber_metadata", "db_pass", "other"]

    r = sm("read", "mysvc", "db_pass", "-q", check=True)
    assert r.stdout == "two\n"
    r = sm("read", "mysvc", "db_pass", check=True)
    table = rows(r.stdout)
    assert table[0] == ["Key", "Value", "Version", "LastModified", "User"]
    assert table[1][:3] == ["db_pass", "two", "2"]
    assert table[1][4].startswith("arn:aws:")
    assert sm("read", "-v", "1", "-q", "mysvc", "db_pass", check=True).stdout == "one\n"

    r = sm("list", "mysvc", check=True)
    table = rows(r.stdout)
    assert table[0] == ["Key", "Version", "LastModified", "User"]
    assert [(row[0], row[1]) for row in table[1:]] == [("db_pass", "2"), ("other", "1")]
    r = sm("list", "-e", "mysvc", check=True)
    assert [(row[0], row[-1]) for row in rows(r.stdout)[1:]] == [("db_pass", "two"), ("other", "-x")]

    r = sm("history", "mysvc", "db_pass", check=True)
    table = rows(r.stdout)
    assert table[0] == ["Event", "Version", "Date", "User"]
    assert [(row[0], row[1]) for row in table[1:]] == [("Created", "1"), ("Updated", "2")]


def test_read_missing(sm):
    sm("write", "svc", "k", "v", check=True)
    r = sm("read", "svc", "nope", check=1)
    assert r.stderr == "Error: Failed to read: secret not found\n"
    r = sm("history", "svc", "nope", check=1)
    assert r.stderr == "Error: Failed to get history: secret not found\n"
    r = sm("read", "nosvc", "k", check=1)
    assert r.stderr.startswith("Error: Failed to read: " + NOT_FOUND)
    assert "ResourceNotFoundException" in r.stderr


def test_delete_and_empty_value(sm, sm_client):
    sm("write", "svc", "a", "1", check=True)
    sm("write", "svc", "b", "2", check=True)
    sm("delete", "svc", "a", check=True)
    assert sm("read", "svc", "a", check=1).stderr == "Error: Failed to read: secret not found\n"
    r = sm("delete", "svc", "a", check=1)
    assert r.stderr == "Error: secret not found\n"
    # writing an empty value deletes too (stdin "" -> empty value)
    sm("write", "svc", "b", "-", input="", check=True)
    assert json.loads(sm_client.get_secret_value(SecretId="svc", VersionStage="AWSCURRENT")["SecretString"]) == {
        "_chamber_metadata": "{}"
    }
    r = sm("list", "svc", check=True)
    assert r.stdout.splitlines() == ["Key\tVersion\t\tLastModified\tUser"]
    r = sm("delete", "nosvc", "a", check=1)
    assert r.stderr.startswith("Error: " + NOT_FOUND)


def test_missing_service_is_an_error(sm):
    for args, prefix in (
        (("list", "nosvc"), "Error: Failed to list store contents: "),
        (("env", "nosvc"), "Error: "),
        (("export", "nosvc"), "Error: "),
        (("exec", "nosvc", "--", sys.executable, "-c", "pass"), "Error: "),
    ):
        r = sm(*args, check=1)
        assert r.stderr.startswith(prefix), (args, r.stderr)
        assert "ResourceNotFoundException" in r.stderr, (args, r.stderr)
        assert r.stdout == ""


def test_export_includes_chamber_metadata(sm, sm_client):
    sm("write", "svc", "db", "p<w>", check=True)
    raw = json.loads(sm_client.get_secret_value(SecretId="svc", VersionStage="AWSCURRENT")["SecretString"])
    r = sm("export", "svc", check=True)
    assert json.loads(r.stdout) == {"_chamber_metadata": raw["_chamber_metadata"], "db": "p<w>"}
    assert r.stdout.startswith('{"_chamber_metadata":"{\\"db\\":{\\"created\\":\\"')
    assert '"db":"p\\u003cw\\u003e"}\n' in r.stdout
    r = sm("export", "-f", "dotenv", "svc", check=True)
    assert [line.split("=", 1)[0] for line in r.stdout.splitlines()] == ["_CHAMBER_METADATA", "DB"]


def test_env_and_exec_export_chamber_metadata(sm, sm_client):
    sm("write", "svc", "db-pass", "pw", check=True)
    raw = json.loads(sm_client.get_secret_value(SecretId="svc", VersionStage="AWSCURRENT")["SecretString"])
    r = sm("env", "svc", check=True)
    names = [line.split("=", 1)[0] for line in r.stdout.splitlines()]
    assert names == ["export _CHAMBER_METADATA", "export DB_PASS"]
    code = ("import os, json; print(json.dumps({k: os.environ[k] for k in "
            "('_CHAMBER_METADATA', 'DB_PASS')}))")
    r = sm("exec", "svc", "--", sys.executable, "-c", code, check=True)
    assert json.loads(r.stdout) == {"_CHAMBER_METADATA": raw["_chamber_metadata"], "DB_PASS": "pw"}


def test_import(sm, sm_client):
    r = sm("import", "svc", "-", input='{"a": "1", "b": "2"}', check=True)
    assert r.stdout == "Successfully imported 2 secrets\n"
    meta = json.loads(json.loads(sm_client.get_secret_value(SecretId="svc", VersionStage="AWSCURRENT")["SecretString"])
                      ["_chamber_metadata"])
    assert {k: v["version"] for k, v in meta.items()} == {"a": 1, "b": 1}


def test_backend_from_environment(run_cli):
    run_cli("write", "svc", "k", "v", env_extra={"CHAMBER_SECRET_BACKEND": "secretsmanager"}, check=True)
    r = run_cli("read", "-q", "svc", "k", env_extra={"CHAMBER_SECRET_BACKEND": "SecretsManager"},
                check=True)
    assert r.stdout == "v\n"


def test_endpoint_variables(sm, moto_server):
    bad = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    sm("write", "svc", "k", "v", env_extra={**bad, "CHAMBER_AWS_SECRETS_MANAGER_ENDPOINT": moto_server},
       check=True)
    r = sm("read", "-q", "svc", "k", env_extra={**bad, "CHAMBER_AWS_SSM_ENDPOINT": moto_server}, check=True)
    assert r.stdout == "v\n"
    r = sm("-r", "1", "read", "-q", "svc", "k", env_extra=bad, check=1)
    assert r.stderr.startswith("Error: Failed to read: operation error Secrets Manager: GetSecretValue, ")


def test_rotation_enabled(sm, sm_client):
    sm("write", "rot", "k", "v", check=True)
    sm_client.rotate_secret(SecretId="rot", RotationRules={"AutomaticallyAfterDays": 30},
                            RotateImmediately=False)
    if not sm_client.describe_secret(SecretId="rot").get("RotationEnabled"):
        pytest.skip("moto did not enable rotation")
    r = sm("write", "rot", "k", "new", check=1)
    assert r.stderr == "Error: Cannot write to a secret with rotation enabled\n"


def test_not_implemented_messages(sm):
    sm("write", "svc", "k", "v", check=True)
    cases = [
        (("tag", "read", "svc", "k"), "Error: Failed to read tags: Not implemented for Secrets Manager Store\n"),
        (("tag", "write", "svc", "k", "a=b"),
         "Error: Failed to write tags: Not implemented for Secrets Manager Store\n"),
        (("tag", "delete", "svc", "k", "a"),
         "Error: Failed to delete tags: Not implemented for Secrets Manager Store\n"),
        (("write", "svc", "k2", "v", "--tags", "a=b"),
         "Error: tags on write not implemented for Secrets Manager Store\n"),
    ]
    for args, stderr in cases:
        r = sm(*args, check=1)
        assert r.stderr == stderr, args
        assert r.stdout == ""


def test_exec_several_services(sm):
    sm("write", "one", "a", "1", check=True)
    sm("write", "one", "b", "1", check=True)
    sm("write", "two", "b", "2", check=True)
    code = "import os; print(os.environ['A'], os.environ['B'])"
    r = sm("exec", "one", "two", "--", sys.executable, "-c", code, check=True)
    assert r.stdout == "1 2\n"
    r = sm("exec", "one", "missing", "--", sys.executable, "-c", code, check=1)
    assert "ResourceNotFoundException" in r.stderr and r.stdout == ""


@pytest.mark.parametrize("existing", [False, True], ids=["new-secret", "existing-secret"])
def test_eight_concurrent_writers_lose_no_key(aws_env, sm_client, existing):
    from conftest import run_concurrently

    if existing:
        sm_client.create_secret(Name="svc", SecretString='{"before":"0"}')
    results = run_concurrently([[*SM, "write", "svc", f"key{i}", "-"] for i in range(8)], aws_env,
                               [f"value{i}".encode() for i in range(8)])
    assert results == [(0, b"", b"")] * 8
    data = json.loads(sm_client.get_secret_value(SecretId="svc", VersionStage="AWSCURRENT")["SecretString"])
    want = {f"key{i}": f"value{i}" for i in range(8)} | ({"before": "0"} if existing else {})
    assert {k: v for k, v in data.items() if k != "_chamber_metadata"} == want
    assert sorted(json.loads(data["_chamber_metadata"])) == sorted(k for k in want if k != "before")


def test_a_secret_without_chamber_metadata_shows_go_zero_time(sm, sm_client):
    sm_client.create_secret(Name="foreign", SecretString='{"k":"v"}')
    r = sm("list", "foreign", check=True, env_extra={"TZ": "UTC"})
    assert rows(r.stdout)[1] == ["k", "0", "0001-01-01 00:00:00"]
    r = sm("read", "foreign", "k", check=True, env_extra={"TZ": "UTC"})
    assert rows(r.stdout)[1] == ["k", "v", "0", "0001-01-01 00:00:00"]


def test_a_plain_text_secret_reaches_exec_as_one_variable(sm, sm_client):
    sm_client.create_secret(Name="prod/api-token", SecretString="plain value")
    r = sm("exec", "prod/api-token", "--", sys.executable, "-c",
           "import os; print(os.environ['API_TOKEN'])", check=True)
    assert r.stdout == "plain value\n"
    r = sm("write", "prod/api-token", "api-token", "new", check=1)
    assert r.stderr == ("Error: the secret prod/api-token holds plain text, not chamber's JSON: "
                        "pychamber reads it as one key (api-token) and does not write to it\n")


def test_doctor_counts_keys_not_chambers_metadata(sm):
    sm("write", "web", "db_password", "pw", check=True)
    r = sm("doctor", "web")
    line = next(line for line in r.stdout.splitlines() if line.startswith("exec web"))
    assert "1 secret(s)" in line, r.stdout
