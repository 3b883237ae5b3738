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


#: The readers a dotenv file is checked against (README, "Export formats"): python-dotenv 1.2
#: (``load_dotenv``/``dotenv_values`` of a file, with and without its default interpolation;
#: pydantic-settings reads .env files through it), docker compose (compose-go's dotenv parser,
#: ``env_file`` and ``--env-file``) and a POSIX shell's ``set -a; . FILE`` (dash, bash).
DOTENV_READERS = "python-dotenv, docker compose and POSIX sh"

# python-dotenv expands ${NAME} and ${NAME:-default} in every value, single-quoted included.
_PYTHON_DOTENV_REFERENCE = re.compile(r"\$\{[^}:]*(?::-[^}]*)?\}")
# what chamber's double-quoted form carries to every reader: no $ or backtick (python-dotenv
# keeps their backslash, compose keeps the backtick's) and no line break (a shell keeps \n)
_CHAMBER_EXACT = re.compile(r"[$`\n\r]")


def _portable_value(value: str) -> str | None:
    """The one quoted form of ``value`` that every reader of :data:`DOTENV_READERS` reads back
    exactly, or None when there is none.

    - Double quotes with ``\\`` and ``\"`` escapes (line feeds raw), when the value has no
      ``$``, backtick or carriage return: the escapes all four read alike, and a raw line feed
      is the one a shell keeps (chamber's bytes when there is no line feed either).
    - Else single quotes, raw, when the value has no ``'``, no ``\\\\`` (python-dotenv reads it
      as one backslash, compose as two), does not end in a backslash, has no carriage return,
      and no ``${NAME}`` (python-dotenv expands it even there).
    """
    if "\r" in value or "\x00" in value:
        return None
    if "$" not in value and "`" not in value:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if ("'" in value or "\\\\" in value or value.endswith("\\")
            or _PYTHON_DOTENV_REFERENCE.search(value)):
        return None
    return "'" + value + "'"


def _no_portable_form(key: str, value: str) -> str:
    """Why no dotenv form carries ``value`` to every reader (one line; never the value)."""
    if "\x00" in value:
        return f"Cannot export {key} as dotenv: its value contains a NUL character, which no reader can hold"
    if "\r" in value:
        return (f"Cannot export {key} as dotenv: its value contains a carriage return, which "
                "python-dotenv reads as a line break unless escaped, and a POSIX shell "
                "(set -a; . FILE) cannot unescape")
    if _PYTHON_DOTENV_REFERENCE.search(value):
        return (f"Cannot export {key} as dotenv: its value contains ${{NAME}}, which python-dotenv "
                "expands in every quoting (interpolate=True, its default)")
    return (f"Cannot export {key} as dotenv: its value holds $ or a backtick together with a single "
            "quote or a double backslash: a POSIX shell (set -a; . FILE) needs them escaped in "
            "double quotes, where python-dotenv keeps the escape's backslash")


def dotenv_value(value: str) -> str:
    """``-f dotenv``'s quoted value: chamber's ``"ESCAPED"`` where every reader of
    :data:`DOTENV_READERS` reads it back exactly, else the portable form when there is one
    (see :func:`_portable_value`), else chamber's bytes."""
    if not _CHAMBER_EXACT.search(value):
        return f'"{dotenv_escape(value)}"'
    return _portable_value(value) or f'"{dotenv_escape(value)}"'


def render_dotenv(pairs: Pairs) -> str:
    """``export -f dotenv`` (§6.5): ``NAME="ESCAPED"``, names always upper-cased and validated.
    pychamber writes a value that chamber's escapes would change in a reader in the quoted form
    all of them read back (:func:`dotenv_value`)."""
    items = entries(pairs)
    names = _names(items, upper=True)
    return "".join(f"{n}={dotenv_value(v)}\n" for n, (_, v) in zip(names, items))


def render_dotenv_portable(pairs: Pairs) -> str:
    """``export -f dotenv-portable``: ``-f dotenv``'s lines, where every value is one that
    python-dotenv (with and without interpolation), docker compose and a POSIX shell all read
    back exactly; a value none can carry is refused, naming its key and the reader."""
    items = entries(pairs)
    names = _names(items, upper=True)
    out = []
    for name, (key, value) in zip(names, items):
        quoted = _portable_value(value)
        if quoted is None:
            raise ChamberError(_no_portable_form(key, value))
        out.append(f"{name}={quoted}\n")
    return "".join(out)


# --- tfvars -------------------------------------------------------------------------------------

_TF_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)
_TF_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", '"': '\\"', "${": "$${", "%{": "%%{"}
_TF_SPECIAL = re.compile(r'[\\\n\r"]|\$\{|%\{')


def tfvars_name(key: str) -> str:
    """tfvars name (§6.6): a leading lower-case ``tf_var_`` removed, then the §6.3 replacements;
    neither upper-cased nor validated."""
    return sanitize_key(key.removeprefix("tf_var_"))


def tfvars_escape(value: str) -> str:
    """A quoted HCL template's text for ``value``: ``\\``, ``"``, LF and CR escaped as chamber
    escapes them, ``${`` and ``%{`` as ``$${`` and ``%%{`` (else HCL would interpolate). chamber
    also writes ``\\$`` and ``\\``` , escapes HCL does not have: Terraform rejects the file."""
    return _TF_SPECIAL.sub(lambda m: _TF_ESCAPES[m.group(0)], value)


def render_tfvars(pairs: Pairs) -> str:
    """``NAME = "VALUE"`` lines Terraform reads back exactly. A name that cannot be a Terraform
    variable (HCL has no quoted argument names) is refused, naming the key."""
    items = entries(pairs)
    for key, _ in items:
        name = tfvars_name(key)
        if not _TF_NAME.fullmatch(name):
            raise ChamberError(f"Cannot export {key} as tfvars: {go_quote(name)} is not a Terraform "
                               "variable name (a letter or '_' first, then letters, digits, '_' "
                               "and '-')")
    return "".join(f'{tfvars_name(k)} = "{tfvars_escape(v)}"\n' for k, v in items)


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
