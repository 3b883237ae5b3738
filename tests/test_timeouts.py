"""A stalled endpoint never hangs a deploy (issue 13 item 3): against a server that accepts
connections and never answers, ``exec`` and ``read`` fail with one line, in bounded time, naming
what timed out and after how long (connect/read timeouts per attempt, the PYCHAMBER_TIMEOUT
deadline over the retries)."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from pychamber import aws


@pytest.fixture
def stalled():
    """``http://127.0.0.1:PORT``: accepts every connection, reads nothing, answers nothing."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    held: list[socket.socket] = []
    done = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not done.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            held.append(conn)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}", held
    finally:
        done.set()
        t.join(timeout=5)
        for c in held:
            c.close()
        srv.close()


GAVE_UP = re.compile(
    r"gave up after (\d+\.\d)s \(PYCHAMBER_TIMEOUT=2s\) and (\d+) attempts?, request send failed, "
    r'timed out reading from the endpoint URL "http://127\.0\.0\.1:\d+/" '
    # the attempt's read timeout, or the watchdog at the deadline (whichever came first)
    r'\((no answer within 2s|no complete answer by the deadline)\)\n$'
)


def _one_line_in_time(r, t0: float, limit: float, prefix: str) -> re.Match:
    elapsed = time.monotonic() - t0
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith(prefix), r.stderr
    assert elapsed < limit, elapsed
    m = GAVE_UP.search(r.stderr)
    assert m, r.stderr
    assert float(m.group(1)) >= 2.0
    return m


def test_exec_against_a_stalled_endpoint_fails_at_the_deadline(run_cli_subprocess, stalled):
    url, held = stalled
    t0 = time.monotonic()
    r = run_cli_subprocess("exec", "svc", "--", "true",
                           env_extra={"AWS_ENDPOINT_URL": url, "PYCHAMBER_TIMEOUT": "2"})
    _one_line_in_time(r, t0, 20, "Error: Failed to list store contents: operation error SSM: "
                      "GetParametersByPath, gave up after ")
    assert held, "the server saw no connection: the test proved nothing"


def test_exec_of_several_services_on_secretsmanager_fails_at_the_deadline(run_cli_subprocess, stalled):
    # the services are read in threads of their own: the deadline must reach them
    url, held = stalled
    t0 = time.monotonic()
    r = run_cli_subprocess("-b", "secretsmanager", "exec", "svc", "other", "--", "true",
                           env_extra={"AWS_ENDPOINT_URL": url, "PYCHAMBER_TIMEOUT": "2"})
    _one_line_in_time(r, t0, 20, "Error: ")
    assert "operation error Secrets Manager: GetSecretValue, gave up after " in r.stderr
    assert held, "the server saw no connection: the test proved nothing"


def test_read_against_a_stalled_endpoint_fails_at_the_deadline(run_cli_subprocess, stalled):
    url, _ = stalled
    t0 = time.monotonic()
    r = run_cli_subprocess("read", "svc", "key",
                           env_extra={"AWS_ENDPOINT_URL": url, "PYCHAMBER_TIMEOUT": "2"})
    _one_line_in_time(r, t0, 20, "Error: ")
    assert "operation error SSM: GetParameters, gave up after " in r.stderr


@pytest.mark.parametrize("backend, operation", [("secretsmanager", "Secrets Manager: GetSecretValue"),
                                                ("s3", "S3: GetObject")])
def test_read_on_other_backends_fails_at_the_deadline(run_cli_subprocess, stalled, backend, operation):
    url, held = stalled
    t0 = time.monotonic()
    r = run_cli_subprocess("-b", backend, "read", "svc", "key",
                           env_extra={"AWS_ENDPOINT_URL": url, "PYCHAMBER_TIMEOUT": "2",
                                      "CHAMBER_S3_BUCKET": "bucket"})
    elapsed = time.monotonic() - t0
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "gave up after " in r.stderr and "(PYCHAMBER_TIMEOUT=2s)" in r.stderr, r.stderr
    assert elapsed < 20, elapsed
    assert held, "the server saw no connection: the test proved nothing"


def test_default_retries_are_bounded_by_the_deadline(run_cli, stalled, monkeypatch):
    """The defaults (10 attempts, 5 s read timeout, 30 s deadline), scaled down 10x in this
    process: the deadline, not the attempt count, ends the wait, within deadline + one read
    timeout (so the real defaults end within 35 s, the issue's bound being 40 s)."""
    url, _ = stalled
    assert aws.DEFAULT_TIMEOUT + aws.READ_TIMEOUT + 5 <= 40
    monkeypatch.setattr(aws, "DEFAULT_TIMEOUT", aws.DEFAULT_TIMEOUT / 10)
    monkeypatch.setattr(aws, "READ_TIMEOUT", aws.READ_TIMEOUT / 10)
    monkeypatch.setattr(aws, "CONNECT_TIMEOUT", aws.CONNECT_TIMEOUT / 10)
    t0 = time.monotonic()
    r = run_cli("read", "svc", "key", env_extra={"AWS_ENDPOINT_URL": url})
    elapsed = time.monotonic() - t0
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    m = re.search(r"gave up after (\d+\.\d)s \(PYCHAMBER_TIMEOUT=3s\) and (\d+) attempts, .*"
                  r"timed out reading .* \((no answer within 0\.5s|no complete answer by the deadline)\)\n$",
                  r.stderr)
    assert m, r.stderr
    assert 3 <= float(m.group(1)) < 3 + 0.5 + 2
    assert 2 <= int(m.group(2)) < 10  # several retries, cut by the deadline before the tenth
    assert elapsed < 15


def test_without_a_deadline_the_attempts_bound_it(run_cli, stalled):
    """PYCHAMBER_TIMEOUT=0: no deadline; the per-attempt timeouts and CHAMBER_RETRIES do."""
    url, _ = stalled
    r = run_cli("read", "svc", "key", env_extra={"AWS_ENDPOINT_URL": url, "PYCHAMBER_TIMEOUT": "0",
                                                 "CHAMBER_RETRIES": "1"})
    assert r.returncode == 1
    assert "gave up" not in r.stderr
    assert r.stderr.endswith('" (no answer within 5s)\n'), r.stderr


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "-2s", "3 parsecs"])
def test_bad_timeout_is_one_line(run_cli, value):
    r = run_cli("read", "svc", "key", env_extra={"PYCHAMBER_TIMEOUT": value})
    assert r.returncode == 1
    assert r.stderr.endswith("Cannot parse $PYCHAMBER_TIMEOUT to a number of seconds.\n"), r.stderr
    assert r.stderr.count("\n") == 1


def test_a_go_duration_is_a_timeout_too(run_cli, stalled):
    # the error lines print the deadline as "PYCHAMBER_TIMEOUT=2s": that form is accepted back
    url, _ = stalled
    t0 = time.monotonic()
    r = run_cli("read", "svc", "key", env_extra={
        "AWS_ENDPOINT_URL": url, "PYCHAMBER_TIMEOUT": "2s"})
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "(PYCHAMBER_TIMEOUT=2s)" in r.stderr, r.stderr
    assert time.monotonic() - t0 < 20


@pytest.mark.parametrize("args, operation", [
    (["list", "svc"], "DescribeParameters"),
    # chamber's History answers ErrSecretNotFound for any GetParameterHistory error
    # (store/ssmstore.go); pychamber only for a parameter that is not there (issue 21 item 15)
    (["history", "svc", "key"], "GetParameterHistory"),
    (["tag", "read", "svc", "key"], "ListTagsForResource"),
])
def test_a_services_listings_fail_at_the_deadline(run_cli, stalled, args, operation):
    url, held = stalled
    t0 = time.monotonic()
    r = run_cli(*args, env_extra={"AWS_ENDPOINT_URL": url, "PYCHAMBER_TIMEOUT": "2"})
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"{operation}, gave up after " in r.stderr and "(PYCHAMBER_TIMEOUT=2s)" in r.stderr, r.stderr
    assert time.monotonic() - t0 < 20
    assert held, "the server saw no connection: the test proved nothing"
