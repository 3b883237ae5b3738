"""``materialize <service...> --dir DIR``: the services' secrets as files, for a sidecar (an ECS
task's init container writes them to a shared volume and exits; the app container, with
``dependsOn`` condition ``SUCCESS``, mounts it). The writer is :mod:`pychamber.files`."""

from __future__ import annotations

from typing import List, Optional

import typer

from pychamber import api
from pychamber.cli.framework import CommandSet, console_of, min_args, option, settings_of
from pychamber.errors import ChamberError
from pychamber.files import DEFAULT_MODE, write_secret_files
from pychamber.settings import debug

commands = CommandSet()

ARGS = typer.Argument(None, show_default=False, metavar="", hidden=True)


def parse_mode(text: str) -> int:
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise ChamberError(f'invalid argument "{text}" for "--mode" flag: an octal file mode such as 0400')
    return mode


@commands.command("materialize", "materialize <service...> --dir <dir>",
                  "Write the services' secrets as files, one per key")
def materialize_cmd(
    ctx: typer.Context,
    args: Optional[List[str]] = ARGS,
    directory: str = typer.Option("", "--dir", help="directory to write the files in (created 0700)"),
    mode: str = typer.Option("0400", "--mode", help="mode of each file, in octal"),
    uid: Optional[int] = typer.Option(None, "--uid", help="owner of each file (needs root)"),
    gid: Optional[int] = typer.Option(None, "--gid", help="group of each file (needs root)"),
    release: Optional[str] = option("release", "materialize"),
) -> None:
    services = min_args(args, 1)
    if not directory:
        raise ChamberError("materialize needs --dir <dir>, the directory to write the files in")
    file_mode = parse_mode(mode) if mode else DEFAULT_MODE
    console = console_of(ctx)
    request = api.prepare(settings_of(ctx), services, console.warn, files=directory, release=release,
                          strict_services=True)
    _, files = request.environment({}, console.warn)
    assert request.files is not None and files is not None
    done = write_secret_files(request.files, files, file_mode, uid, gid)
    debug(request.settings, "info: secrets written as files (names only)", dir=done.directory,
          written=",".join(done.written), removed=",".join(done.removed))
