"""Property tests for the format layer: what pychamber writes reads back as the stored values."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pychamber.errors import ChamberError
from pychamber.formats import parse_import, render, render_env, shell_name
from pychamber.formats.common import sort_key

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Any text a secret can hold (no lone surrogates: not valid UTF-8).
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
# An environment variable cannot hold NUL.
env_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
# Values heavy in characters that matter to quoting.
TRICKY = "'\"\\$`!#&;|<>(){}[]*?~=:,- \t\n\r\x01\x7f\x85\u2028éß☃😀"
tricky_text = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(blacklist_categories=("Cs",)),
                      max_size=30)
yaml_words = st.sampled_from(
    ["", "null", "~", "true", "yes", "on", "0x1F", "010", "08", "1e3", ".inf", "-.inf", ".nan",
     "1.50", "1_000", "12:30", "1:2:3", "2024-01-02", "-", "=", "<<", "? x", "- x", "a: b",
     "x\n", "x\n\n", "\n", " a\nb", "a\n  b", "a\r\nb", "a\rb", "\ta", "a\t", "#", "@a", "2023-02-29",
     "2024-1-2", "1:61"]
)
# Keys as chamber stores them (plus a prefix so no shell special variable is ever set).
env_keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).map(lambda k: "x_" + k)


def sorted_pairs(d: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(d.items(), key=lambda kv: sort_key(kv[0]))


# --- shell / env sourced by real shells -------------------------------------------------------

SHELLS = [s for s in ("sh", "bash") if shutil.which(s)]


def source_and_read(shell: str, script: str, names: list[str], tmp_path) -> list[str]:
    f = tmp_path / "secrets.sh"
    f.write_bytes(script.encode("utf-8"))
    printf_args = " ".join(f'"${n}"' for n in names)
    cmd = f". ./secrets.sh && printf '%s\\0' {printf_args}"
    out = subprocess.run([shell, "-c", cmd], cwd=tmp_path, capture_output=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"}).stdout
    return out.decode("utf-8").split("\0")[:-1]


@pytest.mark.parametrize("shell", SHELLS)
@SETTINGS
@given(secrets=st.dictionaries(env_keys, env_text | tricky_text.map(lambda s: s.replace("\x00", "")),
                               min_size=1, max_size=5))
def test_shell_format_sources_back_exactly(shell, secrets, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("sh")
    pairs = sorted_pairs(secrets)
    names = [shell_name(k) for k, _ in pairs]
    got = source_and_read(shell, render("shell", pairs), names, tmp_path)
    assert got == [v for _, v in pairs]


@pytest.mark.parametrize("shell", SHELLS)
@SETTINGS
@given(secrets=st.dictionaries(env_keys, env_text | tricky_text.map(lambda s: s.replace("\x00", "")),
                               min_size=1, max_size=5))
def test_env_default_quoting_sources_back_exactly(shell, secrets, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("env")
    pairs = sorted_pairs(secrets)
    names = [shell_name(k) for k, _ in pairs]
    got = source_and_read(shell, render_env(pairs), names, tmp_path)
    assert got == [v for _, v in pairs]


# --- names ----------------------------------------------------------------------------------------


@SETTINGS
@given(key=any_text, upper=st.booleans())
def test_shell_name_valid_or_chamber_error(key, upper):
    try:
        name = shell_name(key, upper=upper)
    except ChamberError as e:
        assert e.message.startswith("cmd: ")
        assert "\n" not in e.message
    else:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name, re.ASCII)


# --- docker ---------------------------------------------------------------------------------------


@SETTINGS
@given(secrets=st.dictionaries(env_keys, env_text, min_size=1, max_size=5))
def test_docker_lines_split_back(secrets):
    pairs = sorted_pairs(secrets)
    try:
        out = render("docker", pairs)
    except ChamberError as e:
        assert any("\n" in v or "\r" in v for _, v in pairs)
        for _, v in pairs:
            if v and len(v) > 3:
                assert v not in e.message
        return
    lines = out.split("\n")[:-1]
    assert [line.split("=", 1) for line in lines] == [[shell_name(k), v] for k, v in pairs]


# --- JSON / YAML round trips --------------------------------------------------------------------

maps = st.dictionaries(any_text | yaml_words, any_text | tricky_text | yaml_words, max_size=6)


@SETTINGS
@given(secrets=maps)
def test_json_round_trip(secrets):
    out = render("json", secrets.items())
    assert out.endswith("\n") and "\n" not in out[:-1]
    assert json.loads(out) == secrets
    assert parse_import(out) == sorted_pairs(secrets)


@SETTINGS
@given(secrets=maps)
def test_yaml_round_trip(secrets):
    out = render("yaml", secrets.items())
    assert yaml.safe_load(out) == (secrets or {})
    assert parse_import(out) == sorted_pairs(secrets)


@SETTINGS
@given(value=any_text | tricky_text | yaml_words)
def test_yaml_is_goccys_bytes_unless_they_would_not_read_back(value):
    from pychamber.compat.strconv import go_quote
    from pychamber.formats.yamlfmt import goccy_scalar, yaml_scalar

    out = yaml_scalar(value)
    assert yaml.safe_load(f"k: {out}\n") == {"k": value}
    goccy = goccy_scalar(value)
    if out != goccy:  # quoted only where goccy's bytes are lost on PyYAML or chamber's import
        assert out == go_quote(value)
        try:
            lost = (yaml.safe_load(f"k: {goccy}\n") != {"k": value}
                    or parse_import(f"k: {goccy}\n", "yaml") != [("k", value)])
        except (yaml.YAMLError, ValueError, ChamberError):
            lost = True
        assert lost


# --- CSV / TSV read by Python's csv reader ----------------------------------------------------------


@pytest.mark.parametrize("fmt, delimiter", [("csv", ","), ("tsv", "\t")])
@SETTINGS
@given(secrets=st.dictionaries(env_text | tricky_text, env_text | tricky_text, max_size=6))
def test_csv_reads_back(fmt, delimiter, secrets):
    secrets = {k.replace("\x00", ""): v.replace("\x00", "") for k, v in secrets.items()}
    out = render(fmt, secrets.items())
    rows = list(csv.reader(io.StringIO(out, newline=""), delimiter=delimiter))
    assert [tuple(r) for r in rows] == sorted_pairs(secrets)


# --- every format that import reads back: export -> import is the identity ------------------------

# What a value can hold through every importable format (no NUL: import refuses it, as no
# environment can hold it), heavy in what the dotenv, YAML and JSON spellings escape.
ROUND_TRIP = "'\"\\$`{}#= \t\n\r\x0b\x0c\x01\x7f\x85\u2028\u2029\ufeffé☃😀"
round_trip_text = st.text(
    alphabet=st.sampled_from(ROUND_TRIP)
    | st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
dotenv_keys = st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True)
round_trip_values = round_trip_text | yaml_words | st.sampled_from(
    ["${HOME}", "\\${X}", "$", "\\", "a\\", '\\"', "`id`", "$(id)", "p@ss$w0rd`!", "x\\ny", "#c", " a ", "'q'"])


@pytest.mark.parametrize("fmt", ["json", "yaml", "dotenv"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secrets=st.dictionaries(dotenv_keys, round_trip_values, max_size=6))
def test_every_importable_format_round_trips(fmt, secrets):
    out = render(fmt, secrets.items())
    assert dict(parse_import(out, fmt=fmt)) == secrets
    # and the format is recognised by the file's usual name
    name = {"json": "x.json", "yaml": "x.yaml", "dotenv": ".env.production"}[fmt]
    assert dict(parse_import(out, filename=name)) == secrets


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secrets=st.dictionaries(dotenv_keys, round_trip_values, max_size=6))
def test_dotenv_export_expands_nothing(secrets):
    """chamber's escapes hold under --expand too: an exported "$" is never a reference."""
    out = render("dotenv", secrets.items())
    assert dict(parse_import(out, fmt="dotenv", environ={"HOME": "/root", "X": "x"})) == secrets
