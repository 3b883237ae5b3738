"""Names: chamber's validation regexes (Go RE2 semantics) and normalisation. Pure, no I/O.

Go's ``\\w`` is ASCII-only and ``$`` matches only at the end of the text, so every pattern here is
compiled with ``re.ASCII`` and used with ``fullmatch``.
"""

from __future__ import annotations

import re

from pychamber.compat.unicode import go_lower, go_upper  # noqa: F401  (part of names' API)
from pychamber.errors import ChamberError

_W = r"[A-Za-z0-9_\-.]"

KEY_RE = re.compile(rf"{_W}+", re.ASCII)
SERVICE_RE = re.compile(rf"{_W}+(/{_W}+)*", re.ASCII)
SERVICE_WITH_LABEL_RE = re.compile(rf"{_W}+((/{_W}+)+(:{_W}+)*)?", re.ASCII)
STORED_NAME_RE = re.compile(rf"(/{_W}+)+", re.ASCII)
TAG_KEY_RE = re.compile(r"[A-Za-z0-9 +\-=._:/@]{1,128}", re.ASCII)
TAG_VALUE_RE = re.compile(r"[A-Za-z0-9 +\-=._:/@]{1,256}", re.ASCII)

RESERVED_SERVICE = "_chamber"
RESERVED_WARNING = (
    "Service name _chamber is reserved for chamber's own use and will be prohibited in a future "
    "version. Please switch to a different service name."
)

SERVICE_MSG = (
    "Failed to validate service name '{}'. Only alphanumeric, dashes, forward slashes, full stops "
    "and underscores are allowed for service names. Service names must not start or end with a "
    "forward slash"
)
SERVICE_LABEL_MSG = (
    "Failed to validate service name '{}'. Only alphanumeric, dashes, forward slashes, full stops "
    "and underscores are allowed for service names, and colon followed by a label name. Service "
    "names must not start or end with a forward slash or colon"
)
KEY_MSG = (
    "Failed to validate key name '{}'. Only alphanumeric, dashes, full stops and underscores are "
    "allowed for key names"
)
TAG_KEY_MSG = (
    "Failed to validate tag key '{}'. Only 128 alphanumeric, space, and characters +-=._:/@ are "
    "allowed for tag keys"
)
TAG_VALUE_MSG = (
    "Failed to validate tag value '{}'. Only 256 alphanumeric, space, and characters +-=._:/@ are "
    "allowed for tag values"
)


# --- validation ----------------------------------------------------------------------------
def service_name(raw: str, *, label: bool = False, lower: bool = True,
                 prefix: str = "Failed to validate service: ") -> str:
    """A service as chamber takes it: lower-cased (Go's ``strings.ToLower``; ``lower=False``
    checks it as typed, as exec does) and matched against chamber's rule (``label``: the one
    that allows ``:label``). Returns the service; raises ChamberError with chamber's message
    behind ``prefix``. The one check of a service, for the CLI, the library and the stores."""
    service = go_lower(raw) if lower else raw
    rule, message = (SERVICE_WITH_LABEL_RE, SERVICE_LABEL_MSG) if label else (SERVICE_RE, SERVICE_MSG)
    if not rule.fullmatch(service):
        raise ChamberError(prefix + message.format(service))
    return service


def key_name(raw: str, *, lower: bool = True, prefix: str = "Failed to validate key: ") -> str:
    """A key as chamber takes it: lower-cased (unless ``lower=False``, ``read --exact-key``) and
    matched against chamber's rule; ChamberError with chamber's message behind ``prefix``."""
    key = go_lower(raw) if lower else raw
    if not KEY_RE.fullmatch(key):
        raise ChamberError(prefix + KEY_MSG.format(key))
    return key


def validate_service(service: str) -> None:
    service_name(service, lower=False, prefix="")


def validate_service_with_label(service: str) -> None:
    service_name(service, label=True, lower=False, prefix="")


def validate_key(key: str) -> None:
    key_name(key, lower=False, prefix="")


def validate_tag(key: str, value: str) -> None:
    if not TAG_KEY_RE.fullmatch(key):
        raise ChamberError(TAG_KEY_MSG.format(key))
    if not TAG_VALUE_RE.fullmatch(value):
        raise ChamberError(TAG_VALUE_MSG.format(value))


def validate_tag_key(key: str) -> None:
    if not TAG_KEY_RE.fullmatch(key):
        raise ChamberError(TAG_KEY_MSG.format(key))


def validate_secret_id(service: str, key: str, import_keys: bool = False) -> None:
    """The one rule for a name a store writes, whoever asks (the CLI's ``write``, or
    ``open_store().write`` in the library), so that nothing is stored that the CLI could not
    read or delete: a valid, lower-case service (the CLI lower-cases every service it is
    given) and a valid key (capitals allowed: ``write --preserve-case`` and ``--exact-key``).
    ``import_keys``: the key may hold inner ``/``, as import stores nested keys."""
    service_name(service, lower=False)
    if go_lower(service) != service:
        raise ChamberError(f"Failed to validate service: service name '{service}' has capitals; "
                           "chamber lower-cases service names, so nothing could read it")
    if import_keys:
        if not _IMPORT_KEY_RE.fullmatch(key):
            raise ChamberError(f"Failed to validate key: {KEY_MSG.format(key)}, and inner forward slashes")
        return
    key_name(key, lower=False)


def is_stored_name(name: str) -> bool:
    """chamber silently drops parameter names that fail this filter when listing."""
    return STORED_NAME_RE.fullmatch(name) is not None


def service_of(stored_name: str) -> str:
    """``/a/b/key`` -> ``a/b``: the text between the leading ``/`` and the last ``/``."""
    start = 1 if stored_name.startswith("/") else 0
    end = stored_name.rfind("/")
    return stored_name[start:end] if end >= start else ""


def is_reserved(service: str) -> bool:
    return service == RESERVED_SERVICE


def exec_env_name(key: str) -> str:
    """exec's variable name for a stored key (§5.2): upper-cased, ``-`` to ``_``, nothing else."""
    return go_upper(key).replace("-", "_")


# --- import checks (pychamber: the whole input is checked before the first write) -----------
SSM_MAX_VALUE_BYTES = 4096
_IMPORT_KEY_RE = re.compile(r"[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*", re.ASCII)


#: Why a value holding a NUL byte is refused (at write and import): no program's environment can
#: hold it, and a file or export would carry it raw.
NUL_VALUE = "the value contains a NUL byte, which no program's environment can hold"


def import_problem(key: str, value: str, max_value_bytes: int | None = None,
                   allow_empty: bool = False) -> str | None:
    """Why an imported entry cannot be stored, or None. Never mentions the value itself.

    chamber writes imported keys as they are (no validation), so Parameter Store rejects bad
    names and empty or oversized values midway through an import; pychamber refuses them up
    front instead.
    """
    if not _IMPORT_KEY_RE.fullmatch(key):
        return (f"key {key!r}: only alphanumeric, dashes, full stops, underscores and inner "
                "forward slashes can be stored")
    if value == "" and not allow_empty:
        return f"key {key!r}: the value is empty (Parameter Store refuses empty values)"
    if "\0" in value:
        return f"key {key!r}: {NUL_VALUE}"
    if max_value_bytes is not None:
        size = len(value.encode("utf-8", "surrogateescape"))
        if size > max_value_bytes:
            return (f"key {key!r}: the value is {size} bytes, over the {max_value_bytes}-byte "
                    "limit of a standard Parameter Store parameter")
    return None
