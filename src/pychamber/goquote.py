"""Go's ``strconv.Quote`` (and ``%q`` for strings), for messages that must read as Go's.
Pure and light: used by exec's hot path as well as the formats."""

from __future__ import annotations

# --- strconv.Quote --------------------------------------------------------------------------

_QUOTE_SHORT = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def _quote_char(ch: str) -> str:
    o = ord(ch)
    short = _QUOTE_SHORT.get(ch)
    if short is not None:
        return short
    if 0x20 <= o < 0x7F:
        return ch
    if o < 0x20 or o == 0x7F:
        return f"\\x{o:02x}"
    if 0xD800 <= o <= 0xDFFF:
        # A lone surrogate cannot come from UTF-8. One from ``surrogateescape`` stands for an
        # undecodable byte, which Go quotes as \xNN; any other is an invalid rune (U+FFFD).
        if 0xDC80 <= o <= 0xDCFF:
            return f"\\x{o - 0xDC00:02x}"
        return "\\ufffd"
    # Python's isprintable() and Go's unicode.IsPrint agree: letters, marks, numbers,
    # punctuation and symbols are printable; separators (other than ASCII space) and the
    # C categories are not.
    if ch.isprintable():
        return ch
    if o < 0x10000:
        return f"\\u{o:04x}"
    return f"\\U{o:08x}"


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote(s)`` (and ``fmt.Sprintf("%q", s)``)."""
    return '"' + "".join(_quote_char(c) for c in s) + '"'
