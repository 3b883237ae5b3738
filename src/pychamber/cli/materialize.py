"""``materialize <service...> --dir DIR``: the services' secrets as files, for a sidecar (an ECS
task's init container writes them to a shared volume and exits; the app container, with
``dependsOn`` condition ``SUCCESS``, mounts it). The writer is :mod:`pychamber.files`."""

from __future__ import annotations

from pychamber import api
from pychamber.cli.common import settings_of
from pychamber.cli.console import Invocation
from pychamber.errors import ChamberError
from pychamber.files import DEFAULT_MODE, write_secret_files
from pychamber.settings import debug


def parse_mode(text: str) -> int:
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise ChamberError(f'invalid argument "{text}" for "--mode" flag: an octal file mode such as 0400')
    return mode


def materialize(inv: Invocation, services: list[str], *, directory: str, mode: str, uid: int | None,
                gid: int | None, release: str | None) -> None:
    if not directory:
        raise ChamberError("materialize needs --dir <dir>, the directory to write the files in")
    file_mode = parse_mode(mode) if mode else DEFAULT_MODE
    console = inv.console
    request = api.prepare(settings_of(inv), services, console.warn, files=directory, release=release,
                          strict_services=True)
    _, files = request.environment({}, console.warn)
    assert request.files is not None and files is not None
    done = write_secret_files(request.files, files, file_mode, uid, gid)
    debug(request.settings, "info: secrets written as files (names only)", dir=done.directory,
          written=",".join(done.written), removed=",".join(done.removed))
