"""compat.cobra against cobra v1.8.1 and pflag v1.0.5, the versions chamber v3.1.4's go.mod pins
(github.com/spf13/cobra command.go: UsageTemplate, UseLine, the help flag; github.com/spf13/pflag
flag.go: FlagUsagesWrapped, UnquoteUsage, defaultIsZeroValue, parseArgs, parseLongArg,
parseSingleShortArg; int.go/bool.go/string_to_string.go: the values' Set)."""

from __future__ import annotations

import pytest

from pychamber.compat import cobra
from pychamber.compat.cobra import PFlag
from pychamber.compat.strconv import go_quote
from pychamber.errors import UsageError


def test_flag_usages_column_and_defaults():
    # the column: the longest "  -x, --name type" plus the "\x00" pflag measures, then
    # fmt.Fprintln's two separating spaces: at least three spaces before every usage
    flags = [PFlag("version", "v", "int", "-1", "The version"), PFlag("quiet", "q", "bool", "false", "Quiet"),
             PFlag("name", "", "string", "a\"b", "A name"), PFlag("count", "", "int", "0", "Zero not shown"),
             PFlag("empty", "", "string", "", "Empty not shown"), PFlag("tags", "t", "stringToString", "[]", "Tags"),
             PFlag("delay", "", "duration", "0s", "Hidden", hidden=True)]
    assert cobra.flag_usages(flags) == (
        "      --count int             Zero not shown\n"
        "      --empty string          Empty not shown\n"
        '      --name string           A name (default "a\\"b")\n'
        "  -q, --quiet                 Quiet\n"
        "  -t, --tags stringToString   Tags (default [])\n"
        "  -v, --version int           The version (default -1)")


def test_flag_usages_unquotes_a_back_quoted_name_and_indents_line_breaks():
    f = PFlag("normalize-keys", "", "bool", "false", "Match `chamber write`, not\nanything else")
    assert cobra.flag_usages([f, cobra.help_flag("import")]) == (
        "  -h, --help                           help for import\n"
        "      --normalize-keys chamber write   Match chamber write, not\n"
        "                                       anything else")


def test_flag_usages_unsorted_keeps_the_given_order():
    flags = [PFlag("preserve-case", "p"), PFlag("escape-strings", "e"), cobra.help_flag("env")]
    assert [line.split()[1] for line in cobra.flag_usages(flags, sort=False).splitlines()] == [
        "--preserve-case", "--escape-strings", "--help"]


def test_usage_text_sections():
    u = cobra.Usage("chamber read <service> <key>", [cobra.help_flag("read")],
                    [PFlag("verbose", "", "bool", "false", "More")])
    assert cobra.usage_text(u) == ("Usage:\n  chamber read <service> <key> [flags]\n\nFlags:\n"
                                   "  -h, --help   help for read\n\nGlobal Flags:\n"
                                   "      --verbose   More\n")
    group = cobra.Usage("", [cobra.help_flag("tag")], [], runnable=False, command_path="chamber tag",
                        subcommands=[("write", "Write tags"), ("read", "Read tags")])
    assert cobra.usage_text(group) == (
        "Usage:\n  chamber tag [command]\n\nAvailable Commands:\n  read        Read tags\n"
        "  write       Write tags\n\nFlags:\n  -h, --help   help for tag\n\n"
        'Use "chamber tag [command] --help" for more information about a command.\n')


def test_error_block_only_for_arg_s_or_usage():
    assert cobra.error_block("accepts 1 arg(s), received 0", "U\n") == "Error: accepts 1 arg(s), received 0\nU\n"
    assert cobra.error_block("see usage", "U\n") == "Error: see usage\nU\n"
    assert cobra.error_block("secret not found", "U\n") == "Error: secret not found\n"


FLAGS = [PFlag("expand", "e"), PFlag("version", "v", "int", "-1"), PFlag("tags", "t", "stringToString", "[]"),
         PFlag("name", "n", "string"), cobra.help_flag("x")]


@pytest.mark.parametrize("argv,message", [
    (["-xyz"], "unknown shorthand flag: 'x' in -xyz"),
    (["-exyz"], "unknown shorthand flag: 'x' in -xyz"),
    (["-e\x01"], "unknown shorthand flag: '\\x01' in -\x01"),
    (["-e\t"], "unknown shorthand flag: '\\t' in -\t"),
    (["-\\"], "unknown shorthand flag: '\\\\' in -\\"),
    (["-\u00ff"], "unknown shorthand flag: '\u00c3' in -\u00ff"),  # its first UTF-8 byte, 0xc3
    (["-\udc80"], "unknown shorthand flag: '\\u0080' in -\udc80"),  # an undecodable byte 0x80
    (["--nosuch=1"], "unknown flag: --nosuch"),
    (["---x"], "bad flag syntax: ---x"),
    (["--=x"], "bad flag syntax: --=x"),
    (["-v"], "flag needs an argument: 'v' in -v"),
    (["-ev"], "flag needs an argument: 'v' in -v"),
    (["--version"], "flag needs an argument: --version"),
    (["-vx"], 'invalid argument "x" for "-v, --version" flag: strconv.ParseInt: parsing "x": invalid syntax'),
    (["--expand=maybe"], 'invalid argument "maybe" for "-e, --expand" flag: strconv.ParseBool: parsing '
                         '"maybe": invalid syntax'),
    (["-tk"], 'invalid argument "k" for "-t, --tags" flag: k must be formatted as key=value'),
    (["-t", "a=1,b=2,c"], 'invalid argument "a=1,b=2,c" for "-t, --tags" flag: c must be formatted as key=value'),
    (["-v", "1", "--nosuch", "-v", "x"], "unknown flag: --nosuch"),
])
def test_parse_errors_in_pflags_words(argv, message):
    with pytest.raises(UsageError) as e:
        cobra.parse(argv, FLAGS)
    assert e.value.message == message


def test_parse_forms_and_dash():
    p = cobra.parse(["a", "-e=false", "-v0x1F", "-n", "-x", "--name=", "b", "--", "-e", "c"], FLAGS)
    assert [(f.name, v) for f, v in p.flags] == [("expand", "false"), ("version", "0x1F"), ("name", "-x"),
                                                 ("name", "")]
    assert (p.args, p.dash) == (["a", "b", "-e", "c"], 2)
    assert cobra.parse(["-", "x"], FLAGS).args == ["-", "x"]


def test_parse_skips_gos_test_flags_as_pflag_does():
    """pflag's parseSingleShortArg returns at once on shorthands starting "test." (go test's
    -test.v): the word is dropped, no error ("-etest.v" sets -e first)."""
    p = cobra.parse(["-test.v", "a", "-etest.x=1", "b"], FLAGS)
    assert ([(f.name, v) for f, v in p.flags], p.args) == ([("expand", "true")], ["a", "b"])


@pytest.mark.parametrize("text,value,err", [
    ("10", 10, None), ("-1", -1, None), ("+7", 7, None), ("0x1F", 31, None), ("0o17", 15, None),
    ("017", 15, None), ("0b101", 5, None), ("1_000", 1000, None), ("0x_1f", 31, None), ("0", 0, None),
    ("08", 0, "invalid syntax"), ("1__0", 0, "invalid syntax"), ("_1", 0, "invalid syntax"),
    ("1_", 0, "invalid syntax"), ("0x", 0, "invalid syntax"), ("", 0, "invalid syntax"), ("-", 0, "invalid syntax"),
    ("9223372036854775807", 9223372036854775807, None), ("-9223372036854775808", -9223372036854775808, None),
    ("9223372036854775808", 0, "value out of range"), ("0xffffffffffffffffff", 0, "value out of range"),
])
def test_parse_int_is_strconv_parseint_base_0(text, value, err):
    got, msg = cobra.parse_int(text)
    if err is None:
        assert (got, msg) == (value, None)
    else:
        assert msg == f"strconv.ParseInt: parsing {go_quote(text)}: {err}"


def test_string_to_string_merges_repeated_values():
    # string_to_string.go Set: one "=" is one pair (outer quotes trimmed), more is a CSV record
    assert cobra.string_to_string(["a=1,b"], "-t, --tags") == {"a": "1,b"}
    assert cobra.string_to_string(['a=1', 'b=2,c=3', '"d=4"'], "-t, --tags") == {
        "a": "1", "b": "2", "c": "3", "d": "4"}


def test_levenshtein_and_suggestions():
    assert cobra.levenshtein("lst", "list") == 1
    assert cobra.levenshtein("READ", "read") == 0
    assert cobra.levenshtein("", "tag") == 3
    assert cobra.suggestions_for("ex", ["env", "exec", "export", "tag"]) == ["env", "exec", "export"]
    assert cobra.unknown_command("zzz", "chamber", ["list"]) == (
        'Error: unknown command "zzz" for "chamber"\nRun \'chamber --help\' for usage.\n')
