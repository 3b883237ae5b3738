"""The one error handler (pre-commit's ``error_handler``): every failure of a run, on the fast
exec path or in the typer app, ends here as chamber ends it: ``Error: <message>`` on stderr
(cobra's usage block appended to argument errors) and exit 1, never a traceback.

Imports nothing of click until a click exception is actually being translated."""

from __future__ import annotations

import os
from typing import Callable

from pychamber.cli.console import Invocation, broken_pipe
from pychamber.compat import cobra
from pychamber.errors import ChamberError, ExitStatus

PROG = "pychamber"


def report(inv: Invocation, message: str, code: int = ExitStatus.ERROR) -> int:
    inv.console.err(inv.console.paint_error(cobra.error_block(message, inv.usage, inv.command, inv.prog)))
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
    except Exception as e:  # noqa: BLE001 - click's own exceptions, then the last line of defence
        translated = _click(inv, e)
        if translated is not None:
            return translated
        if os.environ.get("PYCHAMBER_TRACEBACK"):
            raise
        # Only the type: an exception's text could carry a secret value.
        return report(inv, f"internal error ({type(e).__name__}); set PYCHAMBER_TRACEBACK=1 for details")


def _click(inv: Invocation, exc: Exception) -> int | None:
    """Exit status for click's exceptions (typer's Exit and Abort included), else None."""
    import sys

    if "typer" not in sys.modules:  # the fast path never imported click: not one of its
        return None
    import typer
    from typer._click import exceptions as ce

    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, typer.Abort):
        inv.console.err("\n")
        return ExitStatus.INTERRUPTED
    if not isinstance(exc, ce.UsageError):
        return None
    text = exc.format_message()
    if text.startswith("No such command"):
        name = text.split("'")[1] if "'" in text else text
        inv.console.err(inv.console.paint_error(cobra.unknown_command(name, inv.prog)))
        return ExitStatus.ERROR
    return report(inv, _usage_message(exc))


def _usage_message(exc: Exception) -> str:
    """pflag's wording for click's usage errors."""
    import re

    from typer._click import exceptions as ce

    if isinstance(exc, ce.NoSuchOption):
        return cobra.unknown_flag(exc.option_name)
    msg = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if isinstance(exc, ce.BadOptionUsage) and "requires an argument" in msg:
        return cobra.flag_needs_argument(getattr(exc, "option_name", ""))
    if isinstance(exc, ce.BadParameter):
        param = getattr(exc, "param", None)
        m = re.search(r": '(.*)' is not a valid int", msg)
        if param is not None and m:
            return cobra.invalid_int(m.group(1), list(param.opts))
        return f"invalid argument: {msg}"
    return msg
