# bash completion for mamorictl
_mamorictl() {
    local cur prev words cword
    _init_completion || return
    local commands="status features engine reload lbm"
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
        lbm)
            if [[ "$prev" == lbm ]]; then
                COMPREPLY=($(compgen -W "check compile dump test" -- "$cur"))
            elif [[ "$prev" == --subsystem ]]; then
                COMPREPLY=($(compgen -W "usb hci l2cap" -- "$cur"))
            elif [[ "$prev" == --target ]]; then
                COMPREPLY=($(compgen -W "lbm xdp" -- "$cur"))
            elif [[ "$prev" == -o || "$prev" == --packet-file ]]; then
                _filedir
            elif [[ "$prev" == --packet || "$prev" == --set ]]; then
                :
            elif [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "-o --target --packet --packet-file --subsystem --set --json" -- "$cur"))
            else
                _filedir rules
            fi
            ;;
        *) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
    esac
}
complete -F _mamorictl mamorictl
