"""exec --watch on SSM through a middleware around moto's WSGI app that counts requests and can
answer 500s: one GetParametersByPath listing per interval (no DescribeParameters, no
decryption), a change restarts the program with the new value, an outage never stops it."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import wait_for

SRC = Path(__file__).resolve().parents[1] / "src"


class Middleware:
    def __init__(self, app):
        self.app = app
        self.calls: collections.Counter = collections.Counter()
        self.decrypting = 0
        self.fail = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        op = target.split(".")[-1] if target else environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        with self.lock:
            self.calls[op] += 1
            if op == "GetParametersByPath" and b'"WithDecryption": true' in body:
                self.decrypting += 1
        if self.fail.is_set() and op == "GetParametersByPath":
            start_response("500 Internal Server Error", [("Content-Type", "application/x-amz-json-1.1")])
            return [b'{"__type":"InternalServerError","message":"down"}']
        return self.app(environ, start_response)


@pytest.fixture
def server(aws_env):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    mw = Middleware(DomainDispatcherApplication(create_backend_app))
    srv = make_server("127.0.0.1", 0, mw, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    url = f"http://127.0.0.1:{srv.server_port}"
    env = dict(aws_env, AWS_ENDPOINT_URL=url, PYTHONPATH=str(SRC), CHAMBER_RETRIES="1")
    try:
        yield mw, env
    finally:
        srv.shutdown()


def cli(env, *args):
    return subprocess.run([sys.executable, "-m", "pychamber", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_watch_on_ssm_costs_one_listing_per_interval_and_survives_an_outage(server, tmp_path):
    mw, env = server
    assert cli(env, "write", "web", "db_password", "one").returncode == 0
    for i in range(25):  # 26 keys: three GetParametersByPath pages per listing
        cli(env, "write", "web", f"k{i:02d}", "v")
    log = tmp_path / "log"
    app = f'trap "exit 0" TERM; echo "start $DB_PASSWORD" >> {log}; while :; do sleep 0.05; done'
    p = subprocess.Popen([sys.executable, "-m", "pychamber", "exec", "--watch", "--watch-interval",
                          "500ms", "web", "--", "sh", "-c", app], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: log.exists() and "start one" in log.read_text())
        time.sleep(0.5)
        with mw.lock:
            mw.calls.clear()
            mw.decrypting = 0
        time.sleep(5)  # ~10 intervals, nothing changed
        with mw.lock:
            calls = dict(mw.calls)
            decrypting = mw.decrypting
        assert set(calls) == {"GetParametersByPath"}, calls  # no DescribeParameters, no history
        assert decrypting == 0  # versions only: no value, no KMS call
        listings = calls["GetParametersByPath"] / 3
        assert 6 <= listings <= 14, calls  # one listing per interval (±20% jitter), 3 pages each
        mw.fail.set()  # the store goes down: the program keeps running
        time.sleep(2)
        assert p.poll() is None
        mw.fail.clear()
        assert cli(env, "write", "web", "db_password", "two").returncode == 0
        assert wait_for(lambda: "start two" in log.read_text()), log.read_text()
    finally:
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=30)
    err = p.stderr.read()
    assert code == 0
    assert err.count("watching the secrets failed") == 1  # said once, then backoff
    assert "watching the secrets again" in err
    assert "web/db_password 1 -> 2: restarting the command" in err
    assert "one" not in err.replace("done", "") and "two" not in err
