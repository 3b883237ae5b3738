#compdef pychamber
# zsh completion for pychamber, generated from its commands by `pychamber completion zsh`: do not edit
# Put this file in a directory of $fpath (it is named for that), or source it after compinit.
# Service names and keys come from the store: at most 2 s, nothing on any failure.
_pychamber_store() {
  if (( $+commands[timeout] )); then
    timeout 3 "$@" </dev/null 2>/dev/null
  else
    "$@" </dev/null 2>/dev/null
  fi
}

_pychamber() {
  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" cmd="" i w cands kind
  local -a globals args kinds found
  globals=() args=() kinds=()
  for ((i = 2; i < CURRENT; i++)); do
    w="${words[i]}"
    if [ "$w" = "--" ]; then  # exec's command: completed as a command line of its own
      words=("${(@)words[i + 1,-1]}")
      CURRENT=$((CURRENT - i))
      _normal
      return
    fi
    case "$w" in
      -b|--backend|--backend-s3-bucket|--kms-key-alias|-r|--retries|--retry-mode|--min-throttle-delay) [ "${words[i + 1]}" = "=" ] && i=$((i + 1))  # bash splits --flag=value
        globals+=("$w" "${words[i + 1]}"); i=$((i + 1)); continue ;;
      --backend=*|--backend-s3-bucket=*|--kms-key-alias=*|--retries=*|--retry-mode=*|--min-throttle-delay=*) globals+=("$w"); continue ;;
      -*) case "$cmd:$w" in "ecs policy:--role"|"ecs secrets:--container"|"ecs secrets:--image"|"exec:--strict-value"|"exec:--files"|"exec:--watch-interval"|"exec:--on-change"|"exec:--grace"|"exec:--stop-signal"|"exec:--splay"|"export:-f"|"export:--format"|"export:-o"|"export:--output-file"|"import:--format"|"materialize:--dir"|"materialize:--mode"|"materialize:--uid"|"materialize:--gid"|"read:-v"|"read:--version"|"write:-t"|"write:--tags") [ "${words[i + 1]}" = "=" ] && i=$((i + 1)); i=$((i + 1)) ;; esac ;;
      *) if [ -z "$cmd" ]; then cmd="$w"
         elif [ ${#args[@]} -eq 0 ] && case "$cmd" in ecs|tag) true ;; *) false ;; esac; then cmd="$cmd $w"
         else args+=("$w"); fi ;;
    esac
  done
  if (( i > CURRENT )); then  # the value of the flag before the cursor
    case "$cmd:$prev" in
      *:-b) cands="null ssm secretsmanager s3 s3-kms local" ;;
      *:--backend) cands="null ssm secretsmanager s3 s3-kms local" ;;
      *:--retry-mode) cands="standard adaptive" ;;
      "ecs policy:--role") cands="execution task writer" ;;
      "export:-f") cands="json yaml java-properties properties csv tsv dotenv tfvars shell docker" ;;
      "export:--format") cands="json yaml java-properties properties csv tsv dotenv tfvars shell docker" ;;
      "import:--format") cands="json yaml dotenv" ;;
      *) _files; return ;;
    esac
    compadd -- ${=cands}
    return
  fi
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
      "delete") cands="--exact-key" ;;
      "ecs policy") cands="--role" ;;
      "ecs secrets") cands="--container --image" ;;
      "env") cands="-p --preserve-case -e --escape-strings" ;;
      "exec") cands="--pristine --strict --strict-value --files --watch --watch-interval --on-change --grace --stop-signal --splay --init --dry-run" ;;
      "export") cands="-f --format -o --output-file" ;;
      "find") cands="-v --by-value" ;;
      "import") cands="--normalize-keys --format" ;;
      "list") cands="-e --expand -t --time -u --user -v --version" ;;
      "list-services") cands="-s --secrets" ;;
      "materialize") cands="--dir --mode --uid --gid" ;;
      "read") cands="-v --version -q --quiet" ;;
      "tag write") cands="--delete-other-tags" ;;
      "write") cands="-s --singleline --skip-unchanged -t --tags" ;;
      *) cands="" ;;
    esac
    compadd -- ${=cands} -b --backend --backend-s3-bucket --kms-key-alias -r --retries --retry-mode --verbose
    return
  fi
  if [[ -z "$cmd" ]]; then
    compadd -- completion delete ecs env exec export find help history import list list-services materialize read tag version write
    return
  fi
  if (( ${#args} == 0 )); then
    case "$cmd" in
      "ecs") cands="policy secrets" ;;
      "tag") cands="delete read write" ;;
      *) cands="" ;;
    esac
    if [[ -n "$cands" ]]; then
      compadd -- ${=cands}
      return
    fi
  fi
  case "$cmd" in
    "completion") kinds=("=bash zsh fish") ;;
    "delete") kinds=("service" "key") ;;
    "ecs policy") kinds=("service+") ;;
    "ecs secrets") kinds=("service+") ;;
    "env") kinds=("service") ;;
    "exec") kinds=("service+") ;;
    "export") kinds=("service+") ;;
    "help") kinds=("=completion delete ecs env exec export find help history import list list-services materialize read tag version write") ;;
    "history") kinds=("service" "key") ;;
    "import") kinds=("service") ;;
    "list") kinds=("service") ;;
    "list-services") kinds=("service") ;;
    "materialize") kinds=("service+") ;;
    "read") kinds=("service" "key") ;;
    "tag delete") kinds=("service" "key" "+") ;;
    "tag read") kinds=("service" "key") ;;
    "tag write") kinds=("service" "key" "+") ;;
    "write") kinds=("service" "key") ;;
    *) : ;;
  esac
  kind="${kinds[${#args} + 1]}"
  if [[ -z "$kind" && ${#kinds} -gt 0 && "${kinds[-1]}" == *+ ]]; then
    kind="${kinds[-1]}"
  fi
  case "$kind" in
    service*) found=(${(f)"$(_pychamber_store "${words[1]}" "${globals[@]}" __complete services "$cur")"}) ;;
    key) found=(${(f)"$(_pychamber_store "${words[1]}" "${globals[@]}" __complete keys "${args[-1]}")"}) ;;
    =*) found=(${=kind#=}) ;;
    *) _files; return ;;
  esac
  compadd -- "${found[@]}"
}

if [[ "${funcstack[1]}" == _pychamber ]]; then
  _pychamber "$@"
else
  compdef _pychamber pychamber
fi
