"""The one error handler (pre-commit's ``error_handler``): every failure of a run ends here as
chamber ends it: ``Error: <message>`` on stderr (cobra's usage block appended to errors whose
text says ``arg(s)`` or ``usage``: chamber's cmd/root.go) and exit 1, never a traceback."""

from __future__ import annotations

from typing import Callable

from pychamber.cli.console import Invocation, broken_pipe
from pychamber.errors import ChamberError, ExitStatus


def report(inv: Invocation, message: str, code: int = ExitStatus.ERROR) -> int:
    from pychamber.compat import cobra  # only when a message needs it

    inv.console.err(inv.console.paint_error(cobra.error_block(message, usage_of(inv))))
    return int(code)


def guard(inv: Invocation, run: Callable[[], int | None]) -> int:
    """Run ``run()`` and turn whatever it raises into chamber's output and an exit status."""
    try:
        rv = run()
        return rv if isinstance(rv, int) else ExitStatus.SUCCESS
    except ChamberError as e:
        return report(inv, e.message, e.exit_code)
    except KeyboardInterrupt:
        inv.console.err("\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return broken_pipe()
    except SystemExit as e:
        code = e.code
        return code if isinstance(code, int) else (0 if code is None else report(inv, str(code)))
    except Exception as e:  # noqa: BLE001 - the last line of defence
        if inv.console.traceback_wanted():
            raise
        # Only the type: an exception's text could carry a secret value.
        return report(inv, f"internal error ({type(e).__name__}); set PYCHAMBER_TRACEBACK=1 for details")


def unknown_command(inv: Invocation, name: str) -> int:
    """cobra's ``Find`` error at the root: ``unknown command``, the suggestions, the Run line;
    then, as chamber's Execute tests the error's text, the root's usage when it says ``usage``
    (the root never ran: cobra had not added its help flag)."""
    from pychamber.cli import help
    from pychamber.compat import cobra

    block = cobra.unknown_command(name, inv.prog, help.suggestible(inv.prog))
    inv.console.err(inv.console.paint_error(block))
    if "usage" in block.rsplit("\n", 2)[0]:
        inv.console.err(help.usage("", inv.prog, help_flag=False))
    return ExitStatus.ERROR


def usage_of(inv: Invocation) -> str | None:
    """The running command's usage block, or None before a command was found."""
    if inv.command is None:
        return None
    from pychamber.cli import help

    return help.usage(inv.command, inv.prog)
