#!/usr/bin/env python3
"""Benchmark: wall time of ``pychamber exec SVC... -- true`` against the boto3 floor.

    python bench/bench_exec.py [--runs N] [--delay-ms MS] [--no-typer]

Self-contained: starts a moto server on 127.0.0.1 in this process, seeds it with boto3
(1 service x 10 keys, 1 x 100, 3 x 50), optionally starts the shared ``latency_proxy.py`` in front
of it (``--delay-ms``, default 25 ms added to every request), and times, for each case, the median
of N runs (default 7, after one warm-up run) of:

- ``pychamber``: ``python -m pychamber exec ... -- true``, the shipped entry point (a plain exec
  runs through ``pychamber.cli.fastexec`` without importing typer);
- ``via typer``: the same exec through the typer app (``--no-typer`` skips it), to show what
  the CLI framework would cost;
- ``floor``: ``../shared/bench/floor_exec.py`` (the fewest boto3 steps that do the job).

Ratios are pychamber/floor from the same run. The shared bench directory is found as
``$PYCHAMBER_BENCH_SHARED`` or ``<repo>/../shared/bench``; without it the floor and the latency
proxy are skipped with a message. Every child gets the same environment: fake credentials,
``AWS_DEFAULT_REGION``, and both ``CHAMBER_AWS_SSM_ENDPOINT`` and ``AWS_ENDPOINT_URL`` pointing at
moto (or the proxy). Total runtime is about 2-3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REGION = "us-east-1"

CASES = [
    ("1 svc x 10 keys", [("b10", 10)]),
    ("1 svc x 100 keys", [("b100", 100)]),
    ("3 svc x 50 keys", [("b50a", 50), ("b50b", 50), ("b50c", 50)]),
]

# The same exec through the typer app, skipping the entry point's fast path: what the CLI
# framework would add to every container start.
VIA_TYPER = "import sys; from pychamber.cli import run_cli; sys.exit(run_cli(sys.argv[1:], fast=False))"


def shared_bench() -> Path | None:
    env = os.environ.get("PYCHAMBER_BENCH_SHARED")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "bench"]:
        if (cand / "floor_exec.py").is_file():
            return cand
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port}")


def child_env(endpoint: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    (tmp / "empty").write_text("")
    src = str(REPO / "src")
    env.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp / "empty"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "empty"),
        "CHAMBER_AWS_SSM_ENDPOINT": endpoint, "AWS_ENDPOINT_URL": endpoint,
        "PYTHONPATH": src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
    })
    return env


def seed(endpoint: str) -> None:
    import boto3

    ssm = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                region_name=REGION).client("ssm", endpoint_url=endpoint)
    for _, services in CASES:
        for svc, n in services:
            for i in range(n):
                ssm.put_parameter(Name=f"/{svc}/key-{i:03d}", Value=f"value-{svc}-{i}" * 4,
                                  Type="SecureString", KeyId="alias/parameter_store_key",
                                  Description="1", Overwrite=True)


def time_cmd(cmd: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time in ms of ``runs`` runs (after one warm-up); fails loudly on error."""
    samples = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = (time.perf_counter() - t0) * 1000
        if r.returncode != 0:
            raise RuntimeError(f"{cmd!r} exited {r.returncode}: {r.stderr.decode()[-500:]}")
        if i:
            samples.append(dt)
    return statistics.median(samples)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--delay-ms", type=float, default=25.0)
    ap.add_argument("--no-typer", action="store_true", help="skip the via-typer column")
    opts = ap.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import ThreadedMotoServer

    started = time.monotonic()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    shared = shared_bench()
    proxy = None
    tmp = Path(tempfile.mkdtemp(prefix="bench_exec_"))
    try:
        seed(moto_url)
        networks = [("loopback", moto_url)]
        if shared is None:
            print("note: shared bench directory not found (set PYCHAMBER_BENCH_SHARED or put it at "
                  f"{REPO.parent / 'shared' / 'bench'}): no floor comparison, no latency proxy\n")
        else:
            pport = free_port()
            proxy = subprocess.Popen([sys.executable, str(shared / "latency_proxy.py"), str(pport),
                                      str(port), str(opts.delay_ms)])
            wait_port(pport)
            networks.append((f"+{opts.delay_ms:g} ms/request", f"http://127.0.0.1:{pport}"))

        rows = []
        for net_name, url in networks:
            env = child_env(url, tmp)
            for case_name, services in CASES:
                svcs = [s for s, _ in services]
                full = time_cmd([sys.executable, "-m", "pychamber", "exec", *svcs, "--", "true"],
                                env, opts.runs)
                fast = None if opts.no_typer else time_cmd(
                    [sys.executable, "-c", VIA_TYPER, "exec", *svcs, "--", "true"], env, opts.runs)
                floor = None if shared is None else time_cmd(
                    [sys.executable, str(shared / "floor_exec.py"), *svcs, "--", "true"],
                    env, opts.runs)
                rows.append((net_name, case_name, full, fast, floor))
                print(f"  measured {net_name:>16} | {case_name}", file=sys.stderr)
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(5)
        server.stop()

    def ms(v):
        return "-" if v is None else f"{v:.0f}"

    def ratio(a, b):
        return "-" if a is None or b is None else f"{a / b:.2f}"

    header = ["network", "case", "pychamber ms", "via typer ms", "floor ms", "pychamber/floor",
              "via typer/floor"]
    table = [header] + [[n, c, ms(f), ms(q), ms(fl), ratio(f, fl), ratio(q, fl)]
                        for n, c, f, q, fl in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    print(f"\nexec wall time, median of {opts.runs} runs (command `true`), python "
          f"{sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for i, r in enumerate(table):
        print("  ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\ntotal bench time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
