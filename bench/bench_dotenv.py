#!/usr/bin/env python3
"""The dotenv parser's time against the input's size (hardening round two, item 3): it must
grow linearly, and 100,000 lines parse in under 2 s.

    .venv/bin/python bench/bench_dotenv.py [--lines 100000]

Prints one line per case: the input, its size and the best of three wall times. Cases: double-
quoted values with escapes, unquoted values with inline comments, the same with ``--expand``,
one value of 80,000 blanks, and a JSON/YAML import of a dotenv-looking file that fails (it used
to parse the whole file again to give its hint)."""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from pychamber.errors import ChamberError  # noqa: E402
from pychamber.formats import parse_dotenv, parse_import  # noqa: E402

TARGET_S = 2.0


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def failing_import(text: str) -> None:
    try:
        parse_import(text)
    except ChamberError:
        return
    raise AssertionError("the import should have failed")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=100_000)
    n = ap.parse_args().lines
    def quoted_lines(count: int) -> str:
        return "".join(f'KEY_{i}="value {i} with \\"quotes\\" and \\n"\n' for i in range(count))

    quoted, half = quoted_lines(n), quoted_lines(n // 2)
    plain = "".join(f"KEY_{i}=value {i} # comment\n" for i in range(n))
    blanks = "A=x" + " " * 80_000 + "y\n"
    cases = [
        (f"{n} lines, double-quoted", lambda: parse_dotenv(quoted), True),
        (f"{n // 2} lines, double-quoted", lambda: parse_dotenv(half), False),
        (f"{n} lines, unquoted + comment", lambda: parse_dotenv(plain), True),
        (f"{n} lines, --expand", lambda: parse_dotenv(plain, environ=dict(os.environ)), True),
        ("one value of 80,000 blanks", lambda: parse_dotenv(blanks), True),
        (f"{n} lines as JSON/YAML (fails)", lambda: failing_import(plain), True),
    ]
    worst = 0.0
    for label, fn, checked in cases:
        t = best_of(fn)
        if checked:
            worst = max(worst, t)
        print(f"{label:<36} {t:7.3f} s")
    print(f"slowest {worst:.3f} s; target {TARGET_S:.1f} s: {'met' if worst < TARGET_S else 'MISSED'}")
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
