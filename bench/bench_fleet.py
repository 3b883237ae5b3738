#!/usr/bin/env python3
"""A fleet starting at once: N concurrent ``pychamber exec`` of one service against a read quota.

    python bench/bench_fleet.py [--tasks 40] [--keys 30] [--rate 8] [--runs 1] [--release]

Starts moto behind a token bucket of RATE shared reads a second (``bench/throttle.py``: the
quota GetParameter, GetParameters and GetParametersByPath share, answered with SSM's
ThrottlingException), seeds one service of KEYS SecureStrings, then starts TASKS
``pychamber exec svc -- env`` at once, each as a task on a host of its own (own HOME, TMPDIR and
XDG dirs: nothing shared through this machine's disk), with default retries. It prints the
deploy's wall time (first spawn to last program started) and the reads' span (first read to
last read, the part the retry policy decides) against the physical limit (fewest requests /
rate, counting ceil(KEYS/10) pages a task), the read requests against that minimum, the
throttled answers, and whether every task started with the right values; first the same fleet
without a quota (the floor this machine's CPUs set: 40 Python start-ups on two cores).
``run_fleet()`` returns the same figures.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throttle import ThrottledMoto  # noqa: E402

PAGE = 10  # values per GetParametersByPath page (and names per GetParameters call)


def task_env(url: str, home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """One task's environment: fake credentials, the endpoint, a HOME and XDG dirs of its own."""
    for d in ("tmp", "cache", "data", "config"):
        (home / d).mkdir(parents=True, exist_ok=True)
    (home / "aws").write_text("")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_", "XDG_"))}
    env.update(AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t", AWS_DEFAULT_REGION="us-east-1",
               AWS_ENDPOINT_URL=url, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=str(home / "aws"), AWS_SHARED_CREDENTIALS_FILE=str(home / "aws"),
               HOME=str(home), TMPDIR=str(home / "tmp"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               PYTHONPATH=str(REPO / "src"), PYTHONDONTWRITEBYTECODE="1")
    env.update(extra or {})
    return env


def seed(url: str, service: str, keys: int) -> dict[str, str]:
    """KEYS SecureStrings /service/kNN; returns the variables exec must set."""
    import boto3

    ssm = boto3.client("ssm", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="t", aws_secret_access_key="t")
    want = {}
    for i in range(keys):
        value = f"value-{i:02d}-{service}"
        ssm.put_parameter(Name=f"/{service}/k{i:02d}", Value=value, Type="SecureString",
                          Description="1", Overwrite=True)
        want[f"K{i:02d}"] = value
    return want


RELEASE_BUCKET = "fleet-releases"


def publish(url: str, home: Path, service: str) -> None:
    """The bucket, ``alias/parameter_store_key``, and release 1 of ``service`` (``pychamber
    release publish``), for the release case."""
    import boto3

    session = boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t",
                                    region_name="us-east-1")
    session.client("s3", endpoint_url=url).create_bucket(Bucket=RELEASE_BUCKET)
    kms = session.client("kms", endpoint_url=url)
    kms.create_alias(AliasName="alias/parameter_store_key",
                     TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
    env = task_env(url, home, {"PYCHAMBER_RELEASE_BUCKET": RELEASE_BUCKET})
    subprocess.run([sys.executable, "-m", "pychamber", "release", "publish", service], env=env,
                   check=True, capture_output=True)


def run_fleet(tasks: int = 40, keys: int = 30, rate: float = 8.0, capacity: float | None = None,
              args: tuple[str, ...] = (), extra_env: dict[str, str] | None = None,
              command: tuple[str, ...] | None = None, timeout: float = 300.0,
              release: bool = False) -> dict:
    """Run one fleet; the figures as a dict (``wall_s``, ``limit_s``, ``wall_ratio``,
    ``requests``, ``min_requests``, ``request_ratio``, ``throttled``, ``started``, ``tasks``,
    ``all_started``, ``by_api``: every request by API). ``command`` replaces ``python -m
    pychamber`` (e.g. chamber's binary). ``release``: the tasks run ``exec --release`` of a
    release published first (no Parameter Store call)."""
    service = "fleet"
    base = tuple(command) if command else (sys.executable, "-m", "pychamber")
    exec_args = ("--release",) if release else ()
    with ThrottledMoto(rate, capacity) as server, tempfile.TemporaryDirectory() as tmp:
        if release:  # moto's state is the process's: a fresh bucket and key for each fleet
            import urllib.request

            urllib.request.urlopen(urllib.request.Request(server.url + "/moto-api/reset", data=b"",
                                                          method="POST"), timeout=30).read()
        want = seed(server.url, service, keys)
        if release:
            publish(server.url, Path(tmp) / "publisher", service)
            extra_env = {**(extra_env or {}), "PYCHAMBER_RELEASE_BUCKET": RELEASE_BUCKET}
        envs = [task_env(server.url, Path(tmp) / f"task{i:03d}", extra_env) for i in range(tasks)]
        server.reset()
        t0 = time.monotonic()
        procs = [subprocess.Popen([*base, *args, "exec", *exec_args, service, "--", "env"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for env in envs]
        started, ends, errors = 0, [], []
        for p in procs:
            out, err = p.communicate(timeout=timeout)
            ends.append(time.monotonic())
            got = dict(line.split("=", 1) for line in out.decode().splitlines() if "=" in line)
            if p.returncode == 0 and all(got.get(k) == v for k, v in want.items()):
                started += 1
            elif err:
                errors.append(err.decode().strip().splitlines()[-1])
        wall = max(ends) - t0
        stats = server.stats()
    min_requests = tasks * max(1, math.ceil(keys / PAGE))
    limit = min_requests / rate
    return {
        "tasks": tasks, "keys": keys, "rate": rate, "wall_s": round(wall, 2),
        "limit_s": round(limit, 2), "wall_ratio": round(wall / limit, 2),
        # first read to last read: the part the retry policy decides (the rest is start-up)
        "quota_s": round(stats["span_s"], 2), "quota_ratio": round(stats["span_s"] / limit, 2),
        # GetParametersByPath's fewest: a full last page still carries a NextToken
        "api_min_requests": tasks * (keys // PAGE + 1),
        "requests": stats["reads"], "min_requests": min_requests,
        "request_ratio": round(stats["reads"] / min_requests, 2),
        "throttled": stats["throttled"], "started": started, "all_started": started == tasks,
        "errors": errors[:3], "by_api": stats["by_api"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--keys", type=int, default=30)
    ap.add_argument("--rate", type=float, default=8.0, help="shared reads per second")
    ap.add_argument("--burst", type=float, default=None, help="bucket size (default: rate)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--command", default=None,
                    help="run this instead of pychamber (e.g. a chamber binary)")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="extra variable for every task (e.g. PYCHAMBER_THROTTLE_WINDOW=1)")
    ap.add_argument("--no-floor", action="store_true",
                    help="skip the run without a quota (what this machine's CPUs allow)")
    ap.add_argument("--release", action="store_true",
                    help="the release case: the same fleet runs exec --release (one S3 GET and "
                         "one KMS Decrypt a task, no Parameter Store read) against the floor")
    a = ap.parse_args()
    if a.release:
        return release_case(a.tasks, a.keys, a.rate, a.runs)
    extra = dict(kv.split("=", 1) for kv in a.env)
    args: tuple[str, ...] = ()
    command = tuple(a.command.split()) if a.command else None
    print(f"fleet: {a.tasks} concurrent exec of one {a.keys}-key service, "
          f"token bucket {a.rate:g} reads/s")
    print(f"{'run':>5} {'wall s':>7} {'limit s':>7} {'ratio':>6} {'reads s':>7} {'ratio':>6} "
          f"{'requests':>8} {'min':>5} {'ratio':>6} {'throttled':>9} {'started':>8}")
    if not a.no_floor:
        f = run_fleet(a.tasks, a.keys, 1e6, None, args, extra, command)
        print(f"floor {f['wall_s']:>7.1f} {'':>7} {'':>6} {f['quota_s']:>7.1f} {'':>6} "
              f"{f['requests']:>8}   (no quota: what this machine's CPUs allow)")
    for i in range(a.runs):
        r = run_fleet(a.tasks, a.keys, a.rate, a.burst, args, extra, command)
        print(f"{i + 1:>5} {r['wall_s']:>7.1f} {r['limit_s']:>7.1f} {r['wall_ratio']:>5.2f}x "
              f"{r['quota_s']:>7.1f} {r['quota_ratio']:>5.2f}x "
              f"{r['requests']:>8} {r['min_requests']:>5} {r['request_ratio']:>5.2f}x "
              f"{r['throttled']:>9} {r['started']:>4}/{r['tasks']}")
        for e in r["errors"]:
            print(f"    {e}")


def release_case(tasks: int, keys: int, rate: float, runs: int = 1) -> None:
    """The no-quota floor (plain exec: the machine's CPUs), then the release fleet under the
    quota, ``runs`` pairs in turn (a shared machine's load drifts): started, requests per task
    by API, Parameter Store reads, throttles, wall time against the floor just before."""
    print(f"release case: {tasks} concurrent exec --release of one {keys}-key service, Parameter "
          f"Store token bucket {rate:g} reads/s")
    print(f"{'run':<4} {'case':<22} {'wall s':>7} {'vs floor':>8} {'started':>8} {'ssm reads':>9} "
          f"{'throttled':>9}")
    for i in range(runs):
        floor = run_fleet(tasks, keys, 1e6)
        r = run_fleet(tasks, keys, rate, release=True)
        per_task = ", ".join(f"{api} {n / tasks:.2f}" for api, n in sorted(r["by_api"].items()))
        ssm_reads = sum(n for api, n in r["by_api"].items() if api.startswith("ssm:"))
        print(f"{i + 1:<4} {'floor (exec, no quota)':<22} {floor['wall_s']:>7.1f} {'1.00x':>8} "
              f"{floor['started']:>5}/{tasks} {floor['requests']:>9} {floor['throttled']:>9}")
        print(f"{i + 1:<4} {'exec --release':<22} {r['wall_s']:>7.1f} "
              f"{r['wall_s'] / floor['wall_s']:>7.2f}x {r['started']:>5}/{tasks} {ssm_reads:>9} "
              f"{r['throttled']:>9}")
        print(f"     requests per task: {per_task}")
        for e in r["errors"]:
            print(f"    {e}")


if __name__ == "__main__":
    main()
