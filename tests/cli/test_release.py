"""``release publish|list|show|diff|rollback`` and ``exec --release[=N]`` (with ``--dry-run``,
``--strict``, ``--pristine``, ``--files``), ``materialize --release``: against moto through a
middleware that counts every request by API, so that "no Parameter Store call" and "one GET and
one Decrypt per service" are counted, not assumed."""

from __future__ import annotations

import os
import stat

from release_fixtures import BUCKET, boto, write

from pychamber.release import object_key

pytest_plugins = ("release_fixtures",)  # the recorder fixture


def cli(run_cli, rec, *args, check=None, **extra):
    return run_cli(*args, env_extra={**rec.env, **extra}, check=check)


def test_publish_list_show_diff_rollback(run_cli, recorder):
    rec = recorder
    write(rec.url, "web", {"db_password": "s3cr3t-1", "api_key": "s3cr3t-k"})
    r = cli(run_cli, rec, "release", "publish", "web", check=True)
    assert (r.stdout, r.stderr) == ("1\n", "web: release 1 published\n")
    r = cli(run_cli, rec, "release", "publish", "web", check=True)
    assert (r.stdout, r.stderr) == ("1\n", "web: unchanged since release 1\n")
    write(rec.url, "web", {"db_password": "s3cr3t-2", "new_key": "s3cr3t-n"})
    r = cli(run_cli, rec, "release", "diff", "web", check=True)
    assert r.stdout == ("~ db_password version 1 in release 1, 2 in the store\n"
                        "+ new_key (version 1 in the store, not in release 1)\n")
    write(rec.url, "api", {"token": "s3cr3t-t"})
    r = cli(run_cli, rec, "release", "publish", "web", "api", check=True)
    assert r.stdout == "web 2\napi 1\n"
    r = cli(run_cli, rec, "release", "diff", "web", check=True)
    assert (r.stdout, r.stderr) == ("", "release 2 of web matches the store\n")

    r = cli(run_cli, rec, "release", "list", "web", check=True)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["Release", "Published", "Publisher", "Keys", "Current"]
    assert [ln.split()[0] + " " + ln.split()[3] for ln in lines[1:]] == ["1 2", "2 3"]
    assert [ln.split()[-1] for ln in lines[1:]] == ["2", "*"]
    assert "arn:aws:sts::123456789012:user/moto" in lines[1]

    r = cli(run_cli, rec, "release", "show", "web", "1", check=True)
    assert r.stdout.split("\n")[0].split() == ["Key", "Version"]
    assert sorted(ln.split() for ln in r.stdout.splitlines()[1:]) == [["api_key", "1"],
                                                                      ["db_password", "1"]]
    assert r.stderr.startswith("release 1 of web, published ")

    r = cli(run_cli, rec, "release", "rollback", "web", "1", check=True)
    assert r.stderr == "web: release 1 is current now\n"
    r = cli(run_cli, rec, "release", "list", "web", check=True)
    assert r.stdout.splitlines()[1].split()[-1] == "*"
    r = cli(run_cli, rec, "release", "diff", "web", "2", check=True)
    assert r.stderr == "release 2 of web matches the store\n"
    for r in [cli(run_cli, rec, "release", a, "web", "1") for a in ("show", "diff", "list")]:
        assert "s3cr3t" not in r.stdout + r.stderr


def test_usage_errors(run_cli, recorder):
    r = cli(run_cli, recorder, "release", "rollback", "web")
    assert r.returncode == 1 and "accepts 2 arg(s), received 1" in r.stderr
    r = cli(run_cli, recorder, "release", "show", "web", "x")
    assert r.returncode == 1
    assert r.stderr.splitlines()[0] == ('Error: invalid argument "x" for <release>: a '
                                        "release number (1, 2, ...) or current")
    r = cli(run_cli, recorder, "release", "rollback", "web", "abc")  # a positional: no "--release" flag
    assert (r.returncode, r.stderr) == (1, 'Error: invalid argument "abc" for <release>: a release number '
                                           "(1, 2, ...) or current\n")
    r = cli(run_cli, recorder, "release", "show", "web", "9" * 5000)  # past int()'s 4300 digits
    assert r.returncode == 1 and r.stderr.startswith('Error: invalid argument "999') and "internal" not in r.stderr
    r = cli(run_cli, recorder, "release", "publish", "web", PYCHAMBER_RELEASE_BUCKET=None)
    assert r.returncode == 1
    assert r.stderr == ("Error: no release bucket: set PYCHAMBER_RELEASE_BUCKET (and, optionally, "
                        "PYCHAMBER_RELEASE_PREFIX)\n")


def test_exec_release_is_exec_byte_for_byte_without_parameter_store(run_cli, recorder):
    rec = recorder
    write(rec.url, "web", {"db_password": "s3cr3t-1", "a-b": "dash", "a_b": "underscore",
                           "multi": "line\none=two \"q\" ünï"})
    write(rec.url, "shared", {"db_password": "shared-wins", "region": "eu"})
    live = cli(run_cli, rec, "exec", "web", "shared", "--", "env", check=True)
    cli(run_cli, rec, "release", "publish", "web", "shared", check=True)
    write(rec.url, "web", {"db_password": "s3cr3t-after"})  # after the publish: not in the release
    rec.take()
    released = cli(run_cli, rec, "exec", "--release", "web", "shared", "--", "env", check=True)
    calls = rec.take()
    assert released.stdout_bytes == live.stdout_bytes
    assert released.stderr_bytes == live.stderr_bytes  # the same overwrite warnings
    assert not [c for c in calls if c.startswith("ssm:")], calls
    assert calls == {"s3:GetObject": 2, "kms:Decrypt": 2}
    # each Decrypt names the service and release it opens (what a task policy's condition reads)
    # and the key; the environment after the publish is the store's
    after = cli(run_cli, rec, "exec", "web", "--", "env", check=True)
    assert b"DB_PASSWORD=s3cr3t-after\n" in after.stdout_bytes


def test_exec_release_n_dry_run_strict_pristine_files(run_cli, recorder, tmp_path):
    rec = recorder
    write(rec.url, "web", {"db_password": "s3cr3t-1", "user": "u1"})
    cli(run_cli, rec, "release", "publish", "web", check=True)
    write(rec.url, "web", {"db_password": "s3cr3t-2"})
    cli(run_cli, rec, "release", "publish", "web", check=True)
    r = cli(run_cli, rec, "exec", "--release=1", "web", "--", "env", check=True)
    assert b"DB_PASSWORD=s3cr3t-1\n" in r.stdout_bytes
    r = cli(run_cli, rec, "exec", "--release", "web", "--", "env", check=True)
    assert b"DB_PASSWORD=s3cr3t-2\n" in r.stdout_bytes
    r = cli(run_cli, rec, "exec", "--release=1", "--dry-run", "web", "--", "env", check=True)
    assert [ln.split() for ln in r.stdout.splitlines()] == [
        ["Name", "Service", "Key", "Version"], ["DB_PASSWORD", "web", "db_password", "1"],
        ["USER", "web", "user", "1"]]
    r = cli(run_cli, rec, "exec", "--release", "--pristine", "web", "--", "env", check=True)
    assert sorted(r.stdout_bytes.splitlines()) == [b"DB_PASSWORD=s3cr3t-2", b"USER=u1"]
    r = cli(run_cli, rec, "exec", "--release", "--strict", "web", "--", "env", USER="chamberme",
            check=True)
    assert b"USER=u1\n" in r.stdout_bytes and b"DB_PASSWORD" not in r.stdout_bytes
    r = cli(run_cli, rec, "exec", "--release", "--strict", "web", "--", "env", OTHER="chamberme")
    assert r.returncode == 1
    assert r.stderr == "Error: parent env was expecting OTHER=chamberme, but was not in store\n"
    files = tmp_path / "files"
    r = cli(run_cli, rec, "exec", "--release=1", "--files", files, "web", "--", "env", check=True)
    assert f"DB_PASSWORD_FILE={files}/db_password\n".encode() in r.stdout_bytes
    assert (files / "db_password").read_bytes() == b"s3cr3t-1"
    out = tmp_path / "out"
    cli(run_cli, rec, "materialize", "--release", "web", "--dir", out, check=True)
    assert (out / "db_password").read_bytes() == b"s3cr3t-2"
    assert stat.S_IMODE(os.stat(out / "user").st_mode) == 0o400


def test_exec_release_failures_are_one_line_and_never_fall_back(run_cli, recorder):
    rec = recorder
    write(rec.url, "web", {"db_password": "s3cr3t-1"})
    r = cli(run_cli, rec, "exec", "--release", "web", "--", "env")
    assert r.returncode == 1 and r.stdout == ""
    # exec's own prefix (chamber's), then the release's line
    assert r.stderr == ("Error: Failed to list store contents: no release of service web in "
                        "s3://releases/web/current: publish one with `pychamber release publish web`\n")
    cli(run_cli, rec, "release", "publish", "web", check=True)
    s3 = boto(rec.url, "s3")
    key = object_key("", "web", None)
    body = bytearray(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    body[-1] ^= 0x80
    s3.put_object(Bucket=BUCKET, Key=key, Body=bytes(body))
    rec.take()
    r = cli(run_cli, rec, "exec", "--release", "web", "--", "env")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == ("Error: Failed to list store contents: s3://releases/web/current failed "
                        "authentication: it was altered after it was sealed; refused\n")
    assert not [c for c in rec.take() if c.startswith("ssm:")]  # no fallback to the store
    r = cli(run_cli, rec, "exec", "--release=7", "web", "--", "env")
    assert r.stderr.endswith("release 7 of service web does not exist "
                             "(s3://releases/web/releases/000007)\n")
    r = cli(run_cli, rec, "exec", "--release=x", "web", "--", "env")
    assert r.returncode == 1 and 'invalid argument "x" for "--release" flag' in r.stderr
    r = cli(run_cli, rec, "exec", "--watch", "--release=1", "web", "--", "env")
    assert r.returncode == 1 and "--watch follows the current release" in r.stderr


def test_exec_release_with_a_prefix_and_the_typer_parser(run_cli, recorder):
    rec = recorder
    write(rec.url, "team/web", {"k": "v1"})
    cli(run_cli, rec, "release", "publish", "team/web", PYCHAMBER_RELEASE_PREFIX="/p/q/", check=True)
    keys = [o["Key"] for o in boto(rec.url, "s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert sorted(keys) == ["p/q/team/web/current", "p/q/team/web/releases/000001"]
    r = cli(run_cli, rec, "--verbose", "exec", "--release", "team/web", "--", "env",
            PYCHAMBER_RELEASE_PREFIX="p/q", check=True)
    assert b"K=v1\n" in r.stdout_bytes
    # a flag the fast parser leaves to the typer app: the same --release there (pflag's
    # NoOptDefVal: --release alone is "current", the next word is a service)
    for flags in (["--release"], ["--release=1"]):
        r = cli(run_cli, rec, "--min-throttle-delay", "1s", "exec", *flags, "--dry-run", "team/web",
                "--", "env", PYCHAMBER_RELEASE_PREFIX="p/q", check=True)
        assert r.stdout.splitlines()[1].split() == ["K", "team/web", "k", "1"]


def test_watch_release_polls_one_conditional_get_and_follows_publish_and_rollback(run_cli, recorder,
                                                                                   tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from conftest import wait_for

    rec = recorder
    write(rec.url, "web", {"db_password": "s3cr3t-1"})
    cli(run_cli, rec, "release", "publish", "web", check=True)
    log = tmp_path / "log"
    app = f'trap "exit 0" TERM; echo "start $DB_PASSWORD" >> {log}; while :; do sleep 0.05; done'
    p = subprocess.Popen([sys.executable, "-m", "pychamber", "exec", "--watch", "--release",
                          "--watch-interval", "500ms", "web", "--", "sh", "-c", app], env=rec.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: log.exists() and "start s3cr3t-1" in log.read_text())
        time.sleep(0.5)
        rec.take()
        time.sleep(5)  # ~10 intervals, nothing published
        with rec.lock:
            calls = dict(rec.calls)
            conditional = [h.get("if_none_match") for a, _, h, _ in rec.requests if a == "s3:GetObject"]
        assert set(calls) == {"s3:GetObject"}, calls  # no Decrypt, no Parameter Store
        assert 5 <= calls["s3:GetObject"] <= 14, calls
        assert all(conditional), conditional  # each one If-None-Match: the ETag (S3 answers 304)
        write(rec.url, "web", {"db_password": "s3cr3t-2"})
        cli(run_cli, rec, "release", "publish", "web", check=True)
        assert wait_for(lambda: "start s3cr3t-2" in log.read_text()), log.read_text()
        cli(run_cli, rec, "release", "rollback", "web", "1", check=True)
        assert wait_for(lambda: log.read_text().count("start s3cr3t-1") == 2), log.read_text()
    finally:
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=30)
    err = p.stderr.read()
    assert code == 0, err
    assert "web/(release) 1 -> 2, web/db_password 1 -> 2: restarting the command" in err
    assert "web/(release) 2 -> 1, web/db_password 2 -> 1: restarting the command" in err
    assert "s3cr3t" not in err


# --- policies ------------------------------------------------------------------------------------
def for_moto(doc) -> str:
    """The policy as moto's engine reads it: moto turns ``*`` into a regex ``.*`` but has no
    ``?`` (IAM's one character), which the same regex spells ``.``."""
    import json

    return json.dumps(doc).replace("?", ".")


def _policy(run_cli, rec, *args):
    import json

    return json.loads(cli(run_cli, rec, "ecs", "policy", "web", *args, check=True).stdout)


def test_task_policy_covers_exactly_the_calls_exec_release_makes(run_cli, recorder):
    """The calls ``exec --release`` makes, recorded, each evaluated by moto's IAM policy engine
    against ``ecs policy --role task --release``: all allowed (the KMS call with the encryption
    context it sends), and the same calls for another service are not."""

    from moto.iam.access_control import IAMPolicy, PermissionResult

    rec = recorder
    write(rec.url, "web", {"db_password": "s3cr3t-1"})
    cli(run_cli, rec, "release", "publish", "web", check=True)
    doc = _policy(run_cli, rec, "--role", "task", "--release")
    key = rec.keys["alias/parameter_store_key"]
    assert doc["Statement"] == [
        {"Sid": "ReadTheReleases", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": ["arn:aws:s3:::releases/web/current", "arn:aws:s3:::releases/web/releases/??????"]},
        {"Sid": "OpenTheReleases", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key],
         "Condition": {"StringEquals": {"kms:EncryptionContext:pychamber:service": ["web"]}}}]
    policy = IAMPolicy(for_moto(doc))
    rec.take()
    cli(run_cli, rec, "exec", "--release", "web", "--", "true", check=True)
    cli(run_cli, rec, "exec", "--release=1", "web", "--", "true", check=True)
    with rec.lock:
        made = list(rec.requests)
    assert sorted({a for a, _, _, _ in made}) == ["kms:Decrypt", "s3:GetObject"]
    for api, path, _, body in made:
        if api == "s3:GetObject":
            resource, context = "arn:aws:s3:::" + path.lstrip("/"), None
        else:
            resource, context = key, {"kms:EncryptionContext:pychamber:service":
                                      body["EncryptionContext"]["pychamber:service"]}
            assert body["KeyId"] == "alias/parameter_store_key"
            assert body["EncryptionContext"]["pychamber:release"] == "1"
        assert policy.is_action_permitted(api, resource, None, context) == PermissionResult.PERMITTED
        # the same call for another service is not allowed
        other = resource.replace("/web/", "/api/") if context is None else resource
        other_ctx = None if context is None else {"kms:EncryptionContext:pychamber:service": "api"}
        assert policy.is_action_permitted(api, other, None, other_ctx) != PermissionResult.PERMITTED
    for action in ("s3:PutObject", "ssm:GetParametersByPath", "kms:GenerateDataKey"):
        assert policy.is_action_permitted(action, "arn:aws:s3:::releases/web/current") \
            != PermissionResult.PERMITTED

    pub = _policy(run_cli, rec, "--role", "publisher")
    sids = [s["Sid"] for s in pub["Statement"]]
    assert sids == ["ReadTheServicesByPath", "DecryptTheSecrets", "WriteTheReleases",
                    "ListTheReleases", "SealTheReleases"]
    assert pub["Statement"][3]["Condition"] == {"StringEquals": {"s3:prefix": ["web/releases/"]}}
    r = cli(run_cli, rec, "ecs", "policy", "web", "--role", "writer", "--release")
    assert r.returncode == 1 and "--release applies to --role task" in r.stderr
    # a key AWS manages: before, "Resource": [null] (a policy IAM refuses), exit 0
    for args in (["--role", "task", "--release"], ["--role", "publisher"]):
        r = cli(run_cli, rec, "ecs", "policy", "web", *args, CHAMBER_KMS_KEY_ALIAS="alias/aws/s3")
        assert r.returncode == 1 and r.stdout == "" and len(r.stderr.splitlines()) == 1
        assert r.stderr.startswith("Error: releases cannot be sealed under alias/aws/s3, a KMS key AWS manages")


IAM_SERVER = r"""
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server
server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


def test_policies_under_iam_enforcement(aws_env, tmp_path):
    """A moto server of its own enforcing IAM: the task policy lets ``exec --release`` read its
    service's release and nothing else; the publisher policy publishes and rolls back that
    service only. moto authorises S3 calls against the object's ARN (the policies' S3
    statements are used as printed) but KMS and SSM calls against "*": those statements' resources
    are widened to "*" here (their resources and conditions are checked by the test above)."""
    import json
    import subprocess
    import sys
    import urllib.request

    from conftest import spawn

    proc = subprocess.Popen([sys.executable, "-c", IAM_SERVER], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        port = proc.stdout.readline().strip()
        url = f"http://127.0.0.1:{port}"
        from release_fixtures import make_keys

        make_keys(url)
        admin = dict(aws_env, AWS_ENDPOINT_URL=url, PYCHAMBER_RELEASE_BUCKET=BUCKET, CHAMBER_RETRIES="1")
        write(url, "web", {"db_password": "s3cr3t-1"})
        write(url, "api", {"token": "s3cr3t-api"})
        assert spawn(["release", "publish", "web", "api"], admin).returncode == 0

        def policy(*args):
            out = spawn(["ecs", "policy", "web", *args], admin)
            assert out.returncode == 0, out.stderr
            doc = json.loads(out.stdout)
            for s in doc["Statement"]:
                if not any(a.startswith("s3:") for a in s["Action"]):
                    s["Resource"] = "*"
            return doc

        task = policy("--role", "task", "--release")
        docs = {"task": task, "publisher": policy("--role", "publisher"),
                "no-kms": {**task, "Statement": task["Statement"][:1]},
                "admin": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}}
        iam = boto(url, "iam")
        env = {}
        for user, doc in docs.items():
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=for_moto(doc))
            k = iam.create_access_key(UserName=user)["AccessKey"]
            env[user] = dict(admin, AWS_ACCESS_KEY_ID=k["AccessKeyId"],
                             AWS_SECRET_ACCESS_KEY=k["SecretAccessKey"])
        req = urllib.request.Request(url + "/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(req, timeout=30).read()

        ok = spawn(["exec", "--release", "web", "--", "env"], env["task"])
        assert ok.returncode == 0, ok.stderr
        assert b"DB_PASSWORD=s3cr3t-1\n" in ok.stdout_bytes
        for args in (["exec", "--release", "api", "--", "env"], ["exec", "web", "--", "env"],
                     ["release", "publish", "web"]):
            denied = spawn(args, env["task"])
            assert denied.returncode == 1, args
            assert len(denied.stderr.splitlines()) == 1 and "Access" in denied.stderr, denied.stderr

        no_kms = spawn(["exec", "--release", "web", "--", "env"], env["no-kms"])
        assert no_kms.returncode == 1 and len(no_kms.stderr.splitlines()) == 1
        assert "not authorized to perform: kms:Decrypt" in no_kms.stderr, no_kms.stderr
        assert spawn(["write", "web", "db_password", "s3cr3t-2"], env["admin"]).returncode == 0
        pub = spawn(["release", "publish", "web"], env["publisher"])
        assert (pub.returncode, pub.stdout) == (0, "2\n"), pub.stderr
        assert spawn(["release", "rollback", "web", "1"], env["publisher"]).returncode == 0
        assert spawn(["release", "list", "web"], env["publisher"]).returncode == 0
        denied = spawn(["release", "publish", "api"], env["publisher"])
        assert denied.returncode == 1 and "Access" in denied.stderr, denied.stderr
        back = spawn(["exec", "--release", "web", "--", "env"], env["task"])
        assert b"DB_PASSWORD=s3cr3t-1\n" in back.stdout_bytes
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_doctor_checks_the_release_setup(run_cli, recorder):
    rec = recorder
    write(rec.url, "web", {"db_password": "s3cr3t-1"})
    cli(run_cli, rec, "release", "publish", "web", check=True)

    def rows(result):
        return {name: line for line in result.stdout.splitlines()
                for name in ("release bucket", "release web", "release drift web")
                if line.startswith(name + "  ")}

    r = cli(run_cli, rec, "doctor", "web", COLUMNS="250")  # one row a line (doctor fits $COLUMNS)
    got = rows(r)
    assert r.returncode == 0, r.stdout
    assert got["release bucket"].split()[2:4] == ["ok", "s3://releases/"]
    assert "ok" in got["release web"] and "release 1 (1 keys), published " in got["release web"], r.stdout
    assert "min old" in got["release web"]
    assert "the store matches the release" in got["release drift web"]
    write(rec.url, "web", {"db_password": "s3cr3t-2", "more": "x"})
    r = cli(run_cli, rec, "doctor", "web", COLUMNS="250")
    assert r.returncode == 1
    assert "FAILED" in rows(r)["release drift web"]
    assert "1 added, 0 removed, 1 changed in the store since release 1" in rows(r)["release drift web"]
    r = cli(run_cli, rec, "doctor", "api", COLUMNS="250")
    assert "FAILED" in r.stdout and "no release of service api" in r.stdout
    r = cli(run_cli, rec, "doctor", PYCHAMBER_RELEASE_BUCKET="nope")
    assert r.returncode == 1 and "FAILED" in rows(r)["release bucket"]
    assert "s3cr3t" not in r.stdout + r.stderr


def test_the_readme_release_task_definition_is_valid(aws_client):
    import json
    import re
    from pathlib import Path

    from botocore.validate import validate_parameters

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = re.search(r"In release form .*?```json\n(.*?)```", text, re.S).group(1)
    task = json.loads(block)
    ecs = aws_client("ecs")
    validate_parameters(task, ecs.meta.service_model.operation_model("RegisterTaskDefinition").input_shape)
    app = ecs.register_task_definition(**task)["taskDefinition"]["containerDefinitions"][0]
    assert app["entryPoint"] == ["pychamber", "exec", "--init", "--release", "web", "--"]
    assert {e["name"] for e in app["environment"]} == {"PYCHAMBER_RELEASE_BUCKET", "PYCHAMBER_RELEASE_PREFIX"}


def test_a_release_fleet_makes_no_parameter_store_read(aws_env, tmp_path):
    """Five concurrent ``exec --release`` behind the bench's token bucket (2 reads/s): all start
    with the right values, with no Parameter Store read and one GET and one Decrypt each (the
    timing targets live in bench/bench_fleet.py --release)."""
    import subprocess
    import sys
    from pathlib import Path

    bench = str(Path(__file__).resolve().parents[2] / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    from bench_fleet import RELEASE_BUCKET, publish, seed, task_env
    from throttle import ThrottledMoto

    with ThrottledMoto(rate=2, capacity=2) as server:
        want = seed(server.url, "fleet", 12)
        publish(server.url, tmp_path / "publisher", "fleet")
        server.reset()
        procs = [subprocess.Popen([sys.executable, "-m", "pychamber", "exec", "--release", "fleet",
                                   "--", "env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=task_env(server.url, tmp_path / f"t{i}",
                                               {"PYCHAMBER_RELEASE_BUCKET": RELEASE_BUCKET}))
                 for i in range(5)]
        outs = [p.communicate(timeout=120) for p in procs]
        stats = server.stats()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        got = dict(line.split("=", 1) for line in out.decode().splitlines() if "=" in line)
        assert all(got.get(k) == v for k, v in want.items())
    assert stats["reads"] == 0 and stats["throttled"] == 0
    assert stats["by_api"] == {"s3:GetObject": 5, "kms:Decrypt": 5}


def test_a_stalled_bucket_fails_within_pychamber_timeout(run_cli, recorder):
    """An endpoint that accepts connections and never answers: one line, exit 1, bounded."""
    import socket
    import time

    with socket.socket() as stalled:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(64)
        url = f"http://127.0.0.1:{stalled.getsockname()[1]}"
        start = time.monotonic()
        r = cli(run_cli, recorder, "exec", "--release", "web", "--", "env", AWS_ENDPOINT_URL=url,
                PYCHAMBER_TIMEOUT="2", CHAMBER_RETRIES="10")
        took = time.monotonic() - start
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert "operation error S3: GetObject" in r.stderr and "PYCHAMBER_TIMEOUT=2s" in r.stderr, r.stderr
    assert took < 20
