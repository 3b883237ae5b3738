"""Web identity and assume-role call STS in the region pychamber uses (issue 21 item 17): with
the region set only in AWS_REGION or CHAMBER_AWS_REGION (which botocore alone ignores) chamber
calls the regional STS endpoint, and so must pychamber. The URL is recorded on a real socket:
an HTTPS proxy on loopback that notes each CONNECT's host and refuses it (no network)."""

from __future__ import annotations

import socket
import threading

import pytest


@pytest.fixture
def connect_proxy():
    """``(url, hosts)``: an HTTP proxy that records the host of every CONNECT and answers 403."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    hosts: list[str] = []
    done = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not done.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    line = data.split(b"\r\n", 1)[0].decode("latin-1").split()
                    if len(line) >= 2 and line[0] == "CONNECT":
                        hosts.append(line[1])
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}", hosts
    finally:
        done.set()
        t.join(timeout=5)
        srv.close()


def _env(aws_env, proxy: str, region_var: str) -> dict:
    # SSM on moto (plain http, not proxied); STS at its real URL, through the recording proxy
    return {"AWS_ENDPOINT_URL": None, "AWS_ENDPOINT_URL_SSM": aws_env["AWS_ENDPOINT_URL"],
            "AWS_DEFAULT_REGION": None, region_var: "eu-west-3", "HTTPS_PROXY": proxy,
            "https_proxy": proxy, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
            "CHAMBER_RETRIES": "1", "PYCHAMBER_TIMEOUT": "10"}


@pytest.mark.parametrize("region_var", ["AWS_REGION", "CHAMBER_AWS_REGION"])
def test_web_identity_calls_the_regional_sts(run_cli_subprocess, aws_env, connect_proxy, tmp_path,
                                             region_var):
    proxy, hosts = connect_proxy
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl")
    env = _env(aws_env, proxy, region_var)
    env.update(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
               AWS_ROLE_ARN="arn:aws:iam::123456789012:role/app",
               AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_SESSION_NAME="session1")
    r = run_cli_subprocess("read", "svc", "key", env_extra=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert hosts, r.stderr
    assert set(hosts) == {"sts.eu-west-3.amazonaws.com:443"}, hosts


@pytest.mark.parametrize("region_var", ["AWS_REGION", "CHAMBER_AWS_REGION"])
def test_assume_role_calls_the_regional_sts(run_cli_subprocess, aws_env, connect_proxy, tmp_path,
                                            region_var):
    proxy, hosts = connect_proxy
    config = tmp_path / "config"
    config.write_text("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
                      "source_profile = base\n\n[profile base]\n")
    creds = tmp_path / "credentials"
    creds.write_text("[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    env = _env(aws_env, proxy, region_var)
    env.update(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_PROFILE="app",
               AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(creds))
    r = run_cli_subprocess("read", "svc", "key", env_extra=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert hosts, r.stderr
    assert set(hosts) == {"sts.eu-west-3.amazonaws.com:443"}, hosts


def test_with_sts_on_moto_the_role_is_assumed_and_read_works(run_cli_subprocess, aws_env, ssm_client,
                                                             tmp_path):
    # the same chain end to end, STS answered by moto: the region change breaks nothing
    ssm_client.put_parameter(Name="/svc/key", Value="v", Type="SecureString", Description="1")
    config = tmp_path / "config"
    config.write_text("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
                      "source_profile = base\n\n[profile base]\n")
    creds = tmp_path / "credentials"
    creds.write_text("[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    r = run_cli_subprocess("read", "-q", "svc", "key", env_extra={
        "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_PROFILE": "app",
        "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(creds),
        "AWS_DEFAULT_REGION": None, "AWS_REGION": "us-east-1"})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "v\n"
