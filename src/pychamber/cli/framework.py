"""What every command module uses: the command decorator (a :class:`CommandSet` per module,
installed on the root app by ``cli.app``, so that no command imports the app), the
:class:`~pychamber.cli.console.Invocation` found in the click context, typer options built from
the one table of flags, and chamber's argument checks with its wrapped messages."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

import typer

from pychamber import api, names
from pychamber.cli.console import Console, Invocation
from pychamber.errors import ChamberError, UsageError
from pychamber.settings import Settings, flag

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.stores.base import Store

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


# --- the context ---------------------------------------------------------------------------------
def invocation(ctx: typer.Context) -> Invocation:
    obj = ctx.find_root().obj
    if not isinstance(obj, Invocation):  # a command run outside cli.run (tests of one command)
        obj = Invocation(Console())
        ctx.find_root().obj = obj
    return obj


def console_of(ctx: typer.Context) -> Console:
    return invocation(ctx).console


def settings_of(ctx: typer.Context) -> Settings:
    inv = invocation(ctx)
    return inv.settings if inv.settings is not None else Settings()


# --- commands ------------------------------------------------------------------------------------
class CommandSet:
    """The commands of one module, recorded by :meth:`command` and added to a typer app by
    :meth:`install` (pre-commit's commands never import ``main``). A group (``tag``) is declared
    with :meth:`group` and built afresh at every install, so that building the command tree
    twice in one process (the tests do) never registers a command twice."""

    def __init__(self) -> None:
        self._commands: list[tuple[str, str, str, str | None, dict, Callable]] = []
        self._groups: list[tuple[str, str]] = []
        self._built: list[tuple[str, typer.Typer]] = []

    def group(self, name: str, help: str) -> str:
        """Declare a group of commands (``pychamber tag ...``); returns the name to pass as
        ``group=`` to :meth:`command`."""
        self._groups.append((name, help))
        return name

    def command(self, name: str, usage: str, short: str, group: str | None = None,
                **kwargs: Any) -> Callable[[Callable], Callable]:
        """Declare a command; ``usage`` is cobra's usage line (``write <service> <key> ...``),
        remembered for the usage block of an argument error. The function's first parameter
        must be the ``typer.Context``."""

        def deco(f: Callable) -> Callable:
            self._commands.append((name, usage, short, group, kwargs, f))
            return f

        return deco

    def install(self, app: typer.Typer) -> None:
        subs = {}
        for name, help_text in self._groups:
            sub = typer.Typer(help=help_text, invoke_without_command=True,
                              context_settings=CONTEXT_SETTINGS)
            sub.callback()(_group_help)
            subs[name] = sub
        self._built = list(subs.items())
        for name, usage, short, group, kwargs, f in self._commands:
            _add(subs[group] if group else app, name, usage, short, group is not None, kwargs, f)

    def install_groups(self, app: typer.Typer) -> None:
        for name, sub in self._built:
            app.add_typer(sub, name=name)


def _group_help(ctx: typer.Context) -> None:
    """A group run without a subcommand prints its help (cobra's behaviour)."""
    if ctx.invoked_subcommand is None:
        console_of(ctx).out(ctx.get_help() + "\n")
        raise typer.Exit(0)


def _add(target: typer.Typer, name: str, usage: str, short: str, in_group: bool, kwargs: dict,
         f: Callable) -> None:
    kwargs = dict(kwargs)
    kwargs.setdefault("context_settings", {})
    kwargs["context_settings"].setdefault("help_option_names", ["-h", "--help"])
    # cobra's usage line: "pychamber write <service> <key> [--] <value|-> [flags]"
    words = 2 if in_group else 1
    parts = usage.split(" ", words)
    rest = parts[words] if len(parts) > words else ""
    # a command may bring its own class (transfer's import: pflag's optional flag value)
    base = kwargs.pop("cls", typer.core.TyperCommand)
    kwargs["cls"] = type("ChamberCommand", (base,), {
        "collect_usage_pieces": lambda self, ctx: ([rest] if rest else []) + ["[flags]"]})

    @functools.wraps(f)
    def wrapped(ctx: typer.Context, *args: Any, **kw: Any) -> Any:
        inv = invocation(ctx)
        inv.command = name
        inv.usage = usage
        return f(ctx, *args, **kw)

    target.command(name, help=short, short_help=short, **kwargs)(wrapped)


def option(dest: str, scope: str = "global") -> Any:
    """The typer option of a flag in the table (``settings.FLAGS``)."""
    fl = flag(dest, scope)
    extra: dict[str, Any] = {}
    if fl.hidden:
        extra["hidden"] = True
    else:
        extra["help"] = fl.help
    if fl.scope == "global" and fl.takes_value and fl.default is not None:
        extra["show_default"] = False
    return typer.Option(fl.default, *fl.names, **extra)


# --- arguments -----------------------------------------------------------------------------------
def exact_args(args: list[str] | None, n: int) -> list[str]:
    args = list(args or [])
    if len(args) != n:
        raise UsageError(f"accepts {n} arg(s), received {len(args)}")
    return args


def min_args(args: list[str] | None, n: int) -> list[str]:
    args = list(args or [])
    if len(args) < n:
        raise UsageError(f"requires at least {n} arg(s), only received {len(args)}")
    return args


def service_arg(ctx: typer.Context, raw: str, label: bool = False,
                prefix: str = "Failed to validate service: ") -> str:
    """Lower-case then validate a service argument, wrapping the message as chamber does."""
    service = names.go_lower(raw)
    try:
        if label:
            names.validate_service_with_label(service)
        else:
            names.validate_service(service)
    except ChamberError as e:
        raise e.wrap(prefix) from None
    if names.is_reserved(service):
        console_of(ctx).warn(names.RESERVED_WARNING)
    return service


def key_arg(raw: str, lower: bool = True) -> str:
    key = names.go_lower(raw) if lower else raw
    try:
        names.validate_key(key)
    except ChamberError as e:
        raise e.wrap("Failed to validate key: ") from None
    return key


def open_store(ctx: typer.Context, prefix: str = "Failed to get secret store: ") -> "Store":
    return api.store_from(settings_of(ctx), prefix)


def wrapped(prefix: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call a store method, prefixing its error like chamber's ``fmt.Errorf("...: %w")``."""
    try:
        return fn(*args, **kwargs)
    except ChamberError as e:
        raise e.wrap(prefix) from None
