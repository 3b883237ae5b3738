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
from conftest import moto_behind, wait_for

SRC = Path(__file__).resolve().parents[1] / "src"


class Middleware:
    """Counts requests; can fail listings (500), hold the next listing without decryption until
    released, and answer listings with no parameters (a store that lost its data)."""

    def __init__(self, app):
        self.app = app
        self.calls: collections.Counter = collections.Counter()
        self.decrypting = 0
        self.fetched = 0  # decrypting listings answered
        self.listings = 0  # listings without decryption (the watcher's) received
        self.fail = threading.Event()
        self.hold = threading.Event()  # the next watcher listing waits for `release`
        self.held = threading.Event()
        self.release = threading.Event()
        self.blank_listings = 0  # this many watcher listings answer no parameters (-1: all)
        self.blank_fetches = False  # decrypting listings answer no parameters
        self.blanked = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        op = target.split(".")[-1] if target else environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        by_path = op == "GetParametersByPath"
        decrypting = by_path and b'"WithDecryption": true' in body
        blank = False
        with self.lock:
            self.calls[op] += 1
            if decrypting:
                self.decrypting += 1
                blank = self.blank_fetches
            elif by_path:
                self.listings += 1
                if self.blank_listings:
                    self.blank_listings -= 1 if self.blank_listings > 0 else 0
                    self.blanked += 1
                    blank = True
            hold = by_path and not decrypting and self.hold.is_set()
            if hold:
                self.hold.clear()
        if hold:
            self.held.set()
            self.release.wait(60)
        if self.fail.is_set() and by_path:
            start_response("500 Internal Server Error", [("Content-Type", "application/x-amz-json-1.1")])
            return [b'{"__type":"InternalServerError","message":"down"}']
        if blank:
            start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1")])
            return [b'{"Parameters": []}']
        out = list(self.app(environ, start_response))
        if decrypting:
            with self.lock:
                self.fetched += 1
        return out


@pytest.fixture
def server(aws_env):
    # the watched program's variables come from the store alone, never from the worker's
    # environment (an earlier test in the same worker may have left DB_PASSWORD there)
    env = {k: v for k, v in aws_env.items() if k not in ("DB_PASSWORD", "A")}
    with moto_behind(Middleware) as mw:
        yield mw, dict(env, AWS_ENDPOINT_URL=mw.url, PYTHONPATH=str(SRC), CHAMBER_RETRIES="1")


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


APP = ('exec 2>/dev/null; trap "exit 0" TERM; echo "start ${DB_PASSWORD:--} ${A:--}" >> LOG; '
       'while :; do sleep 0.05; done')


def watch(env, log, *extra, stderr=subprocess.PIPE):
    return subprocess.Popen([sys.executable, "-m", "pychamber", "exec", "--watch", "--watch-interval", "300ms",
                             *extra, "web", "--", "sh", "-c", APP.replace("LOG", str(log))], env=env,
                            stdout=subprocess.DEVNULL, stderr=stderr, text=True)


def starts(log: Path) -> list[str]:
    return [x for x in log.read_text().splitlines() if x.startswith("start")] if log.exists() else []


def test_a_change_between_the_fetch_and_the_baseline_listing_is_applied(server, tmp_path):
    mw, env = server
    assert cli(env, "write", "web", "db_password", "one").returncode == 0
    log = tmp_path / "log"
    mw.hold.set()  # the first listing without decryption (the baseline) waits
    p = watch(env, log)
    try:
        assert wait_for(mw.held.is_set)
        # a fetch beside the held listing would be answered now (and the program start with "one");
        # the hold stays well inside the listing's 5 s read timeout (a baseline that fails is
        # taken at the first poll instead)
        wait_for(lambda: mw.fetched >= 1, 2)
        assert cli(env, "write", "web", "db_password", "two").returncode == 0
        mw.release.set()  # the baseline listing sees version 2
        assert wait_for(lambda: starts(log)[-1:] == ["start two -"], 20), starts(log)
    finally:
        mw.release.set()
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)


def test_rotation_survives_a_closed_stderr(server, tmp_path):
    mw, env = server
    assert cli(env, "write", "web", "db_password", "one").returncode == 0
    log = tmp_path / "log"
    p = watch(env, log)
    try:
        assert wait_for(lambda: starts(log) == ["start one -"])
        p.stderr.close()  # every line pychamber writes now fails with EPIPE
        for value in ("two", "three"):  # the first change's line fails; the watcher goes on
            assert cli(env, "write", "web", "db_password", value).returncode == 0
            assert wait_for(lambda v=value: starts(log)[-1:] == [f"start {v} -"], 20), starts(log)
        assert p.poll() is None
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0


WARNING = "lists 0 of its 3 secrets"


def test_a_store_that_comes_back_empty_is_not_applied_until_it_holds(server, tmp_path):
    mw, env = server
    for key, value in (("db_password", "one"), ("a", "x"), ("b", "y")):
        assert cli(env, "write", "web", key, value).returncode == 0
    log, err = tmp_path / "log", tmp_path / "err"
    with open(err, "w") as errf:
        p = watch(env, log, stderr=errf)
    try:
        assert wait_for(lambda: starts(log) == ["start one x"])
        with mw.lock:
            mw.blank_listings = 2  # a listing and its settling one: empty; then the data is back
        assert wait_for(lambda: mw.blanked == 2)
        with mw.lock:
            seen = mw.listings
        assert wait_for(lambda: mw.listings >= seen + 4)  # several more polls
        assert starts(log) == ["start one x"]  # never restarted without its secrets
        assert err.read_text().count(WARNING) == 1, err.read_text()
        # one key deleted: settles and applies as before
        assert cli(env, "delete", "web", "a").returncode == 0
        assert wait_for(lambda: starts(log)[-1:] == ["start one -"], 20), starts(log)
        assert err.read_text().count(WARNING) == 1
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    text = err.read_text()
    assert len([x for x in text.splitlines() if WARNING in x]) == 1  # one line
    assert "one" not in text.replace("done", "").replace(" one ", "") and "x" not in text.replace("exec", "")


def test_a_store_that_stays_empty_is_applied_after_several_polls(server, tmp_path):
    mw, env = server
    for key, value in (("db_password", "one"), ("a", "x"), ("b", "y")):
        assert cli(env, "write", "web", key, value).returncode == 0
    log, err = tmp_path / "log", tmp_path / "err"
    with open(err, "w") as errf:
        p = watch(env, log, stderr=errf)
    try:
        assert wait_for(lambda: starts(log) == ["start one x"])
        with mw.lock:
            mw.blank_listings, mw.blank_fetches = -1, True  # the data is gone for good
        assert wait_for(lambda: starts(log)[-1:] == ["start - -"], 30), starts(log)
        with mw.lock:
            blanked = mw.blanked
        assert blanked >= 4, blanked  # not at the first settled listing: over several polls
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    text = err.read_text()
    assert text.count(WARNING) == 1, text
    assert text.index(WARNING) < text.index("restarting the command")


def test_a_credential_helper_run_by_the_watcher_starts_unmasked(server, tmp_path):
    """botocore runs a profile's credential_process in the watcher's thread (credentials that
    expire within 15 minutes are refreshed before each request): the helper must not inherit a
    mask of the supervisor's, and it is botocore, not the supervisor, that collects its status."""
    mw, env = server
    assert cli(env, "write", "web", "db_password", "one").returncode == 0
    seen = tmp_path / "helper.log"
    helper = tmp_path / "helper.sh"
    helper.write_text(f"""#!/bin/sh
grep -E '^Sig(Blk|Ign)' /proc/$$/status | tr '\\n' ' ' >> {seen}; echo >> {seen}
printf '{{"Version": 1, "AccessKeyId": "testing", "SecretAccessKey": "testing", "SessionToken": "t", '
printf '"Expiration": "%s"}}' "$(date -u -d '+5 min' +%Y-%m-%dT%H:%M:%SZ)"
""")
    helper.chmod(0o755)
    config = tmp_path / "helper_config"
    config.write_text(f"[default]\ncredential_process = {helper}\n")
    env = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    env["AWS_CONFIG_FILE"] = str(config)
    log = tmp_path / "log"
    p = watch(env, log)
    try:
        assert wait_for(lambda: starts(log) == ["start one -"])
        runs = len(seen.read_text().splitlines())
        assert wait_for(lambda: len(seen.read_text().splitlines()) >= runs + 3)  # the watcher's polls
        assert cli(env, "write", "web", "db_password", "two").returncode == 0
        assert wait_for(lambda: starts(log)[-1:] == ["start two -"], 20), starts(log)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    for line in seen.read_text().splitlines():
        fields = dict(x.split(":") for x in line.replace(":\t", ":").split())
        assert int(fields["SigBlk"], 16) == 0, line
