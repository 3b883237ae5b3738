"""Formats for where secrets go next (pychamber's own): GitHub Actions' ``$GITHUB_ENV`` file
(with ``::add-mask::`` workflow commands) and a Kubernetes Secret manifest. Pure functions;
the random heredoc delimiter is the only thing not determined by the input."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable

from pychamber.compat.strconv import go_quote
from pychamber.errors import ChamberError
from pychamber.formats.common import Pairs, entries
from pychamber.formats.shell import shell_name
from pychamber.formats.yamlfmt import yaml_scalar

# --- GitHub Actions ---------------------------------------------------------------------------


def _github_delimiter() -> str:
    return f"ghadelimiter_{uuid.uuid4()}"  # the shape @actions/core uses


def render_github(pairs: Pairs, new_delimiter: Callable[[], str] = _github_delimiter) -> str:
    """Lines for ``$GITHUB_ENV``: ``NAME=value``, or for a value holding a line break
    ``NAME<<DELIMITER`` / the value's lines / ``DELIMITER`` with a random delimiter that
    occurs nowhere in the value. Names as ``dotenv`` derives them (upper-cased, validated). A
    value holding NUL or a carriage return is refused (the runner would cut or change it),
    naming the key, never the value."""
    items = entries(pairs)
    names = [shell_name(k) for k, _ in items]
    for key, value in items:
        if "\x00" in value:
            raise ChamberError(f"Cannot export {key} as github: its value contains a NUL "
                               "character, which an environment variable cannot hold")
        if "\r" in value:
            raise ChamberError(f"Cannot export {key} as github: its value contains a carriage "
                               "return, which the runner's $GITHUB_ENV reader would change")
    out = []
    for name, (_, value) in zip(names, items):
        if "\n" not in value:
            out.append(f"{name}={value}\n")
            continue
        delimiter = new_delimiter()
        while delimiter in value:
            delimiter = new_delimiter()
        out.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(out)


def _command_data(s: str) -> str:
    """A workflow command's data escaped as the runner unescapes it (@actions/core escapeData)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_masks(pairs: Pairs) -> str:
    """``::add-mask::`` lines for the runner to read on standard output: one per distinct line of
    every value (a log line never holds a line break, so each line of a multi-line value is
    masked by itself); lines of only whitespace are skipped (masking them would blank the log)."""
    seen: set[str] = set()
    out = []
    for _, value in entries(pairs):
        for line in value.split("\n"):
            if line.strip() and line not in seen:
                seen.add(line)
                out.append(f"::add-mask::{_command_data(line)}\n")
    return "".join(out)


# --- Kubernetes Secret --------------------------------------------------------------------------

_DNS_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")
_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def _data_key_problem(key: str) -> str | None:
    """Kubernetes' rule for a Secret's (and ConfigMap's) data key (apimachinery's
    ``IsConfigMapKey``): at most 253 characters, only letters, digits, ``-``, ``_`` and ``.``,
    and neither ``.`` nor ``..`` nor starting with ``..`` (it becomes a file name in a volume)."""
    if len(key) > 253:
        return "is at most 253 characters"
    if not _DATA_KEY.fullmatch(key):
        return "holds only letters, digits, '-', '_' and '.'"
    if key in (".", "..") or key.startswith(".."):
        return "must not be '.' or '..' nor start with '..' (it is a file name in a mounted volume)"
    return None


def render_k8s_secret(pairs: Pairs, name: str | None) -> str:
    """A ``v1`` ``Secret`` of ``type: Opaque`` named ``name``: every value base64-encoded (UTF-8)
    in ``data`` under its key as stored (sorted). A key Kubernetes refuses (only letters,
    digits, ``-``, ``_``, ``.``; not ``.`` or ``..``; at most 253 characters) is an error naming
    it, as is a name that is not a DNS subdomain."""
    if not name:
        raise ChamberError("the k8s-secret format needs --name NAME (the Secret's metadata.name)")
    if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        raise ChamberError(f"Invalid Secret name {go_quote(name)}: a Kubernetes name is lower-case "
                           "letters, digits, '-' and '.', starting and ending with a letter or "
                           "digit, at most 253 characters")
    items = entries(pairs)
    for key, _ in items:
        why = _data_key_problem(key)
        if why:
            raise ChamberError(f"Cannot export {go_quote(key)} as k8s-secret: a Secret's data key {why}")
    lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {yaml_scalar(name)}",
             "type: Opaque"]
    if not items:
        lines.append("data: {}")
    else:
        lines.append("data:")
        for key, value in items:
            encoded = base64.b64encode(value.encode("utf-8", "surrogateescape")).decode("ascii")
            lines.append(f"  {yaml_scalar(key, is_key=True)}: {yaml_scalar(encoded)}")
    return "\n".join(lines) + "\n"
