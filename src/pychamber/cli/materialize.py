"""``materialize <service...> --dir DIR``: the services' secrets as files, for a sidecar (an ECS
task's init container writes them to a shared volume and exits; the app container, with
``dependsOn`` condition ``SUCCESS``, mounts it). The writer is :mod:`pychamber.files`."""

from __future__ import annotations

import os

from pychamber import api, envbuild
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
                gid: int | None) -> None:
    if not directory:
        raise ChamberError("materialize needs --dir <dir>, the directory to write the files in")
    file_mode = parse_mode(mode) if mode else DEFAULT_MODE
    console = inv.console
    for warning in envbuild.validate_services(services):
        console.warn(warning)
    settings = settings_of(inv)
    store = api.store_from(settings)
    state = api.assemble(settings, store, services, {}, False, False, "chamberme", console.warn)
    files, _ = envbuild.as_files(state, directory)
    done = write_secret_files(os.path.abspath(directory), files, file_mode, uid, gid)
    debug(settings, "info: secrets written as files (names only)", dir=done.directory,
          written=",".join(done.written), removed=",".join(done.removed))
