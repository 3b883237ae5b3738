"""What is generated from the CLI: the shell completion scripts (committed in completions/, run
here in real bash, and in zsh, fish and PowerShell where the machine has them, under both names,
``pychamber`` and a ``chamber`` link), the hidden ``__names`` they call for names from the store
(silent, and bounded in time), and the README's command reference; and every command and flag
has help text."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import invoke

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
KEY = base64.b64encode(b"c" * 32).decode()
FILES = {"bash": "pychamber.bash", "zsh": "_pychamber", "fish": "pychamber.fish", "powershell": "pychamber.ps1"}
PLAIN = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
REGEN = "run `python scripts/generate.py`"


def generate(shell):
    p = invoke(["completion", shell], PLAIN, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


# --- generated and committed ------------------------------------------------------------------
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completions_dir_is_current(shell):
    assert (ROOT / "completions" / FILES[shell]).read_text() == generate(shell), REGEN


def test_completions_dir_holds_only_the_four_scripts():
    assert sorted(p.name for p in (ROOT / "completions").iterdir()) == sorted(FILES.values())


def test_readme_command_reference_is_current():
    from pychamber.cli.completion import readme_with_reference

    readme = (ROOT / "README.md").read_text()
    assert readme_with_reference(readme) == readme, REGEN


def test_readme_names_every_global_flag():
    from pychamber.settings import flags

    readme = (ROOT / "README.md").read_text()
    section = readme.split("Global flags:", 1)[1].split("\n\n", 1)[0]
    for f in flags("global"):
        if not f.hidden:
            assert f"`{'/'.join(f.names)}`" in section, f.names


def test_every_command_and_flag_has_help():
    from pychamber.cli.commands import COMMANDS
    from pychamber.settings import FLAGS

    paths = {c.path for c in COMMANDS}
    for c in COMMANDS:
        assert c.short.strip(), f"{c.path}: no help"
    for f in FLAGS:
        assert f.help.strip(), f"{f.scope} {'/'.join(f.names)}: no help"
        assert f.scope == "global" or f.scope in paths, f"{f.names}: no command {f.scope!r}"
    assert len(FLAGS) > 30


def test_the_hidden_command_is_hidden(store_env):
    p = invoke(["--help"], PLAIN)
    assert p.returncode == 0 and b"__names" not in p.stdout_bytes and b"__complete" not in p.stdout_bytes
    assert bash_complete(store_env, ["pychamber", "_"]) == []
    assert bash_complete(store_env, ["pychamber", "help", "_"]) == []


def test_unknown_shell_prints_the_completion_help():
    # cobra: completion is not runnable; a word that names no shell is an argument, and cobra
    # prints the command's help, exit 0
    p = invoke(["completion", "tcsh"], PLAIN, text=True)
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout.startswith("Generate the autocompletion script for pychamber for the specified shell.\n")


# --- a store to complete from ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def store_env(tmp_path_factory):
    """The local backend holding web/{api_key,db_url} and worker/queue, and ``pychamber`` on
    PATH (a wrapper running this interpreter), as a user's shell would have it."""
    tmp = tmp_path_factory.mktemp("completion")
    bindir = tmp / "bin"
    bindir.mkdir()
    wrapper = bindir / "pychamber"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pychamber "$@"\n')
    wrapper.chmod(0o755)
    (bindir / "chamber").symlink_to(wrapper)  # the README's drop-in link
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    env.update({"PYTHONPATH": str(SRC), "PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp),
                "CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp / "s.db"),
                "PYCHAMBER_LOCAL_KEY": KEY, "AWS_EC2_METADATA_DISABLED": "true",
                "XDG_CONFIG_HOME": str(tmp / "config"), "XDG_DATA_HOME": str(tmp / "data")})
    for svc, key in (("web", "api_key"), ("web", "db_url"), ("worker", "queue")):
        assert invoke(["write", svc, key, "v"], env).returncode == 0
    return env


def silent_endpoint():
    """A socket that accepts connections and never answers: the slowest network there is."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def slow_aws_env(store_env, sock):
    env = {k: v for k, v in store_env.items() if k != "CHAMBER_SECRET_BACKEND"}
    env.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{sock.getsockname()[1]}",
                "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_DEFAULT_REGION": "us-east-1"})
    return env


# --- __names ---------------------------------------------------------------------------------
def test_complete_lists_services_and_keys(store_env):
    def out(*args):
        p = invoke(["__names", *args], store_env)
        assert (p.returncode, p.stderr_bytes) == (0, b"")
        return p.stdout_bytes.decode().split()

    assert out("services") == ["web", "worker"]
    assert out("services", "WO") == ["worker"]
    assert out("keys", "web") == ["api_key", "db_url"]
    assert out("keys", "nothing") == []


@pytest.mark.parametrize("args", [["keys", "bad service!"], ["keys"], ["frob"], [], ["services", "a", "b"]])
def test_complete_is_silent_on_bad_input(store_env, args):
    p = invoke(["__names", *args], store_env)
    assert (p.returncode, p.stdout_bytes, p.stderr_bytes) == (0, b"", b"")


def test_complete_is_silent_when_the_store_fails(store_env):
    for flags in (["-b", "s3"], ["-b", "nosuch"]):  # no bucket; no such backend
        p = invoke([*flags, "__names", "services"], store_env)
        assert (p.returncode, p.stdout_bytes, p.stderr_bytes) == (0, b"", b"")
    p = invoke(["__names", "keys", "web"], {**store_env, "PYCHAMBER_LOCAL_PATH": str(SRC)})  # a directory
    assert (p.returncode, p.stdout_bytes, p.stderr_bytes) == (0, b"", b"")


@pytest.mark.parametrize("value", ["nan", "inf", "1e300", "-1", "x"])
def test_complete_is_silent_with_a_bad_deadline_variable(store_env, value):
    p = invoke(["__names", "services"], {**store_env, "PYCHAMBER_COMPLETE_TIMEOUT": value})
    assert (p.returncode, p.stdout_bytes, p.stderr_bytes) == (0, b"web\nworker\n", b"")


def test_complete_gives_up_at_its_deadline_on_a_silent_network(store_env):
    sock = silent_endpoint()
    try:
        start = time.monotonic()
        p = subprocess.run([sys.executable, "-m", "pychamber", "__names", "services"],
                           env=slow_aws_env(store_env, sock), capture_output=True, timeout=120)
        took = time.monotonic() - start
    finally:
        sock.close()
    assert (p.returncode, p.stdout, p.stderr) == (0, b"", b"")
    # the store alone would wait for botocore's timeouts and retries (minutes); 2 s + start-up
    assert took < 20, took


# --- bash -------------------------------------------------------------------------------------
def bash_complete(env, words, script=ROOT / "completions" / "pychamber.bash"):
    arr = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    out = subprocess.run(["bash", "--norc", "-c", f'source "{script}"; COMP_WORDS=({arr}); '
                          f'COMP_CWORD={len(words) - 1}; _pychamber; printf "%s\\n" "${{COMPREPLY[@]}}"'],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.stderr == ""
    return out.stdout.split()


FORMATS = ["json", "yaml", "java-properties", "properties", "csv", "tsv", "dotenv", "tfvars", "dotenv-portable",
           "shell", "docker",
           "github", "k8s-secret"]


@pytest.mark.parametrize("words,want", [
    (["pychamber", "wr"], ["write"]),
    (["pychamber", "-b", "local", "li"], ["list", "list-services"]),
    (["pychamber", "write", "svc", "--sk"], ["--skip-unchanged"]),
    (["pychamber", "tag", "w"], ["write"]),
    (["pychamber", "tag", "write", "s", "k", "--del"], ["--delete-other-tags"]),
    (["pychamber", "ecs", ""], ["policy", "secrets"]),
    (["pychamber", "--ret"], ["--retries", "--retry-mode"]),
    (["pychamber", "-b", ""], ["null", "ssm", "secretsmanager", "s3", "s3-kms", "local"]),
    (["pychamber", "read", "--backend", "s3"], ["s3", "s3-kms"]),
    (["pychamber", "export", "-f", ""], FORMATS),
    (["pychamber", "export", "web", "--format", "j"], ["json", "java-properties"]),
    (["pychamber", "import", "--format", ""], ["json", "yaml", "dotenv"]),
    (["pychamber", "--retry-mode", "a"], ["adaptive"]),
    (["pychamber", "ecs", "policy", "web", "--role", ""], ["execution", "task", "writer", "publisher"]),
    (["pychamber", "completion", ""], ["bash", "fish", "powershell", "zsh"]),
    (["pychamber", "help", "ex"], ["exec", "export"]),
    (["pychamber", "export", "-o", "x"], []),  # a file: the shell's own completion
    (["pychamber", "export", "--format", "=", "ya"], ["yaml"]),  # bash splits --format=ya
    (["pychamber", "--backend", "=", "local", "rea"], ["read"]),
])
def test_bash_completes_commands_flags_and_values(store_env, words, want):
    assert bash_complete(store_env, words) == want


@pytest.mark.parametrize("words,want", [
    (["pychamber", "read", ""], ["web", "worker"]),
    (["pychamber", "read", "wo"], ["worker"]),
    (["pychamber", "read", "web", ""], ["api_key", "db_url"]),
    (["pychamber", "read", "-q", "web", "d"], ["db_url"]),
    (["pychamber", "tag", "read", "web", "a"], ["api_key"]),
    (["pychamber", "write", "web", "db_url", ""], []),  # the value: never completed from the store
    (["pychamber", "export", "-f", "yaml", "web", "w"], ["web", "worker"]),
    (["pychamber", "exec", "--pristine", "web", "wor"], ["worker"]),
    (["pychamber", "-b", "null", "read", ""], []),  # the global flags are handed on
    (["pychamber", "--backend=null", "read", ""], []),
    (["pychamber", "--backend", "=", "null", "read", ""], []),
    (["pychamber", "--backend", "=", "local", "read", "w"], ["web", "worker"]),
    (["pychamber", "read", "-v", "=", "1", "web", "a"], ["api_key"]),
    # --flatten alone takes no value (pflag's NoOptDefVal): the next word is the service
    (["pychamber", "import", "--flatten", "wo"], ["worker"]),
])
def test_bash_completes_names_from_the_store(store_env, words, want):
    assert bash_complete(store_env, words) == want


@pytest.mark.parametrize("words,want", [
    (["chamber", "rea"], ["read"]),
    (["chamber", "read", "wo"], ["worker"]),
    (["chamber", "-b", "local", "read", "web", "a"], ["api_key"]),
    (["chamber", "completion", "p"], ["powershell"]),
])
def test_bash_completes_under_the_name_chamber(store_env, words, want):
    assert bash_complete(store_env, words) == want


def test_bash_after_the_double_dash_completes_a_command(store_env):
    assert "sh" in bash_complete(store_env, ["pychamber", "exec", "web", "--", "s"])


def test_bash_on_a_silent_network_completes_nothing_in_bounded_time(store_env):
    sock = silent_endpoint()
    try:
        start = time.monotonic()
        got = bash_complete(slow_aws_env(store_env, sock), ["pychamber", "read", ""])
        took = time.monotonic() - start
    finally:
        sock.close()
    assert got == [] and took < 20, took


def tab(child, typed: str) -> str:
    """Type ``typed`` and TAB at an interactive shell's prompt, then show the completed line:
    ^A, ``echo ``, Enter prints it whole, free of the line editor's redrawing."""
    child.send(typed + "\t")
    child.sendcontrol("a")
    child.sendline("echo --- ")
    child.expect(r"\r\n--- (.*?)\r\n")
    line = child.match.group(1)
    child.expect_exact("P> ")
    return line.strip()


def test_bash_tab_on_a_real_terminal(store_env):
    """An interactive bash on a pty: the script registers itself, and TAB completes from the store."""
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env={**store_env, "PS1": "P> ", "TERM": "dumb"},
                          timeout=60, encoding="utf-8")
    try:
        child.expect_exact("P> ")
        child.sendline(f'source "{ROOT / "completions" / "pychamber.bash"}"; complete -p pychamber')
        child.expect_exact("complete -o default -F _pychamber pychamber")
        child.expect_exact("P> ")
        child.sendline("complete -p chamber")
        child.expect_exact("complete -o default -F _pychamber chamber")
        child.expect_exact("P> ")
        assert tab(child, "pychamber read wo") == "pychamber read worker"
        assert tab(child, "pychamber read worker qu") == "pychamber read worker queue"
    finally:
        child.close(force=True)


# --- zsh and fish, where the machine has them -------------------------------------------------
needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="no zsh on this machine")
needs_fish = pytest.mark.skipif(shutil.which("fish") is None, reason="no fish on this machine")


@needs_zsh
def test_zsh_from_fpath_completes_with_tab(store_env, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    fpath = tmp_path / "fpath"
    fpath.mkdir()
    shutil.copy(ROOT / "completions" / "_pychamber", fpath / "_pychamber")
    child = pexpect.spawn("zsh", ["-f", "-i"], env={**store_env, "PS1": "P> ", "TERM": "dumb"},
                          timeout=60, encoding="utf-8")
    try:
        child.expect_exact("P> ")
        child.sendline(f"bindkey -e; fpath=({fpath} $fpath); autoload -U compinit; compinit -u -D; echo READY")
        child.expect_exact("READY")
        child.expect_exact("P> ")
        for typed, want in [("pychamber rea", "pychamber read"),
                            ("pychamber read wo", "pychamber read worker"),
                            ("pychamber read worker qu", "pychamber read worker queue"),
                            ("pychamber export -f yam", "pychamber export -f yaml"),
                            ("pychamber -b secr", "pychamber -b secretsmanager"),
                            ("pychamber tag wr", "pychamber tag write"),
                            ("pychamber tag write web db", "pychamber tag write web db_url"),
                            ("chamber read wo", "chamber read worker")]:
            assert tab(child, typed) == want
    finally:
        child.close(force=True)


def fish_complete(env, line, script=ROOT / "completions" / "pychamber.fish"):
    out = subprocess.run(["fish", "--no-config", "-c", f"source '{script}'; complete -C '{line}'"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.stderr == ""
    return [ln.split("\t")[0] for ln in out.stdout.splitlines()]


@needs_fish
@pytest.mark.parametrize("line,want", [
    ("pychamber rea", ["read"]),
    ("pychamber read w", ["web", "worker"]),
    ("pychamber read web ", ["api_key", "db_url"]),
    ("pychamber -b local export web w", ["web", "worker"]),
    ("pychamber -b null read ", []),
    ("pychamber import --format ", ["dotenv", "json", "yaml"]),
    ("pychamber -b s3", ["s3", "s3-kms"]),
    ("pychamber tag ", ["delete", "read", "write"]),
    ("pychamber write web db_url --s", ["--singleline", "--skip-unchanged"]),
    ("pychamber completion ", ["bash", "fish", "powershell", "zsh"]),
    ("chamber rea", ["read"]),
    ("chamber read web ", ["api_key", "db_url"]),
])
def test_fish_completes(store_env, line, want):
    assert sorted(fish_complete(store_env, line)) == sorted(want)


@needs_fish
def test_fish_describes_commands_with_their_help(store_env):
    out = subprocess.run(["fish", "--no-config", "-c",
                          f"source '{ROOT / 'completions' / 'pychamber.fish'}'; complete -C 'pychamber hist'"],
                         capture_output=True, text=True, env=store_env, timeout=120)
    assert out.stdout == "history\tView the history of a secret\n"


# --- PowerShell, where the machine has it ---------------------------------------------------------
needs_pwsh = pytest.mark.skipif(shutil.which("pwsh") is None, reason="no pwsh on this machine")


def pwsh_complete(env, line):
    script = ROOT / "completions" / "pychamber.ps1"
    command = (f". '{script}'; (TabExpansion2 -inputScript '{line}' -cursorColumn {len(line)}).CompletionMatches "
               "| ForEach-Object { $_.CompletionText }")
    out = subprocess.run(["pwsh", "-NoProfile", "-NonInteractive", "-Command", command],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.stderr == ""
    return out.stdout.split()


@needs_pwsh
@pytest.mark.parametrize("line,want", [
    ("pychamber rea", ["read"]),
    ("pychamber read w", ["web", "worker"]),
    ("pychamber read web ", ["api_key", "db_url"]),
    ("pychamber -b s3", ["s3", "s3-kms"]),
    ("pychamber tag ", ["delete", "read", "write"]),
    ("pychamber write web db_url --s", ["--singleline", "--skip-unchanged"]),
    ("chamber rea", ["read"]),
    ("chamber read web ", ["api_key", "db_url"]),
])
def test_powershell_completes(store_env, line, want):
    assert sorted(pwsh_complete(store_env, line)) == sorted(want)


@needs_fish
def test_fish_without_descriptions(store_env, tmp_path):
    # cobra's completion <shell> --no-descriptions: the candidates without the commands' help
    p = invoke(["completion", "fish", "--no-descriptions"], PLAIN, text=True)
    assert p.returncode == 0 and "View the history of a secret" not in p.stdout
    script = tmp_path / "plain.fish"
    script.write_text(p.stdout)
    out = subprocess.run(["fish", "--no-config", "-c", f"source '{script}'; complete -C 'pychamber hist'"],
                         capture_output=True, text=True, env=store_env, timeout=120)
    assert out.stdout == "history\n"
