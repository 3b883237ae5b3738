"""pychamber.doctor, the library: each check against moto's server (real HTTP), the local
backend's key holders, and the pure helpers."""

from __future__ import annotations

import base64
import os

import pytest

from pychamber import doctor
from pychamber.errors import ChamberError
from pychamber.settings import Settings

KEY = base64.b64encode(bytes(range(32))).decode()


def by_name(checks):
    return {c.name: c for c in checks}


@pytest.fixture
def alias(aws_client):
    """alias/parameter_store_key on a fresh key."""
    kms = aws_client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/parameter_store_key", TargetKeyId=key_id)
    return key_id


def run(services=(), **env):
    environ = dict(os.environ)
    for k, v in env.items():
        if v is None:
            environ.pop(k, None)
        else:
            environ[k] = v
    return doctor.run(Settings(environ=environ), services)


# --- AWS ------------------------------------------------------------------------------------------
def test_a_healthy_ssm_setup_passes(aws_process_env, alias, ssm_client):
    ssm_client.put_parameter(Name="/svc/db", Value="s3cret", Type="SecureString", Description="1")
    checks = run(["svc"])
    c = by_name(checks)
    assert c["backend"].detail == "ssm (the default)"
    assert c["region"].ok and c["region"].detail == "us-east-1 (from $AWS_DEFAULT_REGION)"
    assert c["credentials"].ok
    assert "arn:aws:sts::123456789012:user/moto" in c["credentials"].detail
    assert "environment variables" in c["credentials"].detail
    assert c["kms key alias/parameter_store_key"].ok
    assert alias in c["kms key alias/parameter_store_key"].detail
    assert c["store config"].ok
    assert c["exec svc"].ok and "1 secret(s)" in c["exec svc"].detail
    assert c["read svc"].detail == "/svc/db read"
    assert c["history svc"].ok
    # moto has no SimulatePrincipalPolicy: the write permission is said to be unchecked
    assert c["write svc"].ok is None and "simulate" in c["write svc"].detail
    assert not doctor.failed(checks)
    assert all("s3cret" not in f"{x.detail}{x.advice}" for x in checks)


def test_a_service_with_nothing_stored_is_allowed_not_failed(aws_process_env, alias):
    c = by_name(run(["empty"]))
    assert c["exec empty"].ok and "0 secret(s)" in c["exec empty"].detail
    assert c["read empty"].ok and "does not exist" in c["read empty"].detail
    assert c["history empty"].ok and "does not exist" in c["history empty"].detail


def test_a_missing_alias_fails(aws_process_env):
    checks = run(["svc"])
    kms = by_name(checks)["kms key alias/parameter_store_key"]
    assert kms.ok is False
    assert kms.detail == "the alias does not exist in us-east-1"
    assert "create-alias" in kms.advice and "CHAMBER_KMS_KEY_ALIAS" in kms.advice
    assert doctor.failed(checks)


def test_the_alias_comes_from_chamber_kms_key_alias(aws_process_env, aws_client):
    kms = aws_client("kms")
    kms.create_alias(AliasName="alias/mine", TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
    c = by_name(run(CHAMBER_KMS_KEY_ALIAS="mine"))
    assert c["kms key alias/mine"].ok


def test_a_disabled_key_fails(aws_process_env, alias, aws_client):
    aws_client("kms").disable_key(KeyId=alias)
    kms = by_name(run())["kms key alias/parameter_store_key"]
    assert kms.ok is False and "Disabled" in kms.detail and "enable-key" in kms.advice


@pytest.mark.parametrize("env, detail", [
    ({"CHAMBER_AWS_REGION": "eu-west-1"}, "eu-west-1 (from $CHAMBER_AWS_REGION)"),
    ({"AWS_REGION": "eu-west-2", "AWS_DEFAULT_REGION": "us-east-1"}, "eu-west-2 (from $AWS_REGION)"),
])
def test_where_the_region_came_from(aws_process_env, env, detail):
    assert by_name(run(**env))["region"].detail == detail


def test_region_and_credentials_from_the_profile(aws_process_env, tmp_path, monkeypatch):
    (tmp_path / "config").write_text("[profile dev]\nregion = ap-south-1\n")
    (tmp_path / "creds").write_text("[dev]\naws_access_key_id = a\naws_secret_access_key = b\n")
    for k in ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(k)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "creds"))
    monkeypatch.setenv("AWS_PROFILE", "dev")
    c = by_name(run())
    assert c["region"].detail == "ap-south-1 (from the profile dev)"
    assert c["credentials"].ok
    assert "from the shared credentials file (profile dev)" in c["credentials"].detail


def test_no_region_and_no_credentials_stop_before_any_call(aws_process_env, monkeypatch):
    for k in ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(k)
    checks = run(["svc"])
    assert [c.name for c in checks] == ["backend", "region", "credentials"]
    c = by_name(checks)
    assert c["region"].ok is False and "AWS_REGION" in c["region"].advice
    assert c["credentials"].ok is False and c["credentials"].detail == "no AWS credentials found"


def test_credentials_found_but_no_region_for_sts(aws_process_env, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    c = by_name(run())
    assert c["region"].ok is False
    assert c["credentials"].ok is None and "no region" in c["credentials"].detail


def test_an_unreachable_endpoint_is_not_called_refused_credentials(aws_process_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    c = by_name(run(CHAMBER_RETRIES="1"))["credentials"]
    assert c.ok is False and "did not answer" in c.detail and "AWS_ENDPOINT_URL" in c.advice


def test_secretsmanager_lists_each_service(aws_process_env, aws_client):
    aws_client("secretsmanager").create_secret(Name="svc", SecretString='{"a":"b"}')
    checks = run(["svc", "none"], CHAMBER_SECRET_BACKEND="secretsmanager")
    c = by_name(checks)
    assert c["backend"].detail == "secretsmanager (from $CHAMBER_SECRET_BACKEND)"
    assert c["exec svc"].ok and "1 secret(s)" in c["exec svc"].detail
    assert c["exec none"].ok
    assert not any(n.startswith("kms") for n in c)


@pytest.mark.parametrize("backend", ["s3", "s3-kms"])
def test_the_s3_bucket_is_checked_without_a_service(aws_process_env, aws_client, alias, backend):
    aws_client("s3").create_bucket(Bucket="there")
    c = by_name(run(CHAMBER_SECRET_BACKEND=backend, CHAMBER_S3_BUCKET="there",
                    CHAMBER_KMS_KEY_ALIAS="parameter_store_key"))
    assert c["bucket"].ok is True, c["bucket"]
    c = by_name(run(CHAMBER_SECRET_BACKEND=backend, CHAMBER_S3_BUCKET="nobucket",
                    CHAMBER_KMS_KEY_ALIAS="parameter_store_key"))
    assert c["bucket"].ok is False and "nobucket" in c["bucket"].advice, c["bucket"]
    assert "NoSuchBucket" in c["bucket"].detail or "not exist" in c["bucket"].detail, c["bucket"]


def test_an_invalid_backend_fails():
    checks = doctor.run(Settings(backend_flag="nope", environ={}))
    assert checks[0].ok is False and checks[0].detail == "invalid backend `NOPE`"


# --- local --------------------------------------------------------------------------------------
@pytest.fixture
def local_env(tmp_path, monkeypatch):
    for k in list(os.environ):
        if k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_")):
            monkeypatch.delenv(k)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("PYCHAMBER_LOCAL_PATH", str(tmp_path / "secrets.db"))
    monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "local")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    return tmp_path


def write_one():
    from pychamber import api
    from pychamber.model import SecretId

    store = api.open_store()
    store.write(SecretId("svc", "k"), "v")
    store.close()


def test_local_before_the_first_write(local_env):
    checks = run()
    c = by_name(checks)
    assert "does not exist yet" in c["local database"].detail
    assert c["data key"].ok and f"key file {local_env / 'secrets.key'}" in c["data key"].detail
    assert not doctor.failed(checks)


def test_local_key_file(local_env):
    write_one()
    c = by_name(run())["data key"]
    assert c.ok and c.detail == f"in key file {local_env / 'secrets.key'} (mode 600); opens the database"
    os.chmod(local_env / "secrets.key", 0o644)
    c = by_name(run())["data key"]
    assert c.ok is False and "mode 644" in c.detail and c.advice.startswith("chmod 600")


def test_local_key_from_the_environment_and_a_wrong_one(local_env, monkeypatch):
    monkeypatch.setenv("PYCHAMBER_LOCAL_KEY", KEY)
    write_one()
    assert by_name(run())["data key"].detail == "from $PYCHAMBER_LOCAL_KEY; opens the database"
    checks = run(PYCHAMBER_LOCAL_KEY=base64.b64encode(bytes(32)).decode())
    c = by_name(checks)["data key"]
    assert c.ok is False and "wrong data key" in c.detail
    assert doctor.failed(checks)


def test_a_plaintext_keyring_is_said_to_be_one(local_env, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    write_one()
    c = by_name(run())["data key"]
    assert c.ok is True
    assert c.detail.startswith("in the keyring keyrings.alt.file.PlaintextKeyring "
                               "(a plaintext file: base64, not encrypted)")
    assert "OS keyring" in c.advice


def test_a_corrupt_database_fails(local_env):
    (local_env / "secrets.db").write_bytes(b"not sqlite" * 100)
    c = by_name(run())["local database"]
    assert c.ok is False and "secrets.db" in c.detail


# --- pure helpers -------------------------------------------------------------------------------
@pytest.mark.parametrize("arn, principal", [
    ("arn:aws:iam::123:user/dev/alice", "arn:aws:iam::123:user/dev/alice"),
    ("arn:aws:sts::123:assumed-role/deploy/session-1", "arn:aws:iam::123:role/deploy"),
    ("arn:aws-cn:sts::123:assumed-role/r/s", "arn:aws-cn:iam::123:role/r"),
    ("arn:aws:iam::123:root", None),
    ("arn:aws:sts::123:federated-user/bob", None),
])
def test_principal_arn(arn, principal):
    assert doctor.principal_arn(arn) == principal


def test_reason_and_denied():
    from pychamber.aws import AwsError

    xml = ('operation error SSM: GetParametersByPath, https response error StatusCode: 403, '
           'RequestID: x, api error 403: <?xml version="1.0"?><ErrorResponse><Errors><Error>'
           '<Code>AccessDenied</Code><Message>User: u is not authorized to perform: '
           'ssm:GetParametersByPath</Message></Error></Errors></ErrorResponse>')
    err = AwsError(xml, "403")
    assert doctor.denied(err)
    assert doctor.reason(err) == "User: u is not authorized to perform: ssm:GetParametersByPath"
    aws_style = AwsError("operation error SSM: GetParameters, https response error StatusCode: "
                         "400, RequestID: y, api error AccessDeniedException: User: u is not "
                         "authorized", "AccessDeniedException")
    assert doctor.denied(aws_style) and doctor.reason(aws_style) == "User: u is not authorized"
    assert not doctor.denied(ChamberError("secret not found"))
