# bash completion for mamorictl
_mamorictl() {
    local cur prev words cword
    _init_completion || return
    local commands="status features engine reload"
    local i cmd=""
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
            -*) ;;
            *) cmd="${words[i]}"; break ;;
        esac
    done
    if [[ -z "$cmd" ]]; then
        COMPREPLY=($(compgen -W "$commands --json --help --version" -- "$cur"))
        return
    fi
    case "$cmd" in
        engine)
            if [[ "$prev" == engine ]]; then
                COMPREPLY=($(compgen -W "enable disable" -- "$cur"))
            elif [[ "$prev" == enable || "$prev" == disable ]]; then
                COMPREPLY=($(compgen -W "dns sandbox devices" -- "$cur"))
            fi
            ;;
        *) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
    esac
}
complete -F _mamorictl mamorictl
