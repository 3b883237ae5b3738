"""JSON (§6.1), Java properties (§6.7) and CSV/TSV (§6.8) exporters. Pure functions, no I/O.
The output of each is pure ASCII or UTF-8 text, returned as ``str``."""

from __future__ import annotations


from pychamber.formats.common import Pairs, entries
from pychamber.compat.unicode import go_is_space
from pychamber.compat.gojson import json_string

# --- JSON: Go encoding/json Encoder on map[string]string -------------------------------------

__all__ = ["json_string"]  # re-exported


def render_json(pairs: Pairs) -> str:
    """Compact object, keys sorted byte-wise, ``\\n``-terminated; ``{}`` + newline when empty."""
    body = ",".join(f"{json_string(k)}:{json_string(v)}" for k, v in entries(pairs))
    return "{" + body + "}\n"


# --- Java properties: magiconair/properties v1.8.9's bytes, where java.util.Properties reads them -

_PROP_ESCAPES = {"\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _properties_encode(s: str, special: str, value: bool = False) -> str:
    """chamber's escapes (magiconair/properties), made exact for ``Properties.load`` whether it
    reads ISO-8859-1 (``load(InputStream)``, the JDK's default) or UTF-8 (``load(Reader)``), as
    Java's own ``store()`` is: U+0080..U+00FF as ``\\u00XX`` (chamber writes their UTF-8 bytes,
    which the ISO-8859-1 loader reads as two characters), characters above U+FFFF as a
    surrogate pair of ``\\uXXXX`` (chamber writes ``?``), and a value's leading space as ``\\ ``
    (the loader drops unescaped leading blanks)."""
    out = []
    for ch in s:
        o = ord(ch)
        if o < 0x80:
            esc = _PROP_ESCAPES.get(ch)
            if esc is not None:
                out.append(esc)
            elif ch in special:
                out.append("\\" + ch)
            else:
                out.append(ch)
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")  # invalid UTF-8 decodes to U+FFFD
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            o -= 0x10000
            out.append(f"\\u{0xD800 + (o >> 10):04x}\\u{0xDC00 + (o & 0x3FF):04x}")
    if value and s.startswith(" "):
        out[0] = "\\ "
    return "".join(out)


def render_properties(pairs: Pairs) -> str:
    """``KEY = VALUE`` lines, no header. Keys additionally escape space and ``:``."""
    return "".join(
        f"{_properties_encode(k, ' :')} = {_properties_encode(v, '', value=True)}\n"
        for k, v in entries(pairs)
    )


# --- CSV / TSV: Go encoding/csv Writer (UseCRLF false) -----------------------------------------


def _csv_needs_quotes(field: str, comma: str) -> bool:
    if field == "":
        return False
    if field == "\\.":
        return True
    if any(c in field for c in ("\n", "\r", '"', comma)):
        return True
    return go_is_space(field[0])


def _csv_field(field: str, comma: str) -> str:
    if not _csv_needs_quotes(field, comma):
        return field
    return '"' + field.replace('"', '""') + '"'


def _render_separated(pairs: Pairs, comma: str) -> str:
    return "".join(
        f"{_csv_field(k, comma)}{comma}{_csv_field(v, comma)}\n" for k, v in entries(pairs)
    )


def render_csv(pairs: Pairs) -> str:
    return _render_separated(pairs, ",")


def render_tsv(pairs: Pairs) -> str:
    return _render_separated(pairs, "\t")
