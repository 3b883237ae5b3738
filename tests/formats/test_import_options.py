"""import's options in the format layer: --flatten (nested JSON/YAML maps as joined keys),
--expand (dotenv ${VAR} references), the dotenv file names and the errors' wording."""

from __future__ import annotations

import pytest

from pychamber.errors import ChamberError
from pychamber.formats import is_dotenv_filename, parse_import

NESTED_YAML = """\
top: 1
db:
  host: h
  port: 5432
  replica: {host: r}
empty: {}
"""
NESTED_JSON = '{"top": 1, "db": {"host": "h", "port": 5432, "replica": {"host": "r"}}, "empty": {}}'
FLAT = [("top", "1"), ("db_host", "h"), ("db_port", "5432"), ("db_replica_host", "r")]


@pytest.mark.parametrize("text", [NESTED_YAML, NESTED_JSON])
def test_flatten(text):
    assert parse_import(text, flatten="_") == FLAT
    assert parse_import(text, flatten=".") == [(k.replace("_", "."), v) for k, v in FLAT]
    assert parse_import(text, flatten="__")[3] == ("db__replica__host", "r")


@pytest.mark.parametrize("text", [NESTED_YAML, NESTED_JSON])
def test_without_flatten_a_nested_map_is_chamber_error(text):
    with pytest.raises(ChamberError, match='^Failed to decode input as json: .*cannot unmarshal a mapping into a '
                                           'string \\(key "db"\\)$'):
        parse_import(text)


def test_flatten_keeps_lists_an_error():
    with pytest.raises(ChamberError, match='cannot unmarshal a sequence into a string \\(key "db_hosts"\\)'):
        parse_import("db:\n  hosts: [a, b]\n", flatten="_")


def test_flatten_merges_and_aliases():
    text = "base: &b {user: u, pass: p}\nprod:\n  <<: *b\n  pass: q\ncopy: *b\n"
    assert parse_import(text, flatten="_") == [
        ("base_user", "u"), ("base_pass", "p"), ("prod_user", "u"), ("prod_pass", "q"),
        ("copy_user", "u"), ("copy_pass", "p")]


@pytest.mark.parametrize("text", ["a_b: 1\na: {b: 2}\n", '{"a": {"b": 2}, "a_b": 1}'])
def test_flatten_collision_is_an_error(text):
    with pytest.raises(ChamberError, match='--flatten makes the key "a_b" twice'):
        parse_import(text, flatten="_")


@pytest.mark.parametrize("sep", ["", "/", " ", "a b", "ä"])
def test_flatten_separator_checked(sep):
    with pytest.raises(ChamberError, match="Invalid --flatten separator"):
        parse_import("a: {b: 1}\n", flatten=sep)


# --- --expand ------------------------------------------------------------------------------------

DOTENV = """\
HOST=db
URL="postgres://${HOST}:${PORT:-5432}/${NAME}"
HOME_DIR=${HOME}/x
SINGLE='${HOST}'
ESCAPED="\\${HOST}"
LATER=${AFTER}
AFTER=a
PLAIN=$HOST
"""


def test_dotenv_references_stored_literally_by_default():
    got = dict(parse_import(DOTENV, fmt="dotenv"))
    assert got["URL"] == "postgres://${HOST}:${PORT:-5432}/${NAME}"
    assert got["ESCAPED"] == "${HOST}"


def test_dotenv_expand_as_python_dotenv():
    got = dict(parse_import(DOTENV, fmt="dotenv", environ={"HOME": "/root", "HOST": "env", "NAME": "n"}))
    assert got == {"HOST": "db", "URL": "postgres://db:5432/n", "HOME_DIR": "/root/x",
                   "SINGLE": "${HOST}", "ESCAPED": "${HOST}", "LATER": "", "AFTER": "a",
                   "PLAIN": "$HOST"}


def test_dotenv_expand_agrees_with_python_dotenv_on_its_grammar():
    dotenv = pytest.importorskip("dotenv")
    import io

    text = 'A=1\nB="${A}-${C:-d}-${HOME}"\nC=${B}\n'
    environ = {"HOME": "/h"}
    import os
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(environ)
        expected = dotenv.dotenv_values(stream=io.StringIO(text))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert dict(parse_import(text, fmt="dotenv", environ=environ)) == expected


# --- names and wording -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, want", [
    (".env", True), ("prod.env", True), (".env.production", True), (".env.local", True),
    ("app.env.example", True), ("/x/y/.env.test", True), ("env", False), (".envrc", False),
    ("app.env.json", False), (".env.yaml", False), ("x.env.YML", False), ("secrets.yaml", False),
    ("environment.txt", False),
])
def test_dotenv_file_names(name, want):
    assert is_dotenv_filename(name) is want


def test_yaml_errors_say_yaml_when_asked():
    with pytest.raises(ChamberError, match="^Failed to decode input as yaml: EOF$"):
        parse_import("", fmt="yaml")
    with pytest.raises(ChamberError, match="^Failed to decode input as json: EOF$"):
        parse_import("", fmt="json")
    with pytest.raises(ChamberError, match="^Failed to decode input as json: EOF$"):
        parse_import("")


@pytest.mark.parametrize("text", ["A=1\n", "# x\nexport A=1\nB='x y'\n", "KEY = v\n"])
def test_dotenv_looking_input_gets_a_hint(text):
    with pytest.raises(ChamberError, match="; the input looks like dotenv: use --format dotenv$"):
        parse_import(text)


@pytest.mark.parametrize("text", ["a: [1]\n", "just text\n", "a: 'x\n"])
def test_no_hint_for_other_input(text):
    with pytest.raises(ChamberError) as e:
        parse_import(text)
    assert "dotenv" not in e.value.message
