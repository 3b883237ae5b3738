"""chamber v3.1.4's bytes when pychamber runs under the name ``chamber`` (issue 18): every help
form (``--help``, ``-h``, ``help CMD``, the bare root, groups), the usage block after an
argument error, cobra's hidden ``__complete`` request, and the parity gaps, each against texts
derived from cobra 1.8.1's templates (command.go ``HelpTemplate``/``UsageTemplate``,
completions.go), pflag 1.0.5's ``FlagUsagesWrapped``/``UnquoteUsage`` and chamber's cmd/*.go.
Under the name ``pychamber`` the same layout shows pychamber's own commands and flags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FakeConsole

SRC = str(Path(__file__).resolve().parents[2] / "src")

# Each command's text up to its "Global Flags:" block (the root's whole text); GLOBAL is the
# root's persistent flags as every command lists them (pflag sorts them; the deprecated, hence
# hidden, --min-throttle-delay is left out; the column is the widest "--flag type" + 3).
GLOBAL = ('  -b, --backend string             Backend to use; AKA $CHAMBER_SECRET_BACKEND\n'
     '                                   \tnull: no-op\n'
     '                                   \tssm: SSM Parameter Store\n'
     '                                   \tsecretsmanager: Secrets Manager\n'
     '                                   \ts3: S3; requires --backend-s3-bucket\n'
     '                                   \ts3-kms: S3 using AWS-KMS encryption; requires --backend-s3-bucket and --kms-key-alias set (if you want to write or delete keys). (default "ssm")\n'
     '      --backend-s3-bucket string   bucket for S3 backend; AKA $CHAMBER_S3_BUCKET\n'
     '      --kms-key-alias string       KMS Key Alias for writing and deleting secrets; AKA $CHAMBER_KMS_KEY_ALIAS. This option is currently only supported for the S3-KMS backend. (default "alias/parameter_store_key")\n'
     "  -r, --retries int                For SSM or Secrets Manager, the number of retries we'll make before giving up; AKA $CHAMBER_RETRIES (default 10)\n"
     '      --retry-mode string          For SSM, the model used to retry requests\n'
     '                                     standard\n'
     '                                     adaptive (default "standard")\n'
     '      --verbose                    Print more information to STDERR\n')

HELP = {
    '': ('CLI for storing secrets\n'
     '\n'
     'Usage:\n'
     '  chamber [command]\n'
     '\n'
     'Available Commands:\n'
     '  completion    Generate the autocompletion script for the specified shell\n'
     '  delete        Delete a secret, including all versions\n'
     '  env           Print the secrets from the parameter store in a format to export as environment variables\n'
     '  exec          Executes a command with secrets loaded into the environment\n'
     '  export        Exports parameters in the specified format\n'
     '  find          Find the given secret across all services\n'
     '  help          Help about any command\n'
     '  history       View the history of a secret\n'
     '  import        import secrets from json or yaml\n'
     '  list          List the secrets set for a service\n'
     '  list-services List services\n'
     '  read          Read a specific secret from the parameter store\n'
     '  tag           work with tags on secrets\n'
     '  version       print version\n'
     '  write         write a secret\n'
     '\n'
     'Flags:\n'
     '  -b, --backend string             Backend to use; AKA $CHAMBER_SECRET_BACKEND\n'
     '                                   \tnull: no-op\n'
     '                                   \tssm: SSM Parameter Store\n'
     '                                   \tsecretsmanager: Secrets Manager\n'
     '                                   \ts3: S3; requires --backend-s3-bucket\n'
     '                                   \ts3-kms: S3 using AWS-KMS encryption; requires --backend-s3-bucket and --kms-key-alias set (if you want to write or delete keys). (default "ssm")\n'
     '      --backend-s3-bucket string   bucket for S3 backend; AKA $CHAMBER_S3_BUCKET\n'
     '  -h, --help                       help for chamber\n'
     '      --kms-key-alias string       KMS Key Alias for writing and deleting secrets; AKA $CHAMBER_KMS_KEY_ALIAS. This option is currently only supported for the S3-KMS backend. (default "alias/parameter_store_key")\n'
     "  -r, --retries int                For SSM or Secrets Manager, the number of retries we'll make before giving up; AKA $CHAMBER_RETRIES (default 10)\n"
     '      --retry-mode string          For SSM, the model used to retry requests\n'
     '                                     standard\n'
     '                                     adaptive (default "standard")\n'
     '      --verbose                    Print more information to STDERR\n'
     '\n'
     'Use "chamber [command] --help" for more information about a command.\n'),
    'completion': ('Generate the autocompletion script for chamber for the specified shell.\n'
     "See each sub-command's help for details on how to use the generated script.\n"
     '\n'
     'Usage:\n'
     '  chamber completion [command]\n'
     '\n'
     'Available Commands:\n'
     '  bash        Generate the autocompletion script for bash\n'
     '  fish        Generate the autocompletion script for fish\n'
     '  powershell  Generate the autocompletion script for powershell\n'
     '  zsh         Generate the autocompletion script for zsh\n'
     '\n'
     'Flags:\n'
     '  -h, --help   help for completion\n'),
    'completion bash': ('Generate the autocompletion script for the bash shell.\n'
     '\n'
     "This script depends on the 'bash-completion' package.\n"
     "If it is not installed already, you can install it via your OS's package manager.\n"
     '\n'
     'To load completions in your current shell session:\n'
     '\n'
     '\tsource <(chamber completion bash)\n'
     '\n'
     'To load completions for every new session, execute once:\n'
     '\n'
     '#### Linux:\n'
     '\n'
     '\tchamber completion bash > /etc/bash_completion.d/chamber\n'
     '\n'
     '#### macOS:\n'
     '\n'
     '\tchamber completion bash > $(brew --prefix)/etc/bash_completion.d/chamber\n'
     '\n'
     'You will need to start a new shell for this setup to take effect.\n'
     '\n'
     'Usage:\n'
     '  chamber completion bash\n'
     '\n'
     'Flags:\n'
     '  -h, --help              help for bash\n'
     '      --no-descriptions   disable completion descriptions\n'),
    'completion fish': ('Generate the autocompletion script for the fish shell.\n'
     '\n'
     'To load completions in your current shell session:\n'
     '\n'
     '\tchamber completion fish | source\n'
     '\n'
     'To load completions for every new session, execute once:\n'
     '\n'
     '\tchamber completion fish > ~/.config/fish/completions/chamber.fish\n'
     '\n'
     'You will need to start a new shell for this setup to take effect.\n'
     '\n'
     'Usage:\n'
     '  chamber completion fish [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help              help for fish\n'
     '      --no-descriptions   disable completion descriptions\n'),
    'completion powershell': ('Generate the autocompletion script for powershell.\n'
     '\n'
     'To load completions in your current shell session:\n'
     '\n'
     '\tchamber completion powershell | Out-String | Invoke-Expression\n'
     '\n'
     'To load completions for every new session, add the output of the above command\n'
     'to your powershell profile.\n'
     '\n'
     'Usage:\n'
     '  chamber completion powershell [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help              help for powershell\n'
     '      --no-descriptions   disable completion descriptions\n'),
    'completion zsh': ('Generate the autocompletion script for the zsh shell.\n'
     '\n'
     'If shell completion is not already enabled in your environment you will need\n'
     'to enable it.  You can execute the following once:\n'
     '\n'
     '\techo "autoload -U compinit; compinit" >> ~/.zshrc\n'
     '\n'
     'To load completions in your current shell session:\n'
     '\n'
     '\tsource <(chamber completion zsh)\n'
     '\n'
     'To load completions for every new session, execute once:\n'
     '\n'
     '#### Linux:\n'
     '\n'
     '\tchamber completion zsh > "${fpath[1]}/_chamber"\n'
     '\n'
     '#### macOS:\n'
     '\n'
     '\tchamber completion zsh > $(brew --prefix)/share/zsh/site-functions/_chamber\n'
     '\n'
     'You will need to start a new shell for this setup to take effect.\n'
     '\n'
     'Usage:\n'
     '  chamber completion zsh [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help              help for zsh\n'
     '      --no-descriptions   disable completion descriptions\n'),
    'delete': ('Delete a secret, including all versions\n'
     '\n'
     'Usage:\n'
     '  chamber delete <service> <key> [flags]\n'
     '\n'
     'Flags:\n'
     '      --exact-key   Prevent normalization of the provided key in order to delete any keys that match the exact provided casing.\n'
     '  -h, --help        help for delete\n'),
    'env': ('Print the secrets from the parameter store in a format to export as environment variables\n'
     '\n'
     'Usage:\n'
     '  chamber env <service> [flags]\n'
     '\n'
     'Flags:\n'
     '  -p, --preserve-case    preserve variable name case\n'
     '  -e, --escape-strings   escape special characters in values\n'
     '  -h, --help             help for env\n'),
    'exec': ('Executes a command with secrets loaded into the environment\n'
     '\n'
     'Usage:\n'
     '  chamber exec <service...> -- <command> [<arg...>] [flags]\n'
     '\n'
     'Examples:\n'
     '\n'
     'Given a secret store like this:\n'
     '\n'
     '\t$ echo \'{"db_username": "root", "db_password": "hunter22"}\' | chamber import - \n'
     '\n'
     '--strict will fail with unfilled env vars\n'
     '\n'
     '\t$ HOME=/tmp DB_USERNAME=chamberme DB_PASSWORD=chamberme EXTRA=chamberme chamber exec --strict service exec -- env\n'
     '\tchamber: extra unfilled env var EXTRA\n'
     '\texit 1\n'
     '\n'
     '--pristine takes effect after checking for --strict values\n'
     '\n'
     '\t$ HOME=/tmp DB_USERNAME=chamberme DB_PASSWORD=chamberme chamber exec --strict --pristine service exec -- env\n'
     '\tDB_USERNAME=root\n'
     '\tDB_PASSWORD=hunter22\n'
     '\n'
     '\n'
     'Flags:\n'
     '  -h, --help                  help for exec\n'
     '      --pristine              only use variables retrieved from the backend; do not inherit existing environment variables\n'
     '      --strict                enable strict mode:\n'
     '                              only inject secrets for which there is a corresponding env var with value\n'
     '                              <strict-value>, and fail if there are any env vars with that value missing\n'
     '                              from secrets\n'
     '      --strict-value string   value to expect in --strict mode (default "chamberme")\n'),
    'export': ('Exports parameters in the specified format\n'
     '\n'
     'Usage:\n'
     '  chamber export <service...> [flags]\n'
     '\n'
     'Flags:\n'
     '  -f, --format string        Output format (json, yaml, java-properties, csv, tsv, dotenv, tfvars) (default "json")\n'
     '  -o, --output-file string   Output file (default is standard output)\n'
     '  -h, --help                 help for export\n'),
    'find': ('Find the given secret across all services\n'
     '\n'
     'Usage:\n'
     '  chamber find <secret name> [flags]\n'
     '\n'
     'Flags:\n'
     '  -v, --by-value   Find parameters by value\n'
     '  -h, --help       help for find\n'),
    'help': ('Help provides help for any command in the application.\n'
     'Simply type chamber help [path to command] for full details.\n'
     '\n'
     'Usage:\n'
     '  chamber help [command] [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help   help for help\n'),
    'history': ('View the history of a secret\n'
     '\n'
     'Usage:\n'
     '  chamber history <service> <key> [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help   help for history\n'),
    'import': ('import secrets from json or yaml\n'
     '\n'
     'Usage:\n'
     '  chamber import <service> <file|-> [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help                           help for import\n'
     '      --normalize-keys chamber write   Normalize keys to match how chamber write would handle them. If not specified, keys will be written exactly how they are defined in the import source.\n'),
    'list': ('List the secrets set for a service\n'
     '\n'
     'Usage:\n'
     '  chamber list <service> [flags]\n'
     '\n'
     'Flags:\n'
     '  -e, --expand    Expand parameter list with values\n'
     '  -h, --help      help for list\n'
     '  -t, --time      Sort by modified time\n'
     '  -u, --user      Sort by user\n'
     '  -v, --version   Sort by version\n'),
    'list-services': ('List services\n'
     '\n'
     'Usage:\n'
     '  chamber list-services <service> [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help      help for list-services\n'
     '  -s, --secrets   Include secret names in the list\n'),
    'read': ('Read a specific secret from the parameter store\n'
     '\n'
     'Usage:\n'
     '  chamber read <service> <key> [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help          help for read\n'
     '  -q, --quiet         Only print the secret\n'
     '  -v, --version int   The version number of the secret. Defaults to latest. (default -1)\n'),
    'tag': ('work with tags on secrets\n'
     '\n'
     'Usage:\n'
     '  chamber tag [command]\n'
     '\n'
     'Available Commands:\n'
     '  delete      Delete tags for a specific secret\n'
     '  read        Read tags for a specific secret\n'
     '  write       Write tags for a specific secret\n'
     '\n'
     'Flags:\n'
     '  -h, --help   help for tag\n'),
    'tag delete': ('Delete tags for a specific secret\n'
     '\n'
     'Usage:\n'
     '  chamber tag delete <service> <key> <tag key>... [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help   help for delete\n'),
    'tag read': ('Read tags for a specific secret\n'
     '\n'
     'Usage:\n'
     '  chamber tag read <service> <key> [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help   help for read\n'),
    'tag write': ('Write tags for a specific secret\n'
     '\n'
     'Usage:\n'
     '  chamber tag write <service> <key> <tag>... [flags]\n'
     '\n'
     'Flags:\n'
     '      --delete-other-tags   Delete tags not specified in the command\n'
     '  -h, --help                help for write\n'),
    'version': ('print version\n'
     '\n'
     'Usage:\n'
     '  chamber version [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help   help for version\n'),
    'write': ('write a secret\n'
     '\n'
     'Usage:\n'
     '  chamber write <service> <key> [--] <value|-> [flags]\n'
     '\n'
     'Flags:\n'
     '  -h, --help                  help for write\n'
     '  -s, --singleline            Insert single line parameter (end with \\n)\n'
     '      --skip-unchanged        Skip writing secret if value is unchanged\n'
     '  -t, --tags stringToString   Add tags to the secret; new secrets only (default [])\n'),
}

GROUPS = ("completion", "tag")


def expected_help(path: str) -> str:
    if not path:
        return HELP[""]
    text = HELP[path] + "\nGlobal Flags:\n" + GLOBAL
    if path in GROUPS:
        text += f'\nUse "chamber {path} [command] --help" for more information about a command.\n'
    return text


def run(*argv: str, prog: str = "chamber", stdin: bytes = b"") -> tuple[int, str, str]:
    from pychamber.cli import run_cli

    console = FakeConsole(stdin)
    code = run_cli(list(argv), console, prog=prog)
    return code, console.stdout_bytes.decode(), console.stderr_bytes.decode()


@pytest.mark.parametrize("path", sorted(HELP))
def test_every_help_form_is_chambers(path):
    words = path.split()
    want = (0, expected_help(path), "")
    forms = [[*words, "--help"], [*words, "-h"], ["help", *words]]
    if not path:
        forms.append([])  # the root is not runnable: its help
    if path in GROUPS:
        forms.append(words)  # nor is a group
        forms.append([*words, "frob"])  # legacyArgs checks words only at the root: still its help
    for argv in forms:
        assert run(*argv) == want, argv


def usage_of(path: str) -> str:
    """A command's usage block: its help without the Short/Long paragraph."""
    return expected_help(path).split("\n\n", 1)[1] if HELP[path].count("Usage:") == 1 else ""


@pytest.mark.parametrize("argv,path,message", [
    (["write", "a", "b"], "write", "accepts 3 arg(s), received 2"),
    (["read", "a"], "read", "accepts 2 arg(s), received 1"),
    (["list"], "list", "accepts 1 arg(s), received 0"),
    (["env", "a", "b"], "env", "accepts 1 arg(s), received 2"),
    (["import", "a"], "import", "accepts 2 arg(s), received 1"),
    (["export"], "export", "requires at least 1 arg(s), only received 0"),
    (["find"], "find", "accepts 1 arg(s), received 0"),
    (["history", "a"], "history", "accepts 2 arg(s), received 1"),
    (["delete", "a"], "delete", "accepts 2 arg(s), received 1"),
    (["tag", "read", "a"], "tag read", "accepts 2 arg(s), received 1"),
    (["tag", "write", "a", "b"], "tag write", "requires at least 3 arg(s), only received 2"),
    (["tag", "delete", "a", "b"], "tag delete", "requires at least 3 arg(s), only received 2"),
    (["exec", "svc"], "exec", "please separate services and command with '--'. See usage"),
    (["exec", "--", "true"], "exec",
     "at least one service must be specified: requires at least 1 arg(s), only received 0"),
    (["exec", "svc", "--"], "exec",
     "must specify command to run. See usage: requires at least 1 arg(s), only received 0"),
])
def test_the_usage_block_after_an_argument_error_is_chambers(argv, path, message):
    assert run(*argv) == (1, "", f"Error: {message}\n" + usage_of(path))


def test_help_of_an_unknown_topic_has_no_help_flag_line():
    # cobra's help command: c.Root().Find fails -> "Unknown help topic %#q" and the root's
    # Usage(); the root never ran, so InitDefaultHelpFlag never added its -h line
    root_usage = HELP[""].split("\n\n", 1)[1].replace("  -h, --help                       help for chamber\n", "")
    assert run("help", "frob") == (0, "", "Unknown help topic [`frob`]\n" + root_usage)
    assert "-h, --help" not in root_usage


def test_unknown_commands_and_suggestions_name_no_pychamber_command():
    assert run("ec") == (1, "", 'Error: unknown command "ec" for "chamber"\n\nDid you mean this?\n\tenv\n'
                                "\texec\n\nRun 'chamber --help' for usage.\n")
    assert run("ec", prog="pychamber")[2] == (
        'Error: unknown command "ec" for "pychamber"\n\nDid you mean this?\n\tenv\n\texec\n\tecs\n\n'
        "Run 'pychamber --help' for usage.\n")
    assert run("doctorr")[2] == 'Error: unknown command "doctorr" for "chamber"\nRun \'chamber --help\' for usage.\n'


def test_pychamber_name_shows_its_additions_in_the_same_layout():
    code, out, _ = run("--help", prog="pychamber")
    assert code == 0
    for line in ("  materialize   Write the services' secrets as files, one per key\n",
                 "  doctor        check region, credentials, KMS key and permissions\n",
                 "\tlocal: an encrypted SQLite database on this machine (pychamber only) (default \"ssm\")\n",
                 "  -h, --help                       help for pychamber\n",
                 "  import        import secrets from json, yaml or dotenv\n"):
        assert line in out
    out = run("write", "--help", prog="pychamber")[1]
    assert "      --tier string           SSM parameter tier:" in out
    out = run("import", "--help", prog="pychamber")[1]
    assert '      --flatten SEP[="_"]              JSON/YAML: store nested maps as keys joined by SEP' in out
    for argv in (["--help"], ["write", "--help"], ["exec", "-h"], ["export", "-h"], ["import", "-h"]):
        out = run(*argv)[1]
        for own in ("local", "--tier", "--watch", "--dry-run", "--mask", "--flatten", "materialize", "doctor",
                    "ecs", "pychamber"):
            assert own not in out, (argv, own)



@pytest.mark.parametrize("argv", [["release"], ["release", "--help"], ["help", "ecs"], ["materialize", "-h"]])
def test_a_pychamber_command_run_as_chamber_shows_its_whole_help(argv):
    """pychamber's own commands still run under chamber's name: their help lists their
    subcommands and flags (it was "Usage:" with nothing below it, and no --dir)."""
    code, out, _ = run(*argv)
    assert code == 0
    name = argv[-1] if argv[0] == "help" else argv[0]
    own = run(*argv, prog="pychamber")[1].replace(f"pychamber {name}", f"chamber {name}")
    assert out.split("Global Flags:")[0] == own.split("Global Flags:")[0]
    assert out.split("Global Flags:\n")[1].startswith(GLOBAL)  # chamber's: no "local" backend
    assert "Usage:\n\n" not in out and "local" not in out

# --- the parity gaps of issue 18 ------------------------------------------------------------------
def test_a_bool_global_flag_with_a_value_before_the_command():
    from pychamber import __version__

    assert run("--verbose=false", "version") == (0, f"chamber v{__version__}\n", "")
    assert run("--verbose=true", "version")[0] == 0


def test_help_with_a_value_is_pflags_bool_error():
    assert run("--help=bogus") == (1, "", 'Error: invalid argument "bogus" for "-h, --help" flag: '
                                          'strconv.ParseBool: parsing "bogus": invalid syntax\n')
    assert run("--help=false", "version")[1].startswith("chamber v")
    assert run("write", "--help=true") == (0, expected_help("write"), "")


@pytest.mark.parametrize("argv", [["completion"], ["completion", "bsh"], ["completion", "bash", "-h"]])
def test_completion_without_a_shell_prints_its_help(argv):
    code, out, err = run(*argv)
    path = "completion bash" if "bash" in argv else "completion"
    assert (code, out, err) == (0, expected_help(path), "")


def test_completion_has_powershell_and_no_descriptions():
    for shell in ("bash", "zsh", "fish", "powershell"):
        code, out, err = run("completion", shell, "--no-descriptions")
        assert code == 0 and err == "" and "chamber" in out
    code, _, err = run("completion", "bash", "extra")
    assert (code, err) == (1, 'Error: unknown command "extra" for "chamber completion bash"\n')


def test_a_very_long_command_line_is_one_error_in_bounded_time():
    """300k words (more than ARG_MAX lets a process have): linear, not the seconds per 100k
    words a list's pop(0) cost (about 20 s here before)."""
    import time

    start = time.monotonic()
    code, out, err = run("read", *[str(i) for i in range(300_000)])
    assert (code, out, err.split("\n")[0]) == (1, "", "Error: accepts 2 arg(s), received 300000")
    assert time.monotonic() - start < 8


def test_a_multibyte_shorthand_takes_no_word_when_finding_the_command():
    """cobra's stripFlags counts bytes: "-é" (3) is not "-f value", so "read" names the command
    and pflag's error is the flag's (it said: unknown command "svc")."""
    assert run("-é", "read", "svc", "k") == (1, "", "Error: unknown shorthand flag: 'Ã' in -é\n")


def test_a_missing_shorthand_value_is_pflags():
    assert run("list", "app", "-b") == (1, "", "Error: flag needs an argument: 'b' in -b\n")
    assert run("list", "app", "--backend") == (1, "", "Error: flag needs an argument: --backend\n")


def test_export_reports_an_invalid_service_before_the_format(aws_process_env):
    code, out, err = run("export", "-f", "bogus", "")
    assert (code, out) == (1, "")
    assert err == ("Error: Failed to validate service : Failed to validate service name ''. Only alphanumeric, "
                   "dashes, forward slashes, full stops and underscores are allowed for service names. Service "
                   "names must not start or end with a forward slash\n")
    assert run("export", "-f", "bogus", "svc")[2] == (
        "Error: Unable to export parameters: Unsupported export format: bogus\n")


# --- cobra's hidden completion request ---------------------------------------------------------------
def test_complete_request_lists_chambers_commands_with_descriptions():
    code, out, err = run("__complete", "")
    lines = out.splitlines()
    assert code == 0 and lines[-1] == ":4"
    listed = HELP[""].split("Available Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert lines[:-1] == ["\t".join(line.split(None, 1)) for line in listed]
    assert err == "Completion ended with directive: ShellCompDirectiveNoFileComp\n"
    assert run("__completeNoDesc", "tag", "") == (
        0, "delete\nread\nwrite\n:4\n", "Completion ended with directive: ShellCompDirectiveNoFileComp\n")


def test_complete_request_lists_flags_inherited_first():
    code, out, _ = run("__complete", "read", "-")
    assert out == ("--backend\tBackend to use; AKA $CHAMBER_SECRET_BACKEND\n"
                   "-b\tBackend to use; AKA $CHAMBER_SECRET_BACKEND\n"
                   "--backend-s3-bucket\tbucket for S3 backend; AKA $CHAMBER_S3_BUCKET\n"
                   "--kms-key-alias\tKMS Key Alias for writing and deleting secrets; AKA $CHAMBER_KMS_KEY_ALIAS. "
                   "This option is currently only supported for the S3-KMS backend.\n"
                   "--retries\tFor SSM or Secrets Manager, the number of retries we'll make before giving up; "
                   "AKA $CHAMBER_RETRIES\n"
                   "-r\tFor SSM or Secrets Manager, the number of retries we'll make before giving up; "
                   "AKA $CHAMBER_RETRIES\n"
                   "--retry-mode\tFor SSM, the model used to retry requests\n"
                   "--verbose\tPrint more information to STDERR\n"
                   "--help\thelp for read\n-h\thelp for read\n"
                   "--quiet\tOnly print the secret\n-q\tOnly print the secret\n"
                   "--version\tThe version number of the secret. Defaults to latest.\n"
                   "-v\tThe version number of the secret. Defaults to latest.\n:4\n")
    # a flag already given is not offered again; a value flag's value gets the shell's default
    assert "--quiet" not in run("__complete", "read", "-q", "--q")[1]
    assert run("__complete", "read", "-v", "")[1] == ":0\n"
    code, out, err = run("__complete", "nosuch", "x", "")
    assert (code, out) == (0, ":0\n")
    assert err == ("[Debug] [Error] unable to find a command for arguments: [nosuch x]\n"
                   "Completion ended with directive: ShellCompDirectiveDefault\n")


def test_invoked_through_a_chamber_link(tmp_path):
    """argv[0]'s base name decides: a ``chamber`` symlink to the entry point prints chamber's bytes."""
    launcher = tmp_path / "pychamber"
    launcher.write_text(f"#!{sys.executable}\nfrom pychamber.cli import main\nmain()\n")
    launcher.chmod(0o755)
    (tmp_path / "chamber").symlink_to(launcher)
    env = {**os.environ, "PYTHONPATH": SRC}
    p = subprocess.run([str(tmp_path / "chamber"), "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, HELP[""], "")
    p = subprocess.run([str(launcher), "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert "materialize" in p.stdout
