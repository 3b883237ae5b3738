"""Go's ``unicode``/``strings`` behaviours where Python's differ: ``unicode.IsSpace`` and
``strings.TrimSpace`` (Python's ``str.isspace`` also accepts U+001C..U+001F), the simple
one-rune-to-one-rune case mapping of ``strings.ToLower``/``ToUpper`` (Python's full mapping
turns 'ß' into 'SS'), and Go's string order (``sort.Strings`` compares UTF-8 bytes; Python
compares code points, which differs for surrogate-escaped bytes). Pure."""

from __future__ import annotations


# --- unicode.IsSpace / strings.TrimSpace ----------------------------------------------------

GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_GO_SPACE_STR = "".join(sorted(GO_SPACE))


def go_is_space(ch: str) -> bool:
    """Go's ``unicode.IsSpace`` (Python's ``str.isspace`` also accepts U+001C..U+001F)."""
    return ch in GO_SPACE


def go_trim_space(s: str) -> str:
    return s.strip(_GO_SPACE_STR)


# --- Go's simple (one rune to one rune) case mapping ---------------------------------------
# Python's str.lower()/upper() apply full mappings ('ß'.upper() == 'SS'); Go's strings.ToLower /
# ToUpper map rune by rune. A character whose Python mapping is not a single character keeps
# its Go simple mapping from this table, or stays as it is.
_SIMPLE_LOWER = {"\u0130": "i"}  # İ -> i (Go), Python gives 'i̇'


def go_lower(s: str) -> str:
    if s.isascii():
        return s.lower()
    out = []
    for c in s:
        m = c.lower()
        out.append(m if len(m) == 1 else _SIMPLE_LOWER.get(c, c))
    return "".join(out)


def go_upper(s: str) -> str:
    if s.isascii():
        return s.upper()
    out = []
    for c in s:
        m = c.upper()
        out.append(m if len(m) == 1 else c)
    return "".join(out)


# --- Go's string order -------------------------------------------------------------------------
def byte_order(s: str) -> bytes:
    """Sort key giving Go's order of strings (byte-wise on their UTF-8 encoding; a
    surrogate-escaped byte sorts as that byte, any other lone surrogate as its 3 bytes)."""
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogatepass")
