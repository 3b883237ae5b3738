"""How many AWS calls an import spends, pacing, and throttling during an import: pychamber
(in-process, run_cli) talking to moto through a counting (and throttling) WSGI middleware."""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter

import pytest

from conftest import moto_behind


class Counting:
    def __init__(self, app):
        self.app = app
        self.calls: Counter[str] = Counter()
        self.throttle: dict[str, int] = {}
        self.allow: dict[str, int] = {}  # let this many through before throttling starts
        self.lock = threading.Lock()
        self.keep_bodies = False
        self.bodies: list[tuple[str, dict]] = []

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "").split(".")[-1]
        if self.keep_bodies:
            n = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(n)
            environ["wsgi.input"] = io.BytesIO(body)
        with self.lock:
            self.calls[target] += 1
            if self.keep_bodies:
                self.bodies.append((target, json.loads(body or b"{}")))
            if self.allow.get(target, 0) > 0:
                self.allow[target] -= 1
                throttled = False
            else:
                throttled = self.throttle.get(target, 0) > 0
            if throttled:
                self.throttle[target] -= 1
        if throttled:
            body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
            start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


@pytest.fixture
def proxy(moto_server):
    with moto_behind(Counting) as app:
        yield app


def test_import_spends_one_listing_and_one_put_per_key(run_cli, proxy):
    data = {f"key{i:02d}": f"value {i}" for i in range(25)}
    env = {"AWS_ENDPOINT_URL": proxy.url, "PYCHAMBER_WRITE_RATE": "0"}
    run_cli("write", "svc", "key00", "old", env_extra=env, check=True)
    proxy.calls.clear()
    r = run_cli("import", "svc", "-", input=json.dumps(data), env_extra=env, check=True)
    assert r.stdout == "Successfully imported 25 secrets\n"
    calls = dict(proxy.calls)
    assert calls.pop("PutParameter") == 25
    # one DescribeParameters listing of /svc (moto pages by 10: 1 key -> 1 page) plus the store
    # config read for the new keys (GetParameters, which finds nothing)
    assert calls == {"DescribeParameters": 1, "GetParameters": 1}
    # chamber would spend 3 calls per key: 75
    out = json.loads(run_cli("export", "svc", env_extra=env, check=True).stdout)
    assert out == data


def test_reimport_lists_existing_keys_fifty_a_page(run_cli, proxy):
    """New versions of existing keys: the listing that finds their versions asks for
    DescribeParameters' largest page (50; its default is 10, so 100 keys take 2 calls, not 10.
    moto pages by 10 whatever is asked)."""
    data = {f"key{i:02d}": f"value {i}" for i in range(12)}
    env = {"AWS_ENDPOINT_URL": proxy.url, "PYCHAMBER_WRITE_RATE": "0"}
    run_cli("import", "svc", "-", input=json.dumps(data), env_extra=env, check=True)
    proxy.keep_bodies = True
    run_cli("import", "svc", "-", input=json.dumps(data), env_extra=env, check=True)
    listings = [body for op, body in proxy.bodies if op == "DescribeParameters"]
    assert listings and all(body.get("MaxResults") == 50 for body in listings)
    assert [op for op, _ in proxy.bodies].count("PutParameter") == 12


def test_import_is_paced(run_cli, proxy):
    data = {f"k{i}": "v" for i in range(5)}
    env = {"AWS_ENDPOINT_URL": proxy.url, "PYCHAMBER_WRITE_RATE": "10"}
    t0 = time.monotonic()
    run_cli("import", "svc", "-", input=json.dumps(data), env_extra=env, check=True)
    # 5 puts at 10/s: at least 4 intervals of 0.1 s between them
    assert time.monotonic() - t0 >= 0.4


def test_import_survives_throttling(run_cli, proxy):
    proxy.throttle["PutParameter"] = 3
    data = {f"k{i}": "v" for i in range(4)}
    env = {"AWS_ENDPOINT_URL": proxy.url, "PYCHAMBER_WRITE_RATE": "0"}
    r = run_cli("import", "svc", "-", input=json.dumps(data), env_extra=env, check=True)
    assert r.stdout == "Successfully imported 4 secrets\n"
    assert proxy.calls["PutParameter"] == 4 + 3


def test_failed_import_says_what_was_written(run_cli, proxy):
    data = {f"k{i}": "v" for i in range(4)}
    env = {"AWS_ENDPOINT_URL": proxy.url, "PYCHAMBER_WRITE_RATE": "0", "CHAMBER_RETRIES": "1"}
    proxy.allow["PutParameter"] = 2
    proxy.throttle["PutParameter"] = 100
    r = run_cli("import", "svc", "-", input=json.dumps(data), env_extra=env)
    assert r.returncode == 1
    assert r.stderr.startswith("Error: Failed to write secret: ")
    assert "ThrottlingException" in r.stderr
    assert "(2 of 4 written; not written: k2, k3; running the same import again finishes the job)" in r.stderr
    assert r.stderr.count("\n") == 1
    proxy.throttle["PutParameter"] = 0
    run_cli("import", "svc", "-", input=json.dumps(data), env_extra=env, check=True)
    out = json.loads(run_cli("export", "svc", env_extra=env, check=True).stdout)
    assert out == data


def test_verbose_logs_calls_not_values(run_cli, proxy):
    env = {"AWS_ENDPOINT_URL": proxy.url}
    r = run_cli("--verbose", "write", "svc", "k", "hush-hush", env_extra=env, check=True)
    assert "operation=PutParameter" in r.stderr and "hush-hush" not in r.stderr
