"""cobra v1.8.1's help and usage texts for the command table, and ``help [command]``.

Under the name ``chamber`` (argv[0]), the texts are chamber v3.1.4's bytes: pychamber's own
commands and flags are left out and chamber's help texts used; under any other name they are
shown, in the same layout."""

from __future__ import annotations

import re

from pychamber.cli import parse
from pychamber.cli.commands import BY_PATH, COMMANDS, ROOT_SHORT, children, short, visible
from pychamber.cli.console import Invocation
from pychamber.compat import cobra


def is_chamber(prog: str) -> bool:
    """Whether pychamber runs under chamber's name (its texts are then exactly chamber's)."""
    return prog == "chamber"


def _chamber_texts(path: str, prog: str) -> bool:
    """chamber's texts for the command at ``path``: under chamber's name, except for
    pychamber's own commands (which still run: their help is whole, not emptied of their
    subcommands and flags; the global flags stay chamber's)."""
    cmd = BY_PATH.get(path)
    return is_chamber(prog) and not (cmd is not None and cmd.own)


def _name(path: str, prog: str) -> str:
    return path.rsplit(" ", 1)[-1] if path else prog


def usage(path: str, prog: str, help_flag: bool = True) -> str:
    """cobra's usage block of the command at ``path`` ("" the root). ``help_flag``: whether
    cobra added its ``-h, --help`` flag (it does to the command it runs, and to the one
    ``help`` shows; not to the root when ``help`` shows an unknown topic)."""
    chamber = _chamber_texts(path, prog)
    cmd = BY_PATH.get(path)
    command_path = f"{prog} {path}" if path else prog
    local = [parse.pflag(r, chamber) for r in parse.flags_of(path)]
    if help_flag:
        local.append(cobra.help_flag(_name(path, prog)))
    inherited = [parse.pflag(r, is_chamber(prog)) for r in parse.flags_of("global")] if path else []
    subs = [c for c in children(path) if visible(c, chamber)]
    runnable = cmd is not None and cmd.runnable
    use_line = command_path
    if cmd is not None:
        parent = path.rsplit(" ", 1)[0] if " " in path else ""
        use_line = (f"{prog} {parent} " if parent else f"{prog} ") + cmd.use
    listed = [(c.name, short(c, chamber)) for c in subs if c.runnable or children(c.path)]
    padding = max([len(c.name) for c in children(path) if not (chamber and c.own)], default=0)
    example = cmd.example if cmd is not None else ""
    if example and not chamber:
        example = re.sub(r"\bchamber\b", prog, example)
    return cobra.usage_text(cobra.Usage(
        use_line, local, inherited, sort_local=cmd is None or cmd.sort_flags, runnable=runnable,
        command_path=command_path, subcommands=listed, example=example,
        flags_in_use=cmd is None or not cmd.no_flags_in_use, name_padding=padding))


def help_text(path: str, prog: str) -> str:
    """cobra's help of the command at ``path`` (its Long, else its Short; then its usage)."""
    cmd = BY_PATH.get(path)
    chamber = _chamber_texts(path, prog)
    if cmd is None:
        text = ROOT_SHORT
    else:
        text = cmd.long.format(prog=prog) if cmd.long else short(cmd, chamber)
    show_usage = (cmd is not None and cmd.runnable) or bool(children(path))
    return cobra.help_text(text, usage(path, prog) if show_usage else None)


def suggestible(prog: str) -> list[str]:
    """The root's commands cobra may suggest (available, not help), in the order added."""
    chamber = is_chamber(prog)
    return [c.path for c in COMMANDS if " " not in c.path and visible(c, chamber) and c.path != "help"
            and (c.runnable or children(c.path))]


def help_(inv: Invocation, *words: str) -> None:
    """cobra's ``help [command]``: the help of the named command; for words that name none at
    the root, ``Unknown help topic`` and the root's usage (without its help flag: cobra never
    added it), on stderr, exit 0."""
    try:
        path, _ = parse.find(words)
    except parse.UnknownCommand:
        inv.console.err(cobra.unknown_help_topic(words))
        inv.console.err(usage("", inv.prog, help_flag=False))
        return
    inv.console.out(help_text(path, inv.prog))
