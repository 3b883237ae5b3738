"""Texts checked against chamber v3.1.4's source (segmentio/chamber), where the reference is
silent."""

from __future__ import annotations


def test_export_error_names_the_service(run_cli):
    # cmd/export.go: fmt.Errorf("Failed to list store contents for service %s: %w", service, err)
    r = run_cli("-r", "1", "export", "web", "other", env_extra={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert r.returncode == 1
    assert r.stderr.startswith("Error: Failed to list store contents for service web: operation error "
                               "SSM: GetParametersByPath, ")
    assert len(r.stderr.splitlines()) == 1


def test_the_program_name_is_the_name_it_was_invoked_as(tmp_path):
    # cobra uses the command's Use/argv[0]: a pychamber installed as "chamber" says "chamber"
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    launcher = tmp_path / "chamber"
    launcher.write_text(f"#!{sys.executable}\nfrom pychamber.cli import main\nmain()\n")
    launcher.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(src)}
    r = subprocess.run([str(launcher), "nosuch"], capture_output=True, text=True, env=env, timeout=60)
    assert (r.returncode, r.stderr) == (1, 'Error: unknown command "nosuch" for "chamber"\n'
                                           "Run 'chamber --help' for usage.\n")
    r = subprocess.run([str(launcher), "read", "x"], capture_output=True, text=True, env=env, timeout=60)
    assert "Usage:\n  chamber read <service> <key> [flags]\n\nFlags:\n" in r.stderr
    r = subprocess.run([sys.executable, "-m", "pychamber", "nosuch"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert 'for "pychamber"' in r.stderr


def test_a_value_with_a_nul_byte_is_refused_at_write_and_import(run_cli):
    r = run_cli("write", "web", "k", "-", input=b"a\0b")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to write secret k: the value contains a NUL "
                                           "byte, which no program's environment can hold\n")
    r = run_cli("import", "web", "-", input=b'{"k": "a\\u0000b"}')
    assert r.returncode == 1 and "NUL byte" in r.stderr and "nothing was written" in r.stderr
    assert run_cli("list", "web").stdout.count("\n") == 1  # header only: nothing stored


# --- issue 14.1: cobra's usage block after an argument error -------------------------------------
# chamber's cmd/root.go Execute: after an error whose text contains "arg(s)" or "usage" it calls
# cmd.Usage(): cobra v1.8.1's UsageTemplate (command.go) with pflag v1.0.5's FlagUsagesWrapped
# (flag.go): the flags sorted by name (env and export: SortFlags = false, help added last), the
# column at the longest "  -x, --name type" + 3, "(default %q)" for a string, "(default v)" for
# other types unless the default is the type's zero (a stringToString's "[]" is not), a usage's
# own line breaks indented to the column, the hidden (deprecated) --min-throttle-delay left out.
# The texts are chamber's (cmd/*.go); pychamber adds the local backend to --backend's list.

GLOBAL_FLAGS = """Global Flags:
  -b, --backend string             Backend to use; AKA $CHAMBER_SECRET_BACKEND
                                   \tnull: no-op
                                   \tssm: SSM Parameter Store
                                   \tsecretsmanager: Secrets Manager
                                   \ts3: S3; requires --backend-s3-bucket
                                   \ts3-kms: S3 using AWS-KMS encryption; requires --backend-s3-bucket and --kms-key-alias set (if you want to write or delete keys).
                                   \tlocal: an encrypted SQLite database on this machine (pychamber only) (default "ssm")
      --backend-s3-bucket string   bucket for S3 backend; AKA $CHAMBER_S3_BUCKET
      --kms-key-alias string       KMS Key Alias for writing and deleting secrets; AKA $CHAMBER_KMS_KEY_ALIAS. This option is currently only supported for the S3-KMS backend. (default "alias/parameter_store_key")
  -r, --retries int                For SSM or Secrets Manager, the number of retries we'll make before giving up; AKA $CHAMBER_RETRIES (default 10)
      --retry-mode string          For SSM, the model used to retry requests
                                     standard
                                     adaptive (default "standard")
      --verbose                    Print more information to STDERR
"""


def test_an_argument_error_prints_cobras_whole_usage_block(run_cli):
    # chamber's lines, in cobra's sorted order, with pychamber's own flags among them
    # (read --exact-key, write --tier)
    r = run_cli("read", "x")
    assert r.returncode == 1
    assert r.stderr == """Error: accepts 2 arg(s), received 1
Usage:
  pychamber read <service> <key> [flags]

Flags:
      --exact-key     Prevent normalization of the provided key in order to read a key written with other casing (as delete --exact-key)
  -h, --help          help for read
  -q, --quiet         Only print the secret
  -v, --version int   The version number of the secret. Defaults to latest. (default -1)

""" + GLOBAL_FLAGS


def test_the_usage_block_of_write_tag_and_a_group_command(run_cli):
    r = run_cli("write", "a", "b")
    assert r.stderr == """Error: accepts 3 arg(s), received 2
Usage:
  pychamber write <service> <key> [--] <value|-> [flags]

Flags:
  -h, --help                  help for write
      --preserve-case         store the key exactly as given, capitals included (chamber lower-cases it; read it back with read --exact-key)
  -s, --singleline            Insert single line parameter (end with \\n)
      --skip-unchanged        Skip writing secret if value is unchanged
  -t, --tags stringToString   Add tags to the secret; new secrets only (default [])
      --tier string           SSM parameter tier: standard (values up to 4096 bytes, the default), advanced (8192) or intelligent-tiering

""" + GLOBAL_FLAGS
    r = run_cli("tag", "write", "a", "b")
    assert r.stderr == """Error: requires at least 3 arg(s), only received 2
Usage:
  pychamber tag write <service> <key> <tag>... [flags]

Flags:
      --delete-other-tags   Delete tags not specified in the command
  -h, --help                help for write

""" + GLOBAL_FLAGS


def test_env_and_export_list_their_flags_in_declaration_order(run_cli):
    # cmd/env.go and cmd/export.go: envCmd.Flags().SortFlags = false; cobra adds -h last
    r = run_cli("env")
    assert r.stderr.startswith("""Error: accepts 1 arg(s), received 0
Usage:
  pychamber env <service> [flags]

Flags:
  -p, --preserve-case    preserve variable name case
  -e, --escape-strings   escape special characters in values
  -h, --help             help for env

Global Flags:
""")
    r = run_cli("export")
    flags = r.stderr.split("Flags:\n", 1)[1].split("\n\n")[0].splitlines()
    # chamber's two first, in its order; pychamber's own (-f k8s-secret's --name, -f github's
    # --mask) after them; help last
    assert [line.split()[0] for line in flags] == ["-f,", "-o,", "--name", "--mask", "-h,"]


def test_exec_prints_its_examples_and_the_usage_on_a_missing_dash(run_cli):
    # cmd/exec.go: "... See usage" contains "usage"; the template prints Example under Examples:
    r = run_cli("exec", "svc")
    assert r.returncode == 1
    assert r.stderr.startswith("""Error: please separate services and command with '--'. See usage
Usage:
  pychamber exec <service...> -- <command> [<arg...>] [flags]

Examples:

Given a secret store like this:

\t$ echo '{"db_username": "root", "db_password": "hunter22"}' | pychamber import - \n""")
    assert "\tDB_PASSWORD=hunter22\n\n\nFlags:\n" in r.stderr
    assert """      --strict                       enable strict mode:
                                     only inject secrets for which there is a corresponding env var with value
                                     <strict-value>, and fail if there are any env vars with that value missing
                                     from secrets
""" in r.stderr
    assert """      --strict-value string          value to expect in --strict mode (default "chamberme")
""" in r.stderr
    # pflag's NoOptDefVal of a string flag: --release string[="current"] (the widest, the column)
    assert """      --release string[="current"]   read the services' current release""" in r.stderr
    assert r.stderr.endswith(GLOBAL_FLAGS)


def test_any_error_mentioning_usage_gets_the_block_and_others_do_not(run_cli):
    # root.go tests the error's text, not its kind: a flag value "usage" brings the block too
    r = run_cli("read", "a", "b", "-v", "usage")
    assert r.stderr.startswith('Error: invalid argument "usage" for "-v, --version" flag: '
                               'strconv.ParseInt: parsing "usage": invalid syntax\nUsage:\n')
    r = run_cli("read", "a", "b", "-v", "x")
    assert r.stderr == ('Error: invalid argument "x" for "-v, --version" flag: '
                        'strconv.ParseInt: parsing "x": invalid syntax\n')


# --- issue 14.3: pflag's unknown-shorthand message -----------------------------------------------
def test_an_unknown_shorthand_quotes_the_rest_of_the_group(run_cli):
    # pflag flag.go parseSingleShortArg: failf("unknown shorthand flag: %q in -%s", c, shorthands)
    # where shorthands is what is left of the group when the unknown letter is reached
    r = run_cli("list", "-xyz", "svc")
    assert (r.returncode, r.stderr) == (1, "Error: unknown shorthand flag: 'x' in -xyz\n")
    r = run_cli("list", "-exyz", "svc")
    assert r.stderr == "Error: unknown shorthand flag: 'x' in -xyz\n"
    r = run_cli("list", "-e\x01z", "svc")
    assert r.stderr == "Error: unknown shorthand flag: '\\x01' in -\x01z\n"
    r = run_cli("list", "-e'", "svc")
    assert r.stderr == "Error: unknown shorthand flag: '\\'' in -'\n"
    r = run_cli("list", "-\u00e9", "svc")  # the first byte of a UTF-8 letter, as Go's %q of it
    assert r.stderr == "Error: unknown shorthand flag: '\u00c3' in -\u00e9\n"


# --- issue 14.4: flags are parsed before the argument count is checked ---------------------------
def test_a_flag_error_comes_before_the_argument_count(run_cli):
    # cobra command.go execute(): ParseFlags, then ValidateArgs
    r = run_cli("write", "app", "k", "-tnovalue")
    assert (r.returncode, r.stderr) == (
        1, 'Error: invalid argument "novalue" for "-t, --tags" flag: novalue must be formatted as '
           'key=value\n')
    r = run_cli("read", "app", "--nosuch")
    assert r.stderr == "Error: unknown flag: --nosuch\n"
    r = run_cli("read", "app", "-v")
    assert r.stderr == "Error: flag needs an argument: 'v' in -v\n"


def test_the_first_bad_flag_from_the_left_is_the_error(run_cli):
    r = run_cli("read", "a", "b", "-v", "abc", "--nosuch")
    assert r.stderr.startswith('Error: invalid argument "abc" for "-v, --version" flag')
    r = run_cli("read", "a", "b", "--nosuch", "-v", "abc")
    assert r.stderr == "Error: unknown flag: --nosuch\n"
    r = run_cli("read", "a", "b", "---x")
    assert r.stderr == "Error: bad flag syntax: ---x\n"


def test_flag_forms_pflag_accepts(run_cli):
    # -f=value, --bool=false, base-0 integers (strconv.ParseInt(s, 0, 64)): read as chamber reads them
    r = run_cli("-b", "null", "list", "svc", "-e=false")
    assert (r.returncode, r.stdout) == (0, "Key\tVersion\t\tLastModified\tUser\n")
    r = run_cli("-b", "null", "list", "svc", "-e", "--expand=0")
    assert r.stdout == "Key\tVersion\t\tLastModified\tUser\n"
    r = run_cli("-b", "null", "list", "svc", "--expand=T")
    assert r.stdout == "Key\tVersion\t\tLastModified\tUser\tValue\n"
    r = run_cli("-b", "null", "list", "svc", "--expand=yes")
    assert r.stderr == ('Error: invalid argument "yes" for "-e, --expand" flag: strconv.ParseBool: '
                        'parsing "yes": invalid syntax\n')
    r = run_cli("-b", "null", "read", "svc", "key", "-v0x10")
    assert r.stderr == "Error: Failed to read: Not implemented for Null Store\n"
    r = run_cli("-b", "null", "read", "svc", "key", "-v=1_000")
    assert r.stderr == "Error: Failed to read: Not implemented for Null Store\n"
    r = run_cli("-b", "null", "read", "svc", "key", "-v", "99999999999999999999")
    assert r.stderr == ('Error: invalid argument "99999999999999999999" for "-v, --version" flag: '
                        'strconv.ParseInt: parsing "99999999999999999999": value out of range\n')


# --- issue 14.5: import --normalize-keys with keys that collide after lower-casing ---------------
LOCAL = {"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_KEY": "A" * 43 + "=",
         "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _local(tmp_path):
    return {**LOCAL, "PYCHAMBER_LOCAL_PATH": str(tmp_path / "secrets.db")}


def test_import_normalize_keys_writes_every_input_key(run_cli, tmp_path):
    # cmd/import.go: for key, value := range toBeImported { key = NormalizeKey(key); Write(...) }
    # then "Successfully imported %d secrets" with len(toBeImported): two input keys that
    # lower-case alike are two writes (two versions of one secret) and two imported secrets
    env = _local(tmp_path)
    r = run_cli("import", "--normalize-keys", "web", "-", input='{"DB_HOST": "a", "db_host": "b", "Other": "c"}',
                env_extra=env)
    assert (r.returncode, r.stdout) == (0, "Successfully imported 3 secrets\n")
    listing = run_cli("list", "web", env_extra=env).stdout.splitlines()[1:]
    assert [tuple(line.split()[:2]) for line in listing] == [("db_host", "2"), ("other", "1")]
    assert run_cli("read", "-q", "web", "db_host", "-v", "1", env_extra=env).stdout == "a\n"
    assert run_cli("read", "-q", "web", "db_host", env_extra=env).stdout == "b\n"
    # without the flag the keys are written as given (chamber's behaviour, unchanged)
    r = run_cli("import", "other", "-", input='{"A": "1", "a": "2"}', env_extra=env)
    assert r.stdout == "Successfully imported 2 secrets\n"


# --- issue 14.6: list -t/-u/-v with equal sort keys: Go's sort.Sort order ------------------------
def test_list_by_version_keeps_gos_order_for_equal_versions(run_cli, tmp_path):
    # cmd/list.go: sort.Sort(ByName(secrets)) then sort.Sort(ByVersion(secrets)); 14 keys, every
    # even one at version 2: the order pdqsort leaves them in, traced by hand in
    # tests/compat/test_gosort.py (a stable sort would give k01 k03 ... k13 k00 k02 ...)
    env = _local(tmp_path)
    pairs = {f"k{i:02d}": "v" for i in range(14)}
    run_cli("import", "svc", "-", input=__import__("json").dumps(pairs), env_extra=env, check=True)
    again = {f"k{i:02d}": "w" for i in range(0, 14, 2)}
    run_cli("import", "svc", "-", input=__import__("json").dumps(again), env_extra=env, check=True)
    r = run_cli("list", "-v", "svc", env_extra=env)
    keys = [line.split()[0] for line in r.stdout.splitlines()[1:]]
    assert keys == [f"k{i:02d}" for i in (9, 1, 13, 3, 7, 5, 11, 12, 6, 0, 10, 8, 4, 2)]


# --- issue 14.8: the tag commands against cmd/tag*.go ---------------------------------------------
def test_tag_command_texts_and_errors(run_cli):
    # cmd/tag.go, tag-read.go, tag-write.go, tag-delete.go: Use, Short, Args, the messages
    from pychamber.cli.commands import BY_PATH, children

    assert {c.name: c.short for c in children("tag")} == {
        "read": "Read tags for a specific secret", "write": "Write tags for a specific secret",
        "delete": "Delete tags for a specific secret"}
    assert BY_PATH["tag"].short == "work with tags on secrets"
    r = run_cli("tag", "read", "a")
    assert r.stderr.startswith("Error: accepts 2 arg(s), received 1\nUsage:\n  pychamber tag read "
                               "<service> <key> [flags]\n\nFlags:\n  -h, --help   help for read\n\n")
    r = run_cli("tag", "delete", "a", "b")
    assert r.stderr.startswith("Error: requires at least 3 arg(s), only received 2\nUsage:\n  "
                               "pychamber tag delete <service> <key> <tag key>... [flags]\n\nFlags:\n"
                               "  -h, --help   help for delete\n\nGlobal Flags:\n")
    r = run_cli("tag", "write", "Bad!", "k", "a=b")
    assert r.stderr.startswith("Error: Failed to validate service: Failed to validate service name "
                               "'bad!'")
    r = run_cli("tag", "write", "svc", "K!", "a=b")
    assert r.stderr.startswith("Error: Failed to validate key: Failed to validate key name 'k!'")
    r = run_cli("tag", "write", "svc", "k", "novalue")
    assert r.stderr == "Error: Failed to parse tag novalue: tag must be in the form key=value\n"
    r = run_cli("tag", "write", "svc", "k", "a=")
    assert r.stderr == ("Error: Failed to validate tag with key a: Failed to validate tag value ''. "
                        "Only 256 alphanumeric, space, and characters +-=._:/@ are allowed for tag values\n")
    r = run_cli("tag", "write", "svc", "k", "a!=b")
    assert r.stderr == ("Error: Failed to validate tag with key a!: Failed to validate tag key 'a!'. "
                        "Only 128 alphanumeric, space, and characters +-=._:/@ are allowed for tag keys\n")
    r = run_cli("tag", "delete", "svc", "k", "ok", "a!")
    assert r.stderr == ("Error: Failed to validate tag key a!: Failed to validate tag key 'a!'. "
                        "Only 128 alphanumeric, space, and characters +-=._:/@ are allowed for tag keys\n")
    r = run_cli("tag", "write", "svc", "k", "a=b", "--nosuch")
    assert r.stderr == "Error: unknown flag: --nosuch\n"


def test_tag_with_no_such_subcommand_prints_its_help(run_cli):
    # cobra: legacyArgs checks subcommands at the root only; tag is not runnable -> its help, exit 0
    r = run_cli("tag", "nosuch")
    assert (r.returncode, r.stderr) == (0, "")
    assert "work with tags on secrets" in r.stdout


def test_tag_write_and_read_tables_on_ssm(run_cli):
    # tag-write.go prints the tags it wrote as a Key/Value table; --delete-other-tags removes the
    # others (store/ssmstore.go WriteTags); tag-read.go the same table of what is stored
    run_cli("write", "svc", "k", "v", check=True)
    r = run_cli("tag", "write", "svc", "K", "team=core", "env=prod", "env=dev")
    assert (r.returncode, r.stdout) == (0, "Key\tValue\nteam\tcore\nenv\tdev\n")
    r = run_cli("tag", "write", "--delete-other-tags", "svc", "k", "only=this")
    assert r.stdout == "Key\tValue\nonly\tthis\n"
    assert run_cli("tag", "read", "svc", "k").stdout == "Key\tValue\nonly\tthis\n"
    assert run_cli("tag", "delete", "svc", "k", "only").stdout == ""
    assert run_cli("tag", "read", "svc", "k").stdout == "Key\tValue\n"
    r = run_cli("tag", "read", "svc", "missing")
    assert r.stderr == "Error: Failed to read tags: secret not found\n"


def test_global_flags_take_pflags_forms_too(run_cli):
    # -b=null is pflag's "-b" with the value "null" (flag.go parseSingleShortArg: '-f=arg'),
    # on the typer path and on exec's fast path; -r is an int (strconv.ParseInt(s, 0, 64));
    # --min-throttle-delay a duration (hidden, deprecated, still checked)
    r = run_cli("list", "svc", "-b=null")
    assert (r.returncode, r.stdout) == (0, "Key\tVersion\t\tLastModified\tUser\n")
    r = run_cli("exec", "--dry-run", "-b=null", "svc", "--", "true")
    assert (r.returncode, r.stdout) == (0, "Name\tService\t\tKey\tVersion\n")
    assert run_cli("-r", "0x10", "-b", "null", "list", "svc").returncode == 0
    r = run_cli("-b", "null", "list", "svc", "-r", "abc")
    assert r.stderr == ('Error: invalid argument "abc" for "-r, --retries" flag: strconv.ParseInt: '
                        'parsing "abc": invalid syntax\n')
    r = run_cli("-b", "null", "list", "svc", "--min-throttle-delay", "x")
    assert r.stderr == 'Error: invalid argument "x" for "--min-throttle-delay" flag: time: invalid duration "x"\n'


def test_an_error_before_the_command_parsed_gets_the_found_commands_usage(run_cli):
    # cobra's ExecuteC: Find (stripFlags: -r takes the next word) names read; read's ParseFlags
    # fails on -r's value; the error mentions "usage", so read's usage follows
    r = run_cli("-r", "usage", "read", "a", "b")
    assert r.stderr.startswith('Error: invalid argument "usage" for "-r, --retries" flag: '
                               'strconv.ParseInt: parsing "usage": invalid syntax\nUsage:\n'
                               "  pychamber read <service> <key> [flags]\n\nFlags:\n")
    # a group's usage: not runnable, its subcommands sorted and padded to at least 11
    r = run_cli("tag", "-r", "usage")
    assert """Usage:
  pychamber tag [command]

Available Commands:
  delete      Delete tags for a specific secret
  read        Read tags for a specific secret
  write       Write tags for a specific secret

Flags:
  -h, --help   help for tag

Global Flags:
""" in r.stderr
    assert r.stderr.endswith('\n\nUse "pychamber tag [command] --help" for more information about a command.\n')


def test_an_unknown_command_named_usage_prints_the_roots_usage(run_cli):
    # cobra prints "unknown command" and its Run line; root.go then sees "usage" in the error
    r = run_cli("usage")
    assert r.stderr.startswith('Error: unknown command "usage" for "pychamber"\n'
                               "Run 'pychamber --help' for usage.\nUsage:\n  pychamber [command]\n\n"
                               "Available Commands:\n  completion    Generate the autocompletion script")
    assert "\n  list-services List services\n" in r.stderr  # rpad(Name, 13) + " " + Short
    # the root never ran: cobra had not added its help flag (InitDefaultHelpFlag is in execute)
    assert "-h, --help" not in r.stderr
    assert "\n  -b, --backend string             Backend to use" in r.stderr
    assert "Global Flags:" not in r.stderr
    assert r.stderr.endswith('Use "pychamber [command] --help" for more information about a command.\n')
    r = run_cli("nosuch")
    assert r.stderr == 'Error: unknown command "nosuch" for "pychamber"\nRun \'pychamber --help\' for usage.\n'


def test_help_of_an_unknown_topic_is_cobras(run_cli):
    # cobra command.go InitDefaultHelpCmd: Root().Find(args) fails -> c.Printf("Unknown help topic
    # %#q\n", args) and the root's Usage(), both on stderr, exit 0; words after a command that
    # Find reaches are its arguments, so "help read nosuch" is read's help
    r = run_cli("help", "nosuch", "a`b")
    assert (r.returncode, r.stdout) == (0, "")
    assert r.stderr.startswith('Unknown help topic [`nosuch` "a`b"]\nUsage:\n  pychamber [command]\n\n'
                               "Available Commands:\n")
    r = run_cli("help", "read", "nosuch")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.startswith("Read a specific secret from the parameter store\n\nUsage:\n"
                               "  pychamber read <service> <key> [flags]\n")
    r = run_cli('x"y')  # cobra's %q of the name
    assert r.stderr.startswith('Error: unknown command "x\\"y" for "pychamber"\n')


def test_a_global_flag_inside_a_group_of_shorthands_applies(run_cli):
    # pflag parses -ebnosuch as -e and -b nosuch: the command's flags and the inherited ones mix
    r = run_cli("list", "svc", "-ebnosuch")
    assert r.stderr == "Error: Failed to get secret store: invalid backend `NOSUCH`\n"


def test_an_unknown_command_gets_cobras_suggestions(run_cli):
    # cobra command.go findSuggestions/SuggestionsFor (Levenshtein <= 2 ignoring case, or a
    # prefix), over the available commands in the order chamber adds them (its cmd/*.go init
    # functions in file-name order: list-services before list; help is never suggested)
    r = run_cli("lst")
    assert r.stderr == ('Error: unknown command "lst" for "pychamber"\n\nDid you mean this?\n\tlist\n\n'
                        "Run 'pychamber --help' for usage.\n")
    r = run_cli("LIST-")
    assert r.stderr == ('Error: unknown command "LIST-" for "pychamber"\n\nDid you mean this?\n'
                        "\tlist-services\n\tlist\n\nRun 'pychamber --help' for usage.\n")
    assert "\thelp\n" not in run_cli("hel").stderr


def test_a_bool_global_flag_with_a_value(run_cli):
    # pflag's bool flags take --flag=value (strconv.ParseBool); --verbose=false is quiet
    r = run_cli("-b", "null", "list", "svc", "--verbose=false")
    assert (r.returncode, r.stderr) == (0, "")
    r = run_cli("-b", "null", "exec", "--dry-run", "svc", "--verbose=1", "--", "true")
    assert r.returncode == 0 and "level=DEBUG" in r.stderr
    r = run_cli("-b", "null", "exec", "--dry-run", "svc", "--verbose=f", "--", "true")
    assert (r.returncode, r.stderr) == (0, "")
    r = run_cli("-b", "null", "list", "svc", "--verbose=maybe")
    assert r.stderr == ('Error: invalid argument "maybe" for "--verbose" flag: strconv.ParseBool: '
                        'parsing "maybe": invalid syntax\n')
