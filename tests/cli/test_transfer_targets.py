"""export -f github (with --mask) and -f k8s-secret --name through the CLI (local backend,
in-process): what lands on stdout and in the -o file, and the flag errors, which come before
anything is fetched or written."""

from __future__ import annotations

import base64
import json
import stat

import pytest
import yaml

from cli.test_transfer_roundtrip import env_for
from conftest import invoke
from formats.test_targets import parse_github_env

SECRETS = {"db-url": "postgres://u:p@h/db", "cert": "-----BEGIN-----\nAAA\n-----END-----\n",
           "token": "t0k%n"}


@pytest.fixture
def env(tmp_path):
    e = env_for(tmp_path / "db" / "s.db")
    p = invoke(["import", "app", "-"], e, json.dumps(SECRETS), text=True)
    assert p.returncode == 0, p.stderr
    return e


def run(env, *args):
    return invoke(args, env, text=True)


def test_github_to_stdout(env):
    p = run(env, "export", "-f", "github", "app")
    assert p.returncode == 0 and p.stderr == ""
    assert parse_github_env(p.stdout) == {"DB_URL": SECRETS["db-url"], "CERT": SECRETS["cert"],
                                          "TOKEN": SECRETS["token"]}
    assert "::add-mask::" not in p.stdout


def test_github_mask_goes_to_stdout_and_variables_to_the_file(env, tmp_path):
    f = tmp_path / "github_env"
    p = run(env, "export", "-f", "github", "--mask", "-o", str(f), "app")
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("::add-mask::-----BEGIN-----\n::add-mask::AAA\n::add-mask::-----END-----\n"
                        "::add-mask::postgres://u:p@h/db\n::add-mask::t0k%25n\n")
    assert parse_github_env(f.read_text()) == {"DB_URL": SECRETS["db-url"], "CERT": SECRETS["cert"],
                                               "TOKEN": SECRETS["token"]}
    assert stat.S_IMODE(f.stat().st_mode) == 0o600


@pytest.mark.parametrize("args, msg", [
    (["-f", "github", "--mask"], '--mask needs -o FILE, usually -o "$GITHUB_ENV"'),
    (["-f", "json", "--mask", "-o", "OUT"], "--mask applies to -f github"),
    (["-f", "k8s-secret", "-o", "OUT"], "the k8s-secret format needs --name NAME"),
    (["-f", "k8s-secret", "--name", "My_App", "-o", "OUT"], 'Invalid Secret name "My_App"'),
    (["-f", "dotenv", "--name", "app", "-o", "OUT"], "--name applies to -f k8s-secret"),
])
def test_flag_errors_before_anything_is_fetched(env, tmp_path, args, msg):
    out = tmp_path / "out"
    broken = {**env, "PYCHAMBER_LOCAL_PATH": str(tmp_path / "nowhere" / "x.db")}
    p = run(broken, "export", *[str(out) if a == "OUT" else a for a in args], "app")
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr.startswith(f"Error: {msg}") and p.stderr.count("\n") == 1, p.stderr
    assert not out.exists() and not (tmp_path / "nowhere").exists()


def test_k8s_secret(env, tmp_path):
    f = tmp_path / "secret.yaml"
    p = run(env, "export", "-f", "k8s-secret", "--name", "app-secrets", "-o", str(f), "app")
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    doc = yaml.safe_load(f.read_text())
    assert (doc["apiVersion"], doc["kind"], doc["type"], doc["metadata"]["name"]) == (
        "v1", "Secret", "Opaque", "app-secrets")
    assert {k: base64.b64decode(v).decode() for k, v in doc["data"].items()} == SECRETS  # keys as stored
