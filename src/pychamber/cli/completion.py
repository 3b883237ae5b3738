"""What the CLI says about itself, generated from the command table and the one table of flags:
``completion bash|zsh|fish|powershell`` (the same scripts are committed in ``completions/``;
each completes both ``pychamber`` and a ``chamber`` link to it), the hidden ``__names
services|keys`` the scripts call for names from the store (under a deadline, and silent on any
failure, so that a slow network never hangs a shell), cobra's own hidden ``__complete``
request, and the README's command reference. ``python scripts/generate.py`` rewrites the
committed copies; tests fail when they drift."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pychamber.cli.commands import COMMANDS, children
from pychamber.cli.console import Invocation
from pychamber.errors import ChamberError
from pychamber.settings import FLAGS, Flag

SHELLS = ("bash", "zsh", "fish", "powershell")
#: Where each shell's script is committed, under completions/ (zsh: its fpath convention).
FILES = {"bash": "pychamber.bash", "zsh": "_pychamber", "fish": "pychamber.fish",
         "powershell": "pychamber.ps1"}
#: The names the scripts complete: pychamber, and chamber (a link to it, as the README advises).
NAMES = ("pychamber", "chamber")
#: Seconds ``__names`` may spend on the store (``PYCHAMBER_COMPLETE_TIMEOUT`` overrides); the
#: scripts also stop the process a second later where ``timeout`` exists.
DEADLINE = 2.0
HIDDEN_COMMAND = "__names"


# --- the model: the command tree read once ----------------------------------------------------
@dataclass
class Command:
    path: str  # "write", "tag read"
    help: str
    usage: str  # what follows the path in cobra's usage line: "<service> <key> [--] <value|->"
    flags: list[str] = field(default_factory=list)  # spellings offered (hidden ones left out)
    value_flags: list[str] = field(default_factory=list)  # spellings whose next word is a value
    choices: dict[str, list[str]] = field(default_factory=dict)  # flag spelling -> its values
    kinds: list[str] = field(default_factory=list)  # positional: service, key, service+, =w1 w2
    subcommands: list[str] = field(default_factory=list)
    options: list[list[str]] = field(default_factory=list)  # each offered option's spellings


@dataclass
class Tree:
    global_flags: list[str]
    global_value_flags: list[str]
    global_choices: dict[str, list[str]]
    commands: dict[str, Command]

    @property
    def top(self) -> list[str]:
        return sorted(p for p in self.commands if " " not in p)

    @property
    def groups(self) -> list[str]:
        return sorted(p for p, c in self.commands.items() if c.subcommands)


def _choices_of(path: str, row: Flag, usage: str) -> list[str]:
    """The values a flag takes, where they are a closed set: the formats, the backends, or a
    ``--flag a|b|c`` in the usage line."""
    from pychamber import formats
    from pychamber.settings import BACKENDS

    known = {("", "backend_flag"): [b.lower() for b in BACKENDS],
             ("", "retry_mode"): ["standard", "adaptive"],
             ("export", "fmt"): list(formats.FORMATS),
             ("import", "fmt"): list(formats.IMPORT_FORMATS)}
    if (path, row.dest) in known:
        return known[(path, row.dest)]
    for spelling in row.names:
        m = re.search(re.escape(spelling) + r" ([\w-]+(?:\|[\w-]+)+)", usage)
        if m:
            return m.group(1).split("|")
    return []


def _kinds(usage: str, top: list[str]) -> list[str]:
    """What each positional argument is, from the usage line: ``<service>`` a service name,
    ``<service...>`` any number of them, ``<key>`` a key of the service before it, ``a|b|c`` and
    ``[command]`` fixed words; anything else (a value, a file) the shell's own completion."""
    kinds = []
    for tok in re.findall(r"<[^>]*>(?:\.\.\.)?|\[[^\]]*\](?:\.\.\.)?|\S+", usage):
        if tok.startswith("-") or tok == "[flags]":
            break  # flags and exec's "--": no more positional arguments to complete
        word = tok.strip("<>[].")
        many = "..." in tok
        if word == "service":
            kinds.append("service+" if many else "service")
        elif word == "key":
            kinds.append("key")
        elif word == "command":
            kinds.append("=" + " ".join(top))
        elif "|" in tok and not tok.startswith(("<", "[")):
            kinds.append("=" + " ".join(tok.split("|")))
        else:
            kinds.append("+" if many else "-")
    while kinds and kinds[-1] == "-":
        kinds.pop()
    return kinds


def _options(path: str, usage: str) -> tuple[list[list[str]], list[str], dict[str, list[str]]]:
    """(each offered option's spellings, the spellings that take a value, closed value sets)."""
    offered, values, choices = [], [], {}
    for row in FLAGS:
        if row.scope != (path or "global"):
            continue
        if not row.hidden:
            offered.append(list(row.names))
        if row.takes_value and row.no_opt_default is None:  # --flatten alone takes no value
            values += list(row.names)
            words = _choices_of(path, row, usage)
            if words:
                choices.update({s: words for s in row.names})
    return offered, values, choices


def global_value_flags() -> list[str]:
    """Spellings of the global flags that take a value (their next word is that value)."""
    return [n for f in FLAGS if f.scope == "global" and f.takes_value for n in f.names]


def tree() -> Tree:
    """The command table as the scripts and the reference need it."""
    cmds: dict[str, Command] = {}
    for c in COMMANDS:
        if c.hidden:
            continue
        usage = c.use.split(" ", 1)[1] if " " in c.use and c.runnable else ""
        options, values, choices = _options(c.path, usage)
        cmds[c.path] = Command(c.path, c.short, usage, [s for o in options for s in o], values, choices,
                               options=options)
        subs = children(c.path)
        if subs:
            cmds[c.path].subcommands = sorted(s.name for s in subs if not s.hidden)
    top = sorted(p for p in cmds if " " not in p)
    for cmd in cmds.values():
        cmd.kinds = _kinds(cmd.usage, top)
    offered, _, choices = _options("", "")
    return Tree([s for o in offered for s in o], global_value_flags(), choices, cmds)


def script(shell: str, descriptions: bool = True) -> str:
    """The completion script of ``shell``; ``descriptions`` False (cobra's ``--no-descriptions``)
    leaves the commands' help out of the candidates (only fish shows it)."""
    if shell not in SHELLS:
        raise ChamberError(f"unsupported shell {shell!r}: use one of {', '.join(SHELLS)}")
    if shell == "fish":
        return _fish(tree(), descriptions)
    return {"bash": _bash, "zsh": _zsh, "powershell": _powershell}[shell](tree())


# --- the scripts --------------------------------------------------------------------------------
def _alt(words: list[str]) -> str:
    """A shell ``case`` pattern matching any of ``words``."""
    return "|".join(f'"{w}"' if " " in w or ":" in w else w for w in words) or '""'


def _cases(items: list[tuple[str, str]], indent: str, default: str) -> str:
    """A ``case`` body: (pattern, action) lines, then ``*) default``."""
    lines = [f"{indent}{pat}) {action} ;;" for pat, action in items]
    lines.append(f"{indent}*) {default} ;;")
    return "\n".join(lines)


def _quote_words(words: list[str]) -> str:
    return " ".join(f'"{w}"' for w in words)


def _value_cases(t: Tree) -> list[tuple[str, str]]:
    """(``path:flag`` pattern, its values) for every flag with a closed set of values."""
    out = [(f"*:{s}", " ".join(w)) for s, w in t.global_choices.items()]
    for path in sorted(t.commands):
        for s, w in t.commands[path].choices.items():
            out.append((f'"{path}:{s}"', " ".join(w)))
    return out


def _scan(t: Tree, first: str, cur_expr: str, word_expr: str, dashdash: str) -> str:
    """The loop, common to bash and zsh, that reads the words before the cursor: the command
    path (``cmd``), the positional arguments (``args``), the global flags to hand on to
    ``__names`` (``globals``); ``i`` ends past the cursor when the cursor is a flag's value."""
    command_values = [f'"{p}:{o}"' for p in sorted(t.commands) for o in t.commands[p].value_flags]
    global_eq = [f"{o}=*" for o in t.global_value_flags if o.startswith("--")]
    dashdash = "\n".join("      " + line for line in dashdash.strip("\n").split("\n"))
    nxt = word_expr.replace("[i]", "[i + 1]")
    return f"""  for ((i = {first}; i < {cur_expr}; i++)); do
    w="{word_expr}"
    if [ "$w" = "--" ]; then  # exec's command: completed as a command line of its own
{dashdash}
    fi
    case "$w" in
      {"|".join(t.global_value_flags)}) [ "{nxt}" = "=" ] && i=$((i + 1))  # bash splits --flag=value
        globals+=("$w" "{nxt}"); i=$((i + 1)); continue ;;
      {"|".join(global_eq)}) globals+=("$w"); continue ;;
      -*) case "$cmd:$w" in {"|".join(command_values) or '""'}) [ "{nxt}" = "=" ] && i=$((i + 1)); i=$((i + 1)) ;; esac ;;
      *) if [ -z "$cmd" ]; then cmd="$w"
         elif [ ${{#args[@]}} -eq 0 ] && case "$cmd" in {_alt(t.groups)}) true ;; *) false ;; esac; then cmd="$cmd $w"
         else args+=("$w"); fi ;;
    esac
  done"""


def _tables(t: Tree, flags_var: str, kinds_var: str) -> tuple[str, str, str]:
    flag_cases = [(f'"{p}"', f'{flags_var}="{" ".join(c.flags)}"') for p, c in sorted(t.commands.items())
                  if c.flags]
    kind_cases = [(f'"{p}"', f"{kinds_var}=({_quote_words(c.kinds)})") for p, c in sorted(t.commands.items())
                  if c.kinds]
    sub_cases = [(f'"{p}"', f'{flags_var}="{" ".join(c.subcommands)}"') for p, c in sorted(t.commands.items())
                 if c.subcommands]
    return (_cases(flag_cases, "      ", f'{flags_var}=""'), _cases(kind_cases, "    ", ":"),
            _cases(sub_cases, "      ", f'{flags_var}=""'))


HEADER = "# {shell} completion for pychamber, generated from its commands by `pychamber completion {shell}`: do not edit\n"


BASH_DASHDASH = """
if [ $((i + 1)) -eq "$COMP_CWORD" ]; then
  COMPREPLY=($(compgen -c -- "$cur"))
elif declare -F _command_offset >/dev/null; then
  _command_offset $((i + 1))
fi
return 0"""
ZSH_DASHDASH = """
words=("${(@)words[i + 1,-1]}")
CURRENT=$((CURRENT - i))
_normal
return"""


def _bash(t: Tree) -> str:
    flag_cases, kind_cases, sub_cases = _tables(t, "words", "kinds")
    return HEADER.format(shell="bash") + f"""# Service names and keys come from the store: at most {DEADLINE:g} s, nothing on any failure.
_pychamber_store() {{
  if command -v timeout >/dev/null 2>&1; then
    timeout {DEADLINE + 1:g} "$@" </dev/null 2>/dev/null
  else
    "$@" </dev/null 2>/dev/null
  fi
}}

_pychamber() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" cmd="" i w words kind
  local -a globals=() args=() kinds=()
{_scan(t, "1", "COMP_CWORD", "${COMP_WORDS[i]}", BASH_DASHDASH)}
  if [ "$i" -gt "$COMP_CWORD" ]; then  # the value of the flag before the cursor
    [ "$prev" = "=" ] && prev="${{COMP_WORDS[COMP_CWORD-2]}}"
    case "$cmd:$prev" in
{_cases([(p, f'words="{w}"') for p, w in _value_cases(t)], "      ", "return 0")}
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
{flag_cases}
    esac
    COMPREPLY=($(compgen -W "$words {" ".join(t.global_flags)}" -- "$cur"))
    return 0
  fi
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "{" ".join(t.top)}" -- "$cur"))
    return 0
  fi
  if [ ${{#args[@]}} -eq 0 ]; then
    case "$cmd" in
{sub_cases}
    esac
    if [ -n "$words" ]; then
      COMPREPLY=($(compgen -W "$words" -- "$cur"))
      return 0
    fi
  fi
  case "$cmd" in
{kind_cases}
  esac
  kind="${{kinds[${{#args[@]}}]:-}}"
  if [ -z "$kind" ] && [ ${{#kinds[@]}} -gt 0 ]; then
    kind="${{kinds[${{#kinds[@]}} - 1]}}"
    [[ "$kind" == *+ ]] || kind=""
  fi
  case "$kind" in
    service*) words="$(_pychamber_store "${{COMP_WORDS[0]}}" "${{globals[@]}}" {HIDDEN_COMMAND} services "$cur")" ;;
    key) words="$(_pychamber_store "${{COMP_WORDS[0]}}" "${{globals[@]}}" {HIDDEN_COMMAND} keys "${{args[${{#args[@]}} - 1]}}")" ;;
    =*) words="${{kind#=}}" ;;
    *) return 0 ;;  # a value or a file: the shell's own completion
  esac
  compopt +o default 2>/dev/null  # no file names where a name from the store belongs
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _pychamber pychamber chamber
"""


def _zsh(t: Tree) -> str:
    flag_cases, kind_cases, sub_cases = _tables(t, "cands", "kinds")
    return "#compdef pychamber chamber\n" + HEADER.format(shell="zsh") + f"""# Put this file in a directory of $fpath (it is named for that), or source it after compinit.
# Service names and keys come from the store: at most {DEADLINE:g} s, nothing on any failure.
_pychamber_store() {{
  if (( $+commands[timeout] )); then
    timeout {DEADLINE + 1:g} "$@" </dev/null 2>/dev/null
  else
    "$@" </dev/null 2>/dev/null
  fi
}}

_pychamber() {{
  local cur="${{words[CURRENT]}}" prev="${{words[CURRENT-1]}}" cmd="" i w cands kind
  local -a globals args kinds found
  globals=() args=() kinds=()
{_scan(t, "2", "CURRENT", "${words[i]}", ZSH_DASHDASH)}
  if (( i > CURRENT )); then  # the value of the flag before the cursor
    case "$cmd:$prev" in
{_cases([(p, f'cands="{w}"') for p, w in _value_cases(t)], "      ", "_files; return")}
    esac
    compadd -- ${{=cands}}
    return
  fi
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
{flag_cases}
    esac
    compadd -- ${{=cands}} {" ".join(t.global_flags)}
    return
  fi
  if [[ -z "$cmd" ]]; then
    compadd -- {" ".join(t.top)}
    return
  fi
  if (( ${{#args}} == 0 )); then
    case "$cmd" in
{sub_cases}
    esac
    if [[ -n "$cands" ]]; then
      compadd -- ${{=cands}}
      return
    fi
  fi
  case "$cmd" in
{kind_cases}
  esac
  kind="${{kinds[${{#args}} + 1]}}"
  if [[ -z "$kind" && ${{#kinds}} -gt 0 && "${{kinds[-1]}}" == *+ ]]; then
    kind="${{kinds[-1]}}"
  fi
  case "$kind" in
    service*) found=(${{(f)"$(_pychamber_store "${{words[1]}}" "${{globals[@]}}" {HIDDEN_COMMAND} services "$cur")"}}) ;;
    key) found=(${{(f)"$(_pychamber_store "${{words[1]}}" "${{globals[@]}}" {HIDDEN_COMMAND} keys "${{args[-1]}}")"}}) ;;
    =*) found=(${{=kind#=}}) ;;
    *) _files; return ;;
  esac
  compadd -- "${{found[@]}}"
}}

if [[ "${{funcstack[1]}}" == _pychamber ]]; then
  _pychamber "$@"
else
  compdef _pychamber pychamber chamber
fi
"""


def _fish(t: Tree, descriptions: bool = True) -> str:
    """fish: one function reads the command line (as the bash and zsh scripts do) and prints
    the candidates, with the commands' help as descriptions."""
    def fish_cases(items: list[tuple[str, str]], indent: str) -> str:
        return "\n".join(f"{indent}case {pat}\n{indent}    {action}" for pat, action in items)

    def q(s: str) -> str:
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"

    command_values = " ".join(q(f"{p}:{o}") for p in sorted(t.commands) for o in t.commands[p].value_flags)
    global_eq = " ".join(q(f"{o}=*") for o in t.global_value_flags if o.startswith("--"))
    values = []
    for s, w in t.global_choices.items():
        values.append((q(f"*:{s}"), f"printf '%s\\n' {' '.join(w)}"))
    for path in sorted(t.commands):
        for s, w in t.commands[path].choices.items():
            values.append((q(f"{path}:{s}"), f"printf '%s\\n' {' '.join(w)}"))
    flag_cases = [(q(p), f"set cands {' '.join(c.flags)}") for p, c in sorted(t.commands.items()) if c.flags]
    kind_cases = [(q(p), f"set kinds {' '.join(q(k) for k in c.kinds)}") for p, c in sorted(t.commands.items())
                  if c.kinds]

    def described(paths: list[str], names: list[str]) -> str:
        if not descriptions:
            return "printf '%s\\n' " + " ".join(q(n) for n in names)
        return "printf '%s\\t%s\\n' " + " ".join(f"{q(n)} {q(t.commands[p].help)}" for p, n in zip(paths, names))

    sub_cases = [(q(p), described([f"{p} {s}" for s in c.subcommands], c.subcommands) + "; return")
                 for p, c in sorted(t.commands.items()) if c.subcommands]
    top = described(t.top, t.top)
    return HEADER.format(shell="fish") + f"""# Service names and keys come from the store: at most {DEADLINE:g} s, nothing on any failure.
function __pychamber_store
    if command -q timeout
        timeout {DEADLINE + 1:g} $argv </dev/null 2>/dev/null
    else
        $argv </dev/null 2>/dev/null
    end
end

function __pychamber_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd ''
    set -l globals
    set -l args
    set -l kinds
    set -l cands
    set -l n (count $words)
    set -l i 2
    set -l value 0
    while test $i -le $n
        set -l w $words[$i]
        if test "$w" = --  # exec's command: completed as a command line of its own
            set -l rest $words[(math $i + 1)..-1]
            if test (count $rest) -eq 0
                __fish_complete_command $cur
            else
                complete -C (string join ' ' -- (string escape -- $rest) $cur)
            end
            return
        end
        switch $w
            case {" ".join(t.global_value_flags)}
                set -a globals $w $words[(math $i + 1)]
                set i (math $i + 1)
                test $i -gt $n; and set value 1
            case {global_eq or "''"}
                set -a globals $w
            case '-*'
                if contains -- "$cmd:$w" {command_values}
                    set i (math $i + 1)
                    test $i -gt $n; and set value 1
                end
            case '*'
                if test -z "$cmd"
                    set cmd $w
                else if test (count $args) -eq 0; and contains -- $cmd {" ".join(q(g) for g in t.groups)}
                    set cmd "$cmd $w"
                else
                    set -a args $w
                end
        end
        set i (math $i + 1)
    end
    if test $value -eq 1
        switch "$cmd:$words[-1]"
{fish_cases(values, "            ")}
            case '*'
                __fish_complete_path $cur
        end
        return
    end
    if string match -q -- '-*' $cur
        switch $cmd
{fish_cases(flag_cases, "            ")}
        end
        printf '%s\\n' $cands {" ".join(t.global_flags)}
        return
    end
    if test -z "$cmd"
        {top}
        return
    end
    if test (count $args) -eq 0
        switch $cmd
{fish_cases(sub_cases, "            ")}
        end
    end
    switch $cmd
{fish_cases(kind_cases, "        ")}
    end
    set -l kind $kinds[(math (count $args) + 1)]
    if test -z "$kind"; and test (count $kinds) -gt 0; and string match -q -- '*+' $kinds[-1]
        set kind $kinds[-1]
    end
    switch "$kind"
        case 'service*'
            __pychamber_store $words[1] $globals {HIDDEN_COMMAND} services $cur
        case key
            __pychamber_store $words[1] $globals {HIDDEN_COMMAND} keys $args[-1]
        case '=*'
            string split ' ' -- (string sub -s 2 -- $kind)
        case '*'
            __fish_complete_path $cur
    end
end

complete -c pychamber -f -a '(__pychamber_complete)'
complete -c chamber -f -a '(__pychamber_complete)'
"""


def _powershell(t: Tree) -> str:
    """PowerShell: one native argument completer for both names, reading the command line as
    the other scripts do."""
    def q(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    def arr(words: list[str]) -> str:
        return "@(" + ", ".join(q(w) for w in words) + ")"

    def switch(items: list[tuple[str, str]], indent: str) -> str:
        return "\n".join(f"{indent}{q(pat)} {{ {action} }}" for pat, action in items)

    command_values = [f"{p}:{o}" for p in sorted(t.commands) for o in t.commands[p].value_flags]
    global_eq = [o + "=*" for o in t.global_value_flags if o.startswith("--")]
    values = [(f"*:{s}", f"$cands = {arr(w)}") for s, w in t.global_choices.items()]
    values += [(f"{p}:{s}", f"$cands = {arr(w)}") for p in sorted(t.commands)
               for s, w in t.commands[p].choices.items()]
    flag_cases = [(p, f"$cands = {arr(c.flags)}") for p, c in sorted(t.commands.items()) if c.flags]
    sub_cases = [(p, f"$cands = {arr(c.subcommands)}") for p, c in sorted(t.commands.items()) if c.subcommands]
    kind_cases = [(p, f"$kinds = {arr(c.kinds)}") for p, c in sorted(t.commands.items()) if c.kinds]
    return HEADER.format(shell="powershell").replace("# powershell", "# PowerShell") + f"""# Load it with: pychamber completion powershell | Out-String | Invoke-Expression
# Service names and keys come from the store: at most {DEADLINE:g} s, nothing on any failure.
$__pychamberCompleter = {{
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Where-Object {{ $_.Extent.EndOffset -le $cursorPosition }} |
        ForEach-Object {{ $_.ToString() }})
    if ($wordToComplete -ne '' -and $words.Count -gt 1 -and $words[-1] -eq $wordToComplete) {{
        $words = $words[0..($words.Count - 2)]
    }}
    $prog = $words[0]
    $globalValue = {arr(t.global_value_flags)}
    $globalEq = {arr(global_eq)}
    $commandValue = {arr(command_values)}
    $groups = {arr(t.groups)}
    $cmd = ''
    $prev = ''
    $value = $false
    $globals = @()
    $positional = @()
    for ($i = 1; $i -lt $words.Count; $i++) {{
        $w = $words[$i]
        if ($w -eq '--') {{ return }}  # exec's command: a command line of its own
        if ($globalValue -contains $w) {{
            $globals += $w
            if ($i + 1 -lt $words.Count) {{ $i++; $globals += $words[$i] }} else {{ $value = $true; $prev = $w }}
            continue
        }}
        if ($w -like '-*') {{
            if (@($globalEq | Where-Object {{ $w -like $_ }}).Count -gt 0) {{ $globals += $w; continue }}
            if ($commandValue -contains "${{cmd}}:$w") {{
                if ($i + 1 -lt $words.Count) {{ $i++ }} else {{ $value = $true; $prev = $w }}
            }}
            continue
        }}
        if ($cmd -eq '') {{ $cmd = $w }}
        elseif ($positional.Count -eq 0 -and $groups -contains $cmd) {{ $cmd = "$cmd $w" }}
        else {{ $positional += $w }}
    }}
    $cands = @()
    if ($value) {{
        switch -Wildcard ("${{cmd}}:$prev") {{
{switch(values, "            ")}
            default {{ return }}
        }}
    }} elseif ($wordToComplete -like '-*') {{
        switch ($cmd) {{
{switch(flag_cases, "            ")}
        }}
        $cands += {arr(t.global_flags)}
    }} elseif ($cmd -eq '') {{
        $cands = {arr(t.top)}
    }} else {{
        if ($positional.Count -eq 0) {{
            switch ($cmd) {{
{switch(sub_cases, "                ")}
            }}
        }}
        if ($cands.Count -eq 0) {{
            $kinds = @()
            switch ($cmd) {{
{switch(kind_cases, "                ")}
            }}
            $kind = ''
            if ($positional.Count -lt $kinds.Count) {{ $kind = $kinds[$positional.Count] }}
            elseif ($kinds.Count -gt 0 -and $kinds[-1] -like '*+') {{ $kind = $kinds[-1] }}
            if ($kind -like 'service*') {{
                $cands = @(& $prog @globals {HIDDEN_COMMAND} services $wordToComplete 2>$null)
            }} elseif ($kind -eq 'key') {{
                $cands = @(& $prog @globals {HIDDEN_COMMAND} keys $positional[-1] 2>$null)
            }} elseif ($kind -like '=*') {{
                $cands = $kind.Substring(1) -split ' '
            }} else {{
                return  # a value or a file: PowerShell's own completion
            }}
        }}
    }}
    $cands | Where-Object {{ $_ -like "$wordToComplete*" }} | ForEach-Object {{
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }}
}}
Register-ArgumentCompleter -Native -CommandName {", ".join(NAMES)} -ScriptBlock $__pychamberCompleter
"""


# --- the README's command reference -------------------------------------------------------------
def reference() -> str:
    """The README's table of commands: usage, what it does, its flags."""
    t = tree()

    def cell(s: str) -> str:
        return s.replace("|", "\\|")

    rows = ["| command | what it does | flags |", "|---|---|---|"]
    for path in sorted(t.commands):
        c = t.commands[path]
        if c.subcommands:
            continue
        usage = f"{path} {c.usage}".strip()
        flags_ = ", ".join("`" + "/".join(o) + "`" for o in c.options)
        rows.append(f"| `{cell(usage)}` | {cell(c.help)} | {flags_} |")
    return "\n".join(rows) + "\n"


README_START = "<!-- commands: generated by scripts/generate.py from the CLI; do not edit -->\n"
README_END = "<!-- end of commands -->\n"


def readme_with_reference(readme: str) -> str:
    """``readme`` with the text between the markers replaced by :func:`reference`."""
    head, sep, rest = readme.partition(README_START)
    if not sep:
        raise ValueError("README.md has no commands marker")
    _, sep, tail = rest.partition(README_END)
    return head + README_START + reference() + README_END + tail


# --- the commands -------------------------------------------------------------------------------
def bash(inv: Invocation, *, no_descriptions: bool) -> None:
    inv.console.out(script("bash", not no_descriptions))


def zsh(inv: Invocation, *, no_descriptions: bool) -> None:
    inv.console.out(script("zsh", not no_descriptions))


def fish(inv: Invocation, *, no_descriptions: bool) -> None:
    inv.console.out(script("fish", not no_descriptions))


def powershell(inv: Invocation, *, no_descriptions: bool) -> None:
    inv.console.out(script("powershell", not no_descriptions))


def names(inv: Invocation, *args: str) -> None:
    """``__names services [prefix]`` / ``__names keys <service>``: one name a line; nothing at
    all on an error or past the deadline (the shell is waiting)."""
    import threading

    from pychamber.cli.common import open_store

    found: list[str] = []

    def work() -> None:
        from pychamber import names
        from pychamber.model import key_of

        try:
            if args[:1] == ("services",) and len(args) <= 2:
                prefix = names.go_lower(args[1]) if len(args) == 2 else ""
                found.extend(open_store(inv).list_services(prefix, False))
            elif args[:1] == ("keys",) and len(args) == 2:
                service = names.go_lower(args[1])
                names.validate_service(service)
                found.extend(key_of(s.meta.key) for s in open_store(inv).list(service, False))
        except Exception:  # noqa: BLE001 - a completion never reports
            found.clear()

    deadline = inv.console.complete_timeout(DEADLINE)
    worker = threading.Thread(target=work, name="complete", daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        return  # the daemon thread is left behind; the process ends now
    from pychamber.compat.unicode import byte_order

    out = sorted(set(found), key=byte_order)
    if out:
        inv.console.out("\n".join(out) + "\n")


def cobra_complete(inv: Invocation, called_as: str, words: list[str]) -> int:
    """cobra's hidden ``__complete``/``__completeNoDesc`` request (completions.go): the
    candidates for the last word, one a line (``name<TAB>description`` unless NoDesc), then
    ``:<directive>``; the directive's name on stderr."""
    from pychamber.cli import cobracomplete

    return cobracomplete.complete(inv, called_as, words)
