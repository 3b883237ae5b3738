#!/usr/bin/env python3
"""What ``exec --watch`` costs: AWS requests per hour per service, measured.

    python bench/bench_watch.py [--seconds 12] [--interval 500ms]

Starts moto's WSGI app behind a counting middleware on 127.0.0.1, seeds services of 2, 10 and
26 keys, runs ``pychamber exec --watch --watch-interval INTERVAL svc -- sleep`` for each, counts
the requests it makes while nothing changes, and prints them per listing and scaled to the
default 60 s interval (requests per hour per service). Decrypting reads and DescribeParameters
calls are counted apart: both must stay zero.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_exec import Counting  # noqa: E402  (bench/ is not a package)


class Counter(Counting):
    """bench_exec's counting middleware, also counting decrypting reads apart."""

    def count(self, op: str, body: bytes) -> None:
        super().count(op, body)
        if b'"WithDecryption": true' in body:
            self.calls["(decrypting)"] += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--interval", default="500ms")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from pychamber.compat.gotime import parse_duration

    interval = parse_duration(args.interval)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    counter = Counter(DomainDispatcherApplication(create_backend_app))
    srv = make_server("127.0.0.1", 0, counter, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_port}"
    tmp = Path(tempfile.mkdtemp())
    (tmp / "empty").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    env.update(AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t", AWS_DEFAULT_REGION="us-east-1",
               AWS_ENDPOINT_URL=url, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=str(tmp / "empty"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "empty"),
               PYTHONPATH=str(REPO / "src"))
    import boto3

    ssm = boto3.client("ssm", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="t", aws_secret_access_key="t")
    print(f"exec --watch --watch-interval {args.interval}, {args.seconds:.0f} s each, nothing changing")
    print(f"{'service':>10} {'requests':>9} {'per listing':>12} {'req/hour at 60s':>16}  other calls")
    for keys in (2, 10, 26):
        service = f"svc{keys}"
        for i in range(keys):
            ssm.put_parameter(Name=f"/{service}/k{i:02d}", Value="v", Type="SecureString",
                              Description="1")
        p = subprocess.Popen([sys.executable, "-m", "pychamber", "exec", "--watch", "--watch-interval",
                              args.interval, service, "--", "sleep", "3600"], env=env,
                             stderr=subprocess.PIPE)
        time.sleep(2.0)  # started, baseline taken
        with counter.lock:
            counter.calls.clear()
        time.sleep(args.seconds)
        with counter.lock:
            calls = dict(counter.calls)
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
        by_path = calls.pop("GetParametersByPath", 0)
        listings = args.seconds / interval
        per_listing = by_path / listings
        per_hour = per_listing * 60  # one listing a minute at the default interval
        other = ", ".join(f"{k}={v}" for k, v in sorted(calls.items())) or "none"
        print(f"{keys:>6} keys {by_path:>9} {per_listing:>12.2f} {per_hour:>16.0f}  {other}")
    srv.shutdown()


if __name__ == "__main__":
    main()
