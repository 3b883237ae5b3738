"""Imports the command modules, which register themselves on the app. Kept separate so that
``cli.app`` can be imported without every command."""

_done = False


def register_all() -> None:
    global _done
    if _done:
        return
    _done = True
    from pychamber.cli import completion, secrets, transfer  # noqa: F401
    from pychamber.cli import run  # noqa: F401
