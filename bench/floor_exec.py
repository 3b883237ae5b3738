#!/usr/bin/env python3
# Copied from the project's shared yardstick (/work/shared/bench/floor_exec.py, our own file) so that
# the benchmark runs from a fresh clone; keep the two identical.
"""The floor for a boto3-based `exec`: the fewest steps that load services' secrets from SSM and
exec a command. No validation, no options: a yardstick for the benchmark.

    floor_exec.py SVC [SVC...] -- CMD [ARGS...]
"""
import os
import sys

import boto3

i = sys.argv.index("--")
services, cmd = sys.argv[1:i], sys.argv[i + 1:]
ssm = boto3.client("ssm", endpoint_url=os.environ.get("CHAMBER_AWS_SSM_ENDPOINT"))
env = dict(os.environ)
for svc in services:
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=f"/{svc}", WithDecryption=True):
        for p in page["Parameters"]:
            env[p["Name"].rsplit("/", 1)[1].upper().replace("-", "_")] = p["Value"]
os.execvpe(cmd[0], cmd, env)
