"""Ctrl-C during ``import`` says which keys were written and which were not (issue 21 item 15),
as a failure midway does: a real subprocess on moto's server, a real SIGINT."""

from __future__ import annotations

import json
import signal
import subprocess
import time

from conftest import PYCHAMBER, wait_for


def test_ctrl_c_during_an_import_names_what_was_and_was_not_written(aws_env, ssm_client):
    keys = [f"key{i:02d}" for i in range(60)]
    env = dict(aws_env, PYCHAMBER_WRITE_RATE="8")  # paced: 60 keys take ~7.5 s
    p = subprocess.Popen([*PYCHAMBER, "import", "svc", "-"], env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(json.dumps({k: f"value-{k}" for k in keys}).encode())
    p.stdin.close()

    def stored() -> list[str]:
        resp = ssm_client.get_parameters_by_path(Path="/svc/", MaxResults=10)
        names = [x["Name"] for x in resp["Parameters"]]
        while resp.get("NextToken"):
            resp = ssm_client.get_parameters_by_path(Path="/svc/", MaxResults=10, NextToken=resp["NextToken"])
            names += [x["Name"] for x in resp["Parameters"]]
        return sorted(n.rsplit("/", 1)[1] for n in names)

    assert wait_for(lambda: len(stored()) >= 5, timeout=60), "the import never started writing"
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    err = p.stderr.read().decode()
    p.stdout.close()
    p.stderr.close()
    time.sleep(0.2)
    written = stored()
    assert p.returncode == 130, err
    assert err.count("\n") == 1 and err.startswith("Error: Failed to write secret: interrupted"), err
    assert 5 <= len(written) < 60, written
    # what the line says matches what is stored: N written, the one under way named, the rest listed
    n = int(err.split(" of 60 written")[0].rsplit("(", 1)[1])
    in_flight = err.split("interrupted while writing ", 1)[1].split(",", 1)[0]
    assert written[:n] == keys[:n]
    assert in_flight == keys[n]
    assert set(written) - set(keys[:n]) <= {in_flight}
    assert f"not written: {', '.join(keys[n + 1:n + 11])}" in err or n + 1 == 60, err
    assert "value-" not in err
