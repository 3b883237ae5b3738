"""A fleet starting at once gets through a tight read quota (issue 11): concurrent ``exec``
processes, each with a HOME, TMPDIR and XDG dirs of its own, against moto behind a token bucket
that answers SSM's ThrottlingException (bench/throttle.py), all start with the right values at
the default retries. Behaviour only: the timing targets live in bench/bench_fleet.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PYCHAMBER

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from throttle import ThrottledMoto  # noqa: E402

TASKS = 5
KEYS = 12  # two pages of GetParametersByPath


@pytest.fixture
def quota(aws_env):
    """moto (reset by aws_env) behind a bucket of 2 shared reads a second, bursts of 2."""
    with ThrottledMoto(rate=2, capacity=2) as server:
        yield server


def test_a_fleet_against_a_tight_quota_all_start_with_the_right_values(aws_env, quota, tmp_path):
    import boto3

    ssm = boto3.client("ssm", endpoint_url=quota.url, region_name=aws_env["AWS_DEFAULT_REGION"],
                       aws_access_key_id="t", aws_secret_access_key="t")
    want = {}
    for i in range(KEYS):
        ssm.put_parameter(Name=f"/fleet/k{i:02d}", Value=f"v{i}-$x`y`", Type="SecureString")
        want[f"K{i:02d}"] = f"v{i}-$x`y`"
    quota.reset()
    procs = []
    for n in range(TASKS):
        home = tmp_path / f"task{n}"
        for d in ("tmp", "cache", "data", "config"):
            (home / d).mkdir(parents=True)
        env = dict(aws_env, AWS_ENDPOINT_URL=quota.url, HOME=str(home), TMPDIR=str(home / "tmp"),
                   XDG_CACHE_HOME=str(home / "cache"), XDG_DATA_HOME=str(home / "data"),
                   XDG_CONFIG_HOME=str(home / "config"),
                   PYCHAMBER_THROTTLE_WINDOW="1")  # the policy at a test's time scale
        procs.append(subprocess.Popen([*PYCHAMBER, "exec", "fleet", "--", "env"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    stats = quota.stats()
    for out, err, code in results:
        assert code == 0, err
        got = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        assert {k: got.get(k) for k in want} == want
    # the quota really was short: reads were throttled and retried
    assert stats["throttled"] > 0, stats
    assert stats["by_op"].get("GetParametersByPath", 0) >= TASKS * 2
