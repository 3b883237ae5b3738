"""Shell-flavoured formats: variable names (§6.3), ``env`` (§6.4), dotenv (§6.5), tfvars (§6.6),
and pychamber's own ``shell`` and ``docker`` formats. Pure functions, no I/O."""

from __future__ import annotations

import re
from pychamber.errors import ChamberError
from pychamber.formats.common import Pairs, entries
from pychamber.compat.strconv import go_quote
from pychamber.compat.unicode import go_trim_space
from pychamber.names import go_upper

# --- names (§6.3) -----------------------------------------------------------------------------

# RE2's [[:space:]] is ASCII only: \t \n \v \f \r and space.
_ASCII_SPACE = re.compile(r"[\t\n\v\f\r ]")
_SHELL_CHARS = re.compile(r"[A-Za-z0-9_]+", re.ASCII)
_SHELL_START = re.compile(r"[A-Za-z_]", re.ASCII)


def sanitize_key(key: str) -> str:
    """chamber's ``sanitizeKey``: trim surrounding (Unicode) whitespace, then each ``-``, ``.``
    and ASCII whitespace character becomes ``_`` (no collapsing). Case is kept."""
    s = go_trim_space(key)
    s = s.replace("-", "_").replace(".", "_")
    return _ASCII_SPACE.sub("_", s)


def validate_shell_name(name: str) -> None:
    if not _SHELL_CHARS.fullmatch(name):
        raise ChamberError(
            f"cmd: {go_quote(name)} contains invalid characters for a shell variable name"
        )
    if not _SHELL_START.match(name):
        raise ChamberError(
            f"cmd: shell variable name {go_quote(name)} must start with a letter or underscore"
        )


def shell_name(key: str, upper: bool = True) -> str:
    """The variable name ``env`` / dotenv derive from a stored key, validated (§6.3).

    Raises ChamberError (chamber's exact ``cmd: ...`` texts) for a name that is not a valid
    shell variable name."""
    name = sanitize_key(key)
    if upper:
        name = go_upper(name)
    validate_shell_name(name)
    return name


def _names(items: list[tuple[str, str]], upper: bool) -> list[str]:
    """Every name, validated before anything is produced (one bad key aborts the whole output)."""
    return [shell_name(k, upper) for k, _ in items]


# --- value quoting ------------------------------------------------------------------------------

_SHELL_UNSAFE = re.compile(r"[^\w@%+=:,./-]", re.ASCII)


def shell_quote(value: str) -> str:
    """alessio/shellescape ``Quote`` (identical to Python's ``shlex.quote``): ``''`` for empty,
    raw when only ``[A-Za-z0-9_@%+=:,./-]``, else single-quoted with ``'`` as ``'"'"'``."""
    if value == "":
        return "''"
    if not _SHELL_UNSAFE.search(value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


_DOTENV_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", '"': '\\"', "$": "\\$", "`": "\\`"}
_DOTENV_SPECIAL = re.compile(r'[\\\n\r"$`]')


def dotenv_escape(value: str) -> str:
    """chamber's ``doubleQuoteEscape`` (v3): ``\\`` first, then newline, CR, ``"``, ``$``,
    backtick. As each replacement only introduces a backslash plus a character that later steps
    do not touch again, the sequential replacements equal this one-pass mapping. ``!`` is not
    escaped (v2 did)."""
    return _DOTENV_SPECIAL.sub(lambda m: _DOTENV_ESCAPES[m.group(0)], value)


# --- renderers ----------------------------------------------------------------------------------


def render_env(pairs: Pairs, preserve_case: bool = False, escape_strings: bool = False) -> str:
    """``chamber env`` output (§6.4): ``export NAME=QUOTED`` lines sorted by original key."""
    items = entries(pairs)
    names = _names(items, upper=not preserve_case)
    out = []
    for name, (_, value) in zip(names, items):
        if escape_strings:
            out.append(f'export {name}="{dotenv_escape(value)}"\n')
        else:
            out.append(f"export {name}={shell_quote(value)}\n")
    return "".join(out)


def render_dotenv(pairs: Pairs) -> str:
    """``export -f dotenv`` (§6.5): ``NAME="ESCAPED"``, names always upper-cased and validated."""
    items = entries(pairs)
    names = _names(items, upper=True)
    return "".join(f'{n}="{dotenv_escape(v)}"\n' for n, (_, v) in zip(names, items))


def tfvars_name(key: str) -> str:
    """tfvars name (§6.6): a leading lower-case ``tf_var_`` removed, then the §6.3 replacements;
    neither upper-cased nor validated."""
    return sanitize_key(key.removeprefix("tf_var_"))


def render_tfvars(pairs: Pairs) -> str:
    return "".join(f'{tfvars_name(k)} = "{dotenv_escape(v)}"\n' for k, v in entries(pairs))


def _refuse_nul(items: list[tuple[str, str]], fmt: str) -> None:
    for key, value in items:
        if "\x00" in value:
            raise ChamberError(
                f"Cannot export {key} as {fmt}: its value contains a NUL character, which an "
                "environment variable cannot hold"
            )


def render_shell(pairs: Pairs) -> str:
    """pychamber's ``shell`` format: ``export NAME='value'`` lines that any POSIX shell can
    ``source``/``.`` safely. Every value is single-quoted (``'`` written as ``'\\''``), so
    nothing in it is ever expanded or executed; newlines stay literal inside the quotes. Names
    as ``env`` derives them (upper-cased, validated). A value containing NUL is refused."""
    items = entries(pairs)
    names = _names(items, upper=True)
    _refuse_nul(items, "shell")
    return "".join(
        f"export {n}='" + v.replace("'", "'\\''") + "'\n" for n, (_, v) in zip(names, items)
    )


def render_docker(pairs: Pairs) -> str:
    """pychamber's ``docker`` format: ``NAME=value`` lines for ``docker run --env-file``, which
    takes everything after the first ``=`` literally (no quotes, no escapes) up to the end of the
    line. A value containing a line break (``\\n`` or ``\\r``) or NUL cannot be represented and
    is refused (the error names the key, never the value). Names as ``env`` derives them."""
    items = entries(pairs)
    names = _names(items, upper=True)
    for key, value in items:
        if "\n" in value or "\r" in value:
            raise ChamberError(
                f"Cannot export {key} as docker env-file: its value contains a line break, "
                "which the docker --env-file format cannot represent"
            )
    _refuse_nul(items, "docker env-file")
    return "".join(f"{n}={v}\n" for n, (_, v) in zip(names, items))
