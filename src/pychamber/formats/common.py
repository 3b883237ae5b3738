"""Helpers shared by the exporters."""

from __future__ import annotations

from collections.abc import Iterable

Pairs = Iterable[tuple[str, str]]


def sort_key(key: str) -> bytes:
    """Go's ``sort.Strings`` order: byte-wise on the UTF-8 encoding."""
    return key.encode("utf-8", "surrogatepass")


def entries(pairs: Pairs) -> list[tuple[str, str]]:
    """The pairs as chamber's ``map[string]string`` holds them: one entry per key (the last
    value given wins), sorted byte-wise by the original key."""
    merged: dict[str, str] = {}
    for key, value in pairs:
        merged[key] = value
    return sorted(merged.items(), key=lambda kv: sort_key(kv[0]))
