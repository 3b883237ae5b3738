"""Shared fixtures: one moto server per test session, reset per test.

- ``moto_server`` (session): ``http://127.0.0.1:PORT`` of a ThreadedMotoServer.
- ``aws_env`` (function): resets moto and returns an environment dict for a pychamber child
  process (no inherited AWS_*/CHAMBER_*/PYCHAMBER_*; fake credentials; the server as endpoint).
- ``ssm_client`` (function): a boto3 SSM client on the server, for asserting what is stored;
  ``aws_client(service)`` the same for any service.
- ``run_cli`` (function): ``run(*args, input=None, env_extra=None, check=None)`` runs
  ``python -m pychamber ARGS`` with ``aws_env`` and returns a CompletedProcess whose
  ``stdout``/``stderr`` are str (UTF-8, CRLF kept; raw bytes in ``stdout_bytes``/``stderr_bytes``).
- ``aws_process_env`` (function): applies ``aws_env`` to *this* process's ``os.environ``
  (restored afterwards) and clears pychamber.aws's cached session/clients: for in-process
  store tests, since botocore reads credentials and endpoints from ``os.environ``.

Never use ``moto.mock_aws`` in this process: entering or leaving it wipes the server's state.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"

if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

logging.getLogger("werkzeug").setLevel(logging.ERROR)

REGION = "us-east-1"
_STRIP_PREFIXES = ("AWS_", "CHAMBER_", "PYCHAMBER_")


@pytest.fixture(scope="session")
def moto_server():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # The first SSM call on a fresh server loads the backend lazily (~0.8 s): pay it once here.
    _ssm_client(url).describe_parameters(MaxResults=1)
    try:
        yield url
    finally:
        server.stop()


def _reset(url: str) -> None:
    req = urllib.request.Request(url + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


@pytest.fixture
def aws_env(moto_server, tmp_path):
    _reset(moto_server)
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP_PREFIXES)}
    config = tmp_path / "aws_config"
    creds = tmp_path / "aws_credentials"
    config.write_text("")
    creds.write_text("")
    old_pp = env.get("PYTHONPATH", "")
    env.update(
        {
            "AWS_ENDPOINT_URL": moto_server,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(creds),
            "PYTHONPATH": str(SRC) + (os.pathsep + old_pp if old_pp else ""),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            # imports unpaced in tests (test_import_calls checks the pacing itself)
            "PYCHAMBER_WRITE_RATE": "0",
        }
    )
    return env


_CLIENTS: dict[tuple[str, str], object] = {}


def _client(url: str, service: str = "ssm"):
    """A (cached) boto3 client of ``service`` on the moto server at ``url``."""
    client = _CLIENTS.get((url, service))
    if client is None:
        import boto3

        client = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=REGION,
        ).client(service, endpoint_url=url)
        _CLIENTS[(url, service)] = client
    return client


_ssm_client = _client


@pytest.fixture
def aws_client(moto_server):
    """``aws_client(service)``: a boto3 client on the moto server, for asserting what is stored."""
    return lambda service: _client(moto_server, service)


@pytest.fixture
def ssm_client(moto_server):
    return _client(moto_server, "ssm")


@pytest.fixture
def run_cli(aws_env):
    def run(*args, input=None, env_extra=None, check=None) -> subprocess.CompletedProcess:
        """``check``: None/False = no check, True = exit code must be 0, an int = that code.
        ``env_extra`` values of None remove the variable. ``input`` may be str or bytes."""
        env = dict(aws_env)
        for k, v in (env_extra or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        data = input.encode("utf-8") if isinstance(input, str) else input
        proc = subprocess.run(
            [sys.executable, "-m", "pychamber", *[str(a) for a in args]],
            input=data,
            capture_output=True,
            env=env,
            timeout=120,
        )
        result = subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode("utf-8", "surrogateescape"),
            proc.stderr.decode("utf-8", "surrogateescape"),
        )
        result.stdout_bytes = proc.stdout  # type: ignore[attr-defined]
        result.stderr_bytes = proc.stderr  # type: ignore[attr-defined]
        if check is True or (not isinstance(check, bool) and isinstance(check, int)):
            want = 0 if check is True else check
            assert result.returncode == want, (
                f"pychamber {' '.join(map(str, args))}: exit {result.returncode} (wanted {want})\n"
                f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}"
            )
        return result

    return run


@pytest.fixture
def aws_process_env(aws_env, monkeypatch):
    """Make this process's environment equal to ``aws_env`` for the test (in-process tests)."""
    for k in list(os.environ):
        if k not in aws_env:
            monkeypatch.delenv(k)
    for k, v in aws_env.items():
        if os.environ.get(k) != v:
            monkeypatch.setenv(k, v)
    from pychamber import aws

    aws.reset_cache()
    yield os.environ
    aws.reset_cache()
