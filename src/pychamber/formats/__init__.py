"""The pure format layer: secrets -> text (``env``, ``export``) and text -> secrets (``import``).

No I/O, no CLI, no AWS. Every exporter takes an iterable of ``(key, value)`` pairs, where key
is the stored key (last ``/`` segment), already merged across services by the caller (if a key
repeats, the last value wins), and emits entries sorted byte-wise by that original key.

Public API::

    FORMATS                                   # accepted export format names (lower-case)
    is_supported(fmt) -> bool                 # case-insensitive
    render(fmt, pairs, name=None) -> str      # ChamberError("Unsupported export format: X")
    github_masks(pairs) -> str                # ::add-mask:: lines for export -f github --mask
    render_env(pairs, preserve_case=False, escape_strings=False) -> str
    shell_name(key, upper=True) -> str        # ChamberError("cmd: ...") when invalid
    go_quote(s) -> str                        # Go's strconv.Quote / %q
    parse_import(text, fmt=None, filename=None, flatten=None, environ=None) -> list[tuple[str, str]]
    import_kind(fmt, filename) -> str         # "json" (chamber's JSON/YAML), "yaml" or "dotenv"
    IMPORT_FORMATS                            # "json", "yaml", "dotenv"
    FLATTEN_SEPARATOR                         # "_": what import --flatten joins with

``render`` returns ``str``; write it as UTF-8. (For java-properties that yields chamber's exact
bytes: U+0080..U+00FF come out as their UTF-8 encoding, as magiconair/properties writes them.)
"""

from __future__ import annotations

from collections.abc import Callable

from pychamber.errors import ChamberError
from pychamber.formats.common import Pairs
from pychamber.compat.strconv import go_quote
from pychamber.formats.importing import (FLATTEN_SEPARATOR, IMPORT_FORMATS, import_kind,
                                         is_dotenv_filename, parse_dotenv, parse_import)
from pychamber.formats.shell import (
    dotenv_escape,
    render_docker,
    render_dotenv,
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
    "github_masks",
    "go_quote",
    "import_kind",
    "is_dotenv_filename",
    "is_supported",
    "parse_dotenv",
    "parse_import",
    "render",
    "render_csv",
    "render_docker",
    "render_dotenv",
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
