"""Every ``ecs policy`` role checked against the calls pychamber really makes: a recording WSGI
middleware in front of moto's app notes each SSM request of each command (action and the
resources IAM authorises it against, and the KMS use SSM makes on the caller's behalf), then
each recorded call is evaluated against the printed policy by moto's own IAM policy engine
(``moto.iam.access_control.IAMPolicy``, with the ``kms:ViaService`` condition value SSM gives).

moto's IAM enforcement (``/moto-api/reset-auth``) checks SSM calls against resource ``*`` only
(tests/cli/test_doctor.py), so the resource-level decisions are made here with the policy
engine directly, one call at a time."""

from __future__ import annotations

import io
import json
import threading

import pytest

from conftest import moto_behind

ACCOUNT = "123456789012"
REGION = "us-east-1"
VIA_SSM = {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}
#: The SSM operations whose parameters IAM authorises by name.
BY_NAME = {"GetParameter", "PutParameter", "DeleteParameter", "GetParameterHistory"}
BY_RESOURCE_ID = {"ListTagsForResource", "AddTagsToResource", "RemoveTagsFromResource"}
DECRYPTING = {"GetParameter", "GetParameters", "GetParametersByPath", "GetParameterHistory"}


def arn(resource: str, service: str = "ssm") -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


class Recording:
    """WSGI middleware: keeps (operation, request body) of every SSM and Secrets Manager
    request, passes it on."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith(("AmazonSSM.", "secretsmanager.")):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            with self.lock:
                self.calls.append((target.split(".", 1)[1], json.loads(body or b"{}")))
        return self.app(environ, start_response)

    def take(self) -> list[tuple[str, dict]]:
        with self.lock:
            calls, self.calls = self.calls, []
        return calls


@pytest.fixture
def recorder(moto_server):
    with moto_behind(Recording) as app:
        yield app


@pytest.fixture
def world(run_cli, aws_client, recorder):
    """Two services; web's keys under two KMS keys (chamber's alias and a team's own); returns
    {alias: key ARN}."""
    kms = aws_client("kms")
    keys = {}
    for alias in ("alias/parameter_store_key", "alias/team-b", "alias/unrelated"):
        key = kms.create_key()["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        keys[alias] = key["Arn"]
    run_cli("write", "web", "db_password", "pw-1", check=True)
    run_cli("write", "shared", "log_level", "info", check=True)
    aws_client("ssm").put_parameter(Name="/web/team_token", Value="tok", Type="SecureString",
                                    KeyId="alias/team-b", Description="1")
    recorder.take()
    return keys


def needed(calls: list[tuple[str, dict]], ssm, keys: dict[str, str]) -> set[tuple[str, str]]:
    """(IAM action, resource) for each recorded call, with the kms:Decrypt / kms:Encrypt SSM
    does for it under the parameters' own keys."""

    def key_of(name: str) -> str | None:
        found = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
        if not found or found[0].get("Type") != "SecureString":
            return None
        return keys[found[0]["KeyId"]]

    out: set[tuple[str, str]] = set()
    for op, body in calls:
        action = f"ssm:{op}"
        touched: list[str] = []
        if op in BY_NAME:
            touched = [body["Name"]]
        elif op in BY_RESOURCE_ID:
            touched = [body["ResourceId"]]
        elif op == "GetParameters":
            touched = list(body["Names"])
        elif op == "GetParametersByPath":
            # chamber asks for "/web/"; IAM authorises the path without its trailing slash
            # (parameter/web, which parameter/web/* does not match: the trap chamber's users hit)
            out.add((action, arn("parameter" + body["Path"].rstrip("/"))))
            if body.get("WithDecryption"):
                for p in ssm.get_parameters_by_path(Path=body["Path"])["Parameters"]:
                    k = key_of(p["Name"])
                    if k:
                        out.add(("kms:Decrypt", k))
            continue
        elif op == "DescribeParameters":
            out.add((action, "*"))
            continue
        else:
            raise AssertionError(f"a call this test does not know: {op}")
        for name in touched:
            out.add((action, arn("parameter" + name)))
            if op in DECRYPTING and (body.get("WithDecryption") or op == "GetParameterHistory"):
                k = key_of(name)
                if k:
                    out.add(("kms:Decrypt", k))
        if op == "PutParameter":
            out.add(("kms:Encrypt", keys[body["KeyId"]]))
            if body.get("Tier") == "Advanced":
                out.add(("kms:GenerateDataKey", keys[body["KeyId"]]))
    return out


def denied(doc: dict, calls: set[tuple[str, str]]) -> list[tuple[str, str]]:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    policy = IAMPolicy(json.dumps(doc))
    return sorted((action, resource) for action, resource in calls
                  if policy.is_action_permitted(action, resource, incoming_condition_values=VIA_SSM)
                  != PermissionResult.PERMITTED)


def policy(run_cli, role: str, *services: str) -> dict:
    return json.loads(run_cli("ecs", "policy", *services, "--role", role, check=True).stdout)


def record(run_cli, recorder, commands: list[list[str]], **kwargs) -> list[tuple[str, dict]]:
    env = {"AWS_ENDPOINT_URL": recorder.url}
    calls = []
    for args in commands:
        run_cli(*args, env_extra=env, check=True, **kwargs)
        got = recorder.take()
        assert got, f"pychamber {' '.join(args)} made no SSM call"
        calls += got
    return calls


#: What a writer does to a service, command by command.
WRITER_COMMANDS = [
    ["write", "web", "db_password", "pw-2"],
    ["write", "web", "new_key", "v"],
    ["write", "--tier", "advanced", "web", "big_key", "v"],
    ["write", "-t", "team=b", "web", "tagged_key", "v"],
    ["read", "web", "db_password"],
    ["read", "-v", "1", "web", "db_password"],
    ["history", "web", "db_password"],
    ["list", "web"],
    ["list", "-e", "web"],
    ["env", "web"],
    ["export", "web"],
    ["exec", "web", "--", "true"],
    ["tag", "read", "web", "db_password"],
    ["tag", "write", "web", "db_password", "a=1", "b=2"],
    ["tag", "write", "--delete-other-tags", "web", "db_password", "c=3"],
    ["tag", "delete", "web", "db_password", "c"],
    ["delete", "web", "new_key"],
]


def test_the_writer_policy_covers_every_call_of_every_command(run_cli, recorder, world, ssm_client):
    doc = policy(run_cli, "writer", "web")
    calls = record(run_cli, recorder, WRITER_COMMANDS)
    calls += record(run_cli, recorder, [["import", "web", "-"]], input='{"imported": "x"}')
    want = needed(calls, ssm_client, world)
    # what this test is about: the path itself, tag removal, and the team's own key
    assert ("ssm:GetParametersByPath", arn("parameter/web")) in want
    assert ("ssm:RemoveTagsFromResource", arn("parameter/web/db_password")) in want
    assert ("kms:Decrypt", world["alias/team-b"]) in want
    assert denied(doc, want) == []
    # and nothing of the service next door, nor the unrelated key
    assert denied(doc, {("ssm:GetParametersByPath", arn("parameter/shared")),
                        ("ssm:PutParameter", arn("parameter/shared/log_level")),
                        ("kms:Decrypt", world["alias/unrelated"])}) == [
        ("kms:Decrypt", world["alias/unrelated"]),
        ("ssm:GetParametersByPath", arn("parameter/shared")),
        ("ssm:PutParameter", arn("parameter/shared/log_level"))]


def test_the_task_policy_covers_exec_of_the_services(run_cli, recorder, world, ssm_client):
    doc = policy(run_cli, "task", "web", "shared")
    calls = record(run_cli, recorder, [["exec", "web", "shared", "--", "true"],
                                       ["exec", "web", "--", "true"]])
    want = needed(calls, ssm_client, world)
    assert ("kms:Decrypt", world["alias/team-b"]) in want
    assert denied(doc, want) == []
    # a task may not write, nor read another key's values outside its services
    assert denied(doc, {("ssm:PutParameter", arn("parameter/web/db_password")),
                        ("kms:Encrypt", world["alias/parameter_store_key"])}) == [
        ("kms:Encrypt", world["alias/parameter_store_key"]),
        ("ssm:PutParameter", arn("parameter/web/db_password"))]


def test_the_execution_policy_covers_what_the_ecs_agent_resolves(run_cli, world, ssm_client):
    doc = policy(run_cli, "execution", "web")
    entries = json.loads(run_cli("ecs", "secrets", "web", check=True).stdout)
    want = set()
    for e in entries:  # the agent reads each valueFrom with GetParameters, decrypting
        want.add(("ssm:GetParameters", e["valueFrom"]))
        name = e["valueFrom"].split(":parameter", 1)[1]
        key_id = ssm_client.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0]["KeyId"]
        want.add(("kms:Decrypt", world[key_id]))
    assert len(want) == 4
    assert denied(doc, want) == []


def test_a_parameter_under_the_aws_managed_key_needs_no_kms_grant(run_cli, ssm_client):
    ssm_client.put_parameter(Name="/plain/k", Value="v", Type="SecureString", Description="1")
    doc = policy(run_cli, "task", "plain")
    assert [s["Sid"] for s in doc["Statement"]] == ["ReadTheServicesByPath"]


@pytest.mark.parametrize("args", [["ecs", "policy", "wbe", "--role", "task"],
                                  ["ecs", "policy", "web", "wbe", "--role", "writer"],
                                  ["ecs", "policy", "wbe", "--role", "execution"],
                                  ["ecs", "secrets", "web", "wbe"]])
def test_a_service_with_no_secrets_is_refused(run_cli, world, args):
    r = run_cli(*args, check=1)
    assert r.stdout == ""
    assert r.stderr == "Error: service wbe has no secrets (is the name right?)\n"


#: What a writer does to a service on Secrets Manager, command by command.
SM_WRITER_COMMANDS = [
    ["write", "web", "db_password", "pw-2"],
    ["write", "web", "new_key", "v"],
    ["read", "web", "db_password"],
    ["read", "-v", "1", "web", "db_password"],
    ["history", "web", "db_password"],
    ["list", "web"],
    ["exec", "web", "--", "true"],
    ["delete", "web", "new_key"],
]


def sm_needed(calls: list[tuple[str, dict]], sm) -> set[tuple[str, str]]:
    """(IAM action, the secret's ARN) for each recorded Secrets Manager call."""
    return {(f"secretsmanager:{op}", sm.describe_secret(SecretId=body["SecretId"])["ARN"])
            for op, body in calls}


def test_the_secretsmanager_policies_cover_every_call(run_cli, recorder, aws_client):
    sm = aws_client("secretsmanager")
    backend = {"CHAMBER_SECRET_BACKEND": "secretsmanager"}
    run_cli("write", "web", "db_password", "pw-1", env_extra=backend, check=True)
    run_cli("write", "shared", "log_level", "info", env_extra=backend, check=True)
    recorder.take()
    writer = json.loads(run_cli("ecs", "policy", "web", "--role", "writer", env_extra=backend,
                                check=True).stdout)
    task = json.loads(run_cli("ecs", "policy", "web", "--role", "task", env_extra=backend,
                              check=True).stdout)
    recorder.take()
    env = {**backend, "AWS_ENDPOINT_URL": recorder.url}
    calls = []
    for args in SM_WRITER_COMMANDS:
        run_cli(*args, env_extra=env, check=True)
        got = recorder.take()
        assert got, args
        calls += got
    want = sm_needed(calls, sm)
    assert ("secretsmanager:UpdateSecretVersionStage", sm.describe_secret(SecretId="web")["ARN"]) in want
    assert denied(writer, want) == []
    run_cli("exec", "web", "--", "true", env_extra=env, check=True)
    assert denied(task, sm_needed(recorder.take(), sm)) == []
    # the task may not write, nor read the service next door
    shared = sm.describe_secret(SecretId="shared")["ARN"]
    assert denied(task, {("secretsmanager:PutSecretValue", sm.describe_secret(SecretId="web")["ARN"]),
                         ("secretsmanager:GetSecretValue", shared)}) == sorted(
        [("secretsmanager:GetSecretValue", shared),
         ("secretsmanager:PutSecretValue", sm.describe_secret(SecretId="web")["ARN"])])
