"""The root app: global options -> Settings, command registration, and the one error handler.

Every failure ends here as chamber does it: ``Error: <message>`` on stderr and exit 1 (usage
appended when the message contains ``arg(s)`` or ``usage``), never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Callable, Optional

import typer

from pychamber.cli.console import broken_pipe, console, report_error
from pychamber.errors import ChamberError
from pychamber.settings import Settings

PROG = "pychamber"

app = typer.Typer(
    name=PROG,
    help="CLI for storing secrets",
    add_completion=False,
    no_args_is_help=False,
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _State:
    command: str | None = None
    usage: str | None = None
    raw_argv: list[str] = []


state = _State()


@app.callback()
def root(
    ctx: typer.Context,
    backend: Optional[str] = typer.Option(
        None, "-b", "--backend",
        help="Backend to use; AKA $CHAMBER_SECRET_BACKEND (null, ssm, secretsmanager, s3, s3-kms, local)",
        show_default=False),
    backend_s3_bucket: Optional[str] = typer.Option(
        None, "--backend-s3-bucket", help="bucket for S3 backend; AKA $CHAMBER_S3_BUCKET"),
    kms_key_alias: Optional[str] = typer.Option(
        None, "--kms-key-alias",
        help="KMS Key Alias for writing secrets (s3-kms); AKA $CHAMBER_KMS_KEY_ALIAS "
             "(default alias/parameter_store_key)"),
    retries: Optional[int] = typer.Option(
        None, "-r", "--retries",
        help="For SSM or Secrets Manager, the number of retries we'll make before giving up; "
             "AKA $CHAMBER_RETRIES (default 10)"),
    retry_mode: str = typer.Option(
        "standard", "--retry-mode",
        help="For SSM, the retry mode: standard or adaptive (default standard)", show_default=False),
    min_throttle_delay: Optional[str] = typer.Option(None, "--min-throttle-delay", hidden=True),
    verbose: bool = typer.Option(
        False, "--verbose", help="Print debug logs to stderr (never secret values)"),
) -> None:
    if min_throttle_delay is not None:
        console.warn("Flag --min-throttle-delay has been deprecated, use --retry-mode instead")
    ctx.obj = Settings(
        backend_flag=backend,
        s3_bucket_flag=backend_s3_bucket,
        kms_key_alias_flag=kms_key_alias,
        retries_flag=retries,
        retry_mode=retry_mode,
        verbose=verbose,
        environ=os.environ,
        report=console.err,
    )
    if ctx.invoked_subcommand is None:
        console.out(ctx.get_help() + "\n")
        raise typer.Exit(0)


def command(name: str, usage: str, short: str, group: typer.Typer | None = None,
            **kwargs) -> Callable:
    """Register a command; remembers its usage line for the error handler."""
    target = group or app
    kwargs.setdefault("context_settings", {})
    kwargs["context_settings"].setdefault("help_option_names", ["-h", "--help"])

    # cobra's usage line: "pychamber write <service> <key> [--] <value|-> [flags]"
    words = 2 if group is not None else 1
    parts = usage.split(" ", words)
    rest = parts[words] if len(parts) > words else ""
    cls = type("ChamberCommand", (typer.core.TyperCommand,), {
        "collect_usage_pieces": lambda self, ctx: ([rest] if rest else []) + ["[flags]"]})
    kwargs.setdefault("cls", cls)

    def deco(f: Callable) -> Callable:
        @functools.wraps(f)
        def wrapped(*args, **kw):
            state.command = name
            state.usage = usage
            return f(*args, **kw)

        target.command(name, help=short, short_help=short, **kwargs)(wrapped)
        return f

    return deco


def settings_of(ctx: typer.Context) -> Settings:
    root_ctx = ctx.find_root()
    return root_ctx.obj if isinstance(root_ctx.obj, Settings) else Settings()


# --- global flags may appear anywhere before "--" (cobra persistent flags) ------------------
_GLOBAL_WITH_VALUE = {"-b", "--backend", "--backend-s3-bucket", "--kms-key-alias", "-r",
                      "--retries", "--retry-mode", "--min-throttle-delay"}
_GLOBAL_BOOL = {"--verbose"}


def hoist_global_flags(argv: list[str]) -> list[str]:
    """Move global flags to the front so the root command sees them wherever they were typed."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest.extend(argv[i:])
            break
        name = a.split("=", 1)[0] if a.startswith("--") else a
        if name in _GLOBAL_BOOL:
            front.append(a)
        elif a in _GLOBAL_WITH_VALUE:
            front.extend(argv[i:i + 2])
            i += 1
        elif a.startswith("--") and name in _GLOBAL_WITH_VALUE:
            front.append(a)
        elif len(a) > 2 and a[:2] in ("-b", "-r"):
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


# --- the one error handler -----------------------------------------------------------------
def fail(message: str, code: int = 1) -> int:
    report_error(message, state.usage, state.command, PROG)
    return code


def _translate_click_error(exc: Exception) -> str:
    from typer._click import exceptions as ce

    if isinstance(exc, ce.NoSuchOption):
        opt = exc.option_name
        if opt.startswith("--"):
            return f"unknown flag: {opt}"
        return f"unknown shorthand flag: '{opt[1:2]}' in {opt}"
    msg = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if isinstance(exc, ce.BadOptionUsage) and "requires an argument" in msg:
        opt = getattr(exc, "option_name", "")
        if opt.startswith("--"):
            return f"flag needs an argument: {opt}"
        return f"flag needs an argument: '{opt[1:2]}' in {opt}"
    if isinstance(exc, ce.BadParameter):
        # cobra/pflag: invalid argument "x" for "-v, --version" flag: strconv.ParseInt: ...
        import re

        param = getattr(exc, "param", None)
        m = re.search(r": '(.*)' is not a valid int", msg)
        if param is not None and m:
            flags = ", ".join(sorted(param.opts, key=len))
            value = m.group(1)
            return (f'invalid argument "{value}" for "{flags}" flag: strconv.ParseInt: '
                    f'parsing "{value}": invalid syntax')
        return f"invalid argument: {msg}"
    return msg


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(sys.argv[1:] if argv is None else argv))


def run(argv: list[str]) -> int:
    from typer._click import exceptions as ce

    from pychamber.cli import registry

    registry.register_all()
    state.raw_argv = list(argv)
    cmd = typer.main.get_command(app)
    try:
        rv = cmd.main(args=hoist_global_flags(list(argv)), prog_name=PROG, standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except ChamberError as e:
        return fail(e.message, e.exit_code)
    except typer.Exit as e:
        return e.exit_code
    except ce.UsageError as e:
        text = e.format_message()
        if text.startswith("No such command"):
            name = text.split("'")[1] if "'" in text else text
            console.err(f'Error: unknown command "{name}" for "{PROG}"\nRun \'{PROG} --help\' for usage.\n')
            return 1
        return fail(_translate_click_error(e))
    except typer.Abort:
        console.err("\n")
        return 130
    except SystemExit as e:
        code = e.code
        return code if isinstance(code, int) else (0 if code is None else fail(str(code)))
    except KeyboardInterrupt:
        console.err("\n")
        return 130
    except BrokenPipeError:
        return broken_pipe()
    except Exception as e:  # the last line of defence: one line, never a traceback
        if os.environ.get("PYCHAMBER_TRACEBACK"):
            raise
        # Only the type: an exception's text could carry a secret value.
        return fail(f"internal error ({type(e).__name__}); set PYCHAMBER_TRACEBACK=1 for details")
