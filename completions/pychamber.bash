# bash completion for pychamber, generated from its commands by `pychamber completion bash`: do not edit
# Service names and keys come from the store: at most 2 s, nothing on any failure.
_pychamber_store() {
  if command -v timeout >/dev/null 2>&1; then
    timeout 3 "$@" </dev/null 2>/dev/null
  else
    "$@" </dev/null 2>/dev/null
  fi
}

_pychamber() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i w words kind
  local -a globals=() args=() kinds=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    if [ "$w" = "--" ]; then  # exec's command: completed as a command line of its own
      if [ $((i + 1)) -eq "$COMP_CWORD" ]; then
        COMPREPLY=($(compgen -c -- "$cur"))
      elif declare -F _command_offset >/dev/null; then
        _command_offset $((i + 1))
      fi
      return 0
    fi
    case "$w" in
      -b|--backend|--backend-s3-bucket|--kms-key-alias|-r|--retries|--retry-mode|--min-throttle-delay) [ "${COMP_WORDS[i + 1]}" = "=" ] && i=$((i + 1))  # bash splits --flag=value
        globals+=("$w" "${COMP_WORDS[i + 1]}"); i=$((i + 1)); continue ;;
      --backend=*|--backend-s3-bucket=*|--kms-key-alias=*|--retries=*|--retry-mode=*|--min-throttle-delay=*) globals+=("$w"); continue ;;
      -*) case "$cmd:$w" in "ecs policy:--role"|"ecs secrets:--container"|"ecs secrets:--image"|"exec:--strict-value"|"exec:--files"|"exec:--watch-interval"|"exec:--on-change"|"exec:--grace"|"exec:--stop-signal"|"exec:--splay"|"export:-f"|"export:--format"|"export:-o"|"export:--output-file"|"export:--name"|"import:--format"|"import:--tier"|"materialize:--dir"|"materialize:--mode"|"materialize:--uid"|"materialize:--gid"|"read:-v"|"read:--version"|"write:-t"|"write:--tags"|"write:--tier") [ "${COMP_WORDS[i + 1]}" = "=" ] && i=$((i + 1)); i=$((i + 1)) ;; esac ;;
      *) if [ -z "$cmd" ]; then cmd="$w"
         elif [ ${#args[@]} -eq 0 ] && case "$cmd" in completion|ecs|release|tag) true ;; *) false ;; esac; then cmd="$cmd $w"
         else args+=("$w"); fi ;;
    esac
  done
  if [ "$i" -gt "$COMP_CWORD" ]; then  # the value of the flag before the cursor
    [ "$prev" = "=" ] && prev="${COMP_WORDS[COMP_CWORD-2]}"
    case "$cmd:$prev" in
      *:-b) words="null ssm secretsmanager s3 s3-kms local" ;;
      *:--backend) words="null ssm secretsmanager s3 s3-kms local" ;;
      *:--retry-mode) words="standard adaptive" ;;
      "ecs policy:--role") words="execution task writer publisher" ;;
      "export:-f") words="json yaml java-properties properties csv tsv dotenv tfvars dotenv-portable shell docker github k8s-secret" ;;
      "export:--format") words="json yaml java-properties properties csv tsv dotenv tfvars dotenv-portable shell docker github k8s-secret" ;;
      "import:--format") words="json yaml dotenv" ;;
      *) return 0 ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
      "completion bash") words="--no-descriptions" ;;
      "completion fish") words="--no-descriptions" ;;
      "completion powershell") words="--no-descriptions" ;;
      "completion zsh") words="--no-descriptions" ;;
      "delete") words="--exact-key" ;;
      "ecs policy") words="--role --release" ;;
      "ecs secrets") words="--container --image" ;;
      "edit") words="-y --yes" ;;
      "env") words="-p --preserve-case -e --escape-strings" ;;
      "exec") words="--pristine --strict --strict-value --files --watch --watch-interval --on-change --grace --stop-signal --splay --init --no-warn-conflicts --strict-services --dry-run --release" ;;
      "export") words="-f --format -o --output-file --name --mask" ;;
      "find") words="-v --by-value" ;;
      "import") words="--normalize-keys --format --flatten --expand --tier" ;;
      "list") words="-e --expand -t --time -u --user -v --version" ;;
      "list-services") words="-s --secrets" ;;
      "materialize") words="--dir --mode --uid --gid --release" ;;
      "read") words="-v --version -q --quiet --exact-key" ;;
      "tag write") words="--delete-other-tags" ;;
      "write") words="-s --singleline --skip-unchanged -t --tags --tier --preserve-case" ;;
      *) words="" ;;
    esac
    COMPREPLY=($(compgen -W "$words -b --backend --backend-s3-bucket --kms-key-alias -r --retries --retry-mode --verbose" -- "$cur"))
    return 0
  fi
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "completion delete doctor ecs edit env exec export find help history import list list-services materialize read release tag version write" -- "$cur"))
    return 0
  fi
  if [ ${#args[@]} -eq 0 ]; then
    case "$cmd" in
      "completion") words="bash fish powershell zsh" ;;
      "ecs") words="policy secrets" ;;
      "release") words="diff list publish rollback show" ;;
      "tag") words="delete read write" ;;
      *) words="" ;;
    esac
    if [ -n "$words" ]; then
      COMPREPLY=($(compgen -W "$words" -- "$cur"))
      return 0
    fi
  fi
  case "$cmd" in
    "delete") kinds=("service" "key") ;;
    "doctor") kinds=("service+") ;;
    "ecs policy") kinds=("service+") ;;
    "ecs secrets") kinds=("service+") ;;
    "edit") kinds=("service") ;;
    "env") kinds=("service") ;;
    "exec") kinds=("service+") ;;
    "export") kinds=("service+") ;;
    "help") kinds=("=completion delete doctor ecs edit env exec export find help history import list list-services materialize read release tag version write") ;;
    "history") kinds=("service" "key") ;;
    "import") kinds=("service") ;;
    "list") kinds=("service") ;;
    "list-services") kinds=("service") ;;
    "materialize") kinds=("service+") ;;
    "read") kinds=("service" "key") ;;
    "release diff") kinds=("service") ;;
    "release list") kinds=("service") ;;
    "release publish") kinds=("service+") ;;
    "release rollback") kinds=("service") ;;
    "release show") kinds=("service") ;;
    "tag delete") kinds=("service" "key" "+") ;;
    "tag read") kinds=("service" "key") ;;
    "tag write") kinds=("service" "key" "+") ;;
    "write") kinds=("service" "key") ;;
    *) : ;;
  esac
  kind="${kinds[${#args[@]}]:-}"
  if [ -z "$kind" ] && [ ${#kinds[@]} -gt 0 ]; then
    kind="${kinds[${#kinds[@]} - 1]}"
    [[ "$kind" == *+ ]] || kind=""
  fi
  case "$kind" in
    service*) words="$(_pychamber_store "${COMP_WORDS[0]}" "${globals[@]}" __names services "$cur")" ;;
    key) words="$(_pychamber_store "${COMP_WORDS[0]}" "${globals[@]}" __names keys "${args[${#args[@]} - 1]}")" ;;
    =*) words="${kind#=}" ;;
    *) return 0 ;;  # a value or a file: the shell's own completion
  esac
  compopt +o default 2>/dev/null  # no file names where a name from the store belongs
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _pychamber pychamber chamber
