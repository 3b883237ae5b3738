"""The command table: every command declared once, as chamber's ``cmd/*.go`` declare theirs
(cobra's ``Use``, ``Short``, ``Args``, ``Example``); the flags are the rows of the one table
(``settings.FLAGS``) whose scope is the command's path. The parse (:mod:`~pychamber.cli.parse`)
and the help (:mod:`~pychamber.cli.help`) read this table; each command's function is named
here as ``module:function`` and imported only when that command runs.

A function takes the :class:`~pychamber.cli.console.Invocation`, the positional arguments its
arity gives (:data:`Arity`), and its flags as keyword arguments: it never counts arguments nor
parses anything.

Imports nothing but the standard library and the errors: every start-up reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from pychamber.errors import UsageError

#: An arity check: (positional arguments, ArgsLenAtDash, whether stdin is a terminal) -> the
#: arguments to pass to the command's function, or a UsageError in cobra's words.
Arity = Callable[[Sequence[str], int, bool], list]


def any_args(args: Sequence[str], dash: int, tty: bool) -> list:
    """cobra's ``legacyArgs`` below the root: whatever is given."""
    return list(args)


def exact(n: int) -> Arity:
    """cobra's ``ExactArgs(n)``."""
    def check(args: Sequence[str], dash: int, tty: bool) -> list:
        if len(args) != n:
            raise UsageError(f"accepts {n} arg(s), received {len(args)}")
        return list(args)
    return check


def minimum(n: int) -> Arity:
    """cobra's ``MinimumNArgs(n)``."""
    def check(args: Sequence[str], dash: int, tty: bool) -> list:
        if len(args) < n:
            raise UsageError(f"requires at least {n} arg(s), only received {len(args)}")
        return list(args)
    return check


def between(low: int, high: int) -> Arity:
    """cobra's ``RangeArgs(low, high)``."""
    def check(args: Sequence[str], dash: int, tty: bool) -> list:
        if not low <= len(args) <= high:
            raise UsageError(f"accepts between {low} and {high} arg(s), received {len(args)}")
        return list(args)
    return check


def at_least_one_group(args: Sequence[str], dash: int, tty: bool) -> list:
    """``MinimumNArgs(1)``, the arguments passed as one list (``export svc1 svc2``)."""
    return [minimum(1)(args, dash, tty)]


def write_args(args: Sequence[str], dash: int, tty: bool) -> list:
    """write's ``ExactArgs(3)``; on a terminal the value may be left out (it is then asked for,
    hidden: pychamber's addition), which the function sees as ``-``."""
    if len(args) == 2 and tty:
        return [*args, "-"]
    return exact(3)(args, dash, tty)


MISSING_DASH = "please separate services and command with '--'. See usage"


def exec_args(args: Sequence[str], dash: int, tty: bool) -> list:
    """chamber's exec ``Args`` (cmd/exec.go): split at ``ArgsLenAtDash``."""
    if dash == -1:
        raise UsageError(MISSING_DASH)
    services, command = list(args[:dash]), list(args[dash:])
    try:
        minimum(1)(services, dash, tty)
    except UsageError as e:
        raise e.wrap("at least one service must be specified: ") from None
    try:
        minimum(1)(command, dash, tty)
    except UsageError as e:
        raise e.wrap("must specify command to run. See usage: ") from None
    return [services, command]


class NoArgs(UsageError):
    """cobra's ``NoArgs``: its message names the command's path, which the parse fills in."""


def no_args(args: Sequence[str], dash: int, tty: bool) -> list:
    if args:
        raise NoArgs(args[0])
    return []


def services_list(args: Sequence[str], dash: int, tty: bool) -> list:
    """Any number of services (doctor), passed as one list."""
    return [list(args)]


@dataclass(frozen=True)
class Command:
    """One command of the tree. ``path`` is its words below the root (``"tag read"``), ``use``
    cobra's ``Use`` (its first word is the name), ``run`` the function (``module:function``
    under ``pychamber.cli``), None for a group that only prints its help."""

    path: str
    use: str
    short: str
    run: str | None = None
    args: Arity | None = any_args
    long: str = ""
    example: str = ""
    #: pychamber's own command: run under either name, shown only when invoked as pychamber
    own: bool = False
    #: chamber's Short where pychamber's says more
    chamber_short: str | None = None
    hidden: bool = False
    #: pflag's SortFlags (env and export list their flags in declaration order)
    sort_flags: bool = True
    #: cobra's DisableFlagsInUseLine (no "[flags]" in the usage line)
    no_flags_in_use: bool = False
    #: reads of one service or secret: all its AWS calls run under one PYCHAMBER_TIMEOUT deadline
    #: (the others give each AWS call a deadline of its own: aws.command_deadline's "write")
    bounded: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit(" ", 1)[-1] if self.path else ""

    @property
    def runnable(self) -> bool:
        return self.run is not None


#: chamber's exec Example (cmd/exec.go), printed under "Examples:" (with the program's name).
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

HELP_LONG = """Help provides help for any command in the application.
Simply type {prog} help [path to command] for full details."""

COMPLETION_LONG = """Generate the autocompletion script for {prog} for the specified shell.
See each sub-command's help for details on how to use the generated script.
"""

BASH_LONG = """Generate the autocompletion script for the bash shell.

This script depends on the 'bash-completion' package.
If it is not installed already, you can install it via your OS's package manager.

To load completions in your current shell session:

\tsource <({prog} completion bash)

To load completions for every new session, execute once:

#### Linux:

\t{prog} completion bash > /etc/bash_completion.d/{prog}

#### macOS:

\t{prog} completion bash > $(brew --prefix)/etc/bash_completion.d/{prog}

You will need to start a new shell for this setup to take effect.
"""

ZSH_LONG = """Generate the autocompletion script for the zsh shell.

If shell completion is not already enabled in your environment you will need
to enable it.  You can execute the following once:

\techo "autoload -U compinit; compinit" >> ~/.zshrc

To load completions in your current shell session:

\tsource <({prog} completion zsh)

To load completions for every new session, execute once:

#### Linux:

\t{prog} completion zsh > "${{fpath[1]}}/_{prog}"

#### macOS:

\t{prog} completion zsh > $(brew --prefix)/share/zsh/site-functions/_{prog}

You will need to start a new shell for this setup to take effect.
"""

FISH_LONG = """Generate the autocompletion script for the fish shell.

To load completions in your current shell session:

\t{prog} completion fish | source

To load completions for every new session, execute once:

\t{prog} completion fish > ~/.config/fish/completions/{prog}.fish

You will need to start a new shell for this setup to take effect.
"""

POWERSHELL_LONG = """Generate the autocompletion script for powershell.

To load completions in your current shell session:

\t{prog} completion powershell | Out-String | Invoke-Expression

To load completions for every new session, add the output of the above command
to your powershell profile.
"""

ROOT_SHORT = "CLI for storing secrets"

#: The tree, in the order chamber adds its commands to the root (cmd/*.go's init functions run
#: in file-name order; cobra's ExecuteC then adds help and completion): the order of "Did you
#: mean this?". pychamber's own commands come after write.
COMMANDS: tuple[Command, ...] = (
    Command("delete", "delete <service> <key>", "Delete a secret, including all versions",
            "secrets:delete", exact(2)),
    Command("env", "env <service>",
            "Print the secrets from the parameter store in a format to export as environment variables",
            "transfer:env", exact(1), sort_flags=False, bounded=True),
    Command("exec", "exec <service...> -- <command> [<arg...>]",
            "Executes a command with secrets loaded into the environment", "execcmd:exec_", exec_args,
            example=EXEC_EXAMPLE),
    Command("export", "export <service...>", "Exports parameters in the specified format",
            "transfer:export", at_least_one_group, sort_flags=False, bounded=True),
    Command("find", "find <secret name>", "Find the given secret across all services", "secrets:find",
            exact(1)),
    Command("history", "history <service> <key>", "View the history of a secret", "secrets:history",
            exact(2), bounded=True),
    Command("import", "import <service> <file|->", "import secrets from json, yaml or dotenv",
            "transfer:import_", exact(2), chamber_short="import secrets from json or yaml"),
    Command("list-services", "list-services <service>", "List services", "secrets:list_services"),
    Command("list", "list <service>", "List the secrets set for a service", "secrets:list_", exact(1),
            bounded=True),
    Command("read", "read <service> <key>", "Read a specific secret from the parameter store",
            "secrets:read", exact(2), bounded=True),
    Command("tag", "tag <subcommand> ...", "work with tags on secrets"),
    Command("tag read", "read <service> <key>", "Read tags for a specific secret", "secrets:tag_read",
            exact(2), bounded=True),
    Command("tag write", "write <service> <key> <tag>...", "Write tags for a specific secret",
            "secrets:tag_write", minimum(3)),
    Command("tag delete", "delete <service> <key> <tag key>...", "Delete tags for a specific secret",
            "secrets:tag_delete", minimum(3)),
    Command("version", "version", "print version", "version:version"),
    Command("write", "write <service> <key> [--] <value|->", "write a secret", "secrets:write", write_args),
    # pychamber's own
    Command("edit", "edit <service>",
            "Edit a service's secrets in $EDITOR; saves what changed",
            "edit:edit", exact(1), own=True),
    Command("materialize", "materialize <service...> --dir <dir>",
            "Write the services' secrets as files, one per key", "materialize:materialize",
            at_least_one_group, own=True),
    Command("ecs", "ecs", "ECS task definitions: secrets arrays and IAM policies", own=True),
    Command("ecs secrets", "secrets <service...>",
            "print a container definition's secrets array (names and ARNs, never values)",
            "ecs:secrets", at_least_one_group, own=True),
    Command("ecs policy", "policy <service...> --role execution|task|writer|publisher",
            "print the least-privilege IAM policy for a role", "ecs:policy", at_least_one_group, own=True),
    Command("doctor", "doctor [service...]", "check region, credentials, KMS key and permissions",
            "doctor:doctor", services_list, own=True),
    Command("release", "release", "sealed releases of the services' secrets in S3 ($PYCHAMBER_RELEASE_BUCKET): "
            "publish, list, show, diff, rollback", own=True),
    Command("release publish", "publish <service...>",
            "publish the services' secrets from the store as a new release of each (prints its number)",
            "release:publish", at_least_one_group, own=True),
    Command("release list", "list <service>",
            "list a service's releases: number, time, publisher, keys, current", "release:list_", exact(1),
            own=True),
    Command("release show", "show <service> [<release>]",
            "the keys and store versions of a release (the current one by default; never values)",
            "release:show", between(1, 2), own=True),
    Command("release diff", "diff <service> [<release>]",
            "what differs between a release (the current one by default) and the store now: keys added, "
            "removed or changed, by version (never values)", "release:diff", between(1, 2), own=True),
    Command("release rollback", "rollback <service> <release>",
            "make release N the current one (one write; no release is modified or deleted)",
            "release:rollback", exact(2), own=True),
    # cobra's own
    Command("help", "help [command]", "Help about any command", "help:help_", long=HELP_LONG),
    Command("completion", "completion", "Generate the autocompletion script for the specified shell",
            long=COMPLETION_LONG),
    Command("completion bash", "bash", "Generate the autocompletion script for bash", "completion:bash",
            no_args, long=BASH_LONG, no_flags_in_use=True),
    Command("completion zsh", "zsh", "Generate the autocompletion script for zsh", "completion:zsh",
            no_args, long=ZSH_LONG),
    Command("completion fish", "fish", "Generate the autocompletion script for fish", "completion:fish",
            no_args, long=FISH_LONG),
    Command("completion powershell", "powershell", "Generate the autocompletion script for powershell",
            "completion:powershell", no_args, long=POWERSHELL_LONG),
    Command("__names", "__names services [prefix] | keys <service>",
            "names from the store for the completion scripts", "completion:names", hidden=True, own=True),
)

BY_PATH = {c.path: c for c in COMMANDS}


def children(path: str) -> list[Command]:
    """The commands directly below ``path`` ("" the root), in the order they were added."""
    depth = path.count(" ") + 1 if path else 0
    prefix = path + " " if path else ""
    return [c for c in COMMANDS if c.path.startswith(prefix) and c.path.count(" ") == depth]


def visible(c: Command, chamber: bool) -> bool:
    """Whether ``c`` is listed (and suggested): not hidden, and not pychamber's own under the
    name chamber."""
    return not c.hidden and not (chamber and c.own)


def short(c: Command, chamber: bool) -> str:
    return c.chamber_short if chamber and c.chamber_short is not None else c.short
