# bash completion for mamorictl
_mamorictl_dns_resolvers() {
    mamorictl dns resolvers --json 2>/dev/null | grep -o '"id":"[^"]*"' | cut -d'"' -f4
}
_mamorictl() {
    local cur prev words cword
    _init_completion || return
    local commands="status features engine reload devices lbm sandbox dns"
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
        devices)
            local verb="" j
            for ((j = i + 1; j < cword; j++)); do
                case "${words[j]}" in
                    -*) ;;
                    *) verb="${words[j]}"; break ;;
                esac
            done
            if [[ -z "$verb" ]]; then
                COMPREPLY=($(compgen -W "list show allow block rules add-rule remove-rule policy allow-all bluetooth" -- "$cur"))
            elif [[ "$verb" == policy && "$prev" == policy ]]; then
                COMPREPLY=($(compgen -W "allow ask block" -- "$cur"))
            elif [[ "$verb" == bluetooth && "$prev" == bluetooth ]]; then
                COMPREPLY=($(compgen -W "on off services" -- "$cur"))
            elif [[ "$verb" == allow-all && "$prev" == allow-all ]]; then
                COMPREPLY=($(compgen -W "--for" -- "$cur"))
            elif [[ "$verb" == allow && "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--always --interface --json" -- "$cur"))
            elif [[ "$verb" == block && "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--always --json" -- "$cur"))
            elif [[ ( "$verb" == show || "$verb" == allow || "$verb" == block ) && "$prev" == "$verb" ]]; then
                local ids
                ids=$(mamorictl devices list --json 2>/dev/null | grep -o '"id":"[^"]*"' | cut -d'"' -f4)
                COMPREPLY=($(compgen -W "$ids" -- "$cur"))
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
        sandbox)
            local verb="" j nargs=0
            for ((j = i + 1; j < cword; j++)); do
                case "${words[j]}" in
                    -*) ;;
                    *) if [[ -z "$verb" ]]; then verb="${words[j]}"; else ((nargs++)); fi ;;
                esac
            done
            if [[ -z "$verb" ]]; then
                COMPREPLY=($(compgen -W "check explain show list profiles install remove watch" -- "$cur"))
            elif [[ "$verb" == list || "$verb" == profiles || "$verb" == watch ]]; then
                COMPREPLY=($(compgen -W "--json" -- "$cur"))
            elif [[ "$verb" == install ]]; then
                # NAME is new (nothing to offer), then the profile FILE
                ((nargs == 1)) && _filedir profile
            elif [[ "$verb" == remove ]]; then
                if ((nargs == 0)); then
                    local installed
                    installed=$(mamorictl sandbox profiles --json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4)
                    COMPREPLY=($(compgen -W "$installed" -- "$cur"))
                fi
            elif [[ "$prev" == --bpf ]]; then
                _filedir
            elif [[ "$prev" == --syscall ]]; then
                :
            elif [[ "$cur" == -* ]]; then
                if [[ "$verb" == explain ]]; then
                    COMPREPLY=($(compgen -W "--syscall --stateless --bpf --json" -- "$cur"))
                else
                    COMPREPLY=($(compgen -W "--json" -- "$cur"))
                fi
            elif ((nargs == 0)); then
                local names="" dir
                for dir in /usr/share/mamori/profiles /etc/mamori/profiles \
                           "${XDG_CONFIG_HOME:-$HOME/.config}/mamori/profiles"; do
                    [[ -d "$dir" ]] && names+=" $(cd "$dir" && ls *.profile 2>/dev/null | sed 's/\.profile$//')"
                done
                COMPREPLY=($(compgen -W "$names" -- "$cur"))
                _filedir profile
            fi
            ;;
        dns)
            local verb="" j nargs=0
            for ((j = i + 1; j < cword; j++)); do
                case "${words[j]}" in
                    -*) ;;
                    *) if [[ -z "$verb" ]]; then verb="${words[j]}"; else ((nargs++)); fi ;;
                esac
            done
            if [[ -z "$verb" ]]; then
                COMPREPLY=($(compgen -W "status resolvers add remove assign unassign default shard apps exposure doh threshold reset-exposure restore-defaults watch" -- "$cur"))
            elif [[ "$verb" == add ]]; then
                case "$prev" in
                    --protocol) COMPREPLY=($(compgen -W "do53 dot" -- "$cur")) ;;
                    --ca-file) _filedir ;;
                    --address | --port | --name | --tls-name | --pin) ;;
                    *) [[ "$cur" == -* ]] &&
                        COMPREPLY=($(compgen -W "--address --protocol --port --name --tls-name --pin --ca-file --json" -- "$cur")) ;;
                esac
            elif [[ "$verb" == exposure ]]; then
                COMPREPLY=($(compgen -W "--apps --json" -- "$cur"))
            elif [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json" -- "$cur"))
            elif [[ "$verb" == shard ||
                    ( "$verb" == remove || "$verb" == reset-exposure ) && nargs -eq 0 ]]; then
                COMPREPLY=($(compgen -W "$(_mamorictl_dns_resolvers)" -- "$cur"))
            elif [[ "$verb" == default && nargs -eq 0 || "$verb" == assign && nargs -eq 1 ]]; then
                COMPREPLY=($(compgen -W "shard $(_mamorictl_dns_resolvers)" -- "$cur"))
            elif [[ ( "$verb" == assign || "$verb" == unassign ) && nargs -eq 0 ]]; then
                local apps
                apps=$(mamorictl dns apps --json 2>/dev/null | grep -o '"app":"[^"]*"' | cut -d'"' -f4)
                COMPREPLY=($(compgen -W "$apps" -- "$cur"))
            fi
            ;;
        *) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
    esac
}
complete -F _mamorictl mamorictl
