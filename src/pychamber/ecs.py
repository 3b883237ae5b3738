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
from pychamber.envbuild import no_secrets
from pychamber.errors import ChamberError
from pychamber.model import key_of

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings
    from pychamber.stores.base import Store

POLICY_VERSION = "2012-10-17"
ROLES = ("execution", "task", "writer", "publisher")
#: Backend name -> the AWS service whose ARNs ECS can resolve.
ECS_SERVICES = {"SSM": "ssm", "SECRETSMANAGER": "secretsmanager"}
#: The key SSM encrypts a SecureString under when PutParameter names none.
AWS_MANAGED_SSM_KEY = "alias/aws/ssm"


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
        if not listed:
            raise no_secrets(service)
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


def policy(settings: "Settings", store: "Store", services: Sequence[str], role: str,
           release: bool = False) -> dict[str, Any]:
    """The least-privilege IAM policy document for ``role``:

    - ``execution`` (the ECS agent resolves the ``secrets`` array): ``ssm:GetParameters`` on
      exactly those parameters, or ``secretsmanager:GetSecretValue`` on those secrets;
    - ``task`` (the container runs ``pychamber exec``): ``ssm:GetParametersByPath`` on each
      service's path, named as the path itself *and* ``path/*`` (GetParametersByPath is
      authorised against the path: ``parameter/svc/*`` alone denies it), or
      ``secretsmanager:GetSecretValue`` on each service's secret;
    - ``writer`` (every command on the services: ``write``, ``import``, ``delete``, ``tag``,
      ``read``, ``history``, ``list``, ``exec``): reading, putting, deleting and tagging the
      services' parameters, GetParametersByPath on the path itself, and reading
      ``/_chamber/store-config``, which chamber v3 reads on every write.

    ``kms:Decrypt`` covers the keys the services' parameters are really encrypted under (each
    parameter's own KeyId, from DescribeParameters; resolved with DescribeKey), a writer's
    ``kms:Encrypt``/``kms:GenerateDataKey`` the key new writes use (``CHAMBER_KMS_KEY_ALIAS``);
    both limited with a ``kms:ViaService`` condition to the secrets' service in the region. A
    key AWS manages (``alias/aws/ssm``) needs no grant and is left out. A service with no
    secrets at all is refused (a typo would otherwise give a policy for nothing)."""
    if role not in ROLES:
        raise ChamberError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if role == "publisher":  # release publish/rollback/diff: the store's reads, the releases' writes
        document = policy(settings, store, services, "task")
        document["Statement"] += release_statements(settings, services, publisher=True)
        return document
    if release:
        if role != "task":
            raise ChamberError("--release applies to --role task (what exec --release reads); "
                               "--role publisher is what release publish and rollback need")
        return {"Version": POLICY_VERSION,
                "Statement": release_statements(settings, services, publisher=False)}
    service_kind = _aws_service(settings)
    normalized = []
    for raw in services:
        normalized.append(names.service_name(raw))
    statements: list[dict[str, Any]] = []
    if service_kind == "ssm":
        ctx = _Context(settings, "ssm")
        # the keys the parameters are encrypted under (each parameter's own KeyId), and for a
        # writer the key new writes use
        kms_keys = [k for s in normalized for k in _parameter_keys(ctx, s)]
        if role == "writer":
            kms_keys.append(settings.ssm_kms_key_alias)  # a writer reads back what it wrote
        if role == "execution":
            entries = secrets(settings, store, normalized)
            resources = sorted({e.value_from for e in entries})
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
                "ssm:PutParameter", "ssm:RemoveTagsFromResource"], resources))
            # exec, env and export list a service with GetParametersByPath, which IAM authorises
            # against the path itself: parameter/svc/* alone denies it
            statements.append(_allow("ReadTheServicesByPath", ["ssm:GetParametersByPath"],
                                     [ctx.arn("ssm", f"parameter/{s}") for s in normalized]))
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
    via = {"StringEquals": {"kms:ViaService": f"{service_kind}.{ctx.region}.amazonaws.com"}}
    key_arns = sorted({arn for arn in (_key_arn(ctx, k) for k in dict.fromkeys(kms_keys)) if arn})
    if key_arns:
        statements.append({"Sid": "DecryptTheSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"],
                           "Resource": key_arns, "Condition": via})
    if role == "writer" and service_kind == "ssm":
        write_key = _key_arn(ctx, settings.ssm_kms_key_alias)
        if write_key:
            statements.append({"Sid": "EncryptNewValues", "Effect": "Allow",
                               "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                               "Resource": [write_key], "Condition": via})
    elif role == "writer" and key_arns:
        statements.append({"Sid": "EncryptNewValues", "Effect": "Allow",
                           "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                           "Resource": key_arns, "Condition": via})
    return {"Version": POLICY_VERSION, "Statement": statements}


def _allow(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


def _parameter_keys(ctx: _Context, service: str) -> list[str]:
    """The KMS keys (as each parameter names its own: alias, key id or ARN) that the service's
    SecureString parameters are encrypted under, from DescribeParameters (names, never values).
    A service with no parameters at all is refused: nothing can be granted for it."""
    found: list[str] = []
    seen = 0
    params: dict[str, Any] = {"ParameterFilters": [{"Key": "Path", "Option": "OneLevel",
                                                    "Values": [f"/{service}"]}], "MaxResults": 50}
    while True:
        try:
            resp = ctx.call("ssm", "DescribeParameters", **params)
        except ChamberError as e:
            raise e.wrap(f"Failed to list store contents for service {service}: ") from None
        for p in resp.get("Parameters") or ():
            seen += 1
            if p.get("Type") == "SecureString":
                found.append(p.get("KeyId") or AWS_MANAGED_SSM_KEY)
        if not resp.get("NextToken"):
            break
        params["NextToken"] = resp["NextToken"]
    if not seen:
        raise no_secrets(service)
    return found


def _key_arn(ctx: _Context, key: str) -> str | None:
    """The ARN of the KMS key behind an alias (or key id), from KMS DescribeKey; None for a key
    AWS manages (``alias/aws/ssm``): its key policy lets the account use it through the
    service, and an IAM grant adds nothing."""
    if key.startswith("alias/aws/"):
        return None
    if key.startswith("arn:") and ":key/" in key:
        return key
    try:
        meta = ctx.call("kms", "DescribeKey", KeyId=key).get("KeyMetadata") or {}
    except ChamberError as e:
        raise e.wrap(f"Failed to find the KMS key {key}: ") from None
    if meta.get("KeyManager") == "AWS":
        return None
    arn = meta.get("Arn")
    if not arn:
        raise ChamberError(f"operation error KMS: DescribeKey, no key behind {key}")
    return arn


def release_statements(settings: "Settings", services: Sequence[str], publisher: bool) -> list[dict[str, Any]]:
    """The releases' part of a policy (:mod:`pychamber.release`). A task (``exec --release``):
    ``s3:GetObject`` on exactly each service's ``current`` and ``releases/NNNNNN`` objects (six
    ``?``: one number each, never another service's objects) and ``kms:Decrypt`` on the key
    with the encryption context's service among the services. A publisher adds ``s3:PutObject``
    on the same objects (``rollback`` is a CopyObject onto ``current``), ``s3:ListBucket`` of the
    services' ``releases/`` prefixes and ``kms:GenerateDataKey`` under the same condition."""
    from pychamber.release import CONTEXT_SERVICE, NUMBER_WIDTH, NO_BUCKET, object_key, releases_prefix

    bucket, prefix = settings.release_bucket, settings.release_prefix
    if not bucket:
        raise ChamberError(NO_BUCKET)
    normalized = [names.service_name(s) for s in services]
    ctx = _Context(settings, "kms")
    objects = []
    for s in normalized:
        objects += [f"arn:{ctx.partition}:s3:::{bucket}/{object_key(prefix, s, None)}",
                    f"arn:{ctx.partition}:s3:::{bucket}/{releases_prefix(prefix, s)}{'?' * NUMBER_WIDTH}"]
    condition = {"StringEquals": {f"kms:EncryptionContext:{CONTEXT_SERVICE}": normalized}}
    key = _key_arn(ctx, settings.s3_kms_key_alias)
    if key is None:  # a null Resource before: a policy IAM refuses
        raise ChamberError(f"releases cannot be sealed under {settings.s3_kms_key_alias}, a KMS key AWS "
                           "manages (only the AWS service it belongs to may use it): set --kms-key-alias "
                           "or CHAMBER_KMS_KEY_ALIAS to a customer managed key")
    if not publisher:
        return [_allow("ReadTheReleases", ["s3:GetObject"], objects),
                {**_allow("OpenTheReleases", ["kms:Decrypt"], [key]), "Condition": condition}]
    return [
        _allow("WriteTheReleases", ["s3:GetObject", "s3:PutObject"], objects),
        {**_allow("ListTheReleases", ["s3:ListBucket"], [f"arn:{ctx.partition}:s3:::{bucket}"]),
         "Condition": {"StringEquals": {"s3:prefix": [releases_prefix(prefix, s) for s in normalized]}}},
        {**_allow("SealTheReleases", ["kms:Decrypt", "kms:GenerateDataKey"], [key]), "Condition": condition},
    ]
