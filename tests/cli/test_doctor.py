"""``pychamber doctor``: the table, the exit status, the broken environments (no credentials,
no region, a missing alias) as a process, and the permission checks against a moto server of
its own that enforces IAM (``/moto-api/reset-auth``: every request after it is authorised
against the caller's IAM policies, action by action; moto checks SSM and KMS calls against
resource "*", so the policies here grant or omit actions)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import REGION, spawn

HEADERS = ["CHECK", "RESULT", "DETAIL", "WHAT TO DO"]


def table(stdout: str) -> dict[str, tuple[str, str]]:
    """{check: (result, the rest of the line)} from doctor's table (columns from its rule); a
    row wrapped over several lines (every row has a result: a line without one continues the
    row above) is joined back with spaces."""
    lines = stdout.splitlines()
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[1])]
    cells = lambda line: [line[a:b if i < 3 else None].strip() for i, (a, b) in enumerate(spans)]  # noqa: E731
    assert cells(lines[0]) == HEADERS, stdout
    parsed: list[list[str]] = []
    for line in lines[2:]:
        row = cells(line)
        if row[1] or not parsed:
            parsed.append(row)
        else:
            parsed[-1] = [f"{a} {b}".strip() for a, b in zip(parsed[-1], row)]
    return {name: (result, f"{detail}  {advice}") for name, result, detail, advice in parsed}


@pytest.fixture(autouse=True)
def wide(aws_env):
    """A wide table for the checks' contents (the width itself: test_the_table_fits_...)."""
    aws_env["COLUMNS"] = "1000"


@pytest.fixture
def alias(aws_client):
    kms = aws_client("kms")
    kms.create_alias(AliasName="alias/parameter_store_key",
                     TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])


def test_a_healthy_setup_prints_one_line_per_check_and_exits_0(run_cli, alias, ssm_client):
    ssm_client.put_parameter(Name="/web/db", Value="pw", Type="SecureString", Description="1")
    result = run_cli("doctor", "WEB", check=0)
    rows = table(result.stdout)
    assert list(rows) == ["backend", "region", "credentials", "kms key alias/parameter_store_key",
                          "store config", "exec web", "read web", "history web", "write web"]
    assert rows["region"][0] == "ok" and "us-east-1 (from $AWS_DEFAULT_REGION)" in rows["region"][1]
    assert rows["write web"][0] == "not checked"
    assert all(r == "ok" for n, (r, _) in rows.items() if n != "write web")
    assert result.stderr == ""


def test_a_missing_alias_is_a_failed_row_and_exit_1(run_cli):
    result = run_cli("doctor", check=1)
    rows = table(result.stdout)
    assert rows["kms key alias/parameter_store_key"][0] == "FAILED"
    assert "does not exist in us-east-1" in rows["kms key alias/parameter_store_key"][1]
    assert result.stderr == ""


def test_a_bad_service_name_is_an_error_line(run_cli):
    result = run_cli("doctor", "bad name!", check=1)
    assert result.stdout == ""
    assert result.stderr.startswith("Error: Failed to validate service: ")


@pytest.mark.parametrize("columns, width", [(None, 80), ("120", 120), ("60", 60)])
def test_the_table_fits_columns_or_80_off_a_terminal(run_cli, ssm_client, columns, width):
    ssm_client.put_parameter(Name="/web/db", Value="pw", Type="SecureString", Description="1")
    wide = run_cli("doctor", "web")
    result = run_cli("doctor", "web", env_extra={"COLUMNS": columns})
    assert result.returncode == wide.returncode == 1  # no alias: one failed row
    assert max(len(line) for line in wide.stdout.splitlines()) > 200
    assert max(len(line) for line in result.stdout.splitlines()) <= width, result.stdout
    # the same rows, each wrapped at spaces (a word longer than its column is cut)
    squeezed = lambda rows: [(n.replace(" ", ""), r) for n, (r, _) in rows.items()]  # noqa: E731
    assert squeezed(table(result.stdout)) == squeezed(table(wide.stdout))


def test_the_table_fits_the_terminal(aws_env, ssm_client):
    import pexpect

    ssm_client.put_parameter(Name="/web/db", Value="pw", Type="SecureString", Description="1")
    env = {k: v for k, v in aws_env.items() if k != "COLUMNS"}
    child = pexpect.spawn(sys.executable, ["-m", "pychamber", "doctor", "web"], env=env,
                          dimensions=(40, 100), timeout=60, encoding="utf-8")
    out = child.read()
    child.close()
    lines = out.replace("\r\n", "\n").splitlines()
    assert "CHECK" in lines[0] and "FAILED" in out
    assert 90 < max(len(line) for line in lines) <= 100, out


def test_doctor_is_in_the_help(run_cli):
    assert "doctor" in run_cli("--help", check=0).stdout


@pytest.mark.parametrize("drop, failed_row", [
    (("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), "credentials"),
    (("AWS_DEFAULT_REGION",), "region"),
    ((), "kms key alias/parameter_store_key"),
])
def test_broken_environments_as_a_process(aws_env, drop, failed_row):
    """No credentials, no region, a missing alias: a failed row each, exit 1, no traceback, in
    bounded time (AWS_EC2_METADATA_DISABLED: no instance-metadata wait)."""
    env = {k: v for k, v in aws_env.items() if k not in drop}
    start = time.monotonic()
    result = spawn(["doctor", "svc"], env, input=b"", timeout=60)
    elapsed = time.monotonic() - start
    assert result.returncode == 1, result
    assert table(result.stdout)[failed_row][0] == "FAILED"
    assert "Traceback" not in result.stderr and result.stderr == ""
    assert elapsed < 45


@pytest.mark.parametrize("bad", [{"AWS_PROFILE": "nosuch"}, {"AWS_CONFIG_FILE": "BINARY"}])
def test_an_unknown_profile_or_a_broken_config_file_is_a_failed_row(aws_env, tmp_path, bad):
    """The session's first use reads the profile: its error is a row, not an internal error."""
    if bad.get("AWS_CONFIG_FILE") == "BINARY":
        (tmp_path / "config").write_bytes(b"not [an ini\n\x00\xff")
        bad = {"AWS_CONFIG_FILE": str(tmp_path / "config")}
    result = spawn(["doctor", "svc"], {**aws_env, **bad}, input=b"", timeout=60)
    assert result.returncode == 1, result
    assert "FAILED" in table(result.stdout)["credentials"][0]
    assert result.stderr == ""


def test_local_backend_as_a_process(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "PYTHONPATH": os.environ.get("PYTHONPATH", ""), "XDG_DATA_HOME": str(tmp_path / "x"),
           "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring", "COLUMNS": "1000"}
    spawn(["-b", "local", "write", "svc", "k", "v"], env, input=b"")
    result = spawn(["-b", "local", "doctor"], env, input=b"")
    assert result.returncode == 0, result
    rows = table(result.stdout)
    assert rows["data key"][0] == "ok"
    assert "keyrings.alt.file.PlaintextKeyring (a plaintext file" in rows["data key"][1]


# --- a moto server that enforces IAM ------------------------------------------------------------
#: moto has no iam:SimulatePrincipalPolicy (it answers 500): this server, a process of its own,
#: is moto's WSGI app with that one call answered by moto's own policy engine
#: (moto.iam.access_control.IAMPolicy) over the user's inline policies in moto's IAM state;
#: the caller needs iam:SimulatePrincipalPolicy, as on AWS. It prints its port.
SERVER = r"""
import io, sys, urllib.parse
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.models import iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

ACCOUNT = "123456789012"
moto = DomainDispatcherApplication(create_backend_app)


def policies(user):
    backend = iam_backends[ACCOUNT]["aws"]
    return [IAMPolicy(backend.get_user_policy(user, n)) for n in backend.list_user_policies(user)]


def decide(user, action, resource):
    results = [p.is_action_permitted(action, resource) for p in policies(user)]
    if PermissionResult.DENIED in results:
        return "explicitDeny"
    return "allowed" if PermissionResult.PERMITTED in results else "implicitDeny"


def caller(environ):
    key = environ.get("HTTP_AUTHORIZATION", "").split("Credential=")[-1].split("/")[0]
    for user in iam_backends[ACCOUNT]["aws"].users.values():
        if any(k.access_key_id == key for k in user.access_keys):
            return user.name
    return None


def answer(start, status, body):
    start(status, [("Content-Type", "text/xml")])
    return [body.encode()]


def app(environ, start):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    if form.get("Action") != ["SimulatePrincipalPolicy"]:
        return moto(environ, start)
    who = caller(environ)
    if who is None or decide(who, "iam:SimulatePrincipalPolicy", "*") != "allowed":
        return answer(start, "403 Forbidden", "<ErrorResponse><Error><Code>AccessDenied</Code>"
                      f"<Message>User: {who} is not authorized to perform: "
                      "iam:SimulatePrincipalPolicy</Message></Error></ErrorResponse>")
    user = form["PolicySourceArn"][0].rsplit("/", 1)[-1]
    members = ""
    for a in sorted(k for k in form if k.startswith("ActionNames.member.")):
        for r in sorted(k for k in form if k.startswith("ResourceArns.member.")) or [None]:
            resource = form[r][0] if r else "*"
            members += (f"<member><EvalActionName>{form[a][0]}</EvalActionName><EvalResourceName>"
                        f"{resource}</EvalResourceName><EvalDecision>"
                        f"{decide(user, form[a][0], resource)}</EvalDecision></member>")
    return answer(start, "200 OK",
                  '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
                  f"<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>"
                  f"{members}</EvaluationResults></SimulatePrincipalPolicyResult>"
                  "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
                  "</SimulatePrincipalPolicyResponse>")


server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""
ALL_READS = ["ssm:GetParametersByPath", "ssm:GetParameter", "ssm:GetParameters",
             "ssm:DescribeParameters", "ssm:GetParameterHistory", "kms:DescribeKey",
             "kms:Encrypt", "kms:Decrypt"]
USERS = {
    # the trap: every read but GetParametersByPath (as when only parameter/svc/* is granted)
    "no-by-path": [a for a in ALL_READS if a != "ssm:GetParametersByPath"],
    # history denied: chamber would say "secret not found"
    "no-history": [a for a in ALL_READS if a != "ssm:GetParameterHistory"],
    # the v3 store-config read (GetParameters) denied
    "no-get": [a for a in ALL_READS if a not in ("ssm:GetParameters", "ssm:GetParameter")],
    "no-encrypt": [a for a in ALL_READS if a != "kms:Encrypt"],
    "reads": ALL_READS,
    "simulates-reads": ALL_READS + ["iam:SimulatePrincipalPolicy"],
    "writer": ALL_READS + ["iam:SimulatePrincipalPolicy", "ssm:PutParameter"],
}


def _post(url: str, data: bytes) -> None:
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


@pytest.fixture(scope="module")
def iam_server():
    """(url, {user: (access key, secret key)}): the server above, with IAM enforced once its
    users, policies, KMS alias and one parameter were made."""
    import boto3

    proc = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        port = proc.stdout.readline().strip()
        assert port.isdigit(), "the moto server did not start"
        url = f"http://127.0.0.1:{port}"
        session = boto3.session.Session(aws_access_key_id="admin", aws_secret_access_key="admin",
                                        region_name=REGION)
        iam = session.client("iam", endpoint_url=url)
        kms = session.client("kms", endpoint_url=url)
        kms.create_alias(AliasName="alias/parameter_store_key",
                         TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
        session.client("ssm", endpoint_url=url).put_parameter(
            Name="/svc/db", Value="pw", Type="SecureString", Description="1")
        keys = {}
        for user, actions in USERS.items():
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
            k = iam.create_access_key(UserName=user)["AccessKey"]
            keys[user] = (k["AccessKeyId"], k["SecretAccessKey"])
        _post(url + "/moto-api/reset-auth", b"0")  # from now on, every call is authorised
        yield url, keys
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def doctor_as(iam_server, run_cli):
    url, keys = iam_server

    def run(user: str, *services: str):
        key, secret = keys[user]
        result = run_cli("doctor", *services, env_extra={
            "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret})
        assert "Traceback" not in result.stderr
        return result, table(result.stdout)

    return run


def test_iam_allows_everything_exec_and_read_need(doctor_as):
    result, rows = doctor_as("reads", "svc")
    assert result.returncode == 0, result.stdout
    assert "arn:aws:iam::123456789012:user/reads" in rows["credentials"][1]
    assert rows["exec svc"][0] == "ok" and "1 secret(s)" in rows["exec svc"][1]
    # the user may not run IAM's simulator: the write permission is not checked, not failed
    assert rows["write svc"][0] == "not checked"
    assert "iam:SimulatePrincipalPolicy" in rows["write svc"][1]


def test_putparameter_through_the_policy_simulator(doctor_as):
    result, rows = doctor_as("writer", "svc")
    assert result.returncode == 0, result.stdout
    assert rows["write svc"][0] == "ok"
    assert "ssm:PutParameter allowed on parameter/svc/*" in rows["write svc"][1]
    result, rows = doctor_as("simulates-reads", "svc")
    assert result.returncode == 1
    assert rows["write svc"][0] == "FAILED"
    assert "ssm:PutParameter implicitDeny" in rows["write svc"][1]
    assert "allow ssm:PutParameter on arn:aws:ssm:us-east-1:123456789012:parameter/svc/*" \
        in rows["write svc"][1]


def test_getparametersbypath_denied_names_the_path_itself(doctor_as):
    result, rows = doctor_as("no-by-path", "svc")
    assert result.returncode == 1
    assert rows["exec svc"][0] == "FAILED"
    line = rows["exec svc"][1]
    assert "not authorized to perform: ssm:GetParametersByPath" in line
    assert "allow ssm:GetParametersByPath on arn:aws:ssm:us-east-1:123456789012:parameter/svc " in line
    assert "parameter/svc/* does not cover" in line
    assert rows["read svc"][0] == "ok"  # GetParameters itself is allowed


def test_history_denied_is_told_apart_from_not_found(doctor_as):
    result, rows = doctor_as("no-history", "svc", "nothing")
    assert result.returncode == 1
    assert rows["history svc"][0] == "FAILED"
    assert "denied, not missing" in rows["history svc"][1]
    assert "chamber #104" in rows["history svc"][1]
    assert rows["read nothing"][0] == "ok" and "does not exist" in rows["read nothing"][1]


def test_the_store_config_read_denied_is_the_chamber_663_trap(doctor_as):
    result, rows = doctor_as("no-get", "svc")
    assert result.returncode == 1
    assert rows["store config"][0] == "FAILED"
    assert "chamber v3 reads it on every write (chamber #663)" in rows["store config"][1]
    assert "parameter/_chamber/store-config" in rows["store config"][1]
    assert rows["read svc"][0] == "FAILED" and "denied" in rows["read svc"][1]


def test_kms_encrypt_denied(doctor_as):
    result, rows = doctor_as("no-encrypt")
    assert result.returncode == 1
    kms = rows["kms key alias/parameter_store_key"]
    assert kms[0] == "FAILED" and "kms:Encrypt denied" in kms[1]


def test_credentials_refused_by_sts(iam_server, run_cli):
    url, _ = iam_server
    result = run_cli("doctor", env_extra={"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "nobody",
                                          "AWS_SECRET_ACCESS_KEY": "x"}, check=1)
    rows = table(result.stdout)
    assert rows["credentials"][0] == "FAILED" and "refused by STS" in rows["credentials"][1]
    assert list(rows)[-1] == "credentials"
