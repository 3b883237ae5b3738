"""No secret value in any error, warning or --verbose line: failing and verbose runs of every
command, on SSM (moto) and the local backend, with a recognisable value."""

from __future__ import annotations

import base64
import json

import pytest

SECRET = "Zq7-leak-canary-9Xw"


@pytest.fixture(params=["ssm", "local"])
def cli(request, run_cli, tmp_path):
    extra = {}
    if request.param == "local":
        extra = {"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "d" / "s.db"),
                 "PYCHAMBER_LOCAL_KEY": base64.b64encode(b"z" * 32).decode()}

    def run(*args, env_extra=None, **kw):
        r = run_cli(*args, env_extra={**extra, **(env_extra or {})}, **kw)
        assert SECRET not in r.stderr, (args, r.stderr)
        return r

    run.backend = request.param
    return run


def test_verbose_and_failing_commands_never_show_values(cli, tmp_path):
    cli("--verbose", "write", "svc", "key", SECRET, check=True)
    cli("--verbose", "write", "svc", "key", SECRET, "--skip-unchanged", check=True)
    for args in (["read", "svc", "key"], ["read", "-q", "svc", "key"], ["list", "-e", "svc"],
                 ["history", "svc", "key"], ["env", "svc"], ["export", "svc"], ["find", "-v", SECRET],
                 ["exec", "svc", "--", "true"], ["exec", "--dry-run", "svc", "--", "true"],
                 ["exec", "--pristine", "svc", "--", "true"]):
        cli("--verbose", *args, check=True)
    # failures that involve the value
    cli("--verbose", "write", "svc", "key", SECRET, "-t", "a=b", check=1)  # tags on an existing secret
    cli("write", "svc", "9bad", SECRET, check=True)
    cli("env", "svc", check=1)  # invalid shell name
    cli("export", "-f", "dotenv", "svc", check=1)
    cli("exec", "--strict", "svc", "--", "true", env_extra={"KEY": "chamberme", "NINEBAD": "x"}, check=True)
    cli("exec", "--strict", "svc", "--", "true", env_extra={"KEY": "not-the-sentinel"}, check=1)
    cli("import", "svc", "-", input=json.dumps({"ok": SECRET, "bad key": SECRET}), check=1)
    cli("import", "svc", "-", input=f"a: {SECRET}\n  b: [", check=1)
    cli("exec", "svc", "--", "/nonexistent/program", check=1)


def test_aws_failures_never_show_values(run_cli):
    # an unreachable endpoint, and an SSM validation error on a put carrying the value
    r = run_cli("write", "svc", "k", SECRET, env_extra={"AWS_ENDPOINT_URL": "http://127.0.0.1:9",
                                                          "CHAMBER_RETRIES": "1"})
    assert r.returncode == 1 and SECRET not in r.stderr
    r = run_cli("--verbose", "write", "svc", "k", SECRET + "x" * 5000, env_extra={"CHAMBER_RETRIES": "1"})
    assert SECRET not in r.stderr
