"""Helpers shared by the command modules: argument counts, service/key normalisation with
chamber's wrapped messages, opening the store."""

from __future__ import annotations

from pychamber import names
from pychamber.cli.console import console
from pychamber.errors import ChamberError, UsageError
from pychamber.settings import Settings
from pychamber.stores.base import Store


def exact_args(args: list[str] | None, n: int) -> list[str]:
    args = list(args or [])
    if len(args) != n:
        raise UsageError(f"accepts {n} arg(s), received {len(args)}")
    return args


def min_args(args: list[str] | None, n: int) -> list[str]:
    args = list(args or [])
    if len(args) < n:
        raise UsageError(f"requires at least {n} arg(s), only received {len(args)}")
    return args


def _reserved_warning(service: str) -> None:
    if names.is_reserved(service):
        console.warn(names.RESERVED_WARNING)


def service_arg(raw: str, label: bool = False, prefix: str = "Failed to validate service: ") -> str:
    """Lower-case then validate a service argument, wrapping the message as chamber does."""
    service = names.go_lower(raw)
    try:
        if label:
            names.validate_service_with_label(service)
        else:
            names.validate_service(service)
    except ChamberError as e:
        raise e.wrap(prefix) from None
    _reserved_warning(service)
    return service


def key_arg(raw: str, lower: bool = True) -> str:
    key = names.go_lower(raw) if lower else raw
    try:
        names.validate_key(key)
    except ChamberError as e:
        raise e.wrap("Failed to validate key: ") from None
    return key


def open_store(settings: Settings, prefix: str = "Failed to get secret store: ") -> Store:
    from pychamber.stores import get_store

    try:
        return get_store(settings)
    except ChamberError as e:
        raise e.wrap(prefix) from None


def wrapped(prefix: str, fn, *args, **kwargs):
    """Call a store method, prefixing its error like chamber's ``fmt.Errorf("...: %w")``."""
    try:
        return fn(*args, **kwargs)
    except ChamberError as e:
        raise e.wrap(prefix) from None
