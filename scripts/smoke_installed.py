"""Smoke test of an installed pychamber (a wheel in a clean virtualenv, not this checkout):
the package data shipped (py.typed, the cut botocore model in awsdata/), the command runs, and
an SSM round trip (write, read, exec) works against moto's server, which this script starts
(moto comes from the test virtualenv running it, never from the one under test).

    .venv/bin/python scripts/smoke_installed.py VENV
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHECK_DATA = """
import importlib.resources, json, pychamber
root = importlib.resources.files("pychamber")
assert root.joinpath("py.typed").is_file(), "py.typed is missing"
model = root.joinpath("awsdata", "ssm")
assert model.is_dir() and any(model.iterdir()), "awsdata/ssm is missing"
for service, version in (("ssm", "2014-11-06"), ("s3", "2006-03-01"), ("kms", "2014-11-01")):
    json.loads(root.joinpath("awsdata", service, version, "service-2.json").read_text())
assert root.joinpath("awsdata", "SOURCE").read_text().strip(), "awsdata/SOURCE is empty"
assert "site-packages" in pychamber.__file__, pychamber.__file__
print("package data: ok (" + pychamber.__file__ + ")")
"""


def main(venv: Path) -> None:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    python, pychamber = venv / "bin" / "python", venv / "bin" / "pychamber"
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_", "PYTHON"))}
    subprocess.run([python, "-c", CHECK_DATA], check=True, env=clean, cwd="/")
    print(subprocess.run([pychamber, "version"], check=True, env=clean, capture_output=True,
                         text=True).stdout, end="")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        with tempfile.TemporaryDirectory() as home:
            (Path(home) / "aws").write_text("")
            env = {**clean, "HOME": home, "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                   "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                   "AWS_CONFIG_FILE": f"{home}/aws", "AWS_SHARED_CREDENTIALS_FILE": f"{home}/aws"}

            def run(*args: str) -> str:
                r = subprocess.run([str(pychamber), *args], env=env, cwd=home, capture_output=True,
                                   text=True, timeout=120)
                if r.returncode:
                    raise SystemExit(f"pychamber {' '.join(args)}: exit {r.returncode}\n{r.stderr}")
                return r.stdout

            run("write", "smoke", "db_password", "s3cr3t")
            assert run("read", "-q", "smoke", "db_password") == "s3cr3t\n"
            out = run("exec", "smoke", "--", "sh", "-c", 'echo "$DB_PASSWORD"')
            assert out == "s3cr3t\n", out
            print("SSM round trip: ok")
    finally:
        server.stop()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]).resolve())
