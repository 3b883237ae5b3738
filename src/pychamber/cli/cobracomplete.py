"""cobra v1.8.1's hidden completion request, ``__complete`` and ``__completeNoDesc``
(completions.go ``initCompleteCmd``/``getCompletions``), over the command table: chamber's own
completion scripts call it, so it answers as chamber does. pychamber's commands give no
completion functions of their own here (its scripts use ``__names``): a positional argument
gets cobra's default (the shell's files), a subcommand or a flag its name and help."""

from __future__ import annotations

from pychamber.cli import parse
from pychamber.cli.commands import BY_PATH, children, short, visible
from pychamber.cli.console import Invocation
from pychamber.compat import cobra
from pychamber.compat.strconv import go_list
from pychamber.errors import ChamberError
from pychamber.settings import Flag

DEFAULT, ERROR, NO_SPACE, NO_FILE_COMP = 0, 1, 2, 4
_NAMES = ((ERROR, "ShellCompDirectiveError"), (NO_SPACE, "ShellCompDirectiveNoSpace"),
          (NO_FILE_COMP, "ShellCompDirectiveNoFileComp"))


def directive_name(d: int) -> str:
    names = [n for bit, n in _NAMES if d & bit]
    return ", ".join(names) or "ShellCompDirectiveDefault"


def _flag_rows(path: str, prog: str) -> tuple[list[Flag], list[Flag]]:
    """(inherited, local) flags of the command, cobra's order: sorted by name unless the
    command keeps declaration order; the help flag among the local ones."""
    inherited = sorted(parse.flags_of("global"), key=lambda r: r.long) if path else []
    local = list(parse.flags_of(path))
    help_row = Flag("help", ("-h", "--help"), False, cobra.help_flag(path.rsplit(" ", 1)[-1] or prog).usage,
                    scope=path, type=bool)
    local.append(help_row)
    cmd = BY_PATH.get(path)
    if cmd is None or cmd.sort_flags:
        local.sort(key=lambda r: r.long)
    return inherited, local


def _completions(inv: Invocation, words: list[str]) -> tuple[list[str], int, str | None]:
    """cobra's ``getCompletions``: (completions, directive, error message)."""
    chamber = inv.prog == "chamber"
    to_complete = words[-1] if words else ""
    trimmed = words[:-1]
    try:
        path, rest = parse.find(trimmed)
    except parse.UnknownCommand:
        return [], DEFAULT, f"unable to find a command for arguments: {go_list(trimmed)}"
    inherited, local = _flag_rows(path, inv.prog)
    rows = {r.long: r for r in inherited + local}
    shorts = {r.short: r for r in inherited + local if r.short}
    # checkIfFlagCompletion: the value of a flag (--flag=<TAB> or --flag <TAB>)
    flag: Flag | None = None
    if to_complete.startswith("-"):
        if "=" in to_complete:
            i = to_complete.index("=")
            name = to_complete[2:i] if to_complete.startswith("--") else to_complete[i - 1:i]
            flag = rows.get(name) if to_complete.startswith("--") else shorts.get(name)
            if flag is None:
                return [], DEFAULT, f"Subcommand '{path.rsplit(' ', 1)[-1] or inv.prog}' does not support flag '{name}'"
            to_complete = to_complete[i + 1:]
    elif rest and rest[-1].startswith("-") and len(rest[-1]) > 1 and "=" not in rest[-1]:
        prev = rest[-1]
        name = prev[2:] if prev.startswith("--") else prev[-1]
        flag = rows.get(name) if prev.startswith("--") else shorts.get(name)
        if flag is None:
            if prev != "--":
                return [], DEFAULT, f"Subcommand '{path.rsplit(' ', 1)[-1] or inv.prog}' does not support flag '{name}'"
        elif not flag.takes_value or flag.no_opt_default is not None:
            flag = None
        else:
            rest = rest[:-1]
    try:
        call = parse.parse_flags(path, rest)
        with_dash = parse.parse_flags(path, [*rest, "--"])
    except ChamberError as e:
        return [], DEFAULT, f"Error while parsing flags from args {go_list(rest)}: {e.message}"
    flag_completion = not len(with_dash.args) > len(call.args)
    if call.help:
        return [], NO_FILE_COMP, None
    if flag is not None and flag_completion:
        return [], DEFAULT, None  # no value completions registered: the shell's default
    changed = _changed(path, rest)
    if to_complete.startswith("-") and "=" not in to_complete and flag_completion:
        out = []
        for r in inherited + local:
            if r.long in changed or r.hidden or r.deprecated or (chamber and r.own):
                continue
            text = r.chamber_help if chamber and r.chamber_help is not None else r.help
            if f"--{r.long}".startswith(to_complete):
                out.append(f"--{r.long}\t{text}")
            if r.short and f"-{r.short}".startswith(to_complete):
                out.append(f"-{r.short}\t{text}")
        return out, NO_FILE_COMP, None
    out, directive = [], DEFAULT
    local_changed = any(r.long in changed for r in local)
    if not call.args and not local_changed:
        for c in sorted(children(path), key=lambda c: c.name):
            if visible(c, chamber) and (c.runnable or children(c.path)):
                if c.name.startswith(to_complete):
                    out.append(f"{c.name}\t{short(c, chamber)}")
                directive = NO_FILE_COMP
    if path == "help":  # the help command's ValidArgsFunction: the commands below the words
        try:
            found, _ = parse.find(call.args)
        except parse.UnknownCommand:
            return [], NO_FILE_COMP, None
        out = [f"{c.name}\t{short(c, chamber)}" for c in sorted(children(found), key=lambda c: c.name)
               if (visible(c, chamber) or c.path == "help") and c.name.startswith(to_complete)]
        return out, NO_FILE_COMP, None
    if path == "completion" or path.startswith("completion "):
        directive = NO_FILE_COMP  # cobra's NoFileCompletions
    return out, directive, None


def _changed(path: str, rest: list[str]) -> set[str]:
    """The long names of the flags given in ``rest``."""
    seen: set[str] = set()
    try:
        parse.parse_flags(path, rest, on_set=lambda row, value: seen.add(row.long))
    except ChamberError:
        pass
    return seen


def complete(inv: Invocation, called_as: str, words: list[str]) -> int:
    completions, directive, error = _completions(inv, words or [""])
    if error is not None:
        inv.console.err(f"[Debug] [Error] {error}\n")
    no_desc = called_as == "__completeNoDesc"
    lines = []
    for comp in completions:
        if no_desc:
            comp = comp.split("\t", 1)[0]
        lines.append(comp.split("\n", 1)[0].strip() + "\n")
    inv.console.out("".join(lines) + f":{directive}\n")
    inv.console.err(f"Completion ended with directive: {directive_name(directive)}\n")
    return 0
