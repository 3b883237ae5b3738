"""Every command is bounded in time, every byte of every answer included (issue 21 items 1 and 2).

Real sockets on loopback: a server that answers HTTP 200 and then trickles the body one byte at
a time (or the status line, then the headers one byte at a time), one that accepts and never
answers, and a port where nothing listens. Real CLI subprocesses under PYCHAMBER_TIMEOUT=2. The
per-read timeout restarts with each byte, so before the watchdog a trickle was never bounded."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
#: Generous: the deadline is 2 s; a loaded 2-core machine starts an interpreter slowly.
BOUND = 15.0
#: Before the fix a trickled command never ends: it is killed here and the test fails.
KILL_AFTER = 60.0


class Server:
    """A loopback HTTP server misbehaving in one of three ways (``mode``): ``body`` (status and
    headers, then a body of 1 MB one byte per TRICKLE s), ``headers`` (the status line, then
    header bytes one per TRICKLE s), ``stall`` (reads the request, never answers)."""

    TRICKLE = 0.4

    def __init__(self, mode: str):
        self.mode = mode
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.url = f"http://127.0.0.1:{self.srv.getsockname()[1]}"
        self.done = threading.Event()
        self.requests = 0
        self.conns: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        self.srv.settimeout(0.2)
        while not self.done.is_set():
            try:
                conn, _ = self.srv.accept()
            except OSError:
                continue
            self.conns.append(conn)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.requests += 1
            if self.mode == "stall":
                self.done.wait()
                return
            if self.mode == "body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                             b"Content-Length: 1000000\r\n\r\n{")
                trickle = b" " * 1000
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                trickle = b"X-Slow: " + b"a" * 1000
            for i in range(len(trickle)):
                if self.done.wait(self.TRICKLE):
                    return
                conn.sendall(trickle[i:i + 1])
        except OSError:
            return

    def close(self) -> None:
        self.done.set()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
        self.srv.close()


@pytest.fixture(params=["body", "headers"])
def trickling(request):
    server = Server(request.param)
    yield server
    server.close()


@pytest.fixture
def stalled():
    server = Server("stall")
    yield server
    server.close()


@pytest.fixture
def refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}"


def run(args: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[int, str, float]:
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, "-m", "pychamber", *args], env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(stdin, timeout=KILL_AFTER)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail(f"pychamber {' '.join(args)}: still waiting after {KILL_AFTER:g}s")
    return p.returncode, err.decode("utf-8", "replace"), time.monotonic() - t0


def environment(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    (tmp_path / "empty").write_text("")
    env.update(PYTHONPATH=str(SRC), AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=str(tmp_path / "empty"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "empty"),
               AWS_ENDPOINT_URL=url, PYCHAMBER_TIMEOUT="2", PYCHAMBER_WRITE_RATE="0",
               CHAMBER_S3_BUCKET="bucket", **extra)
    return env


IMPORT = json.dumps({f"key{i}": f"value{i}" for i in range(60)}).encode()

#: (argv, stdin): every command that calls AWS, on each AWS backend where it differs.
COMMANDS = [
    (["read", "svc", "key"], b""),
    (["read", "-v", "1", "svc", "key"], b""),
    (["exec", "svc", "--", "true"], b""),
    (["exec", "svc", "other", "--", "true"], b""),
    (["list", "svc"], b""),
    (["history", "svc", "key"], b""),
    (["export", "svc"], b""),
    (["env", "svc"], b""),
    (["write", "svc", "key", "value"], b""),
    (["import", "svc", "-"], IMPORT),
    (["delete", "svc", "key"], b""),
    (["list-services"], b""),
    (["find", "key"], b""),
    (["tag", "read", "svc", "key"], b""),
    (["tag", "write", "svc", "key", "a=b"], b""),
    (["tag", "delete", "svc", "key", "a"], b""),
    (["ecs", "secrets", "svc"], b""),
    (["-b", "secretsmanager", "read", "svc", "key"], b""),
    (["-b", "secretsmanager", "exec", "svc", "other", "--", "true"], b""),
    (["-b", "secretsmanager", "write", "svc", "key", "value"], b""),
    (["-b", "secretsmanager", "list-services"], b""),
    (["-b", "s3", "read", "svc", "key"], b""),
    (["-b", "s3", "write", "svc", "key", "value"], b""),
    (["-b", "s3-kms", "--kms-key-alias", "alias/k", "list", "svc"], b""),
]


def _bounded(args: list[str], stdin: bytes, env: dict[str, str]) -> str:
    code, err, elapsed = run(args, env, stdin)
    assert code == 1, (args, code, err)
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err, (args, err)
    assert elapsed < BOUND, (args, elapsed, err)
    return err


@pytest.mark.parametrize("args, stdin", COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_a_trickling_answer_ends_at_the_deadline(trickling, tmp_path, args, stdin):
    err = _bounded(args, stdin, environment(trickling.url, tmp_path))
    assert trickling.requests, "the server saw no request: the test proved nothing"
    assert "PYCHAMBER_TIMEOUT=2s" in err, err


@pytest.mark.parametrize("args, stdin", COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_a_stalled_endpoint_ends_at_the_deadline(stalled, tmp_path, args, stdin):
    err = _bounded(args, stdin, environment(stalled.url, tmp_path))
    assert stalled.requests, "the server saw no request: the test proved nothing"
    assert "PYCHAMBER_TIMEOUT=2s" in err, err


REFUSED = [c for c in COMMANDS if c[0][0] in ("read", "write", "import", "list-services")]


@pytest.mark.parametrize("args, stdin", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_a_refused_connection_fails_within_seconds(refused, tmp_path, args, stdin):
    # the default attempts (CHAMBER_RETRIES unset) and the default deadline: no minute of backoff
    env = environment(refused, tmp_path)
    del env["PYCHAMBER_TIMEOUT"]
    code, err, elapsed = run(args, env, stdin)
    assert code == 1 and err.count("\n") == 1, err
    assert "could not connect to the endpoint URL" in err, err
    assert elapsed < 8, (elapsed, err)


LIBRARY = """
import sys, pychamber
try:
    pychamber.env("svc", "other")
except pychamber.ChamberError as e:
    print(e)
    sys.exit(1)
"""


def test_the_library_is_bounded_too(trickling, tmp_path):
    # pychamber.env opens the same one deadline as exec (api.assemble, aws.command_deadline)
    env = environment(trickling.url, tmp_path)
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-c", LIBRARY], env=env, capture_output=True, text=True,
                       timeout=KILL_AFTER)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "gave up after" in p.stdout and "(PYCHAMBER_TIMEOUT=2s)" in p.stdout, p.stdout
    assert time.monotonic() - t0 < BOUND
