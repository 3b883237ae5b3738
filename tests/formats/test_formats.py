"""The pure format layer (``pychamber.formats``): chamber v3.1.4 §6 byte for byte, plus
pychamber's ``shell`` and ``docker`` formats and ``import`` parsing."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from pychamber.errors import ChamberError
from pychamber.formats import (
    FORMATS,
    go_quote,
    is_supported,
    parse_import,
    render,
    render_env,
    shell_name,
)
from pychamber.compat.gotime import go_is_timestamp
from pychamber.compat.strconv import go_format_float
from pychamber.formats.yamlfmt import goccy_scalar, is_need_quoted, yaml_scalar


def one(fmt: str, value: str, key: str = "k") -> str:
    return render(fmt, [(key, value)])


# --- go_quote (strconv.Quote / %q) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "s, quoted",
    [
        ("", '""'),
        ("abc", '"abc"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("\a\b\f\n\r\t\v", '"\\a\\b\\f\\n\\r\\t\\v"'),
        ("\x00\x01\x1f\x7f", '"\\x00\\x01\\x1f\\x7f"'),
        ("\x80\x9f", '"\\u0080\\u009f"'),
        ("\xa0", '"\\u00a0"'),  # NBSP is a separator, not printable in Go
        ("\xad", '"\\u00ad"'),  # soft hyphen (Cf)
        ("héllo ☃", '"héllo ☃"'),
        ("😀", '"😀"'),
        ("\u2028\ufeff", '"\\u2028\\ufeff"'),
        ("\U000e0001", '"\\U000e0001"'),
        ("a b", '"a b"'),
    ],
)
def test_go_quote(s, quoted):
    assert go_quote(s) == quoted


# --- shell names (§6.3) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, upper, name",
    [
        ("db-host", True, "DB_HOST"),
        ("db.host", True, "DB_HOST"),
        ("db_host", True, "DB_HOST"),
        ("Db-Host", False, "Db_Host"),
        ("  padded\t", True, "PADDED"),  # surrounding whitespace trimmed
        ("a b\tc", True, "A_B_C"),  # inner ASCII whitespace -> _
        ("a--b..c", True, "A__B__C"),  # no collapsing
        ("_x", True, "_X"),
        ("\u3000k\u3000", True, "K"),  # Unicode whitespace is trimmed (strings.TrimSpace)
    ],
)
def test_shell_name(key, upper, name):
    assert shell_name(key, upper=upper) == name


def test_shell_name_go_simple_upper():
    # Go maps rune by rune: ß has no single-rune upper case and stays; Python would give SS.
    with pytest.raises(ChamberError) as e:
        shell_name("straße")
    assert e.value.message == 'cmd: "STRAßE" contains invalid characters for a shell variable name'


@pytest.mark.parametrize(
    "key, message",
    [
        ("a/b", 'cmd: "A/B" contains invalid characters for a shell variable name'),
        ("a$b", 'cmd: "A$B" contains invalid characters for a shell variable name'),
        ("", 'cmd: "" contains invalid characters for a shell variable name'),
        ("   ", 'cmd: "" contains invalid characters for a shell variable name'),
        ("a\x01b", 'cmd: "A\\x01B" contains invalid characters for a shell variable name'),
        ('a"b', 'cmd: "A\\"B" contains invalid characters for a shell variable name'),
        ("é", 'cmd: "É" contains invalid characters for a shell variable name'),
        ("a\u00a0b", 'cmd: "A\\u00a0B" contains invalid characters for a shell variable name'),
        ("1abc", 'cmd: shell variable name "1ABC" must start with a letter or underscore'),
        ("9", 'cmd: shell variable name "9" must start with a letter or underscore'),
    ],
)
def test_shell_name_errors(key, message):
    with pytest.raises(ChamberError) as e:
        shell_name(key)
    assert e.value.message == message


def test_shell_name_error_preserve_case():
    with pytest.raises(ChamberError) as e:
        shell_name("1abc", upper=False)
    assert e.value.message == 'cmd: shell variable name "1abc" must start with a letter or underscore'


# --- env (§6.4) -----------------------------------------------------------------------------------

# §6.8a, value column by column: (value, json, dotenv/env -e/tfvars, env default, properties, csv)
TABLE = [
    ('say "hi"', '"say \\"hi\\""', '"say \\"hi\\""', "'say \"hi\"'", 'say "hi"', '"say ""hi"""'),
    ("it's", '"it\'s"', '"it\'s"', "'it'\"'\"'s'", "it's", "it's"),
    ("a=b", '"a=b"', '"a=b"', "a=b", "a=b", "a=b"),
    ("$HOME", '"$HOME"', '"\\$HOME"', "'$HOME'", "$HOME", "$HOME"),
    ("x`y", '"x`y"', '"x\\`y"', "'x`y'", "x`y", "x`y"),
    ("line1\nline2", '"line1\\nline2"', '"line1\\nline2"', "'line1\nline2'", "line1\\nline2",
     '"line1\nline2"'),
    ("a\tb", '"a\\tb"', '"a\tb"', "'a\tb'", "a\\tb", "a\tb"),
    ("back\\slash", '"back\\\\slash"', '"back\\\\slash"', "'back\\slash'", "back\\\\slash",
     "back\\slash"),
    ("héllo ☃", '"héllo ☃"', '"héllo ☃"', "'héllo ☃'", "héllo \\u2603", "héllo ☃"),
    ("x😀y", '"x😀y"', '"x😀y"', "'x😀y'", "x?y", "x😀y"),
    ("", '""', '""', "''", "", ""),
    ("<>&", '"\\u003c\\u003e\\u0026"', '"<>&"', "'<>&'", "<>&", "<>&"),
    ("!bang", '"!bang"', '"!bang"', "'!bang'", "!bang", "!bang"),
]


# Where pychamber's bytes differ from chamber's (issue 20): chamber's make a reader change the
# value (python-dotenv keeps "\\$" and "\\`", a shell keeps "\\n", Terraform rejects "\\$" and
# "\\`", Java's ISO-8859-1 loader reads UTF-8 bytes as two characters and "?" is lossy).
PYCHAMBER_DIFFERS = {
    ("dotenv", "$HOME"): "'$HOME'",
    ("dotenv", "x`y"): "'x`y'",
    ("dotenv", "line1\nline2"): '"line1\nline2"',
    ("tfvars", "$HOME"): '"$HOME"',
    ("tfvars", "x`y"): '"x`y"',
    ("properties", "héllo ☃"): "h\\u00e9llo \\u2603",
    ("properties", "x😀y"): "x\\ud83d\\ude00y",
}


@pytest.mark.parametrize("value, js, dq, sh, props, csv", TABLE)
def test_table_6_8a(value, js, dq, sh, props, csv):
    assert one("json", value) == '{"k":' + js + "}\n"
    assert one("dotenv", value) == "K=" + PYCHAMBER_DIFFERS.get(("dotenv", value), dq) + "\n"
    assert one("tfvars", value) == "k = " + PYCHAMBER_DIFFERS.get(("tfvars", value), dq) + "\n"
    assert render_env([("k", value)], escape_strings=True) == "export K=" + dq + "\n"
    assert render_env([("k", value)]) == "export K=" + sh + "\n"
    assert one("properties", value) == "k = " + PYCHAMBER_DIFFERS.get(("properties", value), props) + "\n"
    assert one("csv", value) == "k," + csv + "\n"


def test_table_tab_tsv_quoted():
    assert one("tsv", "a\tb") == 'k\t"a\tb"\n'


def test_env_sorted_by_original_key_bytewise():
    pairs = [("a_b", "3"), ("a.b", "2"), ("a-b", "1"), ("B", "0"), ("a", "x")]
    # a-b < a.b < a_b; upper case before lower case; duplicated names are all printed
    assert render_env(pairs) == (
        "export B=0\nexport A=x\nexport A_B=1\nexport A_B=2\nexport A_B=3\n"
    )


def test_env_preserve_case():
    assert render_env([("Mixed-Case.key", "v")], preserve_case=True) == "export Mixed_Case_key=v\n"


def test_env_shlex_rules():
    assert render_env([("k", "abc-123_@%+=:,./")]) == "export K=abc-123_@%+=:,./\n"
    assert render_env([("k", "a b")]) == "export K='a b'\n"
    assert render_env([("k", "x'")]) == "export K='x'\"'\"''\n"


def test_env_invalid_key_aborts_everything():
    with pytest.raises(ChamberError) as e:
        render_env([("good", "1"), ("9bad", "2")])
    assert "must start with a letter" in e.value.message


def test_env_empty():
    assert render_env([]) == ""


def test_last_value_wins_for_repeated_key():
    assert render("json", [("a", "1"), ("a", "2")]) == '{"a":"2"}\n'


# --- dotenv (§6.5) / tfvars (§6.6) ---------------------------------------------------------------


def test_dotenv_escape_order():
    # backslash first: a backslash before n must not turn into an escaped newline
    assert one("dotenv", "\\n") == 'K="\\\\n"\n'
    assert one("dotenv", "a\r\nb") == 'K="a\\r\\nb"\n'  # no form carries CR everywhere: chamber's
    assert one("dotenv", '\\"$`') == "K='\\\"$`'\n"  # raw in single quotes: every reader
    assert one("dotenv", "tab\there\x01") == 'K="tab\there\x01"\n'  # raw


def test_dotenv_always_upper_and_validated():
    assert render("dotenv", [("db-url", "x"), ("Db.Port", "1")]) == 'DB_PORT="1"\nDB_URL="x"\n'
    with pytest.raises(ChamberError) as e:
        render("dotenv", [("ok", "1"), ("bad/key", "2")])
    assert e.value.message == 'cmd: "BAD/KEY" contains invalid characters for a shell variable name'


def test_tfvars_names():
    pairs = [("tf_var_region", "eu"), ("TF_VAR_upper", "u"), ("My-Var.x", "m"),
             ("tf_var_tf_var_x", "t")]
    with pytest.raises(ChamberError) as e:  # chamber writes it; Terraform rejects the file
        render("tfvars", [*pairs, ("9lives", "n")])
    assert e.value.message == ('Cannot export 9lives as tfvars: "9lives" is not a Terraform variable name '
                               "(a letter or '_' first, then letters, digits, '_' and '-')")
    assert render("tfvars", pairs) == (
        'My_Var_x = "m"\n'
        'TF_VAR_upper = "u"\n'
        'region = "eu"\n'
        'tf_var_x = "t"\n'  # only one prefix removed
    )


# --- JSON (§6.1) ------------------------------------------------------------------------------------


def test_json_basic():
    assert render("json", []) == "{}\n"
    assert render("json", [("b", "2"), ("a", "1")]) == '{"a":"1","b":"2"}\n'


def test_json_escapes():
    value = '"\\\n\r\t\b\f\x00\x01\x1f\x7f<>&\u2028\u2029é😀/'
    assert one("json", value) == (
        '{"k":"\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u0001\\u001f\x7f\\u003c\\u003e\\u0026'
        '\\u2028\\u2029é😀/"}\n'
    )
    assert json.loads(one("json", value)) == {"k": value}


def test_json_keys_escaped_and_sorted_bytewise():
    out = render("json", [("b", "1"), ("B", "2"), ("a<", "3"), ("é", "4"), ("z", "5")])
    assert out == '{"B":"2","a\\u003c":"3","b":"1","z":"5","é":"4"}\n'


# --- YAML (§6.2) ------------------------------------------------------------------------------------

YAML_EXAMPLES = [
    ("bar", "bar"),
    ("", '""'),
    ("123", '"123"'),
    ("true", '"true"'),
    ("yes", '"yes"'),
    ("2024-01-02", '"2024-01-02"'),
    ("a: b", '"a: b"'),
    ("a #b", '"a #b"'),
    ("a:b", "a:b"),
    ("back\\slash", '"back\\\\slash"'),
    (" lead", '" lead"'),
    ("trail ", '"trail "'),
    ("@x", '"@x"'),
    ("{a}", '"{a}"'),
    ('say "hi"', 'say "hi"'),
    ("it's", "it's"),
    ("$HOME", "$HOME"),
    ("a=b", "a=b"),
    ("héllo ☃", "héllo ☃"),
    ("line1\nline2", "|-\n  line1\n  line2"),
    ("line1\nline2\n", "|\n  line1\n  line2"),
    ("x\n\n", "|+\n  x\n"),
    (" a\nb", '" a\\nb"'),
    ("key: v\nz", '"key: v\\nz"'),
]


@pytest.mark.parametrize("value, spelled", YAML_EXAMPLES)
def test_yaml_examples(value, spelled):
    assert one("yaml", value) == f"k: {spelled}\n"
    assert yaml.safe_load(one("yaml", value)) == {"k": value}
    assert parse_import(one("yaml", value)) == [("k", value)]


@pytest.mark.parametrize(
    "value",
    [
        "null", "Null", "NULL", "~", "True", "FALSE", "y", "Y", "n", "N", "No", "NO", "on", "On",
        "ON", "off", "Off", "OFF",
        "+1", "-1", "1.5", ".5", "0x1F", "0o17", "0b101", "1_000", "017",
        "99999999999999999999999", "-9999999999999999999999", "1.0e400", "-",
        "*a", "&a", "[a", "]", ",", "!a", "|", ">", "%a", "'a", '"a', "`a",
        "a:", "a ", "12:30", "1:2", "2024-01-02T10:00:00Z", "2024-01-02t10:00:00+02:00",
        "2024-01-02 10:00:00", "2024-01-02 10:00:00.5", "a- b", "a#b", "a\\b",
    ],
)
def test_yaml_goccy_quotes(value):
    assert is_need_quoted(value)
    assert one("yaml", value) == f"k: {go_quote(value)}\n"


@pytest.mark.parametrize(
    "value",
    ["a:b", "a-b", "-a", "a=b", "x?y", "1.2.3", "0x", "_1", "2024-13-01", "2023-02-29", "24:00",
     "a,b", "a]", "h\u00e9", "0b", "ab:", ],
)
def test_yaml_goccy_plain_decisions(value):
    expected_quote = value.endswith(":")
    assert is_need_quoted(value) is expected_quote


@pytest.mark.parametrize(
    "value, block",
    [
        ("a\nb", "|-\n  a\n  b"),
        ("a\nb\n", "|\n  a\n  b"),
        ("a\n\n", "|+\n  a\n"),
        ("a\n\n\n", "|+\n  a\n  \n"),
        ("\nabc", "|-\n  \n  abc"),
        ("a\n  indented", "|-\n  a\n    indented"),
    ],
)
def test_yaml_literal_blocks(value, block):
    assert goccy_scalar(value) == block
    assert one("yaml", value) == f"k: {block}\n"
    assert yaml.safe_load(one("yaml", value)) == {"k": value}


# goccy's bytes that read back exactly (PyYAML and chamber's import), although YAML 1.2 core
# schema parsers read some as numbers: written as goccy writes them (token.IsNeedQuoted is false;
# no line break, so no literal block).
@pytest.mark.parametrize("value", ["1e3", "1E5", "2e-3", "08", "09", "a=b", "x?y", "\ufeffa", "1:61"])
def test_yaml_goccy_plain_bytes(value):
    assert goccy_scalar(value) == value
    assert one("yaml", value) == f"k: {value}\n"
    assert yaml.safe_load(one("yaml", value)) == {"k": value}
    assert parse_import(one("yaml", value)) == [("k", value)]


def _pyyaml_reads(doc: str) -> object:
    try:
        return yaml.safe_load(doc)
    except yaml.YAMLError as e:
        return type(e).__name__


@pytest.mark.parametrize(
    "value, goccy, pyyaml",
    [
        # what goccy v1.17.1 writes (derived from token.IsNeedQuoted / StringNode.String), and
        # what PyYAML makes of it: a refusal or another value, so pychamber double-quotes these
        # (the one deliberate deviation, see yamlfmt's docstring and the README)
        ("a\tb", "a\tb", "ScannerError"),
        ("\ta", "\ta", "ScannerError"),
        ("a\x01b", "a\x01b", "ReaderError"),
        ("a\x7f", "a\x7f", "ReaderError"),
        ("a\x85b", "a\x85b", "ScannerError"),
        ("a\u2028b", "a\u2028b", "ScannerError"),
        ("a\rb", "|-\r  a\r  b", "a\nb"),
        ("a\r\nb", "|-\r\n  a\r\n  b", "a\nb"),
        ("\n", "|\n", ""),
        ("\n a", "|-\n  \n   a", "\na"),
        (".inf", ".inf", float("inf")),
        ("-.inf", "-.inf", float("-inf")),
        ("1:2:3", "1:2:3", 3723),
        ("=", "=", "ConstructorError"),
        ("<<", "<<", "ConstructorError"),
        ("? x", "? x", "ScannerError"),
        ("2023-02-29", "2023-02-29", "ValueError"),
        ("2024-1-2 1:02:03", "2024-1-2 1:02:03", "datetime"),
    ],
)
def test_yaml_deviations_only_where_goccy_bytes_do_not_read_back(value, goccy, pyyaml):
    assert goccy_scalar(value) == goccy
    try:
        read = _pyyaml_reads(f"k: {goccy}\n")
    except ValueError:  # PyYAML's own, for a date that does not exist
        read = "ValueError"
    read = read["k"] if isinstance(read, dict) else read
    if pyyaml == "datetime":
        assert type(read).__name__ == "datetime"
    else:
        assert read == pyyaml and read != value
    assert one("yaml", value) == f"k: {go_quote(value)}\n"
    assert yaml.safe_load(one("yaml", value)) == {"k": value}
    assert parse_import(one("yaml", value)) == [("k", value)]


def test_yaml_nan_is_quoted():
    assert goccy_scalar(".nan") == ".nan"  # PyYAML reads a float NaN, never equal to the text
    assert one("yaml", ".nan") == 'k: ".nan"\n'


def test_yaml_keys():
    out = render("yaml", [("null", "x"), ("yes", "y"), ("plain", "z"), ("a b", "w")])
    assert out == 'a b: w\n"null": x\nplain: z\n"yes": "y"\n'
    assert yaml_scalar("a\nb", is_key=True) == '"a\\nb"'


def test_yaml_empty_and_order():
    assert render("yaml", []) == "{}\n"
    assert render("yaml", [("b", "1"), ("B", "2"), ("a", "3")]) == 'B: "2"\na: "3"\nb: "1"\n'


def test_go_is_timestamp():
    for v in ["2024-01-02", "2024-02-29", "2024-01-02 03:04:05", "1:2", "23:59",
              "2024-01-02T03:04:05.123456789Z", "2024-01-02T3:04:05-07:00"]:
        assert go_is_timestamp(v), v
    for v in ["2023-02-29", "2024-1-02", "24:00", "1:60", "2024-01-02T03:04:05", "12:30:00",
              "2024-01-02 03:04"]:
        assert not go_is_timestamp(v), v


# --- Java properties (§6.7) --------------------------------------------------------------------


def test_properties_escaping():
    assert one("properties", "a\\b\f\n\r\tc") == "k = a\\\\b\\f\\n\\r\\tc\n"
    # keys only: space and colon escaped; = # ! never
    assert render("properties", [("a b:c=d#e!f", "v w:x=y#z!")]) == "a\\ b\\:c=d#e!f = v w:x=y#z!\n"
    assert one("properties", "  lead") == "k = \\  lead\n"  # Java's store(): the loader drops blanks
    assert one("properties", "") == "k = \n"


def test_properties_encoding():
    # chamber writes these as UTF-8 bytes, which Java's ISO-8859-1 loader reads as two characters
    assert one("properties", "é\xff\x80") == "k = \\u00e9\\u00ff\\u0080\n"
    assert one("properties", "\u0100\u2603\uffff") == "k = \\u0100\\u2603\\uffff\n"
    assert one("properties", "a😀b") == "k = a\\ud83d\\ude00b\n"  # chamber: "?"
    assert render("properties", [("ключ", "v")]) == "\\u043a\\u043b\\u044e\\u0447 = v\n"
    assert one("properties", "x").encode("utf-8") == b"k = x\n"


def test_properties_sorted():
    assert render("properties", [("b", "1"), ("a", "2")]) == "a = 2\nb = 1\n"


# --- CSV / TSV (§6.8) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, csv, tsv",
    [
        ("plain", "plain", "plain"),
        ("", "", ""),
        ("a,b", '"a,b"', "a,b"),
        ("a\tb", "a\tb", '"a\tb"'),
        ('q"q', '"q""q"', '"q""q"'),
        ("a\nb", '"a\nb"', '"a\nb"'),
        ("a\rb", '"a\rb"', '"a\rb"'),
        (" lead", '" lead"', '" lead"'),
        ("\tlead", '"\tlead"', '"\tlead"'),
        ("\u3000lead", '"\u3000lead"', '"\u3000lead"'),
        ("\x1clead", "\x1clead", "\x1clead"),  # not Go whitespace
        ("trail ", "trail ", "trail "),
        ("\\.", '"\\."', '"\\."'),
        ("\\.x", "\\.x", "\\.x"),
    ],
)
def test_csv_tsv(value, csv, tsv):
    assert one("csv", value) == f"k,{csv}\n"
    assert one("tsv", value) == f"k\t{tsv}\n"


def test_csv_keys_and_order():
    assert render("csv", [("b", "1"), (" a", "2")]) == '" a",2\nb,1\n'
    assert render("csv", []) == ""


# --- pychamber formats: shell, docker ----------------------------------------------------------


def test_shell_format():
    pairs = [("db-url", "x'y"), ("plain", "abc"), ("empty", ""), ("nl", "a\nb")]
    assert render("shell", pairs) == (
        "export DB_URL='x'\\''y'\n"
        "export EMPTY=''\n"
        "export NL='a\nb'\n"
        "export PLAIN='abc'\n"
    )


def test_shell_format_refuses_invalid_names_and_nul():
    with pytest.raises(ChamberError) as e:
        render("shell", [("1x", "v")])
    assert e.value.message == 'cmd: shell variable name "1X" must start with a letter or underscore'
    with pytest.raises(ChamberError) as e:
        render("shell", [("k", "se\x00cret")])
    assert e.value.message.startswith("Cannot export k as shell: ")
    assert "cret" not in e.value.message


def test_docker_format():
    assert render("docker", [("db-url", "a b='c' $X"), ("e", "")]) == (
        "DB_URL=a b='c' $X\nE=\n"
    )


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "trailing\n"])
def test_docker_refuses_line_breaks_naming_key_not_value(value):
    with pytest.raises(ChamberError) as e:
        render("docker", [("my-key", "s3cr3t" + value)])
    assert "my-key" in e.value.message
    assert "s3cr3t" not in e.value.message


def test_docker_validates_names():
    with pytest.raises(ChamberError):
        render("docker", [("a/b", "v")])


# --- format selection ------------------------------------------------------------------------------


def test_formats_list_and_is_supported():
    assert FORMATS == ["json", "yaml", "java-properties", "properties", "csv", "tsv", "dotenv",
                       "tfvars", "dotenv-portable", "shell", "docker", "github", "k8s-secret"]
    for f in FORMATS:
        assert is_supported(f)
        assert is_supported(f.upper())
    assert not is_supported("xml")
    assert not is_supported("")


def test_render_case_insensitive_and_unknown():
    assert render("JSON", [("a", "b")]) == '{"a":"b"}\n'
    assert render("Java-Properties", [("a", "b")]) == "a = b\n"
    with pytest.raises(ChamberError) as e:
        render("XML", [])
    assert e.value.message == "Unsupported export format: XML"


def test_every_format_handles_empty():
    for f in FORMATS:
        out = render(f, [], name="app")
        assert out in ("", "{}\n") or f == "k8s-secret"


# --- import (§6.9) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("k: 0x1F", "31"),
        ("k: 010", "8"),
        ("k: 0o17", "15"),
        ("k: 0b101", "5"),
        ("k: -0x10", "-16"),
        ("k: 1_000", "1000"),
        ("k: +5", "5"),
        ("k: -0", "0"),
        ("k: 1.50", "1.5"),
        ("k: 1.0", "1"),
        ("k: -0.0", "-0"),
        ("k: 1.5e3", "1500"),
        ("k: 1.0e7", "1e+07"),
        ("k: 0.00001", "1e-05"),
        ("k: 1e3", "1e3"),  # no dot: not a number for goccy
        ("k: .inf", "+Inf"),
        ("k: -.Inf", "-Inf"),
        ("k: .nan", "NaN"),
        ("k: true", "true"),
        ("k: True", "true"),
        ("k: FALSE", "false"),
        ("k: yes", "yes"),
        ("k: on", "on"),
        ("k: No", "No"),
        ("k: null", ""),
        ("k: ~", ""),
        ("k:", ""),
        ("k: 2024-01-02", "2024-01-02"),
        ("k: 2024-01-02T10:00:00Z", "2024-01-02T10:00:00Z"),
        ("k: 12:30", "12:30"),
        ("k: 1:20:30", "1:20:30"),
        ("k: 08", "08"),
        ("k: 99999999999999999999999", "99999999999999999999999"),
        ("k: '010'", "010"),
        ('k: "yes"', "yes"),
        ("k: !!str 0x1F", "0x1F"),
        ("k: |\n  a\n  b\n", "a\nb\n"),
        ("k: a b  ", "a b"),
    ],
)
def test_import_yaml_conversions(text, value):
    assert parse_import(text) == [("k", value)]


def test_import_json_conversions():
    text = '{\n\t"a": 1.50,\n\t"b": "x\\u003c",\n\t"c": null,\n\t"d": false,\n\t"e": 1E5,\n\t"f": 010e0}'
    with pytest.raises(ChamberError):
        parse_import(text)  # 010e0 is not JSON and not YAML
    text = '{\n\t"a": 1.50,\n\t"b": "x\\u003c",\n\t"c": null,\n\t"d": false,\n\t"e": 1E5, "g": 7}'
    assert parse_import(text) == [("a", "1.5"), ("b", "x<"), ("c", ""), ("d", "false"),
                                  ("e", "1E5"), ("g", "7")]


def test_import_keys_as_written_and_converted():
    assert parse_import("UPPER Key/x: v\n1: one\n") == [("UPPER Key/x", "v"), ("1", "one")]


def test_import_first_document_only():
    assert parse_import("---\nx: 1\n---\ny: 2\n") == [("x", "1")]


def test_import_null_document_is_empty():
    assert parse_import("null") == []
    assert parse_import("---\n") == []


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "   "])
def test_import_empty_is_eof(text):
    with pytest.raises(ChamberError) as e:
        parse_import(text)
    assert e.value.message == "Failed to decode input as json: EOF"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("a: [1]", '[1:4] cannot unmarshal a sequence into a string (key "a")'),
        ("a:\n  b: c\n", '[2:3] cannot unmarshal a mapping into a string (key "a")'),
        ("- a\n- b\n", "[1:1] cannot unmarshal a sequence into map[string]string"),
        ("just a string", "[1:1] cannot unmarshal a scalar into map[string]string"),
        ("a: 1\nb: 2\na: 3\n", '[3:1] mapping key "a" already defined at [1:1]'),
        ('{"a": {"b": 1}}', 'cannot unmarshal a mapping into a string (key "a")'),
        ('{"a": 1, "a": 2}', 'mapping key "a" already defined'),
        ("[1, 2]", "cannot unmarshal a sequence into map[string]string"),
        ('"str"', "cannot unmarshal a scalar into map[string]string"),
    ],
)
def test_import_structure_errors(text, reason):
    with pytest.raises(ChamberError) as e:
        parse_import(text)
    assert e.value.message == "Failed to decode input as json: " + reason


@pytest.mark.parametrize("text", ["a: b: c", '{"a": 1} x', "a: 'unterminated\n", "a: [\n",
                                  "x: 1\n--- [\n"])
def test_import_syntax_errors_one_line(text):
    with pytest.raises(ChamberError) as e:
        parse_import(text)
    msg = e.value.message
    assert msg.startswith("Failed to decode input as json: ")
    assert "\n" not in msg


def test_import_unknown_format():
    with pytest.raises(ChamberError) as e:
        parse_import("a=b", fmt="toml")
    assert e.value.message == "Unsupported import format: toml"


# --- dotenv import ------------------------------------------------------------------------------

DOTENV = """\
# a comment
export A=plain value   # trailing comment
B='single $literal \\n kept'
C="double\\nline\\t\\"q\\" \\\\ \\$x"

D=
E = spaced
F=a#not-comment
G='multi
line'
H="x" # comment after quotes
'I'=quoted key
J=\\'
"""


def test_parse_dotenv():
    assert parse_import(DOTENV, fmt="dotenv") == [
        ("A", "plain value"),
        ("B", "single $literal \\n kept"),
        ("C", 'double\nline\t"q" \\ $x'),  # \$ is "$", as chamber's export means it
        ("D", ""),
        ("E", "spaced"),
        ("F", "a#not-comment"),
        ("G", "multi\nline"),
        ("H", "x"),
        ("I", "quoted key"),
        ("J", "\\'"),
    ]


def test_parse_dotenv_matches_python_dotenv():
    dotenv = pytest.importorskip("dotenv")
    import io

    expected = dotenv.dotenv_values(stream=io.StringIO(DOTENV), interpolate=False)
    # the one difference: an escaped "$" (or backtick) in double quotes, which chamber's export
    # writes and a shell reads as "$"; python-dotenv keeps the backslash
    expected["C"] = expected["C"].replace("\\$", "$")
    assert dict(parse_import(DOTENV, fmt="dotenv")) == expected


def test_parse_dotenv_duplicate_last_wins():
    assert parse_import("A=1\nB=2\nA=3\n", fmt="dotenv") == [("A", "3"), ("B", "2")]


def test_parse_dotenv_drops_a_leading_bom():
    # a .env saved by a Windows editor: the first key was '\ufeffA', refused as a key name
    assert parse_import("\ufeffA=1\nB=2\n", fmt="dotenv") == [("A", "1"), ("B", "2")]
    assert parse_import("\ufeffA=1\n", filename=".env.production") == [("A", "1")]


@pytest.mark.parametrize(
    "text, line",
    [
        ('A=1\nB="unterminated\n', 2),
        ("A=1\n\n\nB='x' junk\n", 4),
        ("A=1\nNOVALUE\n", 2),
    ],
)
def test_parse_dotenv_errors_name_line(text, line):
    with pytest.raises(ChamberError) as e:
        parse_import(text, fmt="dotenv")
    assert e.value.message.startswith(f"Failed to decode input as dotenv: line {line}: ")
    assert "unterminated" not in e.value.message


@pytest.mark.parametrize(
    "filename, expected",
    [
        (".env", [("A", "1")]),
        ("/x/prod.env", [("A", "1")]),
        ("secrets.yaml", None),
        ("-", None),
        (None, None),
    ],
)
def test_import_format_by_filename(filename, expected):
    if expected is None:
        with pytest.raises(ChamberError):
            parse_import("A=1\n", filename=filename)  # a YAML scalar document
    else:
        assert parse_import("A=1\n", filename=filename) == expected


def test_import_explicit_format_wins_over_filename():
    assert parse_import("a: 1\n", fmt="yaml", filename=".env") == [("a", "1")]
    assert parse_import("A=1\n", fmt="DOTENV", filename="x.json") == [("A", "1")]


# --- Go float formatting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, s",
    [(1.5, "1.5"), (1500.0, "1500"), (123456.0, "123456"), (1e6, "1e+06"),
     (1234567.0, "1.234567e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"), (1e100, "1e+100"),
     (-2.5e-7, "-2.5e-07"), (0.1, "0.1"), (float("inf"), "+Inf"), (float("-inf"), "-Inf"),
     (float("nan"), "NaN"), (0.0, "0"), (-0.0, "-0")],
)
def test_go_format_float(f, s):
    assert go_format_float(f) == s


@pytest.mark.parametrize("text,want", [
    ('<<: {a: "1", b: "2"}\nb: "3"\nc: x\n', [("a", "1"), ("b", "3"), ("c", "x")]),
    ('x: y\n<<: [{a: "1"}, {a: "2", z: "9"}]\n', [("x", "y"), ("a", "1"), ("z", "9")]),
    ('<<: &d {a: "1", <<: {q: "7", a: "0"}}\nk: v\n', [("a", "1"), ("q", "7"), ("k", "v")]),
])
def test_import_yaml_merge_keys(text, want):
    assert parse_import(text) == want


@pytest.mark.parametrize("text,msg", [
    ("<<: 1\n", "cannot merge a scalar"),
    ("<<: {a: [1]}\n", 'cannot unmarshal a sequence into a string (key "a")'),
])
def test_import_yaml_bad_merge(text, msg):
    with pytest.raises(ChamberError, match=re.escape(msg)):
        parse_import(text)
