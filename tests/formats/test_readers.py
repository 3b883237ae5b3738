"""Every export format read back by the programs that read it in real life (issue 20, item 3):
each value comes back byte for byte, or pychamber refused it with one line naming the key (and,
for dotenv, the reader). The 47 hostile values of the issue are a fixed list; a property test
adds random ones. The readers are in readers.py (python-dotenv, compose-go's parser, dash and
bash, python-hcl2 with HCL's string rules, javaproperties, jproperties, Java itself)."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formats import readers
from pychamber.errors import ChamberError
from pychamber.formats import dotenv_escape, render, shell_name, tfvars_name

# The 47 values: quotes of both kinds, $HOME, ${X}, ${X:-def}, backticks, $(...),
# backslashes, a literal \n, LF and CRLF, tabs, #, =, leading and trailing spaces, emoji,
# right-to-left text, U+2028, a 4 KB value (and what they combine into).
HOSTILE = [
    "it's", 'say "hi"', "'single'", '"double"', "both ' and \"", "$HOME", "${X}", "${X:-def}",
    "`id`", "$(id)", "back\\slash", "ends with \\", "\\\\double", "literal \\n not a newline",
    "line1\nline2", "line1\r\nline2", "tab\there", "# not a comment", "a #b", "key=value=more",
    "  leading spaces", "trailing spaces  ", " both ", "emoji 😀🔑", "שלום עולם مرحبا",
    "line\u2028separator", "x" * 4096, "$$", "\\$HOME", "%{if x}y%{endif}", "!bang",
    "é ü ß ÿ", "bell\x07del\x7f", "=starts with equals", ":starts with colon", "\u00a0nbsp",
    "nel\u0085", "$", "'", '"', "\\", "it's ${X}", "p@ss'w$rd", 'json {"a": 1, "b": [true]}',
    "-----BEGIN KEY-----\nMIIEowIBAAKCAQEAu1SU1L+/==\n-----END KEY-----\n", "\r", "trailing newline\n",
]
assert len(HOSTILE) == 47 and len(set(HOSTILE)) == 47

# The values no dotenv form carries to every reader (-f dotenv-portable refuses them; -f dotenv
# writes chamber's bytes for them).
NO_PORTABLE_FORM = {"${X}", "${X:-def}", "line1\r\nline2", "it's ${X}", "p@ss'w$rd", "\r"}

KEYS = [f"k{i:02d}" for i in range(len(HOSTILE))]


def refusal(fmt: str, key: str, value: str) -> str | None:
    """pychamber's one-line refusal of (key, value) in ``fmt``, or None when it renders."""
    try:
        render(fmt, [(key, value)], name="app")
    except ChamberError as e:
        # chamber's own refusal of a variable name names it as the variable ("9LIVES")
        assert "\n" not in e.message and (key in e.message or key.upper() in e.message), e.message
        return e.message
    return None


def write(tmp_path: Path, fmt: str, pairs: dict[str, str], name: str = "out") -> Path:
    path = tmp_path / f"{name}.{fmt}"
    path.write_bytes(render(fmt, pairs.items(), name="app").encode("utf-8"))
    return path


def split(fmt: str, pairs: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(the pairs ``fmt`` renders, {key: refusal} of the others)."""
    ok, refused = {}, {}
    for k, v in pairs.items():
        why = refusal(fmt, k, v)
        if why is None:
            ok[k] = v
        else:
            refused[k] = why
    return ok, refused


def expect(pairs: dict[str, str], name=shell_name) -> dict[str, str]:
    return {name(k): v for k, v in pairs.items()}


# --- dotenv ------------------------------------------------------------------------------------
def check_dotenv(tmp_path: Path, pairs: dict[str, str]) -> dict[str, str]:
    """Every dotenv reader reads -f dotenv-portable back exactly; each refusal names the reader.
    Returns the refusals."""
    ok, refused = split("dotenv-portable", pairs)
    for key, why in refused.items():
        assert why.startswith(f"Cannot export {key} as dotenv: ")
        assert "python-dotenv" in why or "NUL" in why, why
    if ok:
        path = write(tmp_path, "dotenv-portable", ok)
        for reader, read in readers.dotenv_readers():
            got = read(path)
            want = expect(ok)
            assert {k: got.get(k) for k in want} == want, reader
    return refused


def test_dotenv_portable_hostile_values(tmp_path):
    refused = check_dotenv(tmp_path, dict(zip(KEYS, HOSTILE)))
    assert {HOSTILE[KEYS.index(k)] for k in refused} == NO_PORTABLE_FORM


def test_dotenv_keeps_chamber_bytes_where_they_read_back(tmp_path):
    """-f dotenv: chamber's line where every reader reads it back, the portable line where
    chamber's would change the value and a portable one exists, chamber's line otherwise."""
    for key, value in zip(KEYS, HOSTILE):
        line = render("dotenv", [(key, value)])
        chamber = f'{key.upper()}="{dotenv_escape(value)}"\n'
        path = tmp_path / "one.env"
        path.write_bytes(chamber.encode())
        chamber_exact = all(read(path).get(key.upper()) == value for _, read in readers.dotenv_readers())
        if chamber_exact or value in NO_PORTABLE_FORM:
            assert line == chamber, value
        else:
            assert line == render("dotenv-portable", [(key, value)]) != chamber, value
    path = write(tmp_path, "dotenv", {k: v for k, v in zip(KEYS, HOSTILE) if v not in NO_PORTABLE_FORM})
    for reader, read in readers.dotenv_readers():
        got = read(path)
        for k, v in zip(KEYS, HOSTILE):
            if v not in NO_PORTABLE_FORM:
                assert got[k.upper()] == v, (reader, v)


def test_dotenv_refusals_name_key_and_reader():
    assert refusal("dotenv-portable", "db_url", "pg://${HOST}/x") == (
        "Cannot export db_url as dotenv: its value contains ${NAME}, which python-dotenv expands in "
        "every quoting (interpolate=True, its default)")
    assert refusal("dotenv-portable", "pw", "it's $5") == (
        "Cannot export pw as dotenv: its value holds $ or a backtick together with a single quote or "
        "a double backslash: a POSIX shell (set -a; . FILE) needs them escaped in double quotes, "
        "where python-dotenv keeps the escape's backslash")
    assert "carriage return" in refusal("dotenv-portable", "crlf", "a\r\nb")
    assert refusal("dotenv", "crlf", "a\r\nb") is None  # -f dotenv: chamber's bytes


# --- tfvars ------------------------------------------------------------------------------------
def test_tfvars_hostile_values(tmp_path):
    pairs = dict(zip(KEYS, HOSTILE))
    path = write(tmp_path, "tfvars", pairs)
    assert readers.tfvars(path) == expect(pairs, tfvars_name)


@pytest.mark.parametrize("key", ["9lives", "tf_var_1x", "tf_var_", "1-x"])
def test_tfvars_refuses_a_name_terraform_cannot_read(key):
    why = refusal("tfvars", key, "v")
    assert why is not None and why.startswith(f"Cannot export {key} as tfvars: ")


def test_tfvars_strict_reader_rejects_chamber_bytes(tmp_path):
    # the test's HCL reader is as strict as Terraform: chamber's \$ is an error there
    path = tmp_path / "c.tfvars"
    path.write_text('a = "\\$HOME"\n')
    with pytest.raises(readers.HCLError):
        readers.tfvars(path)


# --- java-properties ----------------------------------------------------------------------------
def check_properties(tmp_path: Path, pairs: dict[str, str], name: str = "out") -> Path:
    path = write(tmp_path, "properties", pairs, name)
    data = path.read_bytes()
    assert data.isascii()  # what makes ISO-8859-1 and UTF-8 readers agree
    for encoding in ("iso-8859-1", "utf-8"):
        assert readers.javaproperties_reader(path, encoding) == pairs
        assert readers.jproperties_reader(path, encoding) == pairs
    return path


def test_properties_hostile_values(tmp_path):
    check_properties(tmp_path, dict(zip(KEYS, HOSTILE)))


def test_properties_with_java(tmp_path):
    hostile = dict(zip(KEYS, HOSTILE))
    odd_keys = {"db.host": " x", "a-b_c": "\U0001F600", "UPPER": "ÿ"}
    paths = [check_properties(tmp_path, hostile, "hostile"), check_properties(tmp_path, odd_keys, "keys")]
    loaded = readers.java_load(paths, tmp_path)
    for path, pairs in zip(paths, (hostile, odd_keys)):
        for mode in ("iso", "utf8"):
            assert loaded[(str(path), mode)] == pairs, mode


# --- the other formats ---------------------------------------------------------------------------
def read_back(tmp_path: Path, fmt: str, pairs: dict[str, str]) -> dict[str, str]:
    """``fmt``'s file read by its reader, keyed like ``pairs`` (variable names for the formats
    that make them)."""
    path = write(tmp_path, fmt, pairs)
    text = path.read_bytes().decode("utf-8")
    if fmt == "json":
        return json.loads(text)
    if fmt == "yaml":
        return yaml.safe_load(text) or {}
    if fmt in ("csv", "tsv"):
        rows = csv.reader(io.StringIO(text, newline=""), delimiter="," if fmt == "csv" else "\t")
        return dict(rows)
    if fmt == "k8s-secret":
        data = yaml.safe_load(text)["data"] or {}
        return {k: base64.b64decode(v).decode("utf-8") for k, v in data.items()}
    if fmt == "shell":
        return readers.posix_shell(path, readers.SHELLS[0])
    if fmt == "docker":
        return readers.docker_env_file(path)
    if fmt == "github":
        return readers.github_env_file(path)
    raise AssertionError(fmt)


NAMED = {"shell", "docker", "github"}
OTHER_FORMATS = ["json", "yaml", "csv", "tsv", "k8s-secret", "shell", "docker", "github"]


@pytest.mark.parametrize("fmt", OTHER_FORMATS)
def test_other_formats_hostile_values(tmp_path, fmt):
    ok, refused = split(fmt, dict(zip(KEYS, HOSTILE)))
    got = read_back(tmp_path, fmt, ok)
    want = expect(ok) if fmt in NAMED else ok
    assert {k: got.get(k) for k in want} == want
    refused_values = {HOSTILE[KEYS.index(k)] for k in refused}
    assert all(("\n" in v or "\r" in v) for v in refused_values), refused_values
    if fmt not in ("docker", "github"):
        assert not refused


# --- random values through every format ---------------------------------------------------------
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(HOSTILE)
pair_dicts = st.lists(values, min_size=1, max_size=8).map(lambda vs: {f"k{i}": v for i, v in enumerate(vs)})
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _no_nul(pairs: dict[str, str], refused: dict[str, str]) -> None:
    for k, why in refused.items():
        assert "\n" not in why and k in why


@PROPERTY
@given(pairs=pair_dicts)
def test_random_values_dotenv(tmp_path_factory, pairs):
    check_dotenv(tmp_path_factory.mktemp("dotenv"), pairs)


@PROPERTY
@given(pairs=pair_dicts)
def test_random_values_tfvars_and_properties(tmp_path_factory, pairs):
    tmp = tmp_path_factory.mktemp("tf")
    assert readers.tfvars(write(tmp, "tfvars", pairs)) == pairs
    check_properties(tmp, pairs)


@PROPERTY
@given(pairs=pair_dicts, fmt=st.sampled_from(OTHER_FORMATS))
def test_random_values_other_formats(tmp_path_factory, pairs, fmt):
    ok, refused = split(fmt, pairs)
    _no_nul(pairs, refused)
    if fmt not in ("docker", "github", "shell"):
        assert not refused
    if ok:
        got = read_back(tmp_path_factory.mktemp("o"), fmt, ok)
        want = expect(ok) if fmt in NAMED else ok
        assert {k: got.get(k) for k in want} == want


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(values, min_size=5, max_size=30).map(lambda vs: {f"k{i}": v for i, v in enumerate(vs)}))
def test_random_values_java(tmp_path_factory, pairs):
    tmp = tmp_path_factory.mktemp("java")
    path = check_properties(tmp, pairs)
    loaded = readers.java_load([path], tmp)
    assert loaded[(str(path), "iso")] == pairs
    assert loaded[(str(path), "utf8")] == pairs


@PROPERTY
@given(pairs=pair_dicts)
def test_random_values_dotenv_keeps_chamber_bytes_or_reads_back(tmp_path_factory, pairs):
    """-f dotenv: a line every reader reads back exactly, or chamber's own line for a value no
    form carries to every reader (which -f dotenv-portable refuses)."""
    tmp = tmp_path_factory.mktemp("dotenv")
    exact = {}
    for k, v in pairs.items():
        if refusal("dotenv-portable", k, v) is None:
            exact[k] = v
        else:
            assert render("dotenv", [(k, v)]) == f'{k.upper()}="{dotenv_escape(v)}"\n'
    if exact:
        path = write(tmp, "dotenv", exact)
        for reader, read in readers.dotenv_readers():
            got = read(path)
            assert {k.upper(): got.get(k.upper()) for k in exact} == expect(exact), reader


HOSTILE_KEYS = ["db-host", "db.name", "UPPER_Key", "9lives", "a_b", "tf_var_region", "x.y-z_0"]


@pytest.mark.parametrize("fmt", ["dotenv", "dotenv-portable", "tfvars", "properties", *OTHER_FORMATS])
def test_hostile_keys(tmp_path, fmt):
    """Keys with dashes, dots, upper case and a leading digit: each is read back under the name
    the format gives it, or refused in one line naming it."""
    pairs = {k: f"value of {k}" for k in HOSTILE_KEYS}
    ok, refused = split(fmt, pairs)
    assert set(refused) <= {"9lives"}, refused
    path = write(tmp_path, fmt, ok)
    if fmt in ("dotenv", "dotenv-portable"):
        for reader, read in readers.dotenv_readers():
            got = read(path)
            assert {shell_name(k): got.get(shell_name(k)) for k in ok} == expect(ok), reader
    elif fmt == "tfvars":
        assert readers.tfvars(path) == expect(ok, tfvars_name)
    elif fmt == "properties":
        assert readers.javaproperties_reader(path, "iso-8859-1") == ok
    else:
        got = read_back(tmp_path, fmt, ok)
        want = expect(ok) if fmt in NAMED else ok
        assert {k: got.get(k) for k in want} == want
