# PowerShell completion for pychamber, generated from its commands by `pychamber completion powershell`: do not edit
# Load it with: pychamber completion powershell | Out-String | Invoke-Expression
# Service names and keys come from the store: at most 2 s, nothing on any failure.
$__pychamberCompleter = {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } |
        ForEach-Object { $_.ToString() })
    if ($wordToComplete -ne '' -and $words.Count -gt 1 -and $words[-1] -eq $wordToComplete) {
        $words = $words[0..($words.Count - 2)]
    }
    $prog = $words[0]
    $globalValue = @('-b', '--backend', '--backend-s3-bucket', '--kms-key-alias', '-r', '--retries', '--retry-mode', '--min-throttle-delay')
    $globalEq = @('--backend=*', '--backend-s3-bucket=*', '--kms-key-alias=*', '--retries=*', '--retry-mode=*', '--min-throttle-delay=*')
    $commandValue = @('ecs policy:--role', 'ecs secrets:--container', 'ecs secrets:--image', 'exec:--strict-value', 'exec:--files', 'exec:--watch-interval', 'exec:--on-change', 'exec:--grace', 'exec:--stop-signal', 'exec:--splay', 'export:-f', 'export:--format', 'export:-o', 'export:--output-file', 'export:--name', 'import:--format', 'import:--tier', 'materialize:--dir', 'materialize:--mode', 'materialize:--uid', 'materialize:--gid', 'read:-v', 'read:--version', 'write:-t', 'write:--tags', 'write:--tier')
    $groups = @('completion', 'ecs', 'release', 'tag')
    $cmd = ''
    $prev = ''
    $value = $false
    $globals = @()
    $positional = @()
    for ($i = 1; $i -lt $words.Count; $i++) {
        $w = $words[$i]
        if ($w -eq '--') { return }  # exec's command: a command line of its own
        if ($globalValue -contains $w) {
            $globals += $w
            if ($i + 1 -lt $words.Count) { $i++; $globals += $words[$i] } else { $value = $true; $prev = $w }
            continue
        }
        if ($w -like '-*') {
            if (@($globalEq | Where-Object { $w -like $_ }).Count -gt 0) { $globals += $w; continue }
            if ($commandValue -contains "${cmd}:$w") {
                if ($i + 1 -lt $words.Count) { $i++ } else { $value = $true; $prev = $w }
            }
            continue
        }
        if ($cmd -eq '') { $cmd = $w }
        elseif ($positional.Count -eq 0 -and $groups -contains $cmd) { $cmd = "$cmd $w" }
        else { $positional += $w }
    }
    $cands = @()
    if ($value) {
        switch -Wildcard ("${cmd}:$prev") {
            '*:-b' { $cands = @('null', 'ssm', 'secretsmanager', 's3', 's3-kms', 'local') }
            '*:--backend' { $cands = @('null', 'ssm', 'secretsmanager', 's3', 's3-kms', 'local') }
            '*:--retry-mode' { $cands = @('standard', 'adaptive') }
            'ecs policy:--role' { $cands = @('execution', 'task', 'writer', 'publisher') }
            'export:-f' { $cands = @('json', 'yaml', 'java-properties', 'properties', 'csv', 'tsv', 'dotenv', 'tfvars', 'dotenv-portable', 'shell', 'docker', 'github', 'k8s-secret') }
            'export:--format' { $cands = @('json', 'yaml', 'java-properties', 'properties', 'csv', 'tsv', 'dotenv', 'tfvars', 'dotenv-portable', 'shell', 'docker', 'github', 'k8s-secret') }
            'import:--format' { $cands = @('json', 'yaml', 'dotenv') }
            default { return }
        }
    } elseif ($wordToComplete -like '-*') {
        switch ($cmd) {
            'completion bash' { $cands = @('--no-descriptions') }
            'completion fish' { $cands = @('--no-descriptions') }
            'completion powershell' { $cands = @('--no-descriptions') }
            'completion zsh' { $cands = @('--no-descriptions') }
            'delete' { $cands = @('--exact-key') }
            'ecs policy' { $cands = @('--role', '--release') }
            'ecs secrets' { $cands = @('--container', '--image') }
            'edit' { $cands = @('-y', '--yes') }
            'env' { $cands = @('-p', '--preserve-case', '-e', '--escape-strings') }
            'exec' { $cands = @('--pristine', '--strict', '--strict-value', '--files', '--watch', '--watch-interval', '--on-change', '--grace', '--stop-signal', '--splay', '--init', '--no-warn-conflicts', '--strict-services', '--dry-run', '--release') }
            'export' { $cands = @('-f', '--format', '-o', '--output-file', '--name', '--mask') }
            'find' { $cands = @('-v', '--by-value') }
            'import' { $cands = @('--normalize-keys', '--format', '--flatten', '--expand', '--tier') }
            'list' { $cands = @('-e', '--expand', '-t', '--time', '-u', '--user', '-v', '--version') }
            'list-services' { $cands = @('-s', '--secrets') }
            'materialize' { $cands = @('--dir', '--mode', '--uid', '--gid', '--release') }
            'read' { $cands = @('-v', '--version', '-q', '--quiet', '--exact-key') }
            'tag write' { $cands = @('--delete-other-tags') }
            'write' { $cands = @('-s', '--singleline', '--skip-unchanged', '-t', '--tags', '--tier', '--preserve-case') }
        }
        $cands += @('-b', '--backend', '--backend-s3-bucket', '--kms-key-alias', '-r', '--retries', '--retry-mode', '--verbose')
    } elseif ($cmd -eq '') {
        $cands = @('completion', 'delete', 'doctor', 'ecs', 'edit', 'env', 'exec', 'export', 'find', 'help', 'history', 'import', 'list', 'list-services', 'materialize', 'read', 'release', 'tag', 'version', 'write')
    } else {
        if ($positional.Count -eq 0) {
            switch ($cmd) {
                'completion' { $cands = @('bash', 'fish', 'powershell', 'zsh') }
                'ecs' { $cands = @('policy', 'secrets') }
                'release' { $cands = @('diff', 'list', 'publish', 'rollback', 'show') }
                'tag' { $cands = @('delete', 'read', 'write') }
            }
        }
        if ($cands.Count -eq 0) {
            $kinds = @()
            switch ($cmd) {
                'delete' { $kinds = @('service', 'key') }
                'doctor' { $kinds = @('service+') }
                'ecs policy' { $kinds = @('service+') }
                'ecs secrets' { $kinds = @('service+') }
                'edit' { $kinds = @('service') }
                'env' { $kinds = @('service') }
                'exec' { $kinds = @('service+') }
                'export' { $kinds = @('service+') }
                'help' { $kinds = @('=completion delete doctor ecs edit env exec export find help history import list list-services materialize read release tag version write') }
                'history' { $kinds = @('service', 'key') }
                'import' { $kinds = @('service') }
                'list' { $kinds = @('service') }
                'list-services' { $kinds = @('service') }
                'materialize' { $kinds = @('service+') }
                'read' { $kinds = @('service', 'key') }
                'release diff' { $kinds = @('service') }
                'release list' { $kinds = @('service') }
                'release publish' { $kinds = @('service+') }
                'release rollback' { $kinds = @('service') }
                'release show' { $kinds = @('service') }
                'tag delete' { $kinds = @('service', 'key', '+') }
                'tag read' { $kinds = @('service', 'key') }
                'tag write' { $kinds = @('service', 'key', '+') }
                'write' { $kinds = @('service', 'key') }
            }
            $kind = ''
            if ($positional.Count -lt $kinds.Count) { $kind = $kinds[$positional.Count] }
            elseif ($kinds.Count -gt 0 -and $kinds[-1] -like '*+') { $kind = $kinds[-1] }
            if ($kind -like 'service*') {
                $cands = @(& $prog @globals __names services $wordToComplete 2>$null)
            } elseif ($kind -eq 'key') {
                $cands = @(& $prog @globals __names keys $positional[-1] 2>$null)
            } elseif ($kind -like '=*') {
                $cands = $kind.Substring(1) -split ' '
            } else {
                return  # a value or a file: PowerShell's own completion
            }
        }
    }
    $cands | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
Register-ArgumentCompleter -Native -CommandName pychamber, chamber -ScriptBlock $__pychamberCompleter
