"""pychamber.aws: region/endpoint/retry configuration and one-line error translation (§7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from pychamber import aws
from pychamber.errors import ChamberError, SecretNotFound
from pychamber.model import SecretId
from pychamber.settings import Settings
from pychamber.stores.ssm import SSMStore

from conftest import SRC

UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No AWS_*/CHAMBER_* variables, empty AWS config files, no IMDS; fresh aws caches."""
    for k in list(os.environ):
        if k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_")):
            monkeypatch.delenv(k)
    (tmp_path / "config").write_text("")
    (tmp_path / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HOME", str(tmp_path))  # no real ~/.aws/sso cache
    aws.reset_cache()
    yield monkeypatch
    aws.reset_cache()


@pytest.fixture
def creds(clean_env):
    clean_env.setenv("AWS_ACCESS_KEY_ID", "testing")
    clean_env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return clean_env


def settings() -> Settings:
    return Settings(environ=os.environ)


def throttle(client, op: str, times: int | None = None, code: str = "ThrottlingException"):
    """§2.5 recipe 1: answer ``op`` with a 400 throttling error (first ``times`` calls, or all)."""
    from botocore.awsrequest import AWSResponse

    calls = []

    def handler(request, **_):
        calls.append(time.monotonic())
        if times is not None and len(calls) > times:
            return None
        resp = AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, None)
        resp._content = json.dumps({"__type": code, "message": "Rate exceeded"}).encode()
        return resp

    client.meta.events.register_first(f"before-send.ssm.{op}", handler)
    return calls


# --- import cost ------------------------------------------------------------------------------
def test_import_does_not_load_botocore():
    code = (
        "import sys, pychamber.aws, pychamber.stores.ssm, pychamber.stores\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3', 'urllib3')]\n"
        "print(bad)\n"
        "assert not bad, bad\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- region ---------------------------------------------------------------------------------
def test_region_precedence(creds):
    creds.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    creds.setenv("AWS_REGION", "us-west-2")
    creds.setenv("CHAMBER_AWS_REGION", "eu-west-1")
    assert aws.resolve_region(settings()) == "eu-west-1"
    assert aws.client("ssm", settings(), 3).meta.region_name == "eu-west-1"

    creds.setenv("CHAMBER_AWS_REGION", "")  # empty = no override
    assert aws.client("ssm", settings(), 3).meta.region_name == "us-west-2"
    creds.delenv("CHAMBER_AWS_REGION")
    assert aws.client("ssm", settings(), 3).meta.region_name == "us-west-2"

    creds.delenv("AWS_REGION")
    aws.reset_cache()
    assert aws.resolve_region(settings()) is None
    assert aws.client("ssm", settings(), 3).meta.region_name == "ap-south-1"


def test_region_from_profile(creds, tmp_path):
    (tmp_path / "config").write_text("[default]\nregion = eu-central-1\n")
    assert aws.client("ssm", settings(), 3).meta.region_name == "eu-central-1"


def test_region_from_settings_environ_not_os_environ(creds):
    s = Settings(environ={"CHAMBER_AWS_REGION": "sa-east-1"})
    assert aws.client("ssm", s, 3).meta.region_name == "sa-east-1"


# --- endpoint -------------------------------------------------------------------------------
def test_endpoint(creds):
    creds.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert aws.client("ssm", settings(), 3).meta.endpoint_url == "https://ssm.us-east-1.amazonaws.com"

    creds.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111")
    aws.reset_cache()
    assert aws.client("ssm", settings(), 3).meta.endpoint_url == "http://127.0.0.1:1111"

    creds.setenv("CHAMBER_AWS_SSM_ENDPOINT", "")  # empty: not used
    assert aws.client("ssm", settings(), 3).meta.endpoint_url == "http://127.0.0.1:1111"

    creds.setenv("CHAMBER_AWS_SSM_ENDPOINT", "http://127.0.0.1:2222")
    assert aws.client("ssm", settings(), 3).meta.endpoint_url == "http://127.0.0.1:2222"
    assert aws.resolve_endpoint("ssm", settings()) == "http://127.0.0.1:2222"
    # Secrets Manager falls back to the SSM variable; an explicit list of names works too
    assert aws.resolve_endpoint("secretsmanager", settings()) == "http://127.0.0.1:2222"
    creds.setenv("CHAMBER_AWS_SECRETS_MANAGER_ENDPOINT", "http://127.0.0.1:3333")
    assert aws.resolve_endpoint("secretsmanager", settings()) == "http://127.0.0.1:3333"
    assert aws.resolve_endpoint("s3", settings()) is None
    assert aws.resolve_endpoint("s3", settings(), "CHAMBER_AWS_SSM_ENDPOINT") == "http://127.0.0.1:2222"


# --- retries --------------------------------------------------------------------------------
def test_retry_config(creds):
    creds.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert aws.retry_config(10) == {"mode": "standard", "total_max_attempts": 10}
    assert aws.retry_config(0, "adaptive") == {"mode": "adaptive"}

    c = aws.client("ssm", settings(), 5)
    assert c.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}
    c = aws.client("ssm", settings(), 7, "adaptive")
    assert c.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 7}

    creds.setenv("AWS_MAX_ATTEMPTS", "4")
    creds.setenv("AWS_RETRY_MODE", "legacy")  # ignored: the mode is always explicit
    aws.reset_cache()
    c = aws.client("ssm", settings(), 0)
    assert c.meta.config.retries == {"mode": "standard", "total_max_attempts": 4}
    c = aws.client("ssm", settings(), 2)
    assert c.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}


def test_client_cached(creds):
    creds.setenv("AWS_DEFAULT_REGION", "us-east-1")
    a = aws.client("ssm", settings(), 3)
    assert aws.client("ssm", settings(), 3) is a
    assert aws.client("ssm", settings(), 4) is not a
    assert aws.session() is aws.session()


# --- error translation: real failures ------------------------------------------------------
def _store(retries: int = 1) -> SSMStore:
    return SSMStore.from_settings(settings(), retries)


def _one_line_error(fn) -> str:
    with pytest.raises(ChamberError) as e:
        fn()
    msg = str(e.value)
    assert "\n" not in msg and "\r" not in msg and "Traceback" not in msg
    assert not isinstance(e.value, SecretNotFound)
    return msg


def test_throttling_after_retries(aws_process_env, monkeypatch):
    monkeypatch.setenv("PYCHAMBER_THROTTLE_WINDOW", "0.5")  # a quick test, not a fleet's 12 s
    store = _store(retries=2)
    calls = throttle(store.client, "GetParametersByPath")
    t0 = time.monotonic()
    msg = _one_line_error(lambda: store.list_raw("svc"))
    assert len(calls) == 2
    assert time.monotonic() - t0 < 5
    assert msg == (
        "operation error SSM: GetParametersByPath, exceeded maximum number of attempts, 2, "
        "https response error StatusCode: 400, RequestID: , "
        "api error ThrottlingException: Rate exceeded"
    )


def test_throttling_recovers_within_retries(aws_process_env, monkeypatch):
    monkeypatch.setenv("PYCHAMBER_THROTTLE_WINDOW", "0.5")  # a quick test, not a fleet's 12 s
    store = _store(retries=3)
    store.write(SecretId("svc", "k"), "v")
    calls = throttle(store.client, "GetParametersByPath", times=1)
    assert [r.value for r in store.list_raw("svc")] == ["v"]
    assert len(calls) == 2


def test_throttled_reads_are_not_cut_by_the_deadline(aws_process_env, monkeypatch):
    """A throttle is the service answering: its retries run to the attempt count even past
    PYCHAMBER_TIMEOUT (a large fleet is slowed, never failed by the deadline)."""
    monkeypatch.setenv("PYCHAMBER_TIMEOUT", "0.3")
    monkeypatch.setenv("PYCHAMBER_THROTTLE_WINDOW", "2")
    store = _store(retries=3)
    calls = throttle(store.client, "GetParametersByPath")
    msg = _one_line_error(lambda: store.list_raw("svc"))
    assert len(calls) == 3
    assert "gave up" not in msg
    assert "exceeded maximum number of attempts, 3" in msg


def test_pages_after_a_throttle_past_the_deadline_are_still_read(aws_process_env, monkeypatch):
    """A command's deadline passed while the service throttled it: its later calls (the next
    pages) still run, each bounded by its attempt's timeouts; the watchdog does not cut them."""
    monkeypatch.setenv("PYCHAMBER_TIMEOUT", "2")  # room for the first page on a loaded machine
    monkeypatch.setenv("PYCHAMBER_THROTTLE_WINDOW", "0.01")
    store = _store(retries=3)
    for i in range(25):  # three pages of GetParametersByPath
        store.write(SecretId("svc", f"k{i:02d}"), "v")
    calls = throttle(store.client, "GetParametersByPath", times=1)
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: real_sleep(max(s, 2.5)))  # the retry waits past it
    with aws.command_deadline(store.settings, "read") as deadline:
        found = store.list_raw("svc")
    assert deadline is not None and deadline.expired() and deadline.throttled
    assert len(found) == 25 and len(calls) >= 4


def test_other_throttles_keep_botocores_backoff(aws_process_env, monkeypatch):
    """The wide window is for the shared read quota only: a throttled write waits botocore's
    0..1 s (import is paced at 3 writes/s; one writer needs no fleet-sized spreading)."""
    monkeypatch.setenv("PYCHAMBER_THROTTLE_WINDOW", "60")
    store = _store(retries=2)
    calls = throttle(store.client, "PutParameter", times=1)
    store._put("/svc/k", "v", 1)
    assert len(calls) == 2
    assert calls[1] - calls[0] < 1.5


def test_per_attempt_timeouts(creds):
    creds.setenv("AWS_DEFAULT_REGION", "us-east-1")
    c = aws.client("ssm", settings(), 3)
    assert (c.meta.config.connect_timeout, c.meta.config.read_timeout) == (3, 5)
    creds.setenv("PYCHAMBER_TIMEOUT", "2")  # never above the deadline
    c = aws.client("ssm", settings(), 3)
    assert (c.meta.config.connect_timeout, c.meta.config.read_timeout) == (2, 2)
    creds.setenv("PYCHAMBER_TIMEOUT", "0")  # no deadline: the per-attempt timeouts stay
    c = aws.client("ssm", settings(), 3)
    assert (c.meta.config.connect_timeout, c.meta.config.read_timeout) == (3, 5)


def test_single_attempt_throttle_fails_at_once(aws_process_env):
    store = _store(retries=1)
    calls = throttle(store.client, "PutParameter")
    msg = _one_line_error(lambda: store.write(SecretId("svc", "k"), "s3cr3t-value"))
    assert len(calls) == 1
    assert "api error ThrottlingException: Rate exceeded" in msg
    assert "s3cr3t-value" not in msg


def test_client_error_request_id(aws_process_env):
    store = _store()
    msg = _one_line_error(lambda: store.write_tags(SecretId("svc", "missing"), {"a": "b"}))
    assert msg.startswith("operation error SSM: AddTagsToResource, https response error StatusCode: 400, RequestID: ")
    request_id = msg.split("RequestID: ")[1].split(",")[0]
    assert request_id  # moto sends one
    assert "api error InvalidResourceId: " in msg


def test_no_region(creds):
    with pytest.raises(ChamberError) as e:
        aws.client("ssm", settings(), 1)
    msg = str(e.value)
    assert "\n" not in msg
    assert "region" in msg and "CHAMBER_AWS_REGION" in msg and "AWS_REGION" in msg
    assert "AWS_DEFAULT_REGION" in msg
    # through the store: the operation is named
    msg = _one_line_error(lambda: _store().list_raw("svc"))
    assert msg.startswith("operation error SSM: GetParametersByPath, an AWS region is required")


def test_no_credentials(clean_env):
    clean_env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clean_env.setenv("AWS_ENDPOINT_URL", UNREACHABLE)  # nothing may leave the machine
    msg = _one_line_error(lambda: _store().list_raw("svc"))
    assert msg.startswith("operation error SSM: GetParametersByPath, failed to retrieve credentials: ")
    assert "no AWS credentials were found" in msg
    assert "AWS_PROFILE" in msg and "AWS_ACCESS_KEY_ID" in msg and "sso" in msg.lower()


def test_unreachable_endpoint(creds):
    creds.setenv("AWS_DEFAULT_REGION", "us-east-1")
    creds.setenv("CHAMBER_AWS_SSM_ENDPOINT", UNREACHABLE)
    t0 = time.monotonic()
    msg = _one_line_error(lambda: _store(retries=1).list_raw("svc"))
    assert time.monotonic() - t0 < 5
    assert msg == (
        "operation error SSM: GetParametersByPath, request send failed, "
        'could not connect to the endpoint URL "http://127.0.0.1:9/"'
    )


@pytest.mark.parametrize("var", ["CHAMBER_AWS_SSM_ENDPOINT", "AWS_ENDPOINT_URL"])
def test_invalid_endpoint_is_one_line(creds, var):
    creds.setenv("AWS_DEFAULT_REGION", "us-east-1")
    creds.setenv(var, "not-a-url")
    msg = _one_line_error(lambda: _store().list_raw("svc"))
    assert msg == "operation error SSM: GetParametersByPath, Invalid endpoint: not-a-url"


def test_profile_not_found(creds):
    creds.setenv("AWS_DEFAULT_REGION", "us-east-1")
    creds.setenv("AWS_PROFILE", "nosuchprofile")
    msg = _one_line_error(lambda: _store().list_raw("svc"))
    assert "nosuchprofile" in msg
    assert msg.startswith("operation error SSM: GetParametersByPath, ")


def test_sso_token_missing(clean_env, tmp_path):
    (tmp_path / "config").write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Dev\nregion = us-east-1\n\n"
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\n"
    )
    clean_env.setenv("AWS_PROFILE", "dev")
    clean_env.setenv("AWS_ENDPOINT_URL", UNREACHABLE)
    msg = _one_line_error(lambda: _store().list_raw("svc"))
    assert msg.startswith("operation error SSM: GetParametersByPath, failed to retrieve credentials: ")
    assert "aws sso login" in msg


def test_version_read_errors_tell_the_truth(clean_env, monkeypatch):
    """chamber says 'secret not found' for any GetParameterHistory failure (even no region);
    pychamber only where the parameter is not there (issue 21 item 15)."""
    store = _store()
    for read in (lambda: store.read(SecretId("svc", "k"), 1), lambda: store.history(SecretId("svc", "k"))):
        msg = _one_line_error(read)
        assert msg.startswith("operation error SSM: GetParameterHistory, an AWS region is required"), msg
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws.reset_cache()
    store = _store()
    for read in (lambda: store.read(SecretId("svc", "k"), 1), lambda: store.history(SecretId("svc", "k"))):
        msg = _one_line_error(read)
        assert msg.startswith("operation error SSM: GetParameterHistory, failed to retrieve credentials"), msg


# --- error translation: unit ---------------------------------------------------------------
def test_translate_client_error_one_line():
    from botocore.exceptions import ClientError

    exc = ClientError(
        {
            "Error": {"Code": "ValidationException", "Message": "bad\nthing\r\n happened"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "abc-123"},
        },
        "PutParameter",
    )
    err = aws.translate(exc)
    assert str(err) == (
        "operation error SSM: PutParameter, https response error StatusCode: 400, "
        "RequestID: abc-123, api error ValidationException: bad thing happened"
    )
    assert aws.error_code(exc) == "ValidationException"
    assert aws.error_code(ValueError()) is None


def test_translate_redacts_values():
    from botocore.exceptions import ClientError

    exc = ClientError(
        {"Error": {"Code": "ValidationException", "Message": "Value 'hunter22' is bad"},
         "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "r"}},
        "PutParameter",
    )
    msg = str(aws.translate(exc, redact=["hunter22"]))
    assert "hunter22" not in msg and "[REDACTED]" in msg


def test_translate_param_validation_hides_value():
    from botocore.exceptions import ParamValidationError

    exc = ParamValidationError(
        report="Invalid type for parameter Value, value: 12345secret, type: <class 'int'>, "
        "valid types: <class 'str'>\nInvalid length for parameter Name, value: 0, valid min length: 1"
    )
    msg = str(aws.translate(exc, "PutParameter"))
    assert "12345secret" not in msg and "\n" not in msg
    assert msg.startswith("operation error SSM: PutParameter, invalid request: Invalid type for parameter Value")


def test_translate_other_botocore_errors():
    from botocore import exceptions as bex

    assert str(aws.translate(bex.NoRegionError(), "GetParameters")).startswith(
        "operation error SSM: GetParameters, an AWS region is required"
    )
    assert "nope" in str(aws.translate(bex.ProfileNotFound(profile="nope")))
    e = aws.translate(bex.ConnectTimeoutError(endpoint_url="https://x/"), "GetParameters", "secretsmanager")
    assert str(e) == (
        'operation error Secrets Manager: GetParameters, request send failed, '
        'timed out connecting to the endpoint URL "https://x/"'
    )
    e = aws.translate(bex.ReadTimeoutError(endpoint_url="https://x/"), None)
    assert str(e) == 'request send failed, timed out reading from the endpoint URL "https://x/"'


def test_translated_context_manager():
    from botocore.exceptions import NoCredentialsError

    with pytest.raises(ChamberError) as e:
        with aws.translated("GetParameters"):
            raise NoCredentialsError()
    assert e.value.__cause__ is None and e.value.__suppress_context__
    assert "no AWS credentials were found" in str(e.value)
    with pytest.raises(KeyError):  # not a botocore error: untouched
        with aws.translated("GetParameters"):
            raise KeyError("x")
    with pytest.raises(SecretNotFound):  # ChamberErrors pass through
        with aws.translated("GetParameters"):
            raise SecretNotFound()


# --- assume-role MFA: asked through settings.prompt ----------------------------------------
@pytest.fixture
def mfa_profile(aws_process_env, tmp_path, monkeypatch):
    """An AWS profile that assumes a role with an MFA device (STS answered by moto)."""
    config = tmp_path / "mfa_config"
    config.write_text(
        "[profile base]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/me\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "mfa")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    aws.reset_cache()
    yield
    aws.reset_cache()


def test_mfa_code_is_asked_through_settings_prompt(mfa_profile):
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "123456"

    store = SSMStore.from_settings(Settings(environ=os.environ, prompt=prompt), 1)
    assert store.list_raw("svc") == []
    assert len(asked) == 1 and "arn:aws:iam::123456789012:mfa/me" in asked[0]
    store.list_raw("svc")  # the session keeps the role's credentials: asked once
    assert len(asked) == 1


def test_mfa_without_a_prompt_fails_at_once(mfa_profile, capfd):
    store = SSMStore.from_settings(Settings(environ=os.environ), 1)
    msg = _one_line_error(lambda: store.list_raw("svc"))
    assert msg == aws.MFA_NO_TERMINAL_MSG
    assert capfd.readouterr() == ("", "")  # nothing asked, nothing printed


def test_the_cli_console_asks_only_on_a_terminal():
    import io

    from pychamber.cli.console import Console

    console = Console(stdin=io.BytesIO(b"123456\n"), stdout=io.BytesIO(), stderr=io.BytesIO())
    with pytest.raises(ChamberError) as err:
        console.prompt("MFA code: ")
    assert str(err.value) == aws.MFA_NO_TERMINAL_MSG
    assert console.stderr.getvalue() == b""  # nothing asked


# --- aws.call ---------------------------------------------------------------------------------
def test_call_translates_and_keeps_the_code(aws_process_env):
    client = aws.client("ssm", settings(), 1)
    lines: list[str] = []
    verbose = Settings(environ=os.environ, verbose=True, report=lines.append)

    def client_for(op):
        lines.append(f"client for {op}\n")
        return client

    with pytest.raises(aws.AwsError) as err:
        aws.call(client_for, "ssm", "GetParameter", settings=verbose, redact=["/svc/secret-name"],
                 Name="/svc/secret-name")
    assert err.value.code == "ParameterNotFound"
    assert str(err.value).startswith("operation error SSM: GetParameter, https response error ")
    assert str(err.value).endswith("api error ParameterNotFound: Parameter [REDACTED] not found.")
    # the verbose line comes before the client is asked for
    assert "msg=\"aws call\" operation=GetParameter" in lines[0] and lines[1] == "client for GetParameter\n"
    with pytest.raises(SecretNotFound):
        aws.call(client_for, "ssm", "GetParameter", not_found=("ParameterNotFound",), Name="/svc/x")
    with pytest.raises(SecretNotFound):
        aws.call(client_for, "ssm", "GetParameter", not_found=True, Name="/svc/x")
    assert aws.call(client_for, "ssm", "GetParameter", ok_codes=("ParameterNotFound",),
                    Name="/svc/x") is None
    with pytest.raises(aws.AwsError, match=r"^reworded: operation error SSM: GetParameter, "):
        aws.call(client_for, "ssm", "GetParameter", Name="/svc/x",
                 reword=lambda msg, exc, op, service: f"reworded: {msg}")
    assert aws.call(client_for, "ssm", "DescribeParameters", MaxResults=1)["Parameters"] == []


def test_call_not_found_covers_a_client_that_cannot_be_built():
    def client_for(op):
        raise ChamberError("operation error SSM: GetParameterHistory, no region")

    with pytest.raises(SecretNotFound):
        aws.call(client_for, "ssm", "GetParameterHistory", not_found=True, Name="/a/b")
    with pytest.raises(ChamberError, match="no region"):
        aws.call(client_for, "ssm", "GetParameterHistory", not_found=("ParameterNotFound",), Name="/a/b")


def test_snake():
    assert aws.snake("GetParametersByPath") == "get_parameters_by_path"
    assert aws.snake("ListObjectsV2") == "list_objects_v2"
