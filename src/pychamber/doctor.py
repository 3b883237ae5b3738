"""``pychamber doctor``: is this setup able to run exec and write? One :class:`Check` per
question, passed or failed with what to do; nothing printed here (the CLI renders the table).

What is checked, for the backend the settings select:

- the region, and where it came from (``$CHAMBER_AWS_REGION``, ``$AWS_REGION``,
  ``$AWS_DEFAULT_REGION``, the profile, EC2 instance metadata);
- the credentials: how botocore found them, and whose they are (STS GetCallerIdentity);
- SSM and S3-KMS: the KMS alias exists (DescribeKey) and can encrypt (Encrypt of a constant);
- SSM: the store config ``/_chamber/store-config``, which chamber v3 reads on every write
  (chamber #663); for each service named, the calls exec and read make, as real read-only
  calls: GetParametersByPath on the path with decryption (IAM authorises it against
  ``parameter/<service>``, the path itself, which ``parameter/<service>/*`` does not cover),
  GetParameters of a key and GetParameterHistory, each telling AccessDenied from "not found"
  (chamber #104 reported a denial as "secret not found"); PutParameter, which no call can probe
  without writing, through IAM's SimulatePrincipalPolicy (not checked when that is not allowed);
- other AWS backends: exec's listing of each service named;
- local: the database, where the data key is (``$PYCHAMBER_LOCAL_KEY``, which keyring, or
  the key file) and that it opens the database; a plaintext keyring is said to be one.

A check that cannot be made (``ok=None``) is not a failure. No secret value is ever kept in a
check: the listings are counted and dropped.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from pychamber import aws
from pychamber.errors import ChamberError, SecretNotFound
from pychamber.model import SecretId, key_of

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings
    from pychamber.stores.base import Store

#: Attempts per call unless -r / $CHAMBER_RETRIES say otherwise: a doctor answers quickly.
RETRIES = 3
#: The key read when a service's listing gives none (its absence is the expected answer).
PROBE_KEY = "pychamber-doctor-probe"
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                          "403"})
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "NoSuchKey"})
AWS_BACKENDS = ("SSM", "SECRETSMANAGER", "S3", "S3-KMS")
NO_REGION_ADVICE = ("set AWS_REGION (or CHAMBER_AWS_REGION, AWS_DEFAULT_REGION), or a region in "
                    "your AWS profile")
NO_CREDENTIALS_ADVICE = ("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with "
                         "AWS_PROFILE (aws sso login for SSO), or run with a container or "
                         "instance role")
CREDENTIAL_METHODS = {
    "env": "environment variables",
    "shared-credentials-file": "the shared credentials file",
    "config-file": "the AWS config file",
    "assume-role": "a profile that assumes a role",
    "assume-role-with-web-identity": "web identity (OIDC) role",
    "sso": "an SSO profile",
    "custom-process": "a credential_process",
    "container-role": "the ECS container role",
    "iam-role": "the EC2 instance role",
}


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table. ``ok``: True passed, False failed, None not checked."""

    name: str
    ok: bool | None
    detail: str
    advice: str = ""


def failed(checks: Sequence[Check]) -> bool:
    return any(c.ok is False for c in checks)


RESULTS = {True: "ok", False: "FAILED", None: "not checked"}
HEADERS = ("CHECK", "RESULT", "DETAIL", "WHAT TO DO")
#: The width of the table off a terminal (piped, redirected) without $COLUMNS.
DEFAULT_WIDTH = 80
#: Narrowest a wrapped column gets, whatever the width.
MIN_COLUMN = 10
_GAP = 2  # tabulate's "simple" format puts two spaces between columns


def terminal_width(stream: Any = None, environ: Any = None) -> int:
    """The width to fit: ``$COLUMNS`` when set to a number, else the terminal's (when
    ``stream`` is one), else :data:`DEFAULT_WIDTH`."""
    text = (os.environ if environ is None else environ).get("COLUMNS", "")
    if text.strip().isdigit() and int(text) > 0:
        return int(text)
    try:
        if stream is not None and stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        pass
    return DEFAULT_WIDTH


def render(checks: Sequence[Check], width: int = DEFAULT_WIDTH) -> str:
    """The table, one row per check, fitting ``width`` columns: the check and result columns
    keep their width where they can, the detail and the advice share the rest, wrapped at
    spaces (a word longer than its column, an ARN, is cut)."""
    import textwrap

    from tabulate import tabulate

    rows: list[tuple[str, ...]] = [(c.name, RESULTS[c.ok], c.detail, c.advice) for c in checks]
    natural = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(HEADERS)]
    room = width - _GAP * (len(HEADERS) - 1)
    if sum(natural) > room:
        widths = list(natural)
        longest_word = max(len(w) for r in rows for w in r[0].split() or [""])
        widths[0] = min(natural[0], max(MIN_COLUMN, room // 4, min(longest_word, room // 3)))
        rest = max(2 * MIN_COLUMN, room - widths[0] - widths[1])
        share = natural[2] + natural[3]
        widths[2] = min(natural[2], max(MIN_COLUMN, rest * natural[2] // share))
        widths[3] = max(MIN_COLUMN, rest - widths[2])

        def wrap(text: str, n: int) -> str:
            return "\n".join(textwrap.wrap(text, n, break_on_hyphens=False)) or text

        rows = [tuple(wrap(cell, widths[i]) for i, cell in enumerate(r)) for r in rows]
    return tabulate(rows, headers=list(HEADERS), tablefmt="simple", disable_numparse=True) + "\n"


def run(settings: "Settings", services: Sequence[str] = ()) -> list[Check]:
    """Every check for the backend ``settings`` select, and the services named (validated,
    lower-case names)."""
    backend = settings.backend
    checks = [Check("backend", True, backend.lower() + (
        " (from -b)" if settings.backend_flag is not None else
        " (from $CHAMBER_SECRET_BACKEND)" if settings.environ.get("CHAMBER_SECRET_BACKEND") else
        " (the default)"))]
    if backend == "LOCAL":
        return checks + _local(settings)
    if backend not in AWS_BACKENDS:
        if backend != "NULL":
            return [Check("backend", False, f"invalid backend `{backend}`",
                          "use -b ssm, secretsmanager, s3, s3-kms, local or null")]
        return checks
    retries = settings.retries if (settings.retries_flag is not None
                                   or settings.environ.get("CHAMBER_RETRIES")) else RETRIES
    probe = _Probe(settings, retries)
    region = probe.region()
    checks.append(region)
    credentials = probe.credentials(with_sts=region.ok is True)
    checks.append(credentials)
    if region.ok is not True or credentials.ok is not True:
        return checks  # every later call would fail the same way
    try:
        store = _store(settings, retries)
    except ChamberError as e:
        return checks + [Check("backend", False, e.message, "fix the backend's settings")]
    if backend == "SSM":
        checks.append(probe.kms(settings.ssm_kms_key_alias))
        checks.append(probe.store_config(store))
        for service in services:
            checks += probe.ssm_service(store, service)
    else:
        if backend in ("S3", "S3-KMS"):
            checks.append(probe.bucket(store, settings.s3_bucket or ""))
        if backend == "S3-KMS":
            checks.append(probe.kms(settings.s3_kms_key_alias))
        for service in services:
            checks.append(probe.listing(store, service, _LISTING_ADVICE[backend]))
    if settings.release_bucket:
        checks += release_checks(settings, store, services, retries)
    return checks


def release_checks(settings: "Settings", store: "Store", services: Sequence[str],
                   retries: int) -> list[Check]:
    """``$PYCHAMBER_RELEASE_BUCKET`` set: the bucket answers (one ListObjectsV2 of the prefix),
    and for each service its current release opens (how old it is) and matches the store."""
    import time
    from datetime import datetime, timezone

    from pychamber.release import Releases

    releases = Releases(settings, retries)
    where = f"s3://{releases.bucket}/{releases.prefix}"
    try:
        releases.call("s3", "ListObjectsV2", Bucket=releases.bucket, Prefix=releases.prefix, MaxKeys=1)
    except ChamberError as e:
        return [Check("release bucket", False, reason(e),
                      "create the bucket or fix $PYCHAMBER_RELEASE_BUCKET; allow s3:ListBucket on it")]
    checks = [Check("release bucket", True, f"{where} reachable")]
    for service in services:
        try:
            current = releases.open(service)
        except ChamberError as e:
            checks.append(Check(f"release {service}", False, e.message,
                                f"publish one (pychamber release publish {service}) or roll back "
                                f"(pychamber release rollback {service} N)"))
            continue
        h = current.header
        try:
            age = time.time() - datetime.strptime(h.published, "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=timezone.utc).timestamp()
            old = f", {age / 3600:.1f} h old" if age >= 3600 else f", {max(age, 0) / 60:.0f} min old"
        except ValueError:
            old = ""
        checks.append(Check(f"release {service}", True,
                            f"release {h.number} ({h.keys} keys), published {h.published}{old}"))
        try:
            diff = releases.diff(store, service)
        except ChamberError as e:
            checks.append(Check(f"release drift {service}", None, f"the store: {reason(e)}"))
            continue
        if diff.same:
            checks.append(Check(f"release drift {service}", True, "the store matches the release"))
        else:
            checks.append(Check(f"release drift {service}", False,
                                f"{len(diff.added)} added, {len(diff.removed)} removed, "
                                f"{len(diff.changed)} changed in the store since release {diff.number}",
                                f"see pychamber release diff {service}; publish to release them"))
    return checks


_LISTING_ADVICE = {
    "SECRETSMANAGER": "allow secretsmanager:GetSecretValue on the secret {service}",
    "S3": "allow s3:GetObject and s3:ListBucket on the bucket ($CHAMBER_S3_BUCKET)",
    "S3-KMS": "allow s3:GetObject, s3:ListBucket on the bucket and kms:Decrypt on the key",
}


def _store(settings: "Settings", retries: int) -> "Store":
    from pychamber.stores import backend_class

    cls: Any = backend_class(settings.backend)
    return cls.from_settings(settings, retries=retries)


# --- error classification ------------------------------------------------------------------
def denied(err: ChamberError) -> bool:
    """Whether a translated AWS error is an authorisation failure (moto answers 403)."""
    code = getattr(err, "code", None)
    return code in DENIED_CODES or "StatusCode: 403," in err.message


def reason(err: ChamberError) -> str:
    """The service's own words for an error (the text after ``api error CODE:``), one line,
    without the request id; an XML error body is reduced to its message."""
    text = err.message
    m = re.search(r"api error [^:]*: (.*)$", text)
    if m:
        text = m.group(1)
    m = re.search(r"<Message>(.*?)</Message>", text)
    if m:
        text = m.group(1)
    return text.strip() or err.message


# --- the AWS probes ----------------------------------------------------------------------------
class _Probe:
    def __init__(self, settings: "Settings", retries: int):
        self.settings = settings
        self.retries = retries
        self.identity: dict[str, Any] = {}
        self.region_name = ""

    def call(self, service: str, op: str, attempts: int | None = None, **params: Any) -> Any:
        settings = self.settings
        mode = settings.retry_mode if service == "ssm" else "standard"
        n = attempts or self.retries
        return aws.call(lambda o: aws.client(service, settings, n, mode, operation=o), service, op,
                        settings=settings, **params)

    def arn(self, service: str, resource: str) -> str:
        account = self.identity.get("Account", "ACCOUNT")
        partition = (self.identity.get("Arn") or "arn:aws").split(":")[1] or "aws"
        return f"arn:{partition}:{service}:{self.region_name}:{account}:{resource}"

    # region and credentials
    def region(self) -> Check:
        env = self.settings.environ
        for name in ("CHAMBER_AWS_REGION", "AWS_REGION"):
            if env.get(name):
                self.region_name = env[name]
                return Check("region", True, f"{env[name]} (from ${name})")
        sess = aws.session()
        try:
            region = sess.get_config_variable("region", methods=("env",))
            source = "from $AWS_DEFAULT_REGION"
            if not region:
                region = sess.get_config_variable("region")
                source = f"from the profile {sess.profile or 'default'}"
        except Exception as exc:  # noqa: BLE001 - an unknown profile, a broken config file
            return Check("region", False, _botocore_text(exc), "fix AWS_PROFILE or the AWS config file")
        if not region:
            region = aws._imds_region(sess, self.settings)  # None when disabled or unreachable
            source = "from EC2 instance metadata"
        if not region:
            return Check("region", False, "no region found", NO_REGION_ADVICE)
        self.region_name = region
        return Check("region", True, f"{region} ({source})")

    def credentials(self, with_sts: bool) -> Check:
        try:
            creds = aws.session().get_credentials()
        except ChamberError as e:  # an MFA code with no terminal to ask on
            return Check("credentials", False, e.message, "run pychamber from a terminal")
        except Exception as exc:  # noqa: BLE001 - SSO token expired, a broken profile
            return Check("credentials", False, _botocore_text(exc),
                         "refresh them (aws sso login), or fix the profile")
        if creds is None:
            return Check("credentials", False, "no AWS credentials found", NO_CREDENTIALS_ADVICE)
        profile = self.settings.environ.get("AWS_PROFILE") or os.environ.get("AWS_PROFILE")
        how = CREDENTIAL_METHODS.get(creds.method, creds.method)
        if profile and creds.method != "env":
            how += f" (profile {profile})"
        if not with_sts:
            return Check("credentials", None, f"found in {how}; whose is unknown: no region for STS")
        try:
            self.identity = self.call("sts", "GetCallerIdentity") or {}
        except ChamberError as e:
            if getattr(e, "code", None) is None:  # no answer at all
                return Check("credentials", False, f"{how}: STS did not answer: {reason(e)}",
                             "check the network, a proxy, or AWS_ENDPOINT_URL")
            return Check("credentials", False, f"{how}: refused by STS: {reason(e)}",
                         "the credentials are wrong or expired: renew them (aws sso login, "
                         "aws configure)")
        return Check("credentials", True,
                     f"{self.identity.get('Arn', '?')} (account {self.identity.get('Account', '?')}, "
                     f"from {how})")

    # KMS
    def kms(self, alias: str) -> Check:
        name = f"kms key {alias}"
        create = (f"create it (aws kms create-alias --alias-name {alias} --target-key-id KEY), or "
                  "set CHAMBER_KMS_KEY_ALIAS to an alias that exists")
        key = ""
        try:
            meta = (self.call("kms", "DescribeKey", KeyId=alias) or {}).get("KeyMetadata") or {}
        except ChamberError as e:
            if getattr(e, "code", None) == "NotFoundException":
                return Check(name, False, f"the alias does not exist in {self.region_name}", create)
            if not denied(e):
                return Check(name, False, reason(e), "check the alias and the KMS endpoint")
            meta = {}  # kms:DescribeKey is not needed to write: go on to Encrypt
        if meta:
            key = f" -> key {meta.get('KeyId', '?')}"
            if meta.get("KeyState", "Enabled") != "Enabled":
                return Check(name, False, f"{key[4:]} is {meta.get('KeyState')}",
                             "enable the key (aws kms enable-key) or point the alias at another")
        try:
            self.call("kms", "Encrypt", KeyId=alias, Plaintext=b"pychamber doctor")
        except ChamberError as e:
            if getattr(e, "code", None) == "NotFoundException":
                return Check(name, False, f"the alias does not exist in {self.region_name}", create)
            if denied(e):
                return Check(name, False, f"kms:Encrypt denied: {reason(e)}",
                             "allow kms:Encrypt and kms:Decrypt on the key (a kms:ViaService "
                             "condition also denies this direct check: then try a write)")
            return Check(name, False, reason(e), "check the key")
        return Check(name, True, f"exists{key}; kms:Encrypt allowed")

    # SSM
    def store_config(self, store: "Store") -> Check:
        name = "store config"
        try:
            config = store.config()
        except ChamberError as e:
            if denied(e):
                return Check(name, False, f"/_chamber/store-config denied: {reason(e)}",
                             "chamber v3 reads it on every write (chamber #663): allow "
                             "ssm:GetParameters on " + self.arn("ssm", "parameter/_chamber/store-config")
                             + " and ssm:DescribeParameters on *")
            return Check(name, False, e.message, "fix or delete /_chamber/store-config")
        tags = ", ".join(config.required_tags) or "none"
        return Check(name, True, f"/_chamber/store-config readable (required tags: {tags})")

    def ssm_service(self, store: "Store", service: str) -> list[Check]:
        checks = []
        path_arn = self.arn("ssm", f"parameter/{service}")
        try:
            found: Any = store.list_raw(service)
            checks.append(Check(f"exec {service}", True,
                                f"GetParametersByPath /{service}/ with decryption: {len(found)} "
                                "secret(s)"))
        except ChamberError as e:
            found = []
            if denied(e) and "kms:" in reason(e):
                advice = "allow kms:Decrypt on the key the secrets were written with"
            elif denied(e):
                advice = (f"allow ssm:GetParametersByPath on {path_arn} (the path itself: IAM "
                          f"authorises it against parameter/{service}, which "
                          f"parameter/{service}/* does not cover) and kms:Decrypt on the key")
            else:
                advice = "check the endpoint and the service name"
            checks.append(Check(f"exec {service}", False,
                                f"GetParametersByPath /{service}/: {reason(e)}", advice))
        key = found[0].key.rsplit("/", 1)[-1] if found else PROBE_KEY
        checks.append(self._read(store, service, key))
        checks.append(self._history(service, key))
        checks.append(self._simulate_write(service))
        return checks

    def _read(self, store: "Store", service: str, key: str) -> Check:
        name = f"read {service}"
        try:
            store.read(SecretId(service, key), -1)
            return Check(name, True, f"/{service}/{key} read")
        except SecretNotFound:
            return Check(name, True, f"allowed; /{service}/{key} does not exist")
        except ChamberError as e:
            if denied(e):
                return Check(name, False, f"/{service}/{key} denied: {reason(e)}",
                             "allow ssm:GetParameters on "
                             f"{self.arn('ssm', f'parameter/{service}/*')} and "
                             "ssm:DescribeParameters on *")
            return Check(name, False, reason(e), "check the endpoint")

    def _history(self, service: str, key: str) -> Check:
        name = f"history {service}"
        try:
            self.call("ssm", "GetParameterHistory", Name=f"/{service}/{key}", MaxResults=1,
                      WithDecryption=False)
            return Check(name, True, f"GetParameterHistory /{service}/{key} allowed")
        except ChamberError as e:
            if getattr(e, "code", None) == "ParameterNotFound":
                return Check(name, True, f"allowed; /{service}/{key} does not exist")
            if denied(e):
                return Check(name, False, f"denied, not missing: {reason(e)}",
                             "allow ssm:GetParameterHistory on "
                             f"{self.arn('ssm', f'parameter/{service}/*')} (chamber reports "
                             "this denial as 'secret not found', chamber #104)")
            return Check(name, False, reason(e), "check the endpoint")

    def _simulate_write(self, service: str) -> Check:
        """ssm:PutParameter on the service, asked of IAM's policy simulator (a write cannot be
        probed without writing)."""
        name = f"write {service}"
        principal = principal_arn(self.identity.get("Arn", ""))
        resource = self.arn("ssm", f"parameter/{service}/{PROBE_KEY}")
        if principal is None:
            return Check(name, None, f"IAM cannot simulate {self.identity.get('Arn')}",
                         "try a write to a test key")
        try:
            resp = self.call("iam", "SimulatePrincipalPolicy", attempts=1,
                             PolicySourceArn=principal, ActionNames=["ssm:PutParameter"],
                             ResourceArns=[resource])
        except ChamberError as e:
            return Check(name, None, f"iam:SimulatePrincipalPolicy: {reason(e)[:120]}",
                         "allow iam:SimulatePrincipalPolicy to check, or try a write")
        results = (resp or {}).get("EvaluationResults") or []
        decision = results[0].get("EvalDecision", "") if results else ""
        if decision == "allowed":
            return Check(name, True, f"ssm:PutParameter allowed on parameter/{service}/*")
        return Check(name, False, f"ssm:PutParameter {decision or 'not allowed'} on "
                     f"parameter/{service}/*",
                     f"allow ssm:PutParameter on {self.arn('ssm', f'parameter/{service}/*')} "
                     "(and kms:Encrypt on the key)")

    # other backends
    def bucket(self, store: "Store", bucket: str) -> Check:
        """The S3 backends' bucket exists and may be listed: one ListObjectsV2 of a prefix no
        secret has (no object is read), so that a missing bucket fails without a service."""
        try:
            store.list_services("_pychamber-doctor-probe")
        except ChamberError as e:
            return Check("bucket", False, reason(e),
                         f"create the bucket {bucket} or fix $CHAMBER_S3_BUCKET; allow s3:ListBucket on it")
        return Check("bucket", True, f"{bucket} can be listed")

    def listing(self, store: "Store", service: str, advice: str) -> Check:
        name = f"exec {service}"
        try:
            found: Any = store.list_raw(service)
        except SecretNotFound:
            return Check(name, True, "allowed; nothing stored yet")
        except ChamberError as e:
            if getattr(e, "code", None) in NOT_FOUND_CODES:
                return Check(name, True, f"allowed; nothing stored for {service} yet")
            return Check(name, False, reason(e),
                         advice.format(service=service) if denied(e) else "check the endpoint")
        count = sum(1 for s in found if key_of(s.key) not in store.internal_keys)
        return Check(name, True, f"{count} secret(s)")


def principal_arn(arn: str) -> str | None:
    """The IAM principal SimulatePrincipalPolicy takes for a caller ARN: a user as it is, an
    assumed role's session as its role (a role with a path is not found: not checked); None
    for the root user and federated callers."""
    m = re.fullmatch(r"arn:([^:]+):sts::(\d+):assumed-role/([^/]+)/.+", arn)
    if m:
        return f"arn:{m.group(1)}:iam::{m.group(2)}:role/{m.group(3)}"
    if re.fullmatch(r"arn:[^:]+:iam::\d+:user/.+", arn):
        return arn
    return None


def _botocore_text(exc: BaseException) -> str:
    if aws.is_botocore_error(exc):
        return aws.translate(exc).message
    return f"{type(exc).__name__}"


# --- local --------------------------------------------------------------------------------------
def _local(settings: "Settings") -> list[Check]:
    from pychamber.stores.local import LocalStore
    from pychamber.stores.local import db as local_db

    store = LocalStore.from_settings(settings)
    checks = []
    conn = None
    try:
        if os.path.exists(store.path):
            conn = store.db.connect(create=False)
            checks.append(Check("local database", True, store.path))
        else:
            checks.append(Check("local database", True,
                                f"{store.path} does not exist yet; the first write creates it"))
        check = local_db.key_check(conn) if conn is not None else None
        try:
            key = store.keys.find(check, create=False)
        except ChamberError as e:
            if check is None and not settings.environ.get("PYCHAMBER_LOCAL_KEY"):
                where = store.keys.keyring_name()
                place = f"the keyring {where}" if where else f"key file {store.key_path}"
                checks.append(Check("data key", True,
                                    f"none yet; the first write creates one in {place}",
                                    _plaintext_advice(store.keys.plaintext_keyring())))
                return checks
            refused = f"run chmod 600 {store.key_path}"  # the key file's mode (keys.py)
            checks.append(Check("data key", False, e.message,
                                f"chmod 600 {store.key_path}" if e.message.endswith(refused) else
                                "set PYCHAMBER_LOCAL_KEY to the database's key, or restore the "
                                "keyring entry or the key file"))
            return checks
        checks.append(_key_holder(store.keys.holder(key), check is None,
                                  store.keys.plaintext_keyring()))
    except ChamberError as e:
        checks.append(Check("local database", False, e.message,
                            "check PYCHAMBER_LOCAL_PATH and the file"))
    finally:
        store.close()
    return checks


def _key_holder(holder: tuple[str, str], unused: bool, plaintext_keyring: bool) -> Check:
    kind, where = holder
    opens = "not used yet" if unused else "opens the database"
    if kind == "env":
        return Check("data key", True, f"from ${where}; {opens}")
    if kind == "keyring":
        return Check("data key", True, f"in the keyring {where}"
                     + (" (a plaintext file: base64, not encrypted)" if plaintext_keyring
                        else "") + f"; {opens}", _plaintext_advice(plaintext_keyring))
    # keys.py refuses a key file others may read before it is used: its mode is owner-only here
    try:
        mode = f" (mode {os.stat(where).st_mode & 0o777:o})"
    except OSError:
        mode = ""
    return Check("data key", True, f"in key file {where}{mode}; {opens}")


def _plaintext_advice(plaintext_keyring: bool) -> str:
    if plaintext_keyring:
        return ("a plaintext keyring is no safer than the key file: use the OS keyring (Secret "
                "Service, macOS Keychain) or PYCHAMBER_LOCAL_KEY from a secret manager")
    return ""
