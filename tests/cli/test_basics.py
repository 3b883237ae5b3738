"""CLI behaviour that needs no store: arguments, errors, exit codes, global flags, start-up.
Run in-process on a fake console (conftest.invoke); what a fresh interpreter imports and the
console script as processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import invoke, spawn

SRC = str(Path(__file__).resolve().parents[2] / "src")


def cli(*args, input=b"", env_extra=None, run=invoke):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    env["PYTHONPATH"] = SRC
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # never reach for instance metadata
    env.update(env_extra or {})
    p = run(args, env, input)
    return p.returncode, p.stdout_bytes.decode(), p.stderr_bytes.decode()


def cli_subprocess(*args, **kw):
    """``cli`` as ``python -m pychamber`` in a child process."""
    return cli(*args, run=lambda a, env, input: spawn(a, env, input, timeout=60), **kw)


def test_version():
    from pychamber import __version__
    assert cli("version") == (0, f"pychamber v{__version__}\n", "")
    assert cli("version", "extra", "args")[0] == 0


def test_version_as_chamber_and_no_cli_library_on_any_path():
    """``version`` names the program as invoked; no command line imports typer or click (one
    parse, chamber's grammar: cli.parse)."""
    from conftest import FakeConsole

    from pychamber.cli import run_cli

    console = FakeConsole(b"")
    assert run_cli(["version"], console, prog="chamber") == 0
    assert (console.stdout_bytes, console.stderr_bytes) == (
        b"chamber v" + __import__("pychamber").__version__.encode() + b"\n", b"")
    for argv in (["version"], ["--help"], ["exec", "--dry-run", "-b", "null", "s", "--", "true"],
                 ["write", "-h"], ["nosuch"], ["completion", "bash"]):
        code = ("import sys, runpy; sys.argv=['pychamber', *%r]\n"
                "try:\n    runpy.run_module('pychamber', run_name='__main__')\n"
                "except SystemExit as e:\n    pass\n"
                "bad = [m for m in sys.modules if m.split('.')[0] in ('typer', 'click', 'pydantic')]\n"
                "assert not bad, bad\n" % (argv,))
        p = subprocess.run([sys.executable, "-c", code], capture_output=True,
                           env={**os.environ, "PYTHONPATH": SRC})
        assert p.returncode == 0, (argv, p.stderr.decode())


@pytest.mark.parametrize("args", [["version"], ["--help"], ["write", "--help"], []])
def test_help_and_version_import_no_aws(args):
    code = ("import sys, runpy; sys.argv=['pychamber', *%r]\n"
            "try:\n    runpy.run_module('pychamber', run_name='__main__')\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'keyring', 'rich')]\n"
            "assert not bad, bad\n" % (args,))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, env={**os.environ, "PYTHONPATH": SRC})
    assert p.returncode == 0, p.stderr.decode()


def test_no_args_prints_help():
    code, out, err = cli()
    assert code == 0 and "CLI for storing secrets" in out and "write" in out


@pytest.mark.parametrize("args,msg", [
    (["write", "a", "b"], "accepts 3 arg(s), received 2"),
    (["write", "a", "b", "c", "d"], "accepts 3 arg(s), received 4"),
    (["read", "a"], "accepts 2 arg(s), received 1"),
    (["list"], "accepts 1 arg(s), received 0"),
    (["history", "a"], "accepts 2 arg(s), received 1"),
    (["delete", "a", "b", "c"], "accepts 2 arg(s), received 3"),
    (["find"], "accepts 1 arg(s), received 0"),
    (["tag", "read", "a"], "accepts 2 arg(s), received 1"),
    (["tag", "write", "a", "b"], "requires at least 3 arg(s), only received 2"),
    (["tag", "delete", "a", "b"], "requires at least 3 arg(s), only received 2"),
])
def test_argument_counts_print_usage(args, msg):
    code, out, err = cli(*args)
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {msg}\nUsage:\n  pychamber ")
    assert "Traceback" not in err


def test_unknown_command_and_flags():
    assert cli("nope") == (1, "", 'Error: unknown command "nope" for "pychamber"\n'
                                  "Run 'pychamber --help' for usage.\n")
    assert cli("list", "svc", "--bogus") == (1, "", "Error: unknown flag: --bogus\n")
    assert cli("list", "svc", "-x") == (1, "", "Error: unknown shorthand flag: 'x' in -x\n")
    code, _, err = cli("read", "a", "b", "-v")
    assert code == 1 and err == "Error: flag needs an argument: 'v' in -v\n"


VALIDATION = [
    (["write", "bad svc", "k", "v"], "Failed to validate service: Failed to validate service name 'bad svc'."),
    (["write", "svc", "bad/key", "v"], "Failed to validate key: Failed to validate key name 'bad/key'."),
    (["read", "/svc", "k"], "Failed to validate service: Failed to validate service name '/svc'."),
    (["history", "svc", "k!"], "Failed to validate key: Failed to validate key name 'k!'."),
    (["delete", "svc/", "k"], "Failed to validate service: Failed to validate service name 'svc/'."),
    (["list", "svc:label"], "Failed to validate service: Failed to validate service name 'svc:label'. "
                            "Only alphanumeric, dashes, forward slashes, full stops and underscores are "
                            "allowed for service names, and colon followed by a label name."),
    (["tag", "write", "svc", "k", "novalue"], "Failed to parse tag novalue: tag must be in the form key=value"),
    (["tag", "write", "svc", "k", "t=v!"], "Failed to validate tag with key t: Failed to validate tag value 'v!'."),
    (["tag", "delete", "svc", "k", "t!"], "Failed to validate tag key t!: Failed to validate tag key 't!'."),
    (["write", "svc", "k", "v", "-t", "novalue"],
     'invalid argument "novalue" for "-t, --tags" flag: novalue must be formatted as key=value'),
]


@pytest.mark.parametrize("args,msg", VALIDATION)
def test_validation_errors(args, msg):
    code, out, err = cli(*args, env_extra={"CHAMBER_SECRET_BACKEND": "null"})
    assert code == 1 and out == ""
    assert err.startswith("Error: " + msg)
    assert err.count("\n") == 1


def test_service_and_key_lower_cased_before_validation():
    # Upper case is fine: it is lower-cased first (then null store refuses to write).
    code, _, err = cli("-b", "null", "write", "SVC", "KEY", "v")
    assert (code, err) == (1, "Error: Write is not implemented for Null Store\n")


def test_reserved_service_warning():
    code, _, err = cli("-b", "null", "list", "_chamber")
    assert code == 0
    assert err.startswith("Service name _chamber is reserved for chamber's own use")


@pytest.mark.parametrize("args,env,msg", [
    (["-b", "bogus", "list", "svc"], {}, "Failed to get secret store: invalid backend `BOGUS`"),
    (["list", "svc"], {"CHAMBER_SECRET_BACKEND": "Bogus"}, "Failed to get secret store: invalid backend `BOGUS`"),
    (["list", "svc"], {"CHAMBER_RETRIES": "ten"},
     "Failed to get secret store: Cannot parse $CHAMBER_RETRIES to an integer."),
    (["--kms-key-alias", "other", "list", "svc"], {},
     "Failed to get secret store: Unable to use --kms-key-alias with this backend. Use CHAMBER_KMS_KEY_ALIAS instead."),
    (["-b", "s3", "--kms-key-alias", "other", "--backend-s3-bucket", "b", "list", "svc"], {},
     "Failed to get secret store: Unable to use --kms-key-alias with this backend."),
    (["-b", "s3", "list", "svc"], {}, "Failed to get secret store: Must set bucket for s3 backend"),
    (["--retry-mode", "fast", "list", "svc"], {}, "Failed to get secret store: Invalid retry mode fast"),
])
def test_store_construction_errors(args, env, msg):
    assert cli(*args, env_extra=env) == (1, "", f"Error: {msg}\n")


def test_global_flags_anywhere_before_double_dash():
    header = "Key\tVersion\t\tLastModified\tUser\n"
    assert cli("list", "svc", "-b", "null") == (0, header, "")
    assert cli("list", "--backend=null", "svc") == (0, header, "")
    assert cli("-bnull", "list", "svc") == (0, header, "")
    assert cli("list", "svc", env_extra={"CHAMBER_SECRET_BACKEND": "NULL"}) == (0, header, "")
    # the flag wins over the variable
    assert cli("-b", "null", "list", "svc", env_extra={"CHAMBER_SECRET_BACKEND": "bogus"})[0] == 0


def test_null_backend_outputs():
    env = {"CHAMBER_SECRET_BACKEND": "null"}
    assert cli("history", "svc", "key", env_extra=env) == (0, "Event\tVersion\t\tDate\tUser\n", "")
    assert cli("list-services", env_extra=env) == (0, "Service\n", "")
    assert cli("find", "x", env_extra=env) == (0, "Service\n", "")
    assert cli("find", "-v", "x", env_extra=env) == (0, "Service\t\tKey\n", "")
    assert cli("read", "svc", "key", env_extra=env) == (
        1, "", "Error: Failed to read: Not implemented for Null Store\n")
    assert cli("tag", "read", "svc", "key", env_extra=env) == (
        1, "", "Error: Failed to read tags: Not implemented for Null Store\n")


def test_deprecated_min_throttle_delay():
    code, out, err = cli("--min-throttle-delay", "1s", "-b", "null", "list", "svc")
    assert code == 0
    assert err == "Flag --min-throttle-delay has been deprecated, use --retry-mode instead\n"


def test_singleline_stdin_without_newline_is_eof():
    assert cli("-b", "null", "write", "-s", "svc", "key", "-", input=b"no newline") == (1, "", "Error: EOF\n")


def test_python_m_and_console_script_agree():
    import shutil
    exe = shutil.which("pychamber")
    if exe is None:
        pytest.skip("console script not installed")
    p = subprocess.run([exe, "version"], capture_output=True)
    assert p.stdout == cli_subprocess("version")[1].encode()


def test_integer_flag_error_is_pflags():
    assert cli("read", "-v", "abc", "svc", "k") == (
        1, "", 'Error: invalid argument "abc" for "-v, --version" flag: strconv.ParseInt: '
               'parsing "abc": invalid syntax\n')


def test_help_command_and_usage_lines():
    code, out, _ = cli("help", "write")
    assert code == 0 and out.startswith(
        "write a secret\n\nUsage:\n  pychamber write <service> <key> [--] <value|-> [flags]\n")
    assert cli("help", "tag", "write")[1].startswith(
        "Write tags for a specific secret\n\nUsage:\n  pychamber tag write <service> <key> <tag>... [flags]\n")
    assert cli("help")[1] == cli("--help")[1]
    code, out, err = cli("help", "nope")
    assert code == 0 and err.startswith("Unknown help topic [`nope`]\nUsage:\n") and out == ""  # test_parity
