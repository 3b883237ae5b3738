"""What the command functions share: chamber's argument checks with its wrapped messages, the
store of the run, and chamber's ``fmt.Errorf("...: %w")`` around a store call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from pychamber import names
from pychamber.cli.console import Invocation
from pychamber.errors import ChamberError
from pychamber.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.stores.base import Store


def settings_of(inv: Invocation) -> Settings:
    return inv.settings if inv.settings is not None else Settings()


def service_arg(inv: Invocation, raw: str, label: bool = False,
                prefix: str = "Failed to validate service: ") -> str:
    """Lower-case then validate a service argument, wrapping the message as chamber does."""
    service = names.go_lower(raw)
    try:
        if label:
            names.validate_service_with_label(service)
        else:
            names.validate_service(service)
    except ChamberError as e:
        raise e.wrap(prefix) from None
    if names.is_reserved(service):
        inv.console.warn(names.RESERVED_WARNING)
    return service


def key_arg(raw: str, lower: bool = True) -> str:
    key = names.go_lower(raw) if lower else raw
    try:
        names.validate_key(key)
    except ChamberError as e:
        raise e.wrap("Failed to validate key: ") from None
    return key


def open_store(inv: Invocation, prefix: str = "Failed to get secret store: ") -> "Store":
    from pychamber import api

    return api.store_from(settings_of(inv), prefix)


def wrapped(prefix: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call a store method, prefixing its error like chamber's ``fmt.Errorf("...: %w")``."""
    try:
        return fn(*args, **kwargs)
    except ChamberError as e:
        raise e.wrap(prefix) from None
