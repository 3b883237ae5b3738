"""``ecs secrets`` and ``ecs policy``: the container definition's ``secrets`` array and the
least-privilege IAM policies, for the backend in use (the work is :mod:`pychamber.ecs`)."""

from __future__ import annotations

import json

from pychamber import ecs
from pychamber.cli.common import open_store, settings_of
from pychamber.cli.console import Invocation
from pychamber.errors import ChamberError


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def secrets(inv: Invocation, services: list[str], *, container: str | None, image: str | None) -> None:
    if (container is None) != (image is None):
        raise ChamberError("--container and --image go together")
    entries = ecs.secrets(settings_of(inv), open_store(inv), services)
    if container is not None:
        inv.console.out(_json(ecs.container_definition(entries, container, image or "")))
    else:
        inv.console.out(_json([e.as_json() for e in entries]))


def policy(inv: Invocation, services: list[str], *, role: str, release: bool) -> None:
    document = ecs.policy(settings_of(inv), open_store(inv), services, role, release)
    inv.console.out(_json(document))
