"""Hostile and odd import input (hardening issue, item 7): every one ends in one
``Failed to decode input as ...`` line, never an internal error, and in bounded time (merge keys
are expanded once per map, nesting and expansion are capped)."""

from __future__ import annotations

import pytest

from pychamber.errors import ChamberError
from pychamber.formats import parse_import
from pychamber.formats.yamlfmt import MAX_DEPTH, MAX_EXPANDED


def merge_bomb(levels: int) -> str:
    """Merge keys, each map merging the previous one twice (``<<: [*a, *a]``): 2**levels
    entries if expanded naively, about 1.3 KB of text for 40 levels."""
    maps = ["&a0 {k0: v}"] + [f"&a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: v}}"
                              for i in range(1, levels + 1)]
    return "<<: [" + ", ".join(maps) + "]\n"


def nested_merge_bomb(levels: int) -> str:
    """The same with each map written inside the one that merges it."""
    expr = "&a0 {k0: v}"
    for i in range(1, levels + 1):
        expr = f"&a{i} {{<<: [{expr}, *a{i - 1}], k{i}: v}}"
    return "<<: " + expr + "\n"


def alias_bomb(levels: int) -> str:
    """A "billion laughs" of plain aliases: each map holds the previous one twice."""
    lines = ["l0: &l0 {x: v}"]
    lines += [f"l{i}: &l{i} {{p: *l{i - 1}, q: *l{i - 1}}}" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def failure(text: str, **kw) -> str:
    with pytest.raises(ChamberError) as e:
        parse_import(text, **kw)
    msg = e.value.message
    assert "\n" not in msg
    return msg


def test_merge_bomb_is_expanded_once_per_map():
    text = merge_bomb(40)
    assert 1200 < len(text) < 1500
    assert sorted(parse_import(text)) == sorted([(f"k{i}", "v") for i in range(41)])
    assert sorted(parse_import(nested_merge_bomb(40))) == sorted([(f"k{i}", "v") for i in range(41)])


@pytest.mark.parametrize("text", ["&a {<<: *a}\n", "<<: &a {<<: *a, k: v}\n", "&a\nk: v\n<<: *a\n",
                                  "<<: &a [{k: v}, {<<: *a}]\n"])
def test_self_referencing_merge(text):
    msg = failure(text)
    assert msg.startswith("Failed to decode input as json: [")
    assert ("recursive merge" in msg) or ("cannot merge" in msg)


@pytest.mark.parametrize("text", ["a: " + "[" * 5000 + "]" * 5000 + "\n",
                                  "a: " + "{b: " * 3000 + "c" + "}" * 3000 + "\n",
                                  "[" * 100000, '{"a": ' * 3000 + "1" + "}" * 3000,
                                  "a:\n" + "".join("  " * i + f"b{i}:\n" for i in range(1, 400))])
def test_deep_nesting(text):
    msg = failure(text)
    assert f"nesting deeper than {MAX_DEPTH} levels" in msg or "cannot unmarshal" in msg


def test_deep_nesting_with_flatten():
    text = "a: " + "{b: " * 500 + "c" + "}" * 500 + "\n"
    assert f"nesting deeper than {MAX_DEPTH} levels" in failure(text, flatten="_")
    text = '{"a": ' * 500 + '"x"' + "}" * 500
    assert f"nesting deeper than {MAX_DEPTH} levels" in failure(text, flatten="_")


@pytest.mark.parametrize("char", ["\x01", "\x08", "\x1b", "\x7f", "\x9b", "\ufffe"])
def test_control_character(char):
    msg = failure(f"a: 1\nb: x{char}y\n")
    assert msg.startswith("Failed to decode input as json: [2:5] the character U+")
    assert "x" + char not in msg


def test_alias_bomb_with_flatten_is_capped():
    assert "cannot unmarshal a mapping" in failure(alias_bomb(40))  # no flattening: the first map fails
    msg = failure(alias_bomb(40), flatten="_")
    assert f"more than {MAX_EXPANDED} entries" in msg
    assert len(parse_import(alias_bomb(5), flatten="_")) == 1 + 2 + 4 + 8 + 16 + 32


def test_recursive_alias_with_flatten():
    assert "contains itself" in failure("a: &a {b: *a}\n", flatten="_")


def test_own_keys_never_count_against_the_cap(monkeypatch):
    from pychamber.formats import yamlfmt

    monkeypatch.setattr(yamlfmt, "MAX_EXPANDED", 10)
    flat = "".join(f"k{i}: v\n" for i in range(50))
    assert len(parse_import(flat)) == 50
    nested = "a:\n" + "".join(f"  k{i}: v\n" for i in range(50))
    assert len(parse_import(nested, flatten="_")) == 50
    assert "more than 10 entries" in failure("a: &a {" + ", ".join(f"k{i}: v" for i in range(11)) + "}\nb: *a\n",
                                             flatten="_")


@pytest.mark.parametrize("text", [
    "password: *Xk9pqSECRET\n",  # an unquoted value starting with '*': an alias to YAML
    "password: !Xk9!SECRET x\n",  # '!...!': a tag handle
    "password: &SECRET x\nother: &SECRET y\n",  # '&': an anchor, here twice
])
def test_an_unquoted_value_read_as_a_yaml_name_is_never_quoted(text):
    msg = failure(text)
    assert "SECRET" not in msg
    assert "must be quoted" in msg
