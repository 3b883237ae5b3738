"""``python -m pychamber`` is the program the in-process tests run: each command family once
as a real process (the entry point, sys.argv, real pipes, exit statuses), compared with the
same line run in-process on the fake console (conftest.invoke). What one writes the other reads.

exec's real runs (PID, signals, exit statuses, SIGPIPE, the tty) are in test_exec.py."""

from __future__ import annotations

import base64
import json

import pytest

BUCKET = "entry-point-bucket"
LOCAL_KEY = base64.b64encode(b"e" * 32).decode()


def same(run_cli, run_cli_subprocess, *args, **kw):
    """Run ``args`` both ways; they must agree on status, stdout and stderr, byte for byte."""
    here = run_cli(*args, **kw)
    there = run_cli_subprocess(*args, **kw)
    assert (here.returncode, here.stdout_bytes, here.stderr_bytes) == (
        there.returncode, there.stdout_bytes, there.stderr_bytes), args
    return there


@pytest.fixture
def both(run_cli, run_cli_subprocess):
    def go(*args, **kw):
        extra = dict(kw.pop("env_extra", None) or {})
        extra.setdefault("TZ", "UTC")
        return same(run_cli, run_cli_subprocess, *args, env_extra=extra, **kw)

    return go


@pytest.mark.parametrize("args,code", [
    (["version"], 0),
    (["write", "a", "b"], 1),
    (["completion", "bash"], 0),
])
def test_commands_without_a_store(both, args, code):
    assert both(*args).returncode == code


def test_secret_commands_on_ssm(both, run_cli, run_cli_subprocess):
    run_cli("write", "svc", "key", "v1", check=True)
    r = run_cli_subprocess("write", "svc", "key", "-", input="v2\n", check=True)
    assert (r.stdout, r.stderr) == ("", "")
    assert both("read", "-q", "svc", "key").stdout == "v2\n\n"  # stdin kept whole
    assert both("history", "svc", "key").stdout.count("\n") == 3
    assert both("read", "svc", "missing").returncode == 1


def test_transfer_commands_on_ssm(both, run_cli_subprocess):
    r = run_cli_subprocess("import", "app", "-", input=json.dumps({"db-url": "x<y>", "port": "1"}),
                           check=True)
    assert r.stdout == "Successfully imported 2 secrets\n"
    assert both("export", "app").stdout == '{"db-url":"x\\u003cy\\u003e","port":"1"}\n'
    both("exec", "--dry-run", "app", "--", "true")


@pytest.mark.parametrize("backend", ["local", "secretsmanager", "s3"])
def test_other_backends(both, run_cli_subprocess, aws_client, tmp_path, backend):
    flags = ["-b", backend]
    extra = {}
    if backend == "local":
        extra = {"PYCHAMBER_LOCAL_PATH": str(tmp_path / "db" / "s.db"), "PYCHAMBER_LOCAL_KEY": LOCAL_KEY}
    if backend.startswith("s3"):
        aws_client("s3").create_bucket(Bucket=BUCKET)
        flags += ["--backend-s3-bucket", BUCKET]
    run_cli_subprocess(*flags, "write", "svc", "k", "value", env_extra=extra, check=True)
    assert json.loads(both(*flags, "export", "svc", env_extra=extra).stdout)["k"] == "value"
