"""The README's shell, Dockerfile, YAML and JSON examples, run or checked as written wherever
they can run here: the first command (after its install, which .ci/run runs verbatim on a clean
virtualenv), the AWS quick start against moto (its ``aws`` lines done with boto3: there is no
AWS CLI here), the Dockerfiles' steps (no docker engine here: .ci/run runs the top Dockerfile's
steps as shell, scripts/dockerfile_run.py; here their shape), the GitHub Actions job and the
ECS examples' entrypoints."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PYCHAMBER = Path(sys.executable).parent / "pychamber"


def blocks(lang: str, text: str = README) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def commands(block: str) -> list[str]:
    """The block's command lines, continuation lines joined, comments dropped."""
    out, pending = [], ""
    for line in block.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1]
            continue
        line = (pending + line).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append(line)
    return out


@pytest.fixture
def bin_dir(tmp_path) -> Path:
    """A directory holding ``pychamber`` (this checkout's), for PATH."""
    d = tmp_path / "bin"
    d.mkdir()
    (d / "pychamber").symlink_to(PYCHAMBER)
    return d


def test_the_first_command_after_its_install(tmp_path):
    first = blocks("sh")[0].strip()
    parts = first.split(" && ")
    assert parts[:2] == ["python3 -m venv .venv", ".venv/bin/pip install -q ."]  # a real install
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "pychamber").symlink_to(PYCHAMBER)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHAMBER_", "PYCHAMBER_", "AWS_"))}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    r = subprocess.run(["bash", "-ec", " && ".join(parts[2:])], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == 'the app sees DB_PASSWORD=s3cr3t "quoted" $value\n'
    # the data key went to a key file named after the database, as the README says
    assert (tmp_path / ".demo" / "secrets.key").stat().st_mode & 0o777 == 0o600
    assert "`<database name>.key`" in section("The local backend")


def test_the_aws_quick_start_on_moto(aws_env, aws_client, bin_dir):
    """Every line as written, the aws CLI's included when it is installed (else its one line is
    done with boto3), against moto."""
    import shutil

    lines = commands(blocks("sh", section("AWS quick start"))[0])
    assert lines[0].startswith("aws kms create-alias --alias-name alias/parameter_store_key ")
    assert "$(aws kms create-key " in lines[0]
    env = {**aws_env, "PATH": f"{bin_dir}{os.pathsep}{aws_env['PATH']}", "COLUMNS": "300"}
    if shutil.which("aws", path=env["PATH"]) is None:
        kms = aws_client("kms")  # what the aws line does
        kms.create_alias(AliasName="alias/parameter_store_key",
                         TargetKeyId=kms.create_key(Description="pychamber secrets")["KeyMetadata"]["KeyId"])
        lines = lines[1:]
    outputs = []
    for line in lines:
        r = subprocess.run(["bash", "-ec", line], env=env, capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, (line, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        outputs.append(r.stdout)
    doctor, written, execed, policy = outputs[-4:]
    assert [a["AliasName"] for a in aws_client("kms").list_aliases()["Aliases"]
            if a["AliasName"] == "alias/parameter_store_key"] == ["alias/parameter_store_key"]
    assert "kms key alias/parameter_store_key  ok" in doctor
    assert execed == "the app has 7 characters of DB_PASSWORD\n"
    doc = json.loads(policy)
    assert {s["Sid"] for s in doc["Statement"]} == {"ReadTheServicesByPath", "DecryptTheSecrets"}


def test_no_install_line_needs_the_package_index():
    """Until pychamber is published, every install line works from a checkout or a wheel."""
    text = README + (ROOT / "docs" / "performance.md").read_text()
    assert not re.search(r"(pip|pipx|uv tool) install (-[-\w]+ )*['\"]?pychamber\b", text)
    install = blocks("sh", section("Install"))
    assert "pipx install ." in install[0] and "pip install '.[pydantic]'" in install[0]
    assert "python -m build --wheel" in install[1]
    assert "pip install dist/pychamber-0.1.0-py3-none-any.whl" in install[1]


def test_the_wheel_name_is_the_one_built():
    import pychamber

    assert f"pychamber-{pychamber.__version__}-py3-none-any.whl" in README
    assert re.search(r'^version = "' + re.escape(pychamber.__version__) + '"$',
                     (ROOT / "pyproject.toml").read_text(), re.M)


def dockerfile_steps(text: str) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from dockerfile_run import instructions
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return instructions(text)


@pytest.mark.parametrize("which", ["the repository's Dockerfile", "the README's app Dockerfile"])
def test_the_dockerfiles_steps_are_shell_and_their_entrypoints_exec_form(which):
    if which == "the README's app Dockerfile":
        text = blocks("dockerfile", section("ECS task definitions"))[0]
        context_has = {"pychamber-0.1.0-py3-none-any.whl", "app.py"}  # what the README says to copy
    else:
        text = (ROOT / "Dockerfile").read_text()
        context_has = {p.name for p in ROOT.iterdir()}
    steps = dockerfile_steps(text)
    assert steps[0][0] == "FROM"
    for word, args in steps:
        if word == "RUN":
            assert subprocess.run(["bash", "-n", "-c", args]).returncode == 0, args
            assert "pip install" in args and "pychamber" in args
            assert not re.search(r"pip install (-[-\w]+ )*pychamber\b", args)  # never the index
        elif word == "COPY":
            for source in args.split()[:-1]:
                assert source.rstrip("/") in context_has, source
        elif word == "ENTRYPOINT":
            entry = json.loads(args)
            assert entry[0] == "pychamber"
            if "exec" in entry:
                assert entry[:3] == ["pychamber", "exec", "--init"]


def test_the_ecs_examples_exec_with_init():
    task = json.loads(blocks("json", section("ECS task definitions"))[0])
    app = next(c for c in task["containerDefinitions"] if c["name"] == "app")
    assert app["entryPoint"][:3] == ["pychamber", "exec", "--init"]
    sidecar = next(c for c in task["containerDefinitions"] if c["name"] == "secrets")
    assert sidecar["command"][0] == "materialize"  # the image's ENTRYPOINT is pychamber
    assert json.loads(dockerfile_steps((ROOT / "Dockerfile").read_text())[-2][1]) == ["pychamber"]
    # every entrypoint of the README that runs exec supervises (--init, or --watch which does)
    for m in re.finditer(r'(?:ENTRYPOINT |"entryPoint": )(\[[^\]]*\])', README):
        entry = json.loads(m.group(1))
        if "exec" in entry:
            assert "--init" in entry or "--watch" in entry, entry


def test_the_github_actions_job_installs_a_wheel(tmp_path):
    job = yaml.safe_load(blocks("yaml", section("Choosing a backend"))[0])["jobs"]["test"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[0].startswith("pipx install ./tools/pychamber-0.1.0-py3-none-any.whl")
    assert runs[1] == "pychamber exec ci -- make test"
    assert job["env"]["CHAMBER_SECRET_BACKEND"] == "local"


def test_the_local_backend_block_on_a_terminal(tmp_path, bin_dir):
    """"Choosing a backend": the three lines as written, on a terminal (the value asked twice,
    hidden), ./run-app being a script that shows what it got."""
    import pexpect

    lines = commands(blocks("sh", section("Choosing a backend"))[0])
    assert lines[0] == "export CHAMBER_SECRET_BACKEND=local" and lines[-1].endswith("-- ./run-app")
    app = tmp_path / "run-app"
    app.write_text('#!/bin/sh\necho "run-app got ${#DB_PASSWORD} characters"\n')
    app.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHAMBER_", "PYCHAMBER_", "AWS_"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    child = pexpect.spawn("bash", ["-ec", "\n".join(lines)], cwd=str(tmp_path), env=env,
                          timeout=60, encoding="utf-8")
    import io

    child.logfile_read = seen = io.StringIO()
    for _ in range(2):
        child.expect("Value for my-svc/db_password")
        child.sendline("hunter2")
    child.expect("run-app got 7 characters")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "hunter2" not in seen.getvalue()  # never echoed
    assert (tmp_path / "data" / "pychamber" / "secrets.key").exists()  # no keyring: the key file


def test_the_watch_container_definition_is_valid():
    from botocore.session import get_session
    from botocore.validate import validate_parameters

    block = blocks("json", section("Rotation without redeploy (`exec --watch`) and PID 1 (`exec --init`)"))[0]
    definition = json.loads(block)
    shape = get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition").input_shape
    validate_parameters({"family": "web", "containerDefinitions": [definition]}, shape)
    assert definition["entryPoint"][:3] == ["pychamber", "exec", "--watch"]
