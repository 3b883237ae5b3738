"""export -f github and -f k8s-secret, read back as their consumers read them: GitHub's
documented $GITHUB_ENV syntax (parsed here as the runner does) and a Kubernetes Secret manifest
(parsed with PyYAML, no kubectl)."""

from __future__ import annotations

import base64
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pychamber.errors import ChamberError
from pychamber.formats import FORMATS, github_masks, render

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_github_env(text: str) -> dict[str, str]:
    """GitHub's documented $GITHUB_ENV syntax, read as the runner reads it: lines end at LF (a
    CRLF is one line end); ``NAME=VALUE`` when ``=`` comes before any ``<<``; else
    ``NAME<<DELIMITER`` then the value's lines up to a line equal to DELIMITER, joined by LF."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    out: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line == "":
            continue
        eq, hd = line.find("="), line.find("<<")
        if eq >= 0 and (hd < 0 or eq < hd):
            name, value = line.split("=", 1)
        elif hd >= 0:
            name, delimiter = line.split("<<", 1)
            assert name and delimiter
            body = []
            while lines[i] != delimiter:  # IndexError: the delimiter never came
                body.append(lines[i])
                i += 1
            i += 1
            value = "\n".join(body)
        else:
            raise AssertionError(f"invalid line {line!r}")
        assert name
        out[name] = value
    return out


names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True)
github_values = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
                                  max_size=8)
                         | st.sampled_from(["\n", "<<", "=", "ghadelimiter_", "%", " ", "\u2028"]),
                         max_size=8).map("".join)


def test_formats_listed():
    assert {"github", "k8s-secret"} <= set(FORMATS)


@SETTINGS
@given(secrets=st.dictionaries(names, github_values, max_size=6))
def test_github_env_reads_back(secrets):
    assert parse_github_env(render("github", secrets.items())) == secrets


def test_github_env_shape():
    out = render("github", [("db-url", "pg://x"), ("cert", "a\nb\n"), ("empty", "")])
    m = re.fullmatch(r"CERT<<(ghadelimiter_[0-9a-f-]{36})\na\nb\n\n\1\nDB_URL=pg://x\nEMPTY=\n", out)
    assert m, out
    again = render("github", [("cert", "a\nb\n")])
    assert m.group(1) not in again  # a fresh random delimiter each time


def test_github_delimiter_never_in_the_value():
    from pychamber.formats import render_github

    made = iter(["D1", "D2", "D3"])
    out = render_github([("k", "x\nD1\nD2 and more")], new_delimiter=lambda: next(made))
    assert out == "K<<D3\nx\nD1\nD2 and more\nD3\n"


@pytest.mark.parametrize("value, what", [("a\rb", "carriage return"), ("a\r\n", "carriage return"),
                                         ("a\x00", "NUL")])
def test_github_refuses_what_the_runner_would_change(value, what):
    with pytest.raises(ChamberError) as e:
        render("github", [("ok", "fine"), ("bad", value)])
    assert e.value.message.startswith("Cannot export bad as github: ") and what in e.value.message


def test_github_names_validated_like_dotenv():
    with pytest.raises(ChamberError, match='must start with a letter or underscore'):
        render("github", [("1x", "v")])


def test_github_masks():
    out = github_masks([("b", "two\nlines\n"), ("a", "50%\rx"), ("c", "two"), ("d", "  "), ("e", "")])
    assert out == "::add-mask::50%25%0Dx\n::add-mask::two\n::add-mask::lines\n"


# --- Kubernetes Secret ---------------------------------------------------------------------------

k8s_keys = st.from_regex(r"[-._a-zA-Z0-9]{1,20}", fullmatch=True).filter(
    lambda k: k not in (".", "..") and not k.startswith(".."))
any_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@SETTINGS
@given(secrets=st.dictionaries(k8s_keys, any_values, max_size=6),
       name=st.from_regex(r"[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]{1,5})?", fullmatch=True))
def test_k8s_secret_manifest(secrets, name):
    doc = yaml.safe_load(render("k8s-secret", secrets.items(), name=name))
    assert doc["apiVersion"] == "v1" and doc["kind"] == "Secret" and doc["type"] == "Opaque"
    assert doc["metadata"] == {"name": name}
    assert set(doc) == {"apiVersion", "kind", "metadata", "type", "data"}
    assert {k: base64.b64decode(v, validate=True).decode() for k, v in doc["data"].items()} == secrets
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in doc["data"].items())


def test_k8s_secret_bytes():
    out = render("k8s-secret", [("DB_URL", "pg://x"), ("true", "1234"), ("api.key", "é")], name="app")
    assert out == ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n"
                   "  DB_URL: cGc6Ly94\n  api.key: w6k=\n  \"true\": MTIzNA==\n")
    assert render("k8s-secret", [], name="app").endswith("type: Opaque\ndata: {}\n")


@pytest.mark.parametrize("name", [None, "", "App", "-x", "x-", "a_b", "a" * 254, "a..b"])
def test_k8s_secret_name_checked(name):
    with pytest.raises(ChamberError, match="--name NAME|Invalid Secret name"):
        render("k8s-secret", [("k", "v")], name=name)


@pytest.mark.parametrize("key", ["a/b", "a b", "..x", ".", "é"])
def test_k8s_secret_keys_checked(key):
    with pytest.raises(ChamberError, match="as k8s-secret: a Secret's data key"):
        render("k8s-secret", [(key, "v")], name="app")


@pytest.mark.parametrize("key, why", [
    (".", "must not be '.' or '..' nor start with '..' (it is a file name in a mounted volume)"),
    ("..", "must not be '.' or '..' nor start with '..' (it is a file name in a mounted volume)"),
    ("..x", "must not be '.' or '..' nor start with '..' (it is a file name in a mounted volume)"),
    ("a/b", "holds only letters, digits, '-', '_' and '.'"),
    ("k" * 254, "is at most 253 characters"),
])
def test_k8s_data_key_refusal_states_kubernetes_rule(key, why):
    with pytest.raises(ChamberError) as e:
        render("k8s-secret", [(key, "v")], name="app")
    assert e.value.message == f'Cannot export "{key}" as k8s-secret: a Secret\'s data key {why}'


def test_name_collisions_warn_for_every_format_that_makes_names():
    from pychamber.formats import name_collisions

    pairs = [("db_host", "3"), ("db-host", "1"), ("db.host", "2"), ("port", "p")]
    want = ["warning: parameters db-host, db.host and db_host are all exported as DB_HOST; "
            "readers keep the last (db_host)"]
    for fmt in ("dotenv", "DOTENV-portable", "shell", "docker", "github"):
        assert name_collisions(fmt, pairs) == want
    assert name_collisions("tfvars", [("tf_var_a", "1"), ("a", "2")]) == [
        "warning: parameters a and tf_var_a are all exported as a; readers keep the last (tf_var_a)"]
    for fmt in ("json", "yaml", "csv", "java-properties", "k8s-secret"):
        assert name_collisions(fmt, pairs) == []
