#!/usr/bin/env python3
"""pychamber's benchmark, the one command (README, "Benchmark"): every case of issue #11 in one
run on one machine, printed as one table.

    pip install -e '.[test]' && python bench/run.py [--runs 7] [--no-fleet]

- exec (1x10 keys with no delay, 1x100 and 3x50 with 25 ms added to every request): the median
  wall time of ``pychamber exec SVC... -- true`` against the boto3 floor (``bench/floor_exec.py``),
  both run interleaved ``--runs`` times after a warm-up round (``bench/bench_exec.py``);
- ``pychamber version`` against ``python -c pass``, the same way;
- ``import`` of 100 keys, new then again: AWS requests per key, counted at the server (moto
  pages DescribeParameters by 10 whatever is asked: the second costs 9 more there than on AWS);
- the fleet (``bench/bench_fleet.py``'s ``run_fleet()``, when that module is there);
- peak memory (max RSS, which Linux keeps across ``execve``) of one exec, and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_exec as bx  # noqa: E402

#: Issue #11's targets: (case prefix, highest ratio).
TARGETS = {
    "exec 1 svc x 10 keys, no delay": 0.80,
    "exec 1 svc x 100 keys, 25 ms": 0.85,
    "exec 3 svc x 50 keys, 25 ms": 0.50,
    "version": 6.0,
    "import 100 keys": 1.05,
}
IMPORT_KEYS = 100


def version_row(runs: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(bx.REPO / "src"))
    got = bx.interleaved({"pychamber": [bx.PY, "-m", "pychamber", "version"],
                          "pass": [bx.PY, "-c", "pass"]}, env, runs)
    return {"case": "version", "ours": got["pychamber"], "yardstick": got["pass"]}


def import_rows(server: bx.Server) -> list[dict]:
    """Requests the server sees for ``pychamber import`` of 100 new keys, then of the same keys
    again (new versions); unpaced (PYCHAMBER_WRITE_RATE=0)."""
    path = server.tmp / "import.json"
    path.write_text(json.dumps({f"key-{i:03d}": f"value-{i}" for i in range(IMPORT_KEYS)}))
    env = dict(server.env(0), PYCHAMBER_WRITE_RATE="0")
    rows = []
    for case in (f"import {IMPORT_KEYS} keys", f"import {IMPORT_KEYS} keys again"):
        server.counter.take()
        bx.run_once([bx.PY, "-m", "pychamber", "import", "imported", str(path)], env)
        rows.append({"case": case, "requests": sum(server.counter.take().values()),
                     "keys": IMPORT_KEYS})
    return rows


def fleet_row() -> dict | None:
    """``bench_fleet.run_fleet()`` (another part of the benchmark) when it exists."""
    try:
        import bench_fleet
    except ImportError:
        return None
    try:
        return dict(bench_fleet.run_fleet())
    except Exception as e:  # noqa: BLE001 - the rest of the table still prints
        return {"error": f"{type(e).__name__}: {e}"}


def machine() -> str:
    import botocore

    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs, Python {platform.python_version()}, botocore "
            f"{botocore.__version__}, {platform.system()} {platform.release()} "
            f"({platform.machine()}), load average {load}")


def verdict(case: str, ratio: float) -> str:
    target = TARGETS.get(case)
    if target is None:
        return ""
    return f"<= {target:g}  {'ok' if ratio <= target else 'MISSED'}"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i in (0, len(r) - 1) else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9, help="interleaved runs per case (after a warm-up)")
    ap.add_argument("--no-fleet", action="store_true", help="skip the fleet case")
    opts = ap.parse_args()
    started = time.monotonic()
    at_start = machine()
    bx.compile_sources()

    def progress(name: str) -> None:
        print(f"  measured {name} ({time.monotonic() - started:.0f} s)", file=sys.stderr)

    with bx.Server() as server:
        execs = bx.exec_rows(server, opts.runs, progress=progress)
        imports = import_rows(server)
        progress("import")
    ver = version_row(opts.runs)
    progress("version")
    fleet = None if opts.no_fleet else fleet_row()
    if fleet is not None:
        progress("fleet")

    rows = [["case", "pychamber", "yardstick", "ratio", "target"]]
    for r in execs:
        ratio = r["ours"].median / r["yardstick"].median
        rows.append([r["case"], f"{r['ours'].median:.0f} ms ({r['requests']} requests)",
                     f"floor {r['yardstick'].median:.0f} ms", f"{ratio:.2f}", verdict(r["case"], ratio)])
    ratio = ver["ours"].median / ver["yardstick"].median
    rows.append(["version", f"{ver['ours'].median:.0f} ms",
                 f"python -c pass {ver['yardstick'].median:.0f} ms", f"{ratio:.2f}",
                 verdict("version", ratio)])
    for imp in imports:
        ratio = imp["requests"] / imp["keys"]
        rows.append([imp["case"], f"{imp['requests']} requests", f"{imp['keys']} keys",
                     f"{ratio:.2f}", verdict(imp["case"], ratio)])
    if fleet is not None and "error" not in fleet:
        g = fleet.get
        name = f"fleet {g('tasks')} x {g('keys')} keys at {g('rate')} reads/s"
        rows.append([name, f"{g('wall_s')} s ({g('started')}/{g('tasks')} started)",
                     f"limit {g('limit_s')} s", f"{g('wall_ratio')}", "<= 1.5  " + (
                         "ok" if (g("wall_ratio") or 99) <= 1.5 and g("all_started") else "MISSED")])
        rows.append([f"{name}: reads", f"{g('requests')} ({g('throttled')} throttled)",
                     f"minimum {g('min_requests')}", f"{g('request_ratio')}", "<= 1.5  " + (
                         "ok" if (g("request_ratio") or 99) <= 1.5 else "MISSED")])
    print(f"\npychamber benchmark: medians of {opts.runs} interleaved runs after a warm-up")
    print(table(rows))
    if fleet is not None and "error" in fleet:
        print(f"\nfleet: {fleet['error']}")
    big = execs[-1]
    ours, floor = big["rss"]
    print(f"\npeak memory (max RSS) of one exec, {big['case']}: pychamber {ours:.0f} MiB, "
          f"floor {floor:.0f} MiB")
    print(f"machine: {at_start}")
    print(f"bench time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
