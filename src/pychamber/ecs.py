"""The ECS way of handing secrets over: the ``secrets`` array of a container definition (the ECS
agent resolves each ``valueFrom`` ARN at container start) and the least-privilege IAM policy
documents for the roles involved.

Names and precedence are exec's: a secret ``db_password`` of service ``web`` is
``DB_PASSWORD``, later services win. Only names are read (DescribeParameters on SSM; Secrets
Manager keeps a service's keys inside one secret, so its keys are read from that secret), and
no value is ever printed. ARNs are built for the backend in use from the region of its client,
the account STS names, and (Secrets Manager) the secret's real ARN with its random suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from pychamber import aws, names
from pychamber.errors import ChamberError
from pychamber.model import key_of

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings
    from pychamber.stores.base import Store

POLICY_VERSION = "2012-10-17"
ROLES = ("execution", "task", "writer")
#: Backend name -> the AWS service whose ARNs ECS can resolve.
ECS_SERVICES = {"SSM": "ssm", "SECRETSMANAGER": "secretsmanager"}


@dataclass(frozen=True)
class EcsSecret:
    """One entry of the ``secrets`` array: the variable, and where its value lives."""

    name: str
    service: str
    key: str  # the stored key (bare)
    value_from: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "valueFrom": self.value_from}


class _Context:
    """The AWS facts an ARN needs (partition, region, account) and the calls to learn them."""

    def __init__(self, settings: "Settings", service: str):
        self.settings = settings
        self.service = service
        client = self._client(service, "GetCallerIdentity")
        self.region = client.meta.region_name
        self.partition = getattr(client.meta, "partition", None) or "aws"
        self.account = self.call("sts", "GetCallerIdentity").get("Account") or ""
        if not self.account:
            raise ChamberError("operation error STS: GetCallerIdentity, no account in the answer")

    def _client(self, service: str, op: str) -> Any:
        settings = self.settings
        mode = settings.retry_mode if service == "ssm" else "standard"
        # the Secrets Manager store's STS client honours its endpoint variables, as chamber's
        endpoint_env = aws.ENDPOINT_ENV["secretsmanager"] if (
            service == "sts" and self.service == "secretsmanager") else None
        return aws.client(service, settings, settings.retries, mode, endpoint_env, operation=op)

    def call(self, service: str, op: str, **params: Any) -> dict:
        return aws.call(lambda o: self._client(service, o), service, op, settings=self.settings,
                        **params)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"


def _aws_service(settings: "Settings") -> str:
    service = ECS_SERVICES.get(settings.backend)
    if service is None:
        raise ChamberError(
            f"ECS resolves secrets from SSM Parameter Store or Secrets Manager only, not from the "
            f"{settings.backend.lower()} backend: use -b ssm or -b secretsmanager")
    return service


def secrets(settings: "Settings", store: "Store", services: Sequence[str]) -> list[EcsSecret]:
    """The ``secrets`` array for the services, in exec's names and precedence (sorted by name)."""
    service_kind = _aws_service(settings)
    ctx = _Context(settings, service_kind)
    chosen: dict[str, tuple[str, str]] = {}
    for raw in services:
        service = names.go_lower(raw)
        try:
            listed = store.list(service, False)
        except ChamberError as e:
            raise e.wrap(f"Failed to list store contents for service {service}: ") from None
        for s in listed:
            key = key_of(s.meta.key)
            chosen[names.exec_env_name(key)] = (service, key)
    secret_arns: dict[str, str] = {}
    out = []
    for name in sorted(chosen):
        service, key = chosen[name]
        if service_kind == "ssm":
            value_from = ctx.arn("ssm", f"parameter/{service}/{key}")
        else:
            if service not in secret_arns:
                secret_arns[service] = ctx.call("secretsmanager", "DescribeSecret", SecretId=service)["ARN"]
            value_from = f"{secret_arns[service]}:{key}::"
        out.append(EcsSecret(name, service, key, value_from))
    return out


def container_definition(entries: Sequence[EcsSecret], name: str, image: str) -> dict[str, Any]:
    """A minimal container definition carrying the ``secrets`` array."""
    return {"name": name, "image": image, "essential": True,
            "secrets": [e.as_json() for e in entries]}


def policy(settings: "Settings", store: "Store", services: Sequence[str], role: str) -> dict[str, Any]:
    """The least-privilege IAM policy document for ``role``:

    - ``execution`` (the ECS agent resolves the ``secrets`` array): ``ssm:GetParameters`` on
      exactly those parameters, or ``secretsmanager:GetSecretValue`` on those secrets;
    - ``task`` (the container runs ``pychamber exec``): ``ssm:GetParametersByPath`` on each
      service's path, named as the path itself *and* ``path/*`` (GetParametersByPath is
      authorised against the path: ``parameter/svc/*`` alone denies it), or
      ``secretsmanager:GetSecretValue`` on each service's secret;
    - ``writer`` (``pychamber write``/``import``): reading and putting the services'
      parameters, and reading ``/_chamber/store-config``, which chamber v3 reads on every write.

    Each adds the KMS key behind the alias (resolved with DescribeKey), limited with a
    ``kms:ViaService`` condition to the secrets' service in the region."""
    if role not in ROLES:
        raise ChamberError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    service_kind = _aws_service(settings)
    normalized = []
    for raw in services:
        normalized.append(names.service_name(raw))
    statements: list[dict[str, Any]] = []
    if service_kind == "ssm":
        ctx = _Context(settings, "ssm")
        kms_keys = [settings.ssm_kms_key_alias]
        if role == "execution":
            entries = secrets(settings, store, normalized)
            resources = sorted({e.value_from for e in entries})
            if not resources:
                raise ChamberError("no secrets found in the services: nothing to grant")
            statements.append(_allow("ReadTheTaskSecrets", ["ssm:GetParameters"], resources))
        elif role == "task":
            resources = []
            for s in normalized:
                resources += [ctx.arn("ssm", f"parameter/{s}"), ctx.arn("ssm", f"parameter/{s}/*")]
            statements.append(_allow("ReadTheServicesByPath", ["ssm:GetParametersByPath"], resources))
        else:
            resources = [ctx.arn("ssm", f"parameter/{s}/*") for s in normalized]
            statements.append(_allow("WriteTheServices", [
                "ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:GetParameterHistory",
                "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:ListTagsForResource",
                "ssm:PutParameter"], resources))
            # DescribeParameters (import reads the versions with it) has no resource-level
            # permissions: IAM only accepts "*" for it, the one unlisted resource
            statements.append(_allow("ListParameterVersions", ["ssm:DescribeParameters"], ["*"]))
            statements.append(_allow("ReadTheStoreConfig", ["ssm:GetParameters"],
                                     [ctx.arn("ssm", "parameter/_chamber/store-config")]))
    else:
        ctx = _Context(settings, "secretsmanager")
        arns = []
        kms_keys = []
        for s in normalized:
            described = ctx.call("secretsmanager", "DescribeSecret", SecretId=s)
            arns.append(described["ARN"])
            kms_keys.append(described.get("KmsKeyId") or "alias/aws/secretsmanager")
        actions = ["secretsmanager:GetSecretValue"]
        if role == "writer":
            actions += ["secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds",
                        "secretsmanager:PutSecretValue",
                        # a write moves AWSCURRENT only from the version it read (no lost keys)
                        "secretsmanager:UpdateSecretVersionStage"]
        statements.append(_allow("ReadTheServicesSecrets" if role != "writer" else "WriteTheServicesSecrets",
                                 actions, sorted(set(arns))))
    key_arns = sorted({_key_arn(ctx, k) for k in kms_keys})
    kms_actions = ["kms:Decrypt"] + (["kms:Encrypt", "kms:GenerateDataKey"] if role == "writer" else [])
    statements.append({
        "Sid": "DecryptTheSecrets", "Effect": "Allow", "Action": kms_actions, "Resource": key_arns,
        "Condition": {"StringEquals": {"kms:ViaService": f"{service_kind}.{ctx.region}.amazonaws.com"}},
    })
    return {"Version": POLICY_VERSION, "Statement": statements}


def _allow(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


def _key_arn(ctx: _Context, key: str) -> str:
    """The ARN of the KMS key behind an alias (or key id), from KMS DescribeKey."""
    if key.startswith("arn:") and ":key/" in key:
        return key
    meta = ctx.call("kms", "DescribeKey", KeyId=key).get("KeyMetadata") or {}
    arn = meta.get("Arn")
    if not arn:
        raise ChamberError(f"operation error KMS: DescribeKey, no key behind {key}")
    return arn
