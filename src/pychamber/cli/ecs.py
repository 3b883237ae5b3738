"""``ecs secrets`` and ``ecs policy``: the container definition's ``secrets`` array and the
least-privilege IAM policies, for the backend in use (the work is :mod:`pychamber.ecs`)."""

from __future__ import annotations

import json
from typing import List, Optional

import typer

from pychamber import ecs
from pychamber.cli.framework import (CommandSet, console_of, min_args,
                                     open_store, settings_of)
from pychamber.errors import ChamberError

commands = CommandSet()

ARGS = typer.Argument(None, show_default=False, metavar="", hidden=True)

ECS = commands.group("ecs", "ECS task definitions: secrets arrays and IAM policies")


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@commands.command("secrets", "ecs secrets <service...>",
                  "print a container definition's secrets array (names and ARNs, never values)",
                  group=ECS)
def ecs_secrets_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    container: Optional[str] = typer.Option(None, "--container",
                                            help="print a whole container definition with this name"),
    image: Optional[str] = typer.Option(None, "--image", help="the container definition's image"),
) -> None:
    services = min_args(args, 1)
    if (container is None) != (image is None):
        raise ChamberError("--container and --image go together")
    entries = ecs.secrets(settings_of(ctx), open_store(ctx), services)
    if container is not None:
        console_of(ctx).out(_json(ecs.container_definition(entries, container, image or "")))
    else:
        console_of(ctx).out(_json([e.as_json() for e in entries]))


@commands.command("policy", "ecs policy <service...> --role execution|task|writer|publisher",
                  "print the least-privilege IAM policy for a role", group=ECS)
def ecs_policy_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    role: str = typer.Option("task", "--role",
                             help="execution (ECS resolves the secrets array), task (the "
                                  "container runs pychamber exec), writer, or publisher "
                                  "(release publish and rollback)"),
    release: bool = typer.Option(False, "--release",
                                 help="with --role task: what exec --release reads (the "
                                      "services' release objects and the key), no store access"),
) -> None:
    services = min_args(args, 1)
    document = ecs.policy(settings_of(ctx), open_store(ctx), services, role, release)
    console_of(ctx).out(_json(document))
