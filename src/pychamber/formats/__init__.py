"""The pure format layer: secrets -> text (``env``, ``export``) and text -> secrets (``import``).

No I/O, no CLI, no AWS. Every exporter takes an iterable of ``(key, value)`` pairs, where key
is the stored key (last ``/`` segment), already merged across services by the caller (if a key
repeats, the last value wins), and emits entries sorted byte-wise by that original key.

Public API::

    FORMATS                                   # accepted export format names (lower-case)
    is_supported(fmt) -> bool                 # case-insensitive
    render(fmt, pairs, name=None) -> str      # ChamberError("Unsupported export format: X")
    github_masks(pairs) -> str                # ::add-mask:: lines for export -f github --mask
    name_collisions(fmt, pairs) -> list[str]  # warnings: keys a format writes under one name
    render_env(pairs, preserve_case=False, escape_strings=False) -> str
    shell_name(key, upper=True) -> str        # ChamberError("cmd: ...") when invalid
    go_quote(s) -> str                        # Go's strconv.Quote / %q
    parse_import(text, fmt=None, filename=None, flatten=None, environ=None) -> list[tuple[str, str]]
    parse_dotenv_entries(text, environ=None) -> list[tuple[str, str, int]]   # (name, value, line)
    map_dotenv_names(entries, stored_keys) -> list[tuple[str, str]]        # dotenv names -> keys
    import_kind(fmt, filename) -> str         # "json" (chamber's JSON/YAML), "yaml" or "dotenv"
    IMPORT_FORMATS                            # "json", "yaml", "dotenv"
    FLATTEN_SEPARATOR                         # "_": what import --flatten joins with

``render`` returns ``str``; write it as UTF-8. Each format is exact for the readers the README's
"Export formats" section names; where chamber's bytes would make such a reader lose or change a
value, pychamber's differ (and say so there).
"""

from __future__ import annotations

from collections.abc import Callable

from pychamber.errors import ChamberError
from pychamber.formats.common import Pairs, entries
from pychamber.compat.strconv import go_quote
from pychamber.formats.importing import (FLATTEN_SEPARATOR, IMPORT_FORMATS, import_kind,
                                         is_dotenv_filename, parse_dotenv, parse_dotenv_entries,
                                         parse_import)
from pychamber.formats.roundtrip import map_dotenv_names, variable_form
from pychamber.formats.shell import (
    dotenv_escape,
    dotenv_value,
    render_docker,
    render_dotenv,
    render_dotenv_portable,
    render_env,
    render_shell,
    render_tfvars,
    sanitize_key,
    shell_name,
    shell_quote,
    tfvars_name,
    validate_shell_name,
)
from pychamber.formats.simple import render_csv, render_json, render_properties, render_tsv
from pychamber.formats.targets import github_masks, render_github, render_k8s_secret
from pychamber.formats.yamlfmt import render_yaml
from pychamber.names import go_lower

__all__ = [
    "FLATTEN_SEPARATOR",
    "FORMATS",
    "IMPORT_FORMATS",
    "dotenv_escape",
    "dotenv_value",
    "github_masks",
    "go_quote",
    "import_kind",
    "is_dotenv_filename",
    "is_supported",
    "name_collisions",
    "map_dotenv_names",
    "parse_dotenv",
    "parse_dotenv_entries",
    "parse_import",
    "render",
    "render_csv",
    "render_docker",
    "render_dotenv",
    "render_dotenv_portable",
    "render_env",
    "render_github",
    "render_k8s_secret",
    "render_json",
    "render_properties",
    "render_shell",
    "render_tfvars",
    "render_tsv",
    "render_yaml",
    "sanitize_key",
    "shell_name",
    "shell_quote",
    "tfvars_name",
    "validate_shell_name",
    "variable_form",
]

_RENDERERS: dict[str, Callable[..., str]] = {
    # chamber's formats, in its help order
    "json": render_json,
    "yaml": render_yaml,
    "java-properties": render_properties,
    "properties": render_properties,
    "csv": render_csv,
    "tsv": render_tsv,
    "dotenv": render_dotenv,
    "tfvars": render_tfvars,
    # pychamber's additions
    "dotenv-portable": render_dotenv_portable,
    "shell": render_shell,
    "docker": render_docker,
    "github": render_github,
    "k8s-secret": render_k8s_secret,  # takes the Secret's name
}

FORMATS: list[str] = list(_RENDERERS)


def is_supported(fmt: str) -> bool:
    """Whether ``fmt`` (case-insensitive) is an export format; lets the CLI refuse an unknown
    format before fetching anything."""
    return go_lower(fmt) in _RENDERERS


#: The formats whose lines carry a variable name derived from the key, and how.
_VARIABLE_NAMES: dict[str, Callable[[str], str]] = {
    "dotenv": shell_name, "dotenv-portable": shell_name, "shell": shell_name,
    "docker": shell_name, "github": shell_name, "tfvars": tfvars_name,
}


def name_collisions(fmt: str, pairs: Pairs) -> list[str]:
    """Warnings for keys that ``fmt`` writes under one variable name (``db-host``, ``db.host``
    and ``db_host`` are all ``DB_HOST``): a reader keeps the last line, the last key in the
    output's order. One line per name; call it after :func:`render` succeeded."""
    namer = _VARIABLE_NAMES.get(go_lower(fmt))
    if namer is None:
        return []
    by_name: dict[str, list[str]] = {}
    for key, _ in entries(pairs):
        by_name.setdefault(namer(key), []).append(key)
    out = []
    for name, keys in by_name.items():
        if len(keys) > 1:
            shown = ", ".join(keys[:-1]) + " and " + keys[-1]
            out.append(f"warning: parameters {shown} are all exported as {name}; "
                       f"readers keep the last ({keys[-1]})")
    return out


def render(fmt: str, pairs: Pairs, name: str | None = None) -> str:
    """Render ``pairs`` in export format ``fmt`` (case-insensitive); ``name`` is k8s-secret's
    ``metadata.name``.

    Raises ChamberError ``Unsupported export format: <fmt as given>`` for an unknown format (the
    CLI wraps it as ``Unable to export parameters: ...``), or the format's own error (invalid
    shell variable name for dotenv/shell/docker, unrepresentable value for shell/docker)."""
    renderer = _RENDERERS.get(go_lower(fmt))
    if renderer is None:
        raise ChamberError(f"Unsupported export format: {fmt}")
    if renderer is render_k8s_secret:
        return render_k8s_secret(pairs, name)
    return renderer(pairs)
