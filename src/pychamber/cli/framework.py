"""What every command module uses: the command decorator (a :class:`CommandSet` per module,
installed on the root app by ``cli.app``, so that no command imports the app), the
:class:`~pychamber.cli.console.Invocation` found in the click context, typer options built from
the one table of flags, and chamber's argument checks with its wrapped messages."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

import typer
from typer.core import TyperOption as ClickOption
from typer._click.types import IntParamType

from pychamber import api, names
from pychamber.cli import errors
from pychamber.cli.console import Console, Invocation
from pychamber.compat import cobra
from pychamber.errors import ChamberError, UsageError
from pychamber.settings import Settings, flag, flag_by_name

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
                              context_settings=CONTEXT_SETTINGS, cls=_Group)
            sub.callback()(_group_help)
            subs[name] = sub
        self._built = list(subs.items())
        for name, usage, short, group, kwargs, f in self._commands:
            _add(subs[group] if group else app, name, usage, short, group is not None, kwargs, f)

    def install_groups(self, app: typer.Typer) -> None:
        for name, sub in self._built:
            app.add_typer(sub, name=name)


class _Group(typer.core.TyperGroup):
    """A group below the root (``tag``): cobra runs it, not runnable, with whatever words
    follow that name no subcommand, and so prints its help (exit 0), where click would say
    "No such command" (cobra's ``legacyArgs`` checks subcommands at the root only)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        inv = invocation(ctx)
        inv.usage_block = lambda: cobra.usage_text(group_usage(self, inv.prog, ctx.info_name))
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands:
            console_of(ctx).out(ctx.get_help() + "\n")
            raise typer.Exit(0)
        return super().resolve_command(ctx, args)


def _group_help(ctx: typer.Context) -> None:
    """A group run without a subcommand prints its help (cobra's behaviour)."""
    if ctx.invoked_subcommand is None:
        console_of(ctx).out(ctx.get_help() + "\n")
        raise typer.Exit(0)


#: The commands whose AWS calls all run under one PYCHAMBER_TIMEOUT deadline (as exec's fetch
#: does): the reads of one service or secret. The others (writes, import, list-services,
#: find...) give each AWS call a deadline of its own (aws.command_deadline's "write" kind).
BOUNDED_COMMANDS = ("read", "list", "history", "tag read", "env", "export")


def _add(target: typer.Typer, name: str, usage: str, short: str, in_group: bool, kwargs: dict,
         f: Callable) -> None:
    kwargs = dict(kwargs)
    kwargs.setdefault("context_settings", {})
    kwargs["context_settings"].setdefault("help_option_names", ["-h", "--help"])
    # cobra's usage line: "pychamber write <service> <key> [--] <value|-> [flags]"
    words = 2 if in_group else 1
    parts = usage.split(" ", words)
    rest = parts[words] if len(parts) > words else ""
    cls = type("ChamberCommand", (ChamberCommand,), {
        "chamber_name": name, "chamber_usage": usage,
        "collect_usage_pieces": lambda self, ctx: ([rest] if rest else []) + ["[flags]"]})
    kwargs["cls"] = cls

    bounded = usage.split(" <", 1)[0] in BOUNDED_COMMANDS

    @functools.wraps(f)
    def wrapped(ctx: typer.Context, *args: Any, **kw: Any) -> Any:
        inv = invocation(ctx)
        inv.command = name
        inv.usage = usage
        if not bounded:  # each AWS call gets its own deadline (aws.command_deadline "write")
            return f(ctx, *args, **kw)
        from pychamber import aws  # no botocore: that loads with the first client

        with aws.command_deadline(settings_of(ctx), "read"):
            return f(ctx, *args, **kw)

    target.command(name, help=short, short_help=short, **kwargs)(wrapped)


# --- cobra's parse and usage ---------------------------------------------------------------------
#: Commands whose flags cobra lists in declaration order (``Flags().SortFlags = false`` in
#: chamber's cmd/env.go and cmd/export.go); every other command's are sorted by name.
UNSORTED_FLAGS = ("env", "export")


class ChamberCommand(typer.core.TyperCommand):
    """A command parsed as cobra parses it: pflag reads the whole command line first (the
    first bad flag, left to right, is the error, in pflag's words, before any argument count
    is checked), then click gets the same flags in a form it reads the same way. Its usage
    block is cobra's, rendered from its flags (the table's, else its own options)."""

    chamber_name = ""
    chamber_usage = ""

    def pflags(self) -> list[cobra.PFlag]:
        """The command's own flags (cobra's LocalFlags), help last as cobra adds it."""
        out = [_pflag_of_param(p, self.chamber_name) for p in self.params
               if isinstance(p, ClickOption)]
        return out + [cobra.help_flag(self.chamber_name)]

    def cobra_usage(self, prog: str) -> cobra.Usage:
        return cobra.Usage(f"{prog} {self.chamber_usage}", self.pflags(), errors.global_pflags(),
                           sort_local=self.chamber_name not in UNSORTED_FLAGS,
                           example=errors.example(prog, self.chamber_name))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        inv = invocation(ctx)
        inv.command, inv.usage = self.chamber_name, self.chamber_usage
        inv.usage_block = lambda: cobra.usage_text(self.cobra_usage(inv.prog))
        local = self.pflags()
        globals_ = errors.global_pflags()
        names = {f.name for f in local}
        parsed = cobra.parse(args, local + [g for g in globals_ if g.name not in names])
        return super().parse_args(ctx, _for_click(inv, parsed, names))


def group_usage(group: Any, prog: str, name: str | None = None) -> cobra.Usage:
    """cobra's usage of a command with subcommands: the root (``name`` None: its own flags are
    the persistent ones) or ``tag``. cobra lists the available subcommands sorted by name,
    padded to the longest name (at least 11)."""
    subs = [(n, c.short_help or c.help or "") for n, c in group.commands.items() if not c.hidden]
    path = f"{prog} {name}" if name else prog
    if name:
        local, inherited = [cobra.help_flag(name)], errors.global_pflags()
    else:
        local, inherited = errors.global_pflags() + [cobra.help_flag(prog)], []
    return cobra.Usage(path, local, inherited, runnable=False, command_path=path, subcommands=subs)


#: The order chamber's commands are added to the root (its cmd/*.go init functions run in file
#: name order, then cobra's ExecuteC adds help and completion): the order of "Did you mean this?".
CHAMBER_COMMAND_ORDER = ("delete", "env", "exec", "export", "find", "history", "import",
                         "list-services", "list", "read", "tag", "version", "write", "help",
                         "completion")


def suggestible(root: Any) -> list[str]:
    """The root's commands cobra may suggest (available: not hidden, not help), in the order
    chamber adds them; pychamber's own commands after write."""
    names = [n for n, c in root.commands.items() if not c.hidden and n != "help"]
    rank = {n: i for i, n in enumerate(CHAMBER_COMMAND_ORDER)}
    after_write = rank["write"] + 0.5
    return sorted(names, key=lambda n: rank.get(n, after_write))


def usage_for_argv(root: Any, argv: list[str], prog: str) -> str:
    """The usage block of the command cobra's ``Find`` takes ``argv`` to name (for an error
    raised before that command parsed its flags: a bad global flag)."""
    cmd, path = find_command(root, argv)
    if isinstance(cmd, ChamberCommand):
        return cobra.usage_text(cmd.cobra_usage(prog))
    return cobra.usage_text(group_usage(cmd, prog, " ".join(path) or None))


def find_command(root: Any, argv: list[str]) -> tuple[Any, list[str]]:
    """cobra's ``Command.Find`` (command.go) over the click tree: words that are not flags or
    flags' values name the subcommands (``stripFlags``: a flag not known to be a bool takes
    the next word, and ends the search when at most one word follows it)."""
    bools = {f.name for f in errors.global_pflags() if not f.takes_value} | {"help"}
    shorts = {"h"}
    path: list[str]
    cmd, path, args = root, [], list(argv)
    while hasattr(cmd, "commands"):
        words = _strip_flags(args, bools, shorts)
        if not words or words[0] not in cmd.commands:
            break
        args = _minus_first(args, words[0], bools, shorts)
        cmd, path = cmd.commands[words[0]], path + [words[0]]
    return cmd, path


def _takes_next(s: str, bools: set[str], shorts: set[str]) -> bool:
    if "=" in s:
        return False
    if s.startswith("--"):
        return s[2:] not in bools
    return s.startswith("-") and len(s) == 2 and s[1:] not in shorts


def _strip_flags(args: list[str], bools: set[str], shorts: set[str]) -> list[str]:
    words, rest = [], list(args)
    while rest:
        s = rest.pop(0)
        if s == "--":
            break
        if _takes_next(s, bools, shorts):
            if len(rest) <= 1:
                break
            rest.pop(0)
        elif s and not s.startswith("-"):
            words.append(s)
    return words


def _minus_first(args: list[str], x: str, bools: set[str], shorts: set[str]) -> list[str]:
    pos = 0
    while pos < len(args):
        s = args[pos]
        if s == "--":
            break
        if _takes_next(s, bools, shorts):
            pos += 2
            continue
        if not s.startswith("-") and s == x:
            return args[:pos] + args[pos + 1:]
        pos += 1
    return args


def _pflag_of_param(p: Any, command: str) -> cobra.PFlag:
    """A click option as pflag would describe it: the table's row when it has one, else its
    type (a repeatable option is write's ``--tags``, pflag's stringToString)."""
    longs = [o for o in p.opts if o.startswith("--")]
    row = flag_by_name(longs[0], command) if longs else None
    if row is not None:
        return errors.pflag_of(row)
    name = longs[0][2:] if longs else p.opts[0].lstrip("-")
    short = next((o[1:] for o in p.opts if len(o) == 2 and o[0] == "-" and o[1] != "-"), "")
    if p.is_flag:
        kind, default = "bool", "true" if p.default else "false"
    elif isinstance(p.type, IntParamType):
        kind, default = "int", "0" if p.default is None else str(p.default)
    elif p.multiple:
        kind, default = "stringToString", "[]"
    else:
        kind, default = "string", "" if p.default is None else str(p.default)
    return cobra.PFlag(name, short, kind, default, p.help or "", bool(p.hidden))


def _for_click(inv: Invocation, parsed: cobra.Parsed, local: set[str]) -> list[str]:
    """pflag's reading of the command line in a form click reads the same way: each value
    flag as ``--name=value`` (an int in decimal), each bool flag once with its last value,
    the arguments after ``--``. A global flag pflag found among the command's own (``-qr3``)
    goes to the run's settings."""
    out: list[str] = []
    bools: dict[str, bool] = {}
    for f, value in parsed.flags:
        if f.name not in local:
            _set_global(inv, f, value)
        elif f.kind == "bool":
            bools[f.name] = cobra.parse_bool(value)[0]
            if f.name == "help" and bools[f.name]:
                out.append("--help")
        elif f.kind == "int":
            out.append(f"--{f.name}={cobra.parse_int(value)[0]}")
        else:
            out.append(f"--{f.name}={value}")
    out += [f"--{name}" for name, on in bools.items() if on and name != "help"]
    return out + ["--"] + parsed.args


def _set_global(inv: Invocation, f: cobra.PFlag, value: str) -> None:
    from pychamber.settings import FLAGS

    row = next(r for r in FLAGS if r.scope == "global" and f"--{f.name}" in r.names)
    if row.dest == "min_throttle_delay":
        inv.console.warn("Flag --min-throttle-delay has been deprecated, use --retry-mode instead")
        return
    if inv.settings is not None and hasattr(inv.settings, row.dest):
        converted: Any = value
        if f.kind == "int":
            converted = cobra.parse_int(value)[0]
        elif f.kind == "bool":
            converted = cobra.parse_bool(value)[0]
        setattr(inv.settings, row.dest, converted)


def option(dest: str, scope: str = "global") -> Any:
    """The typer option of a flag in the table (``settings.FLAGS``)."""
    fl = flag(dest, scope)
    pf = errors.pflag_of(fl)
    extra: dict[str, Any] = {}
    if fl.hidden:
        extra["hidden"] = True
    elif fl.scope == "global":  # click shows no default: pflag's "(default ...)" says it
        extra["help"] = cobra.usage_with_default(pf)
    else:
        extra["help"] = fl.help
    if fl.scope == "global" and fl.takes_value and fl.default is not None:
        extra["show_default"] = False
    if pf.kind in ("int", "duration"):  # the values pflag's types accept, in its words
        extra["parser"] = functools.partial(_pflag_value, pf)
    return typer.Option(fl.default, *fl.names, **extra)


def _pflag_value(f: cobra.PFlag, text: str) -> Any:
    err = cobra.check_value(f, text)
    if err is not None:
        raise UsageError(cobra.invalid_argument(text, f, err))
    return cobra.parse_int(text)[0] if f.kind == "int" else text


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
