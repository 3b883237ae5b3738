"""The one error handler (pre-commit's ``error_handler``): every failure of a run, on the fast
exec path or in the typer app, ends here as chamber ends it: ``Error: <message>`` on stderr
(cobra's usage block appended to argument errors) and exit 1, never a traceback.

Imports nothing of click until a click exception is actually being translated."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable

from pychamber.cli.console import Invocation, broken_pipe
from pychamber.errors import ChamberError, ExitStatus

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.compat import cobra
    from pychamber.settings import Flag

PROG = "pychamber"


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
    from pychamber.compat import cobra  # only when a message needs it
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
        from pychamber.cli.framework import suggestible

        name = text.split("'")[1] if "'" in text else text
        ctx = getattr(exc, "ctx", None)
        block = cobra.unknown_command(name, inv.prog, suggestible(ctx.find_root().command) if ctx else ())
        inv.console.err(inv.console.paint_error(block))
        if "usage" in block.rsplit("\n", 2)[0]:  # root.go tests the error's text (not the Run
            inv.console.err(usage_of(inv) or "")  # line): then the root's usage follows
        return ExitStatus.ERROR
    return report(inv, _usage_message(exc))


def _usage_message(exc: Exception) -> str:
    """pflag's wording for click's usage errors."""
    from pychamber.compat import cobra  # only when a message needs it
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


# --- cobra's usage block (rendered by compat.cobra from the table of flags) ----------------------
#: chamber's exec Example (cmd/exec.go), which cobra's template prints under "Examples:".
EXEC_EXAMPLE = """
Given a secret store like this:

\t$ echo '{"db_username": "root", "db_password": "hunter22"}' | chamber import - 

--strict will fail with unfilled env vars

\t$ HOME=/tmp DB_USERNAME=chamberme DB_PASSWORD=chamberme EXTRA=chamberme chamber exec --strict service exec -- env
\tchamber: extra unfilled env var EXTRA
\texit 1

--pristine takes effect after checking for --strict values

\t$ HOME=/tmp DB_USERNAME=chamberme DB_PASSWORD=chamberme chamber exec --strict --pristine service exec -- env
\tDB_USERNAME=root
\tDB_PASSWORD=hunter22
"""


def example(prog: str, command: str | None) -> str:
    """A command's Example text, naming the program as it was invoked."""
    if command != "exec":
        return ""
    import re

    return re.sub(r"\bchamber\b", prog, EXEC_EXAMPLE)


def pflag_of(fl: "Flag") -> cobra.PFlag:
    """A row of the table of flags as pflag describes it (type, default as Go prints it)."""
    from pychamber.compat import cobra  # only when a message needs it
    long = next(n[2:] for n in fl.names if n.startswith("--"))
    short = next((n[1:] for n in fl.names if len(n) == 2), "")
    kind = fl.pflag_type or {bool: "bool", int: "int"}.get(fl.type, "string")
    if fl.shown_default is not None:
        default = fl.shown_default
    elif fl.default is None:
        default = {"bool": "false", "int": "0", "duration": "0s"}.get(kind, "")
    elif isinstance(fl.default, bool):
        default = "true" if fl.default else "false"
    else:
        default = str(fl.default)
    return cobra.PFlag(long, short, kind, default, fl.help, fl.hidden, fl.no_opt_default)


def global_pflags() -> list[cobra.PFlag]:
    """cobra's persistent flags of the root: every command's "Global Flags"."""
    from pychamber.settings import flags

    return [pflag_of(f) for f in flags("global")]


def table_usage(prog: str, command: str, usage: str) -> cobra.Usage:
    """The usage of a command whose flags are all in the table (exec, on the fast path)."""
    from pychamber.compat import cobra  # only when a message needs it
    from pychamber.settings import flags

    local = [pflag_of(f) for f in flags(command)] + [cobra.help_flag(command)]
    return cobra.Usage(f"{prog} {usage}", local, global_pflags(), example=example(prog, command))


def usage_of(inv: Invocation) -> str | None:
    """The running command's usage block, or None before a command was found."""
    from pychamber.compat import cobra  # only when a message needs it
    if inv.usage_block is not None:
        return inv.usage_block()
    if inv.command and inv.usage:
        return cobra.usage_text(table_usage(inv.prog, inv.command, inv.usage))
    import sys

    if "typer" not in sys.modules:
        return None
    import typer

    from pychamber.cli import app, framework

    return framework.usage_for_argv(typer.main.get_command(app.build()), inv.argv, inv.prog)
