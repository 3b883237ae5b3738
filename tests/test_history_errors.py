"""``history`` and ``read -v N`` on SSM tell the truth (issue 21 item 15): chamber's ``secret not
found`` only where the parameter (or version) is not there; every other failure its own line."""

from __future__ import annotations

import socket

import pytest

COMMANDS = [(["history", "svc", "key"], "Error: Failed to get history: "),
            (["read", "-v", "1", "svc", "key"], "Error: Failed to read: ")]


@pytest.fixture
def refused_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("args, prefix", COMMANDS)
def test_a_missing_parameter_is_not_found(run_cli, ssm_client, args, prefix):
    r = run_cli(*args)
    assert (r.returncode, r.stderr) == (1, prefix + "secret not found\n")
    ssm_client.put_parameter(Name="/svc/key", Value="v", Type="SecureString", Description="2")
    if args[0] == "read":  # the parameter is there, version 1 is not
        r = run_cli(*args)
        assert (r.returncode, r.stderr) == (1, prefix + "secret not found\n")


@pytest.mark.parametrize("args, prefix", COMMANDS)
def test_no_credentials_says_so(run_cli, args, prefix):
    r = run_cli(*args, env_extra={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None})
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(prefix + "operation error SSM: GetParameterHistory, failed to retrieve "
                                        "credentials: "), r.stderr


@pytest.mark.parametrize("args, prefix", COMMANDS)
def test_no_region_says_so(run_cli, args, prefix):
    r = run_cli(*args, env_extra={"AWS_DEFAULT_REGION": None})
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(prefix + "operation error SSM: GetParameterHistory, an AWS region is "
                                        "required"), r.stderr


@pytest.mark.parametrize("args, prefix", COMMANDS)
def test_a_refused_connection_says_so(run_cli, refused_url, args, prefix):
    r = run_cli(*args, env_extra={"AWS_ENDPOINT_URL": refused_url})
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(prefix + "operation error SSM: GetParameterHistory, "), r.stderr
    assert f'could not connect to the endpoint URL "{refused_url}/"' in r.stderr, r.stderr
