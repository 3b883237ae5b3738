"""moto's server behind a fault-injecting token bucket, as Parameter Store throttles reads.

    with ThrottledMoto(rate=8) as server:   # 8 reads/s shared, bursts of up to 8
        ... AWS_ENDPOINT_URL=server.url ...
        server.stats()                      # {"reads": 120, "throttled": 31, "by_op": {...}}

GetParameter, GetParameters and GetParametersByPath draw on one bucket (Parameter Store's
shared read quota: 40/s per account and region by default); a read that finds it empty is
answered as SSM answers: HTTP 400, ``{"__type":"ThrottlingException","message":"Rate
exceeded"}``. Every other call goes straight to moto. The WSGI wrapping is the one of
``aws-and-moto.md`` §2.5 (``DomainDispatcherApplication(create_backend_app)`` served by
werkzeug, threaded, on 127.0.0.1). Used by ``bench/bench_fleet.py`` and ``tests/test_fleet.py``.
"""

from __future__ import annotations

import collections
import logging
import threading
import time

SHARED_READS = frozenset({"GetParameter", "GetParameters", "GetParametersByPath"})
THROTTLED_BODY = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'


def api_name(environ) -> str:
    """``ssm:GetParametersByPath``, ``kms:Decrypt``, ``s3:GetObject``...: one request's API (S3's
    from its method; STS and other query APIs as ``query``)."""
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    if target:
        prefix, _, op = target.rpartition(".")
        return {"AmazonSSM": "ssm", "TrentService": "kms"}.get(prefix, prefix) + ":" + op
    method = environ.get("REQUEST_METHOD", "")
    if method == "POST":
        return "query"
    if "/" not in environ.get("PATH_INFO", "").strip("/"):
        return f"s3:{method}Bucket"
    return {"GET": "s3:GetObject", "PUT": "s3:PutObject", "HEAD": "s3:HeadObject"}.get(method, f"s3:{method}")


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` kept (starts full)."""

    def __init__(self, rate: float, capacity: float | None = None):
        self.rate = rate
        self.capacity = rate if capacity is None else capacity
        self.tokens = self.capacity
        self.at = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False

    def refill(self) -> None:
        with self.lock:
            self.tokens, self.at = self.capacity, time.monotonic()


class Throttling:
    """WSGI middleware: shared-quota reads take a token or get SSM's ThrottlingException."""

    def __init__(self, app, bucket: TokenBucket, ops: frozenset[str] = SHARED_READS):
        self.app, self.bucket, self.ops = app, bucket, ops
        self.lock = threading.Lock()
        self.by_op: collections.Counter = collections.Counter()
        self.by_api: collections.Counter = collections.Counter()  # every request, ssm:X / s3:X / kms:X
        self.throttled = 0
        self.first = self.last = None  # monotonic times of the first and last shared read
        self.log: list[tuple[float, str, bool, str]] = []  # (time, op, served, client port)

    def __call__(self, environ, start_response):
        op = (environ.get("HTTP_X_AMZ_TARGET") or "").rpartition(".")[2]
        with self.lock:
            self.by_api[api_name(environ)] += 1
        if op in self.ops:
            ok = self.bucket.take()
            with self.lock:
                now = time.monotonic()
                self.first = self.first or now
                self.last = now
                self.by_op[op] += 1
                self.throttled += not ok
                self.log.append((now, op, ok, str(environ.get("REMOTE_PORT", ""))))
            if not ok:
                start_response("400 Bad Request", [
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("Content-Length", str(len(THROTTLED_BODY))),
                    ("x-amzn-RequestId", "throttled"),
                ])
                return [THROTTLED_BODY]
        return self.app(environ, start_response)

    def reset(self) -> None:
        with self.lock:
            self.by_op.clear()
            self.by_api.clear()
            self.throttled = 0
            self.first = self.last = None
            self.log.clear()
        self.bucket.refill()

    def stats(self) -> dict:
        with self.lock:
            span = (self.last - self.first) if self.first is not None else 0.0
            return {"reads": sum(self.by_op.values()), "throttled": self.throttled,
                    "by_op": dict(self.by_op), "span_s": span, "by_api": dict(self.by_api)}


class ThrottledMoto:
    """A moto server on 127.0.0.1 (free port) behind :class:`Throttling`."""

    def __init__(self, rate: float = 8.0, capacity: float | None = None):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        self.middleware = Throttling(DomainDispatcherApplication(create_backend_app),
                                     TokenBucket(rate, capacity))
        self.server = make_server("127.0.0.1", 0, self.middleware, threaded=True)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ThrottledMoto":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def reset(self) -> None:
        """Forget the counts and fill the bucket (after seeding)."""
        self.middleware.reset()

    def stats(self) -> dict:
        return self.middleware.stats()
