"""ecs secrets / ecs policy against the moto server: exec's names and precedence, ARNs for SSM and
Secrets Manager (the real suffix), the account from STS, a container definition ECS accepts, and
policies that are valid IAM JSON naming well-formed ARNs one by one; bad input is one line."""

from __future__ import annotations

import json
import re

import pytest

ACCOUNT = "123456789012"  # moto's
REGION = "us-east-1"
ARN = re.compile(r"arn:aws:(ssm|secretsmanager|kms):us-east-1:123456789012:[A-Za-z0-9/_.:*+=,@-]+")


@pytest.fixture
def ssm_seeded(run_cli, aws_client):
    kms = aws_client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/parameter_store_key", TargetKeyId=key["KeyId"])
    for service, key_, value in [("web", "db_password", "canary-pw-1"), ("web", "api-key", "canary-k"),
                                 ("shared", "db_password", "canary-pw-2"), ("shared", "log_level", "info")]:
        run_cli("write", service, key_, value, check=True)
    return key["Arn"]


def test_ecs_secrets_on_ssm(run_cli, ssm_seeded):
    out = run_cli("ecs", "secrets", "web", "shared", check=True)
    assert "canary" not in out.stdout + out.stderr
    assert json.loads(out.stdout) == [
        {"name": "API_KEY", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/api-key"},
        {"name": "DB_PASSWORD", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/shared/db_password"},
        {"name": "LOG_LEVEL", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/shared/log_level"},
    ]


def test_container_definition_is_accepted_by_ecs(run_cli, ssm_seeded, aws_client):
    out = run_cli("ecs", "secrets", "web", "--container", "app", "--image", "python:3.12", check=True)
    definition = json.loads(out.stdout)
    assert definition["name"] == "app" and definition["image"] == "python:3.12"
    # botocore's own validation of the request, exactly as printed
    from botocore.validate import validate_parameters

    ecs = aws_client("ecs")
    shape = ecs.meta.service_model.operation_model("RegisterTaskDefinition").input_shape
    validate_parameters({"family": "web", "containerDefinitions": [definition]}, shape)
    # and ECS (moto) takes it, once the task says how much memory it has
    resp = ecs.register_task_definition(
        family="web", containerDefinitions=[definition], memory="512", cpu="256",
        requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/exec")
    got = resp["taskDefinition"]["containerDefinitions"][0]["secrets"]
    assert {s["name"] for s in got} == {"API_KEY", "DB_PASSWORD"}


def test_ecs_secrets_on_secretsmanager_use_the_real_suffix(run_cli, aws_client):
    run_cli("-b", "secretsmanager", "write", "web", "db_password", "canary-pw", check=True)
    arn = aws_client("secretsmanager").describe_secret(SecretId="web")["ARN"]
    assert re.fullmatch(rf"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web-[A-Za-z0-9]{{6}}", arn)
    out = run_cli("-b", "secretsmanager", "ecs", "secrets", "web", check=True)
    assert json.loads(out.stdout) == [{"name": "DB_PASSWORD", "valueFrom": f"{arn}:db_password::"}]


def check_policy(doc: dict) -> list[str]:
    """IAM's grammar as far as pychamber uses it; returns every resource."""
    assert doc["Version"] == "2012-10-17"
    resources = []
    for st in doc["Statement"]:
        assert st["Effect"] == "Allow"
        assert st["Action"] and all(re.fullmatch(r"[a-z0-9]+:[A-Za-z]+", a) for a in st["Action"])
        assert not any("*" in a for a in st["Action"])  # no wildcard action
        for r in st["Resource"]:
            if st["Action"] == ["ssm:DescribeParameters"]:  # no resource-level permissions in IAM
                assert r == "*"
                continue
            assert ARN.fullmatch(r), r
            resources.append(r)
    return resources


def test_ecs_policy_task_role_names_the_path_itself(run_cli, ssm_seeded):
    doc = json.loads(run_cli("ecs", "policy", "web", "shared", "--role", "task", check=True).stdout)
    resources = check_policy(doc)
    by_sid = {st["Sid"]: st for st in doc["Statement"]}
    assert by_sid["ReadTheServicesByPath"]["Action"] == ["ssm:GetParametersByPath"]
    assert by_sid["ReadTheServicesByPath"]["Resource"] == [
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/*",
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/shared", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/shared/*"]
    kms = by_sid["DecryptTheSecrets"]
    assert kms["Resource"] == [ssm_seeded]  # the key behind the alias, from DescribeKey
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}}
    assert len(resources) == 5


def test_ecs_policy_execution_role_lists_each_parameter(run_cli, ssm_seeded):
    doc = json.loads(run_cli("ecs", "policy", "web", "--role", "execution", check=True).stdout)
    check_policy(doc)
    st = doc["Statement"][0]
    assert st["Action"] == ["ssm:GetParameters"]
    assert st["Resource"] == sorted([f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/api-key",
                                     f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db_password"])


def test_ecs_policy_writer_reads_the_store_config(run_cli, ssm_seeded):
    doc = json.loads(run_cli("ecs", "policy", "web", "--role", "writer", check=True).stdout)
    resources = check_policy(doc)
    assert f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/_chamber/store-config" in resources
    assert "ssm:PutParameter" in doc["Statement"][0]["Action"]


def test_ecs_bad_input_is_one_line(run_cli, ssm_seeded):
    for args, start in [(["-b", "local", "ecs", "secrets", "web"], "Error: ECS resolves secrets from SSM"),
                        (["ecs", "policy", "web", "--role", "admin"], "Error: unknown role 'admin'"),
                        (["ecs", "secrets", "web", "--container", "x"], "Error: --container and --image go together"),
                        (["ecs", "policy", "bad!", "--role", "task"], "Error: Failed to validate service: ")]:
        out = run_cli(*args)
        assert out.returncode == 1 and out.stderr.startswith(start), (args, out.stderr)
        assert len(out.stderr.splitlines()) == 1
    no_sts = run_cli("-r", "1", "ecs", "secrets", "web", env_extra={"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"})
    assert no_sts.returncode == 1 and len(no_sts.stderr.splitlines()) == 1
    assert no_sts.stderr.startswith("Error: operation error STS: GetCallerIdentity")


def test_the_readme_task_definition_is_valid(aws_client):
    from pathlib import Path

    from botocore.validate import validate_parameters

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"## ECS task definitions.*?```json\n(.*?)```", text, re.S).group(1)
    task = json.loads(block)
    ecs = aws_client("ecs")
    shape = ecs.meta.service_model.operation_model("RegisterTaskDefinition").input_shape
    validate_parameters(task, shape)
    resp = ecs.register_task_definition(**task)
    assert [c["name"] for c in resp["taskDefinition"]["containerDefinitions"]] == ["secrets", "app"]
