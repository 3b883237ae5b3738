"""A pytest plugin for testing code that reads chamber secrets: no AWS, no keyring, no real data.

Installed with pychamber (entry point ``pytest11``), so its fixtures are available in every
test without any import:

``chamber_store``
    An isolated local store (encrypted SQLite) under the test's ``tmp_path``, with its own
    random data key. For the duration of the test, ``CHAMBER_SECRET_BACKEND=local``,
    ``PYCHAMBER_LOCAL_PATH`` and ``PYCHAMBER_LOCAL_KEY`` point at it in ``os.environ``
    (through ``monkeypatch``), so :func:`pychamber.env`, :func:`pychamber.load_env`,
    :func:`pychamber.open_store` called without a backend, and ``pychamber`` commands run as
    subprocesses that inherit the environment, all use that store. The fixture is an
    :class:`IsolatedStore`: ``write(service, key, value)``, ``put(service, {key: value})``,
    ``read(service, key)``, ``env(*services)``, and the underlying ``store``.

``chamber_env``
    A function: ``chamber_env("web", "shared")`` puts those services' variables (as
    ``pychamber exec web shared -- ...`` would give them to a program, replacing variables
    already set) into ``os.environ`` until the end of the test, and returns them. It reads
    ``chamber_store`` (requesting ``chamber_env`` sets up the isolated store too), never a
    real backend.

::

    def test_app_reads_its_password(chamber_store, chamber_env):
        chamber_store.put("web", {"db_password": "hunter2", "port": "8080"})
        assert chamber_env("web") == {"DB_PASSWORD": "hunter2", "PORT": "8080"}
        assert os.environ["DB_PASSWORD"] == "hunter2"   # restored after the test

Tests that do not request these fixtures are not affected: the plugin defines no hooks, and
loading it imports only pytest, the standard library and ``pychamber``'s light top-level
package (no botocore, no store, no keyring) until a fixture is used.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.stores.base import Store

__all__ = ["IsolatedStore", "chamber_env", "chamber_store"]

#: Where the fixture's database lives, under the test's ``tmp_path``.
STORE_DIR = "pychamber-store"


class IsolatedStore:
    """The ``chamber_store`` fixture: a local store of its own, and helpers to fill it.

    Attributes: ``store`` (the :class:`pychamber.Store`, every operation the CLI has),
    ``path`` (the database file), ``key`` (its data key, base64), ``environ`` (the variables
    that select it, also set in ``os.environ`` for the test: pass them to a subprocess given
    an explicit ``env=``).
    """

    def __init__(self, path: Path, key: str) -> None:
        from pychamber import api

        self.path = path
        self.key = key
        self.environ: dict[str, str] = {
            "CHAMBER_SECRET_BACKEND": "local",
            "PYCHAMBER_LOCAL_PATH": str(path),
            "PYCHAMBER_LOCAL_KEY": key,
        }
        settings = api.settings_for("local", environ={**os.environ, **self.environ})
        self.store: Store = api.store_from(settings)

    def write(self, service: str, key: str, value: str) -> None:
        """Store ``value`` as ``pychamber write SERVICE KEY VALUE`` would: service and key
        lower-cased, checked against chamber's rules (a bad name raises ChamberError)."""
        from pychamber import names
        from pychamber.model import SecretId

        service, key = names.service_name(service), names.key_name(key)
        self.store.write(SecretId(service, key), value)

    def put(self, service: str, secrets: Mapping[str, str]) -> None:
        """:meth:`write` each ``key: value`` of ``secrets`` into ``service``."""
        for key, value in secrets.items():
            self.write(service, key, value)

    def read(self, service: str, key: str, version: int = -1) -> str:
        """The stored value (latest, or ``version``); SecretNotFound if there is none."""
        from pychamber import names
        from pychamber.model import SecretId

        secret = self.store.read(SecretId(names.go_lower(service), names.go_lower(key)), version)
        return secret.value or ""

    def env(self, *services: str) -> dict[str, str]:
        """:func:`pychamber.env` on this store (``os.environ`` untouched)."""
        from pychamber import api

        return api.env(*services, backend="local", local_path=self.path)

    def close(self) -> None:
        """Close the database (the fixture does it after the test)."""
        close = getattr(self.store, "close", None)
        if close is not None:
            close()

    def __repr__(self) -> str:
        return f"IsolatedStore(path={str(self.path)!r})"


@pytest.fixture
def chamber_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[IsolatedStore]:
    """An isolated local chamber store for this test (see the module's documentation)."""
    key = base64.b64encode(os.urandom(32)).decode("ascii")
    isolated = IsolatedStore(tmp_path / STORE_DIR / "secrets.db", key)
    for name, value in isolated.environ.items():
        monkeypatch.setenv(name, value)
    try:
        yield isolated
    finally:
        isolated.close()


@pytest.fixture
def chamber_env(chamber_store: IsolatedStore,
                monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, str]]:
    """``chamber_env(*services)``: put the services' variables from ``chamber_store`` into
    ``os.environ`` for the rest of the test and return them (see the module's documentation)."""

    def load(*services: str) -> dict[str, str]:
        found = chamber_store.env(*services)
        for name, value in found.items():
            monkeypatch.setenv(name, value)
        return found

    return load
