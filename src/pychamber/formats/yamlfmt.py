"""YAML as chamber v3.1.3+ writes and reads it (goccy/go-yaml v1.17.1), §6.2 and §6.9.

Export writes goccy's exact bytes (``token.IsNeedQuoted`` -> ``strconv.Quote``; otherwise a
literal block when the value holds a line break; otherwise plain) wherever they read back as the
stored string, in PyYAML (YAML 1.1) and in chamber's own import (goccy). Where they would not,
the scalar is double-quoted instead (see ``yaml_scalar``): goccy leaves tabs, other control
characters, U+0085/U+2028/U+2029 and DEL raw, writes CR and CRLF as the break of a literal block
(every parser reads LF), and leaves ``.inf``/``.nan``, ``=``, ``<<``, ``? x``, ``1:2:3`` and
YAML 1.1 timestamps such as ``2024-1-2`` plain, which PyYAML reads as other values or refuses.

Import reads with PyYAML but resolves plain scalars like goccy (YAML 1.2-ish: ``yes``/``on``
stay strings, ``0x1F`` is 31, ``010`` is 8, dates stay text) and converts them to strings the
way goccy's decoder does for ``map[string]string``.
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from pychamber.errors import ChamberError
from pychamber.formats.common import Pairs, entries
from pychamber.compat.gotime import go_is_timestamp
from pychamber.compat.strconv import (
    RANGE,
    go_format_float,
    go_parse_float,
    go_parse_int,
    go_parse_uint,
    go_quote,
)

# --- goccy token rules ----------------------------------------------------------------------

_NULL_WORDS = ("null", "Null", "NULL", "~")
_TRUE_WORDS = ("true", "True", "TRUE")
_FALSE_WORDS = ("false", "False", "FALSE")
_LEGACY_BOOL_WORDS = ("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                      "on", "On", "ON", "off", "Off", "OFF")
_INF_WORDS = (".inf", ".Inf", ".INF")
_NEG_INF_WORDS = ("-.inf", "-.Inf", "-.INF")
_NAN_WORDS = (".nan", ".NaN", ".NAN")

# reservedEncKeywordMap: quoted on encoding.
_ENC_RESERVED = frozenset(_NULL_WORDS + _TRUE_WORDS + _FALSE_WORDS + _LEGACY_BOOL_WORDS)


def _to_number(value: str) -> tuple[str | None, object, str | None]:
    """goccy ``token.toNumber``: returns (type, value, err). type None with err None means
    "not a number"; err is ``syntax``/``range`` from strconv."""
    if value == "" or value.startswith("_"):
        return None, None, None
    dots = value.count(".")
    if dots > 1:
        return None, None, None
    negative = value.startswith("-")
    normalized = value.removeprefix("+").removeprefix("-").replace("_", "")
    if normalized.startswith("0x"):
        normalized, base, typ = normalized[2:], 16, "hex"
    elif normalized.startswith("0o"):
        normalized, base, typ = normalized[2:], 8, "octet"
    elif normalized.startswith("0b"):
        normalized, base, typ = normalized[2:], 2, "binary"
    elif normalized.startswith("0") and len(normalized) > 1 and dots == 0:
        base, typ = 8, "octet"
    elif dots == 1:
        base, typ = 0, "float"
    else:
        base, typ = 10, "decimal"
    text = "-" + normalized if negative else normalized
    if typ == "float":
        f, err = go_parse_float(text)
        return (typ, f, err) if err is None else (None, None, err)
    if negative:
        n, err = go_parse_int(text, base)
    else:
        n, err = go_parse_uint(text, base)
    return (typ, n, err) if err is None else (None, None, err)


def _is_number(value: str) -> bool:
    typ, _, err = _to_number(value)
    return typ is not None or err == RANGE


def is_need_quoted(value: str) -> bool:
    """goccy/go-yaml v1.17.1 ``token.IsNeedQuoted``."""
    if value == "":
        return True
    if value in _ENC_RESERVED:
        return True
    if _is_number(value):
        return True
    if value == "-":
        return True
    if value[0] in "*&[{}],!|>%'\"@ `":
        return True
    if value[-1] in ": ":
        return True
    if go_is_timestamp(value):
        return True
    return "#" in value or "\\" in value or ": " in value or "- " in value


def _line_break(value: str) -> str:
    """goccy ``token.DetectLineBreakCharacter``."""
    nc = value.count("\n")
    rc = value.count("\r")
    rnc = value.count("\r\n")
    if nc == rnc and rc == rnc:
        return "\r\n"
    if rc > nc:
        return "\r"
    return "\n"


def _literal_block(value: str) -> str | None:
    """goccy's ``StringNode.String`` block form for a top-level map value (column 1, indent 2);
    None when the value holds no line break."""
    lbc = _line_break(value)
    if lbc not in value:
        return None
    if value.endswith(lbc + lbc):
        header = "|+"
    elif value.endswith(lbc):
        header = "|"
    else:
        header = "|-"
    block = lbc.join("  " + line for line in value.split(lbc))
    block = block.removesuffix(lbc + "  ").removesuffix("  ")
    return header + lbc + block


def goccy_scalar(value: str) -> str:
    """Exactly what goccy/go-yaml v1.17.1 writes for a string (no read-back check)."""
    if is_need_quoted(value):
        return go_quote(value)
    block = _literal_block(value)
    return block if block is not None else value


# --- read-back safety ---------------------------------------------------------------------------


def _reads_back(doc: str, key: str, value: str) -> bool:
    """Whether ``doc`` (one ``key: value`` line) reads back as {key: value} both in PyYAML's
    YAML 1.1 SafeLoader and with pychamber's goccy-compatible import loader (chamber's import)."""
    try:
        if yaml.load(doc, Loader=yaml.SafeLoader) != {key: value}:  # noqa: S506 (safe loader)
            return False
        return parse_yaml_pairs(doc) == [(key, value)]
    except Exception:  # noqa: BLE001 -- e.g. PyYAML's ValueError for "2023-02-29": not readable
        return False


def yaml_scalar(value: str, is_key: bool = False) -> str:
    """The scalar chamber writes for ``value``: goccy's exact bytes, unless PyYAML or chamber's
    own import would read them as another value (or not at all), in which case the
    double-quoted (strconv.Quote) form, which always reads back."""
    spelled = goccy_scalar(value)
    if spelled.startswith('"'):
        return spelled  # strconv.Quote output always reads back
    if is_key:
        # A map key cannot be a block scalar (goccy would write a broken document).
        if spelled != value:
            return go_quote(value)
        doc = f"{spelled}: x\n"
        return spelled if _reads_back(doc, value, "x") else go_quote(value)
    doc = f"k: {spelled}\n"
    return spelled if _reads_back(doc, "k", value) else go_quote(value)


def render_yaml(pairs: Pairs) -> str:
    """``key: value`` lines sorted by key, ``{}`` for no secrets; newline-terminated."""
    items = entries(pairs)
    if not items:
        return "{}\n"
    return "".join(f"{yaml_scalar(k, is_key=True)}: {yaml_scalar(v)}\n" for k, v in items)


# --- import ---------------------------------------------------------------------------------------

_PLAIN_TAG = "tag:pychamber:plain"
_RESOLVED_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("int", "float", "bool", "null")
)


#: How deep maps and lists may nest in an imported document (a flat map needs 1; ``--flatten``
#: is for configuration files, never 100 levels deep). Deeper input is refused before PyYAML's
#: recursive composer can exhaust the stack.
MAX_DEPTH = 100
#: How many (key, value) entries merge keys and aliases flattened by ``--flatten`` may bring in
#: (a document's own keys do not count): merges are expanded once per map (memoised), but a
#: document of aliases can still multiply its size (a "billion laughs").
MAX_EXPANDED = 100_000


class _ImportLoader(yaml.SafeLoader):
    """PyYAML's scanner/parser/composer with every implicit resolver replaced by one that tags
    each plain scalar ``tag:pychamber:plain``: goccy's resolution is applied by us afterwards,
    so YAML 1.1 booleans (``yes``, ``on``), sexagesimal numbers and timestamps stay text.
    Nesting deeper than :data:`MAX_DEPTH` is refused while composing."""

    yaml_implicit_resolvers: dict = {}
    _depth = 0

    def fetch_flow_collection_start(self, TokenClass):
        # PyYAML's scanner reads a run of "[" / "{" ahead of the composer, in quadratic time:
        # stop it at the nesting the composer would refuse anyway
        if self.flow_level >= MAX_DEPTH:
            raise yaml.scanner.ScannerError(None, None, f"nesting deeper than {MAX_DEPTH} levels",
                                            self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_ImportLoader.add_implicit_resolver(_PLAIN_TAG, re.compile(r".*", re.S), [None, ""])


def goccy_resolve(text: str) -> str:
    """The string goccy's decoder stores for a plain scalar decoded into ``map[string]string``:
    null -> "", booleans -> "true"/"false", integers in decimal, floats as Go's ``%v``,
    everything else as written (out-of-range numbers included)."""
    if text == "" or text in _NULL_WORDS:
        return ""
    if text in _TRUE_WORDS:
        return "true"
    if text in _FALSE_WORDS:
        return "false"
    if text in _INF_WORDS:
        return "+Inf"
    if text in _NEG_INF_WORDS:
        return "-Inf"
    if text in _NAN_WORDS:
        return "NaN"
    typ, num, _ = _to_number(text)
    if typ is None:
        return text
    if typ == "float":
        return go_format_float(num)  # type: ignore[arg-type]
    return str(num)


def _scalar_string(node: ScalarNode) -> str:
    if node.tag == _PLAIN_TAG or node.tag in _RESOLVED_TAGS:
        return goccy_resolve(node.value)
    return node.value


def _where(node) -> str:
    m = node.start_mark
    return f"[{m.line + 1}:{m.column + 1}]"


def _kind(node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a sequence"
    return "a scalar"


#: PyYAML's words for a name it quotes from the input (an alias, an anchor, a tag handle): an
#: unquoted value starting with ``*``, ``&`` or ``!`` (a generated password) is read as one.
_QUOTED_NAME = re.compile(r"(found (?:undefined alias|duplicate anchor|undefined tag handle)) "
                          r"(?:'[^']*'|\"[^\"]*\")")


def _one_line_error(e: yaml.YAMLError) -> str:
    """PyYAML's error as ``[line:column] context: problem``, never quoting a name it read (an
    unquoted value ``*p4ss`` is an alias to PyYAML: its error would name the value)."""
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        where = f"[{mark.line + 1}:{mark.column + 1}] " if mark is not None else ""
        parts = [_QUOTED_NAME.sub(r"\1 (a value starting with '*', '&' or '!' must be quoted)", p)
                 for p in (e.context, e.problem) if p]
        return where + (": ".join(parts) if parts else "invalid YAML")
    return " ".join(str(e).split())


class DecodeError(ChamberError):
    """Input that is not a map of strings. ``reason`` is the one-line cause; the message is
    chamber's ``Failed to decode input as json: <reason>`` (``parse_import`` says ``as yaml``
    when the user asked for YAML)."""

    def __init__(self, reason: str, label: str = "json"):
        self.reason = " ".join(reason.split())
        super().__init__(f"Failed to decode input as {label}: {self.reason}")


def decode_error(reason: str) -> DecodeError:
    return DecodeError(reason)


def _reader_error(e: yaml.reader.ReaderError, text: str) -> str:
    """PyYAML's "unacceptable character" as ``[line:column]`` and the code point, one line."""
    pos = e.position if isinstance(e.position, int) else 0
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or "\0")
    return (f"[{line}:{column}] the character U+{char:04X} is not allowed in YAML "
            "(control characters must be written escaped in double quotes)")


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _is_merge(node: object) -> bool:
    return isinstance(node, ScalarNode) and (node.tag == _MERGE_TAG or (node.tag == _PLAIN_TAG
                                                                        and node.value == "<<"))


Entry = tuple[str, object, object]  # (key as decoded, key node, value node)


class _Expander:
    """Maps with their merge keys (``<<``) applied, YAML's precedence: a map's own keys win,
    then the merged maps in order (the first wins). Each map is expanded once (memoised, so a
    document of aliases costs what its distinct maps cost, not what they multiply to); a map
    that merges itself is an error, and so is visiting more than :data:`MAX_EXPANDED` entries."""

    def __init__(self) -> None:
        self._memo: dict[int, list[Entry]] = {}
        self._active: set[int] = set()
        self._budget = MAX_EXPANDED

    def spend(self, n: int = 1) -> None:
        self._budget -= n
        if self._budget < 0:
            raise decode_error(f"the document expands to more than {MAX_EXPANDED} entries "
                               "(aliases and merge keys)")

    def entries(self, m: MappingNode) -> list[Entry]:
        """The entries of map ``m`` in document order, each merge key's entries at its place.
        A key defined twice in one map is an error (goccy's "already defined")."""
        done = self._memo.get(id(m))
        if done is not None:
            return done
        if id(m) in self._active:
            raise decode_error(f"{_where(m)} a merge key refers to the map it is in (a recursive merge)")
        self._active.add(id(m))
        own: dict[str, object] = {}
        for k, _ in m.value:
            if _is_merge(k):
                continue
            if not isinstance(k, ScalarNode):
                raise decode_error(f"{_where(k)} {_kind(k)} cannot be a key")
            key = _scalar_string(k)
            if key in own:
                raise decode_error(f"{_where(k)} mapping key {go_quote(key)} already defined at {_where(own[key])}")
            own[key] = k
        out: list[Entry] = []
        seen: set[str] = set()
        for k, v in m.value:
            if not _is_merge(k):
                key = _scalar_string(k)
                seen.add(key)
                out.append((key, k, v))
                continue
            for src in (v.value if isinstance(v, SequenceNode) else [v]):
                if not isinstance(src, MappingNode):
                    raise decode_error(f"{_where(src)} cannot merge {_kind(src)}: "
                                       "a merge key takes a map or a list of maps")
                merged = self.entries(src)
                self.spend(len(merged))
                for e in merged:
                    if e[0] not in own and e[0] not in seen:
                        seen.add(e[0])
                        out.append(e)
        self._active.discard(id(m))
        self._memo[id(m)] = out
        return out


def _string_pairs(root: MappingNode, flatten: str | None) -> list[tuple[str, str]]:
    """The decoded (key, string) pairs of the root map; with ``flatten``, nested maps become
    keys joined by it (``db: {host: x}`` -> ``db_host``)."""
    ex = _Expander()
    out: list[tuple[str, str]] = []
    where: dict[str, str] = {}
    flattened: set[int] = set()

    def emit(key: str, k: object, v: object, path: tuple[int, ...]) -> None:
        if flatten is not None and isinstance(v, MappingNode):
            if id(v) in path:
                raise decode_error(f"{_where(v)} the map of key {go_quote(key)} contains itself (a recursive alias)")
            sub_entries = ex.entries(v)
            if id(v) in flattened:  # an alias of a map already written out: what bombs repeat
                ex.spend(len(sub_entries))
            flattened.add(id(v))
            for sub, sk, sv in sub_entries:
                emit(key + flatten + sub, sk, sv, path + (id(v),))
            return
        if not isinstance(v, ScalarNode):
            raise decode_error(f"{_where(v)} cannot unmarshal {_kind(v)} into a string (key {go_quote(key)})")
        if key in where:  # only when flattening: "a_b: 1" and "a: {b: 2}"
            raise decode_error(f"{_where(k)} --flatten makes the key {go_quote(key)} twice "
                               f"(first at {where[key]})")
        where[key] = _where(k)
        out.append((key, _scalar_string(v)))

    for key, k, v in ex.entries(root):
        emit(key, k, v, (id(root),))
    return out


def parse_yaml_pairs(text: str, flatten: str | None = None) -> list[tuple[str, str]]:
    """The first YAML document as a flat string map, in document order. Raises DecodeError
    (``Failed to decode input as json: <one-line reason>``)."""
    try:
        loader = _ImportLoader(text)
    except yaml.reader.ReaderError as e:
        raise decode_error(_reader_error(e, text)) from None
    try:
        if not loader.check_node():
            raise decode_error("EOF")
        root = loader.get_node()
        # Later documents are not decoded, but (as goccy parses the whole stream) they must be
        # well-formed; PyYAML reads text after a complete document without a "---" as a new
        # implicit document, which is trailing garbage.
        while not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent) and not event.explicit:
                m = event.start_mark
                where = f"[{m.line + 1}:{m.column + 1}] " if m is not None else ""
                raise decode_error(f"{where}unexpected content after the document")
    except yaml.reader.ReaderError as e:
        raise decode_error(_reader_error(e, text)) from None
    except yaml.YAMLError as e:
        raise decode_error(_one_line_error(e)) from None
    finally:
        loader.dispose()
    if root is None:
        raise decode_error("EOF")
    if isinstance(root, ScalarNode) and root.tag == _PLAIN_TAG and root.value in ("",) + _NULL_WORDS:
        return []  # a null document ("---", "null") decodes to an empty map, like Go
    if not isinstance(root, MappingNode):
        raise decode_error(f"{_where(root)} cannot unmarshal {_kind(root)} into map[string]string")
    return _string_pairs(root, flatten)
