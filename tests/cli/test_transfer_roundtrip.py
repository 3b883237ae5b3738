"""import -> export -> import is the identity (property test through the CLI on the local
backend, in-process on a fake console), and import's progress bar on a terminal (a process on a
pty) and a closed pipe (a process whose reader goes away)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import invoke

SRC = str(Path(__file__).resolve().parents[2] / "src")
KEY = base64.b64encode(b"r" * 32).decode()


def env_for(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    env.update({"PYTHONPATH": SRC, "CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(db),
                "PYCHAMBER_LOCAL_KEY": KEY, "PYCHAMBER_WRITE_RATE": "0",
                "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def cli(env, *args, input=None):
    p = invoke(args, env, input)
    assert p.returncode == 0, p.stderr_bytes.decode()
    return p.stdout_bytes


keys = st.from_regex(r"[A-Za-z0-9_.\-]{1,20}", fullmatch=True)
values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                 max_size=40)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(keys, values, min_size=1, max_size=6), fmt=st.sampled_from(["json", "yaml"]))
def test_import_export_import_is_identity(tmp_path_factory, data, fmt):
    env = env_for(tmp_path_factory.mktemp("rt") / "s.db")
    cli(env, "import", "one", "-", input=json.dumps(data).encode())
    exported = cli(env, "export", "-f", fmt, "one")
    cli(env, "import", "two", "-", input=exported)
    assert json.loads(cli(env, "export", "two")) == data
    assert cli(env, "export", "-f", fmt, "two") == exported


dotenv_keys = st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(dotenv_keys, values | st.sampled_from(["$HOME", "${HOME}", "`id`", "a\\", "\\$"]),
                            min_size=1, max_size=6))
def test_dotenv_export_import_is_identity(tmp_path_factory, data):
    env = env_for(tmp_path_factory.mktemp("rt") / "s.db")
    cli(env, "import", "one", "-", input=json.dumps(data).encode())
    exported = cli(env, "export", "-f", "dotenv", "one")
    cli(env, "import", "--format", "dotenv", "two", "-", input=exported)
    # a new service: chamber's lower-case keys (what write stores), the same variables
    assert json.loads(cli(env, "export", "two")) == {k.lower(): v for k, v in data.items()}
    # the same lines; their order follows the stored keys' (upper-case keys sort before "_",
    # lower-case ones after it)
    assert sorted(cli(env, "export", "-f", "dotenv", "two").splitlines()) == sorted(exported.splitlines())
    # back into the service it came from: each name finds its key, nothing is added
    cli(env, "import", "--format", "dotenv", "one", "-", input=exported)
    assert json.loads(cli(env, "export", "one")) == data


def test_import_progress_bar_on_a_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    src = tmp_path / "in.json"
    src.write_text(json.dumps({f"k{i}": "v" for i in range(5)}))
    child = pexpect.spawn(sys.executable, ["-m", "pychamber", "import", "svc", str(src)],
                          env=env_for(tmp_path / "s.db"), timeout=60)
    child.expect(r"importing \[#+\] 5/5")
    child.expect("Successfully imported 5 secrets")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_no_progress_bar_when_piped(tmp_path):
    src = tmp_path / "in.json"
    src.write_text(json.dumps({f"k{i}": "v" for i in range(5)}))
    p = invoke(["import", "svc", str(src)], env_for(tmp_path / "s.db"))
    assert (p.returncode, p.stdout_bytes, p.stderr_bytes) == (0, b"Successfully imported 5 secrets\n", b"")


def test_local_import_is_one_transaction(tmp_path):
    env = env_for(tmp_path / "s.db")
    cli(env, "write", "svc", "a", "old", "-t", "team=x")
    cli(env, "import", "_chamber", "-", input=json.dumps(
        {"store-config": json.dumps({"version": "1", "requiredTags": ["team"]})}).encode())
    # "a" exists; "b" is new and lacks the required tag: nothing at all is written
    p = invoke(["import", "svc", "-"], env, json.dumps({"a": "new", "b": "v"}).encode())
    assert p.returncode == 1
    assert p.stderr_bytes == (b"Error: Failed to write secret: required tags [team] are missing "
                        b"(nothing was written)\n")
    assert cli(env, "read", "-q", "svc", "a") == b"old\n"
    assert [ln.split()[0] for ln in cli(env, "list", "svc").splitlines()[1:]] == [b"a"]


def test_large_output_is_whole_and_a_closed_pipe_ends_it_like_chamber(tmp_path):
    env = env_for(tmp_path / "s.db")
    data = {f"key_{i:05d}": f"value number {i} " * 3 for i in range(2500)}  # ~150 KB of dotenv
    cli(env, "import", "svc", "-", input=json.dumps(data).encode())
    whole = cli(env, "export", "-f", "dotenv", "svc")
    assert whole.count(b"\n") == 2500 and len(whole) > 2 * 65536
    p = subprocess.Popen([sys.executable, "-m", "pychamber", "export", "-f", "dotenv", "svc"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.read(20) == whole[:20]
    p.stdout.close()  # the reader goes away mid-write (like `| head`)
    err = p.stderr.read()
    assert p.wait() == -signal.SIGPIPE and err == b""  # as chamber (Go): killed by SIGPIPE
