"""edit: the command around :func:`pychamber.edit.edit_service` (all its logic is there)."""

from __future__ import annotations

from pychamber.cli.common import open_store, service_arg, settings_of
from pychamber.cli.console import Invocation


def edit(inv: Invocation, service_raw: str, *, yes: bool) -> None:
    from pychamber import edit

    console = inv.console
    service = service_arg(inv, service_raw)
    terminal = console.stdin_isatty() and console.stderr_isatty()
    editor = edit.editor_command(settings_of(inv).environ, terminal)
    store = open_store(inv)

    def ask(question: str) -> str:
        console.err(question)
        line = console.stdin.readline()
        if not line:  # Ctrl-D
            raise KeyboardInterrupt
        return line.decode("utf-8", "replace")

    changes = edit.edit_service(store, service, editor=editor, interactive=terminal, yes=yes, ask=ask,
                                say=console.err)
    if changes:
        console.out(changes.summary(service) + "\n")
