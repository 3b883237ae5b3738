#!/usr/bin/env python3
"""The benchmark's machinery, and exec's cases: ``pychamber exec SVC... -- true`` against the
boto3 floor (``bench/floor_exec.py``), each pair of commands run interleaved.

    python bench/bench_exec.py [--runs N] [--delay-ms MS]     # the exec rows only
    python bench/run.py                                       # the whole table (README)

Self-contained (nothing outside the repository): moto's WSGI app behind a counting middleware is
served on 127.0.0.1 from this process, seeded with plain boto3; ``bench/latency_proxy.py`` in
front of it adds a delay to every request (the round trip to a real endpoint). Every child gets
the same environment: fake credentials, ``AWS_DEFAULT_REGION``, empty AWS config files, and both
``CHAMBER_AWS_SSM_ENDPOINT`` and ``AWS_ENDPOINT_URL`` pointing at moto (or the proxy).
"""

from __future__ import annotations

import argparse
import collections
import io
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
REGION = "us-east-1"
PY = sys.executable

#: exec's cases: (name, network delay in ms, [(service, keys)...]). The targets of issue #11.
EXEC_CASES = [
    ("exec 1 svc x 10 keys, no delay", 0, [("b10", 10)]),
    ("exec 1 svc x 100 keys, 25 ms", 25, [("b100", 100)]),
    ("exec 3 svc x 50 keys, 25 ms", 25, [("b50a", 50), ("b50b", 50), ("b50c", 50)]),
]


def compile_sources() -> None:
    """Byte-compile ``src/`` as pip does when it installs a wheel: an editable install run with
    PYTHONDONTWRITEBYTECODE=1 would compile every pychamber module on every run (tens of ms),
    which an installed pychamber never does (boto3, the floor's, is compiled at install)."""
    import compileall

    compileall.compile_dir(str(REPO / "src"), quiet=1)


# --- the server ------------------------------------------------------------------------------
class Counting:
    """WSGI middleware counting requests by operation (``X-Amz-Target``'s last part)."""

    def __init__(self, app):
        self.app = app
        self.calls: collections.Counter = collections.Counter()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        op = (environ.get("HTTP_X_AMZ_TARGET") or "").split(".")[-1] or environ.get("PATH_INFO", "")
        n = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(n) if n else b""
        environ["wsgi.input"] = io.BytesIO(body)
        with self.lock:
            self.count(op, body)
        return self.app(environ, start_response)

    def count(self, op: str, body: bytes) -> None:
        """Count one request (under the lock); a subclass may count more of it."""
        self.calls[op] += 1

    def take(self) -> dict[str, int]:
        """The counts since the last call, cleared."""
        with self.lock:
            calls = dict(self.calls)
            self.calls.clear()
        return calls


class Server:
    """moto's app behind :class:`Counting` on a loopback port, plus latency proxies on demand."""

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        self.counter = Counting(DomainDispatcherApplication(create_backend_app))
        self.srv = make_server("127.0.0.1", 0, self.counter, threaded=True)
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()
        self.port = self.srv.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.proxies: dict[float, tuple[subprocess.Popen, str]] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="pychamber_bench_"))
        (self.tmp / "empty").write_text("")

    def endpoint(self, delay_ms: float) -> str:
        """moto's URL, or a latency proxy's in front of it adding ``delay_ms`` per request."""
        if not delay_ms:
            return self.url
        if delay_ms not in self.proxies:
            port = free_port()
            p = subprocess.Popen([PY, str(BENCH / "latency_proxy.py"), str(port), str(self.port),
                                  str(delay_ms)])
            wait_port(port)
            self.proxies[delay_ms] = (p, f"http://127.0.0.1:{port}")
        return self.proxies[delay_ms][1]

    def env(self, delay_ms: float = 0) -> dict[str, str]:
        """A child's environment talking to this server (through the proxy for ``delay_ms``)."""
        url = self.endpoint(delay_ms)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
        empty = str(self.tmp / "empty")
        src = str(REPO / "src")
        env.update({
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty,
            "CHAMBER_AWS_SSM_ENDPOINT": url, "AWS_ENDPOINT_URL": url,
            "PYTHONPATH": src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        })
        return env

    def seed(self, services) -> None:
        """``/<svc>/key-NNN`` SecureStrings, ``keys`` of them per (service, keys)."""
        import boto3

        ssm = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name=REGION).client("ssm", endpoint_url=self.url)
        for svc, n in services:
            for i in range(n):
                ssm.put_parameter(Name=f"/{svc}/key-{i:03d}", Value=f"value-{svc}-{i}" * 4,
                                  Type="SecureString", KeyId="alias/parameter_store_key",
                                  Description="1", Overwrite=True)
        self.counter.take()

    def close(self) -> None:
        for p, _ in self.proxies.values():
            p.terminate()
            p.wait(5)
        self.srv.shutdown()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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


# --- timing ------------------------------------------------------------------------------------
@dataclass
class Sample:
    """One command's wall times (ms)."""

    wall: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


def run_once(cmd: list[str], env: dict[str, str] | None) -> float:
    """Wall time (ms) of one run; fails loudly when the command fails."""
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t0) * 1000
    if r.returncode != 0:
        raise RuntimeError(f"{cmd!r} exited {r.returncode}: {r.stderr.decode()[-500:]}")
    return dt


#: Runs argv[1:] and prints its peak memory (KiB). A process of its own: a child's max RSS
#: starts at its parent's (fork, vfork), and this one is far smaller than the benchmark's.
_RSS = ("import os, sys\n"
        "pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ)\n"
        "_, status, usage = os.wait4(pid, 0)\n"
        "print(usage.ru_maxrss if os.waitstatus_to_exitcode(status) == 0 else -1)")


def max_rss_mib(cmd: list[str], env: dict[str, str] | None) -> float:
    """Peak memory (max RSS, MiB) of one run of ``cmd``: Linux keeps it across ``execve``, so
    for ``exec ... -- true`` it is pychamber's own peak."""
    out = subprocess.run([PY, "-c", _RSS, *cmd], env=env, capture_output=True, text=True, check=True)
    kib = int(out.stdout.split()[-1])
    if kib < 0:
        raise RuntimeError(f"{cmd!r} failed")
    return kib / 1024


def interleaved(cmds: dict[str, list[str]], env: dict[str, str] | None, runs: int) -> dict[str, Sample]:
    """Each command ``runs`` times, one of each in turn (so load drifts hit all alike), after
    one warm-up round that is not counted."""
    samples = {name: Sample() for name in cmds}
    for i in range(runs + 1):
        for name, cmd in cmds.items():
            dt = run_once(cmd, env)
            if i:
                samples[name].wall.append(dt)
    return samples


def exec_cmd(services: list[str]) -> list[str]:
    return [PY, "-m", "pychamber", "exec", *services, "--", "true"]


def floor_cmd(services: list[str]) -> list[str]:
    return [PY, str(BENCH / "floor_exec.py"), *services, "--", "true"]


def exec_rows(server: Server, runs: int, cases=EXEC_CASES, progress=None) -> list[dict]:
    """One row per exec case: pychamber's and the floor's samples and the requests of one run."""
    server.seed([s for _, _, services in cases for s in services])
    rows = []
    for name, delay, services in cases:
        svcs = [s for s, _ in services]
        env = server.env(delay)
        got = interleaved({"pychamber": exec_cmd(svcs), "floor": floor_cmd(svcs)}, env, runs)
        server.counter.take()
        run_once(exec_cmd(svcs), env)
        calls = server.counter.take()
        rows.append({"case": name, "ours": got["pychamber"], "yardstick": got["floor"],
                     "requests": sum(calls.values()), "keys": sum(n for _, n in services),
                     "rss": (max_rss_mib(exec_cmd(svcs), env), max_rss_mib(floor_cmd(svcs), env))})
        if progress:
            progress(name)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--delay-ms", type=float, default=None,
                    help="one delay for every case (default: each case's own)")
    opts = ap.parse_args()
    cases = EXEC_CASES if opts.delay_ms is None else [
        (n.split(",")[0] + f", {opts.delay_ms:g} ms", opts.delay_ms, s) for n, _, s in EXEC_CASES]
    compile_sources()
    with Server() as server:
        rows = exec_rows(server, opts.runs, cases, lambda n: print(f"  measured {n}", file=sys.stderr))
    print(f"{'case':<34} {'pychamber ms':>12} {'floor ms':>9} {'ratio':>6} {'requests':>9}")
    for r in rows:
        print(f"{r['case']:<34} {r['ours'].median:>12.0f} {r['yardstick'].median:>9.0f} "
              f"{r['ours'].median / r['yardstick'].median:>6.2f} {r['requests']:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
