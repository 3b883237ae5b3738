"""Helpers shared by the exporters."""

from __future__ import annotations

from collections.abc import Iterable

from pychamber.compat.unicode import byte_order

Pairs = Iterable[tuple[str, str]]


sort_key = byte_order  # Go's sort.Strings order

def entries(pairs: Pairs) -> list[tuple[str, str]]:
    """The pairs as chamber's ``map[string]string`` holds them: one entry per key (the last
    value given wins), sorted byte-wise by the original key."""
    merged: dict[str, str] = {}
    for key, value in pairs:
        merged[key] = value
    return sorted(merged.items(), key=lambda kv: sort_key(kv[0]))
