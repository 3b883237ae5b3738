"""``pychamber exec`` end to end against the shared moto server: real pychamber processes
wherever the program really runs (``run``), in-process on a fake console where exec stops
before execve, with an error or ``--dry-run`` (``run_here``; reaching execve there fails).

The process replaces itself with the program (execve), so from the caller's side (Popen) the
pychamber process *is* the program: same PID, the program's exit status, and a program killed
by signal N is seen by Popen as ``returncode == -N`` (a shell would report 128+N).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import invoke

PY = sys.executable
SENTINEL_VALUES = ("v4lue-one", "v4lue-two", "v4lue-three")


def pychamber(*args: str) -> list[str]:
    return [PY, "-m", "pychamber", *args]


def put(ssm, service: str, key: str, value: str, version: int | None = 1) -> None:
    kwargs = {"Description": str(version)} if version is not None else {}
    ssm.put_parameter(Name=f"/{service}/{key}", Value=value, Type="SecureString",
                      KeyId="alias/parameter_store_key", Overwrite=True, **kwargs)


def _env(env: dict, extra: dict | None) -> dict:
    e = dict(env)
    for k, v in (extra or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e


def run(env: dict, *args: str, extra: dict | None = None, timeout: float = 60):
    return subprocess.run(pychamber(*args), env=_env(env, extra), capture_output=True, text=True,
                          timeout=timeout)


def run_here(env: dict, *args: str, extra: dict | None = None):
    """``run`` in this process (conftest.invoke): for lines that end before execve."""
    return invoke(args, _env(env, extra), text=True)


@pytest.fixture
def seeded(aws_env, ssm_client):
    put(ssm_client, "app", "db-password", SENTINEL_VALUES[0])
    put(ssm_client, "app", "shared", SENTINEL_VALUES[1])
    put(ssm_client, "app", "log.level", "debug", version=3)
    put(ssm_client, "common", "shared", SENTINEL_VALUES[2], version=None)
    put(ssm_client, "common", "region", "eu-west-1")
    return aws_env


def env_lines(stdout: str) -> dict[str, str]:
    out = {}
    for line in stdout.splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


# --- the process -----------------------------------------------------------------------------
def test_same_pid(seeded):
    p = subprocess.Popen(pychamber("exec", "app", "--", "sh", "-c", "echo $$"), env=seeded,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert int(out.strip()) == p.pid


@pytest.mark.parametrize("script,code", [("exit 0", 0), ("exit 1", 1), ("exit 42", 42)])
def test_exit_status_is_the_programs(seeded, script, code):
    r = run(seeded, "exec", "app", "--", "sh", "-c", script)
    assert r.returncode == code, r.stderr
    assert r.stderr == ""


def test_killed_by_signal_is_seen_as_the_signal(seeded):
    # The app kills itself with SIGTERM. pychamber is gone (replaced), so the caller sees the
    # signal death directly: Popen's returncode -15 (a shell would show 143 = 128+15).
    r = run(seeded, "exec", "app", "--", "sh", "-c", "kill -TERM $$")
    assert r.returncode == -signal.SIGTERM
    r = subprocess.run(["sh", "-c", " ".join(pychamber("exec", "app", "--", "sh", "-c", "'kill -TERM $$'"))
                        + "; echo $?"], env=seeded, capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == str(128 + signal.SIGTERM)


# The handler writes with os.write and ends with os._exit: print() from a handler that runs
# while the main code's own print() still holds stdout fails ("reentrant call"), which made
# this test fail about 2 runs in 3 on a loaded machine.
TRAP_APP = textwrap.dedent("""
    import os, signal, time
    def on(sig, frame):
        os.write(1, ("got " + signal.Signals(sig).name + "\\n").encode())
        os._exit(7)
    signal.signal(signal.SIGTERM, on)
    signal.signal(signal.SIGINT, on)
    os.write(1, b"ready\\n")
    time.sleep(30)
    os.write(1, b"timeout\\n")
""")


def test_sigterm_reaches_the_app(seeded):
    p = subprocess.Popen(pychamber("exec", "app", "--", PY, "-c", TRAP_APP), env=seeded,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=20)
    finally:
        p.kill()
    assert out.strip() == "got SIGTERM"
    assert p.returncode == 7


def test_ctrl_c_on_a_terminal_reaches_the_app(seeded):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(PY, ["-m", "pychamber", "exec", "app", "--", PY, "-c", TRAP_APP],
                          env=seeded, encoding="utf-8", timeout=30)
    try:
        child.expect("ready")
        child.sendintr()
        child.expect("got SIGINT")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 7


def test_stdin_is_inherited(seeded):
    r = subprocess.run(pychamber("exec", "app", "--", "cat"), env=seeded, input="piped\n",
                       capture_output=True, text=True, timeout=60)
    assert r.stdout == "piped\n"


def test_sigpipe_is_not_left_ignored(seeded):
    # CPython ignores SIGPIPE; the program must get the default disposition back.
    r = run(seeded, "exec", "app", "--", "cat", "/proc/self/status")
    sigign = next(line for line in r.stdout.splitlines() if line.startswith("SigIgn:"))
    mask = int(sigign.split()[1], 16)
    assert not mask & (1 << (signal.SIGPIPE - 1))


def test_argv0_as_typed_and_args_untouched(seeded):
    r = run(seeded, "exec", "app", "--", "sh", "-c", 'echo "$0|$1|$2"', "--pristine", "--")
    assert r.stdout == "--pristine|--|\n"
    r = run(seeded, "exec", "app", "--", PY, "-c", "import sys; print(sys.argv)", "a", "--", "-x")
    assert r.stdout.strip() == "['-c', 'a', '--', '-x']"


# --- the environment ---------------------------------------------------------------------------
def test_secrets_in_environment_names_and_inherited(seeded):
    r = run(seeded, "exec", "app", "--", "env", extra={"KEEPME": "yes"})
    env = env_lines(r.stdout)
    assert env["DB_PASSWORD"] == SENTINEL_VALUES[0]
    assert env["SHARED"] == SENTINEL_VALUES[1]
    assert env["LOG.LEVEL"] == "debug"  # '.' kept
    assert env["KEEPME"] == "yes"
    assert env["PATH"] == seeded["PATH"]
    assert r.stderr == ""


def test_precedence_and_warnings_across_services(seeded):
    r = run(seeded, "exec", "App", "common", "--", "env", extra={"REGION": "inherited"})
    env = env_lines(r.stdout)
    assert env["SHARED"] == SENTINEL_VALUES[2]  # later service wins
    assert env["REGION"] == "eu-west-1"
    assert r.stderr.splitlines() == [
        "warning: service common overwriting environment variable SHARED",
        "warning: service common overwriting environment variable REGION",
    ] or sorted(r.stderr.splitlines()) == sorted([
        "warning: service common overwriting environment variable SHARED",
        "warning: service common overwriting environment variable REGION",
    ])
    r = run(seeded, "exec", "common", "App", "--", "env")
    assert env_lines(r.stdout)["SHARED"] == SENTINEL_VALUES[1]
    assert r.stderr == "warning: service App overwriting environment variable SHARED\n"


def test_three_services_concurrent_fetch_keeps_argument_order(seeded, ssm_client):
    for i in range(25):
        put(ssm_client, "third", f"k{i}", f"t{i}")
    put(ssm_client, "third", "shared", "from-third")
    r = run(seeded, "exec", "app", "third", "common", "--", "env")
    env = env_lines(r.stdout)
    assert env["SHARED"] == SENTINEL_VALUES[2]
    assert env["K24"] == "t24"
    assert r.stderr.splitlines() == [
        "warning: service third overwriting environment variable SHARED",
        "warning: service common overwriting environment variable SHARED",
    ]


def test_pristine_env_is_exactly_the_secrets(seeded):
    r = run(seeded, "exec", "--pristine", "app", "--", "env")
    assert r.returncode == 0, r.stderr
    assert env_lines(r.stdout) == {"DB_PASSWORD": SENTINEL_VALUES[0], "SHARED": SENTINEL_VALUES[1],
                                   "LOG.LEVEL": "debug"}
    # the program is still found with pychamber's own PATH, flags may follow the services
    r = run(seeded, "exec", "app", "common", "--pristine", "--", "env")
    assert set(env_lines(r.stdout)) == {"DB_PASSWORD", "SHARED", "LOG.LEVEL", "REGION"}


def test_no_locale_coercion_leak(seeded):
    # CPython sets LC_CTYPE=C.UTF-8 in its own environ under the C locale; the app must not
    # inherit a variable nobody set.
    e = {k: v for k, v in seeded.items() if not k.startswith("LC_") and k != "LANG"}
    r = subprocess.run(pychamber("exec", "app", "--", "env"), env=e, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "LC_CTYPE" not in env_lines(r.stdout)


def test_empty_or_missing_service_is_not_an_error(seeded):
    r = run(seeded, "exec", "nothing-here", "--", "sh", "-c", "echo ran")
    assert (r.returncode, r.stdout, r.stderr) == (0, "ran\n", "")


def test_service_names_are_lower_cased_for_loading(seeded):
    r = run(seeded, "exec", "APP", "--", "env")
    assert env_lines(r.stdout)["DB_PASSWORD"] == SENTINEL_VALUES[0]


# --- strict mode -------------------------------------------------------------------------------
def test_strict_substitutes_sentinels(seeded):
    r = run(seeded, "exec", "--strict", "app", "--", "env",
            extra={"DB_PASSWORD": "chamberme", "OTHER": "x"})
    assert r.returncode == 0, r.stderr
    env = env_lines(r.stdout)
    assert env["DB_PASSWORD"] == SENTINEL_VALUES[0]
    assert "SHARED" not in env  # not asked for by the parent
    assert env["OTHER"] == "x"
    assert r.stderr == ""


def test_strict_pristine(seeded):
    r = run(seeded, "exec", "--strict", "--pristine", "app", "--", "env",
            extra={"DB_PASSWORD": "chamberme"})
    assert env_lines(r.stdout) == {"DB_PASSWORD": SENTINEL_VALUES[0]}


def test_strict_value_flag(seeded):
    r = run(seeded, "exec", "--strict", "--strict-value", "FILL", "app", "--", "env",
            extra={"SHARED": "FILL"})
    assert env_lines(r.stdout)["SHARED"] == SENTINEL_VALUES[1]


@pytest.mark.parametrize("extra,services,message", [
    ({"db-password": "chamberme"}, ["app"],
     "parent env has key `db-password` with expected value `chamberme`, but key is not normalized "
     "like `DB_PASSWORD`, so would never get substituted"),
    ({"SHARED": "something"}, ["app"],
     "parent env has SHARED, but was expecting value `chamberme`, not `something`"),
    ({"MISSING_ONE": "chamberme"}, ["app"],
     "parent env was expecting MISSING_ONE=chamberme, but was not in store"),
    ({"REGION": "chamberme"}, ["app", "common"],  # per service: the first must satisfy it
     "parent env was expecting REGION=chamberme, but was not in store"),
])
def test_strict_messages(seeded, extra, services, message):
    r = run_here(seeded, "exec", "--strict", *services, "--", "true", extra=extra)
    assert r.returncode == 1
    assert r.stderr == f"Error: {message}\n"


def test_strict_second_service_with_substituted_key_never_shows_the_secret(seeded):
    r = run_here(seeded, "exec", "--strict", "app", "common", "--", "true", extra={"SHARED": "chamberme"})
    assert r.returncode == 1
    assert r.stderr.startswith("Error: parent env has SHARED, but was expecting value `chamberme`")
    assert SENTINEL_VALUES[1] not in r.stderr


# --- errors ------------------------------------------------------------------------------------
USAGE = ("Usage:\n  pychamber exec <service...> -- <command> [<arg...>] [flags]\n\nExamples:\n")


@pytest.mark.parametrize("args,message", [
    (["app", "env"], "please separate services and command with '--'. See usage"),
    (["app"], "please separate services and command with '--'. See usage"),
    (["--", "env"], "at least one service must be specified: requires at least 1 arg(s), only received 0"),
    (["app", "--"], "must specify command to run. See usage: requires at least 1 arg(s), only received 0"),
])
def test_argument_errors(aws_env, args, message):
    r = run_here(aws_env, "exec", *args)
    assert r.returncode == 1
    assert r.stderr.startswith(f"Error: {message}\n{USAGE}")  # cobra's whole block: test_parity
    assert r.stdout == ""


def test_invalid_service(aws_env):
    r = run_here(aws_env, "exec", "app", "bad!name", "--", "true")
    assert r.returncode == 1
    assert r.stderr == (
        "Error: Failed to validate service: Failed to validate service name 'bad!name'. Only "
        "alphanumeric, dashes, forward slashes, full stops and underscores are allowed for service "
        "names, and colon followed by a label name. Service names must not start or end with a "
        "forward slash or colon\n")


def test_command_not_found(seeded):
    r = run_here(seeded, "exec", "app", "--", "no-such-program-xyz")
    assert (r.returncode, r.stderr) == (1, 'Error: exec: "no-such-program-xyz": executable file not found in $PATH\n')


def test_command_resolved_with_pychambers_path_even_when_pristine(seeded, tmp_path):
    d = tmp_path / "mybin"
    d.mkdir()
    prog = d / "hello-prog"
    prog.write_text("#!/bin/sh\necho hello from prog\n")
    prog.chmod(0o755)
    path = f"{d}:{seeded['PATH']}"
    r = run(seeded, "exec", "--pristine", "app", "--", "hello-prog", extra={"PATH": path})
    assert (r.returncode, r.stdout) == (0, "hello from prog\n")


def test_unknown_flag(aws_env):
    r = run_here(aws_env, "exec", "--nope", "app", "--", "true")
    assert (r.returncode, r.stderr) == (1, "Error: unknown flag: --nope\n")


def test_listing_error_wrapped_strict_unwrapped(aws_env):
    extra = {"CHAMBER_AWS_SSM_ENDPOINT": "http://127.0.0.1:9", "CHAMBER_RETRIES": "1"}
    r = run_here(aws_env, "exec", "app", "--", "true", extra=extra)
    assert r.returncode == 1
    assert r.stderr.startswith("Error: Failed to list store contents: ")
    assert r.stderr.count("\n") == 1
    r = run_here(aws_env, "exec", "--strict", "app", "--", "true", extra=extra)
    assert r.returncode == 1
    assert r.stderr.startswith("Error: ") and "Failed to list" not in r.stderr


def test_size_guard_names_key_never_value(aws_env, ssm_client):
    big = "Q" * (130 * 1024)
    put(ssm_client, "big", "huge-blob", big)  # moto accepts it; real SSM would refuse > 4 KB
    r = run_here(aws_env, "exec", "big", "--", "true")
    assert r.returncode == 1
    assert r.stderr.startswith("Error: environment variable HUGE_BLOB (secret /big/huge-blob of "
                               "service big) is too large")
    assert "QQQQ" not in r.stderr
    assert r.stderr.count("\n") == 1


# --- --dry-run and --verbose ---------------------------------------------------------------------
def test_dry_run_table(seeded):
    r = run_here(seeded, "exec", "--dry-run", "app", "common", "--", "true")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "Name\t\tService\t\tKey\t\tVersion\n"
        "DB_PASSWORD\tapp\t\tdb-password\t1\n"
        "LOG.LEVEL\tapp\t\tlog.level\t3\n"
        "REGION\t\tcommon\t\tregion\t\t1\n"
        "SHARED\t\tcommon\t\tshared\t\t0\n")
    assert r.stderr == "warning: service common overwriting environment variable SHARED\n"
    for v in SENTINEL_VALUES:
        assert v not in r.stdout + r.stderr


def test_dry_run_still_checks_the_command(seeded):
    r = run_here(seeded, "exec", "--dry-run", "app", "--", "no-such-program-xyz")
    assert r.returncode == 1 and "executable file not found" in r.stderr


def test_verbose_names_but_never_values(seeded):
    r = run(seeded, "--verbose", "exec", "--pristine", "app", "common", "--", "env",
            extra={"DB_PASSWORD": "chamberme"})
    assert r.returncode == 0
    assert "chamber: pristine mode engaged" in r.stderr
    assert "DB_PASSWORD" in r.stderr
    for v in SENTINEL_VALUES + ("eu-west-1",):
        assert v not in r.stderr
    r = run(seeded, "exec", "--verbose", "--strict", "app", "--", "true",
            extra={"DB_PASSWORD": "chamberme"})
    assert r.returncode == 0
    assert "chamber: strict mode engaged" in r.stderr
    for v in SENTINEL_VALUES:
        assert v not in r.stderr


# --- other backends ---------------------------------------------------------------------------
def test_null_backend_passes_environment_through(aws_env):
    r = run(aws_env, "-b", "null", "exec", "app", "--", "env", extra={"KEEPME": "1"})
    assert r.returncode == 0
    assert env_lines(r.stdout)["KEEPME"] == "1"


def test_local_backend(aws_env, tmp_path):
    pytest.importorskip("pychamber.stores.local")
    import base64

    extra = {"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "s.db"),
             "PYCHAMBER_LOCAL_KEY": base64.b64encode(os.urandom(32)).decode()}
    for svc, key, value in (("one", "a-key", "1"), ("one", "shared", "one"), ("two", "shared", "two")):
        w = run_here(aws_env, "write", svc, key, value, extra=extra)
        assert w.returncode == 0, w.stderr
    r = run(aws_env, "exec", "--pristine", "one", "two", "--", "env", extra=extra)
    assert r.returncode == 0, r.stderr
    assert env_lines(r.stdout) == {"A_KEY": "1", "SHARED": "two"}
    assert r.stderr == "warning: service two overwriting environment variable SHARED\n"
    r = run_here(aws_env, "exec", "--dry-run", "one", "--", "true", extra=extra)
    assert r.stdout.splitlines()[1].split() == ["A_KEY", "one", "a-key", "1"]
    p = subprocess.Popen(pychamber("exec", "one", "--", "sh", "-c", "echo $$"),
                         env={**aws_env, **extra}, stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(timeout=60)
    assert int(out) == p.pid
