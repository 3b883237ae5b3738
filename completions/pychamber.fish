# fish completion for pychamber, generated from its commands by `pychamber completion fish`: do not edit
# Service names and keys come from the store: at most 2 s, nothing on any failure.
function __pychamber_store
    if command -q timeout
        timeout 3 $argv </dev/null 2>/dev/null
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
            case -b --backend --backend-s3-bucket --kms-key-alias -r --retries --retry-mode --min-throttle-delay
                set -a globals $w $words[(math $i + 1)]
                set i (math $i + 1)
                test $i -gt $n; and set value 1
            case '--backend=*' '--backend-s3-bucket=*' '--kms-key-alias=*' '--retries=*' '--retry-mode=*' '--min-throttle-delay=*'
                set -a globals $w
            case '-*'
                if contains -- "$cmd:$w" 'ecs policy:--role' 'ecs secrets:--container' 'ecs secrets:--image' 'exec:--strict-value' 'exec:--files' 'exec:--watch-interval' 'exec:--on-change' 'exec:--grace' 'exec:--stop-signal' 'exec:--splay' 'export:-f' 'export:--format' 'export:-o' 'export:--output-file' 'export:--name' 'import:--format' 'import:--tier' 'materialize:--dir' 'materialize:--mode' 'materialize:--uid' 'materialize:--gid' 'read:-v' 'read:--version' 'write:-t' 'write:--tags' 'write:--tier'
                    set i (math $i + 1)
                    test $i -gt $n; and set value 1
                end
            case '*'
                if test -z "$cmd"
                    set cmd $w
                else if test (count $args) -eq 0; and contains -- $cmd 'completion' 'ecs' 'release' 'tag'
                    set cmd "$cmd $w"
                else
                    set -a args $w
                end
        end
        set i (math $i + 1)
    end
    if test $value -eq 1
        switch "$cmd:$words[-1]"
            case '*:-b'
                printf '%s\n' null ssm secretsmanager s3 s3-kms local
            case '*:--backend'
                printf '%s\n' null ssm secretsmanager s3 s3-kms local
            case '*:--retry-mode'
                printf '%s\n' standard adaptive
            case 'ecs policy:--role'
                printf '%s\n' execution task writer publisher
            case 'export:-f'
                printf '%s\n' json yaml java-properties properties csv tsv dotenv tfvars dotenv-portable shell docker github k8s-secret
            case 'export:--format'
                printf '%s\n' json yaml java-properties properties csv tsv dotenv tfvars dotenv-portable shell docker github k8s-secret
            case 'import:--format'
                printf '%s\n' json yaml dotenv
            case '*'
                __fish_complete_path $cur
        end
        return
    end
    if string match -q -- '-*' $cur
        switch $cmd
            case 'completion bash'
                set cands --no-descriptions
            case 'completion fish'
                set cands --no-descriptions
            case 'completion powershell'
                set cands --no-descriptions
            case 'completion zsh'
                set cands --no-descriptions
            case 'delete'
                set cands --exact-key
            case 'ecs policy'
                set cands --role --release
            case 'ecs secrets'
                set cands --container --image
            case 'edit'
                set cands -y --yes
            case 'env'
                set cands -p --preserve-case -e --escape-strings
            case 'exec'
                set cands --pristine --strict --strict-value --files --watch --watch-interval --on-change --grace --stop-signal --splay --init --no-warn-conflicts --strict-services --dry-run --release
            case 'export'
                set cands -f --format -o --output-file --name --mask
            case 'find'
                set cands -v --by-value
            case 'import'
                set cands --normalize-keys --format --flatten --expand --tier
            case 'list'
                set cands -e --expand -t --time -u --user -v --version
            case 'list-services'
                set cands -s --secrets
            case 'materialize'
                set cands --dir --mode --uid --gid --release
            case 'read'
                set cands -v --version -q --quiet --exact-key
            case 'tag write'
                set cands --delete-other-tags
            case 'write'
                set cands -s --singleline --skip-unchanged -t --tags --tier --preserve-case
        end
        printf '%s\n' $cands -b --backend --backend-s3-bucket --kms-key-alias -r --retries --retry-mode --verbose
        return
    end
    if test -z "$cmd"
        printf '%s\t%s\n' 'completion' 'Generate the autocompletion script for the specified shell' 'delete' 'Delete a secret, including all versions' 'doctor' 'check region, credentials, KMS key and permissions' 'ecs' 'ECS task definitions: secrets arrays and IAM policies' 'edit' 'Edit a service\'s secrets in $EDITOR; saves what changed' 'env' 'Print the secrets from the parameter store in a format to export as environment variables' 'exec' 'Executes a command with secrets loaded into the environment' 'export' 'Exports parameters in the specified format' 'find' 'Find the given secret across all services' 'help' 'Help about any command' 'history' 'View the history of a secret' 'import' 'import secrets from json, yaml or dotenv' 'list' 'List the secrets set for a service' 'list-services' 'List services' 'materialize' 'Write the services\' secrets as files, one per key' 'read' 'Read a specific secret from the parameter store' 'release' 'sealed releases of the services\' secrets in S3 ($PYCHAMBER_RELEASE_BUCKET): publish, list, show, diff, rollback' 'tag' 'work with tags on secrets' 'version' 'print version' 'write' 'write a secret'
        return
    end
    if test (count $args) -eq 0
        switch $cmd
            case 'completion'
                printf '%s\t%s\n' 'bash' 'Generate the autocompletion script for bash' 'fish' 'Generate the autocompletion script for fish' 'powershell' 'Generate the autocompletion script for powershell' 'zsh' 'Generate the autocompletion script for zsh'; return
            case 'ecs'
                printf '%s\t%s\n' 'policy' 'print the least-privilege IAM policy for a role' 'secrets' 'print a container definition\'s secrets array (names and ARNs, never values)'; return
            case 'release'
                printf '%s\t%s\n' 'diff' 'what differs between a release (the current one by default) and the store now: keys added, removed or changed, by version (never values)' 'list' 'list a service\'s releases: number, time, publisher, keys, current' 'publish' 'publish the services\' secrets from the store as a new release of each (prints its number)' 'rollback' 'make release N the current one (one write; no release is modified or deleted)' 'show' 'the keys and store versions of a release (the current one by default; never values)'; return
            case 'tag'
                printf '%s\t%s\n' 'delete' 'Delete tags for a specific secret' 'read' 'Read tags for a specific secret' 'write' 'Write tags for a specific secret'; return
        end
    end
    switch $cmd
        case 'delete'
            set kinds 'service' 'key'
        case 'doctor'
            set kinds 'service+'
        case 'ecs policy'
            set kinds 'service+'
        case 'ecs secrets'
            set kinds 'service+'
        case 'edit'
            set kinds 'service'
        case 'env'
            set kinds 'service'
        case 'exec'
            set kinds 'service+'
        case 'export'
            set kinds 'service+'
        case 'help'
            set kinds '=completion delete doctor ecs edit env exec export find help history import list list-services materialize read release tag version write'
        case 'history'
            set kinds 'service' 'key'
        case 'import'
            set kinds 'service'
        case 'list'
            set kinds 'service'
        case 'list-services'
            set kinds 'service'
        case 'materialize'
            set kinds 'service+'
        case 'read'
            set kinds 'service' 'key'
        case 'release diff'
            set kinds 'service'
        case 'release list'
            set kinds 'service'
        case 'release publish'
            set kinds 'service+'
        case 'release rollback'
            set kinds 'service'
        case 'release show'
            set kinds 'service'
        case 'tag delete'
            set kinds 'service' 'key' '+'
        case 'tag read'
            set kinds 'service' 'key'
        case 'tag write'
            set kinds 'service' 'key' '+'
        case 'write'
            set kinds 'service' 'key'
    end
    set -l kind $kinds[(math (count $args) + 1)]
    if test -z "$kind"; and test (count $kinds) -gt 0; and string match -q -- '*+' $kinds[-1]
        set kind $kinds[-1]
    end
    switch "$kind"
        case 'service*'
            __pychamber_store $words[1] $globals __names services $cur
        case key
            __pychamber_store $words[1] $globals __names keys $args[-1]
        case '=*'
            string split ' ' -- (string sub -s 2 -- $kind)
        case '*'
            __fish_complete_path $cur
    end
end

complete -c pychamber -f -a '(__pychamber_complete)'
complete -c chamber -f -a '(__pychamber_complete)'
