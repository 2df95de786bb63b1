#!/usr/bin/env bash
# DNS engine benchmark: unbound directly, Mamori's stub steered over plain DNS and DoT, unbound
# itself forwarding over DoT (the peer), and the steering hooks on and off the client's path,
# all in one run. Prints Markdown for docs/benchmarks.md. Needs root (network namespace,
# cgroups, BPF).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: tests/bench/dns/run.sh [OPTIONS]

The resolver is unbound in a network namespace (10.60.0.2 over a veth pair, host side
10.60.0.1), answering every name under bench.test from a static local zone, on port 53 and
over TLS on 853 (certificate from a CA this script makes with openssl). Paths:

  (a)  client -> unbound:53 directly
  (b)  client in a steered cgroup asks unbound:53 -> the engine's stub -> unbound, plain DNS
  (c)  as (b), with an engine whose resolver is unbound over DoT (port 853)
  (d)  client -> a second unbound on 127.0.0.1 forwarding over DoT to unbound:853 (the peer;
       cache-max-ttl 0, and no name is asked twice in a run, so it forwards every query)
  (e)  client outside the steered cgroup sends to the (b) engine's stub address
       127.53.0.0:<port> itself: same engine, the programs are not on its path
  (e0) the (e) client to DnsStub + QueryForwarder + the Do53 transport alone
       (mamori_dns_bench --detached: no programs, router, ledger or guard of its own)

The three mamori_dns_bench processes (engines for (b) and (c), the detached stub) run for the
whole benchmark; the first engine's XDP guard sits on the veth for every path.

Each round:
  1. closed loop, everything on CPU 0 (client, engines, both unbounds; --no-pin: not): paired
     runs of mamori_dns_probe, two paths taking turns query by query, so a slow phase of the
     machine hits both alike: e:b b:e e:e(A/A) b:c c:d a:b e0:e (probe side:pair side);
     a new connected UDP socket per query, as glibc's resolver does;
  2. throughput, unpinned: dnsperf -c CLIENTS -q OUTSTANDING -l SECONDS on each path.
Each path is warmed up first (the DoT connections are open). Then, once: the programs' own run
time from the kernel's BPF statistics (kernel.bpf_stats_enabled, on for that step only) for a
steered client with a socket per query, with one shared socket, and sending to the stub address
itself ("direct": the programs return at their first check), and (a) with and without the XDP
guard on the veth.

Options:
  --build DIR            build directory with tests/bench/dns/mamori_dns_bench and
                         mamori_dns_probe (default ./build)
  --rounds N             rounds, at least 3 (default 3)
  --latency-queries N    measured queries per side of a paired run (default 10000)
  --seconds S            length of a dnsperf run (default 5)
  --clients N            dnsperf -c (default 8)
  --outstanding N        dnsperf -q (default 64)
  --no-pin               closed-loop runs unpinned
  --results DIR          where raw outputs go (default /tmp/mamori-dns-bench-<time>)
  --keep                 also keep the work directory (configs, certificates, logs)
  -h, --help             this text

Needs root, ip, unbound, unbound-control, openssl, dnsperf, dig, bpftool, taskset, flock,
findmnt, ss. The tables go to stdout (and RESULTS/table.md), progress to stderr.
EOF
}

build=./build
rounds=3
latency_queries=10000
seconds=5
clients=8
outstanding=64
results=
keep=0
pin=1

while (($#)); do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --build=*) build=${1#*=}; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --latency-queries) latency_queries=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --outstanding) outstanding=$2; shift 2 ;;
    --no-pin) pin=0; shift ;;
    --results) results=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

die() { echo "run.sh: $*" >&2; exit 1; }
# The resolver's network namespace and certificates (shared with the other bench scripts).
# shellcheck source=../lib/resolver-netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/resolver-netns.sh"
log() { echo "[$(date +%T)] $*" >&2; }

for n in "$rounds" "$latency_queries" "$seconds" "$clients" "$outstanding"; do
    [[ $n =~ ^[0-9]+$ ]] || die "not a whole number: $n"
done
((rounds >= 3)) || die "--rounds must be at least 3"
((latency_queries >= 100 && seconds >= 1 && clients >= 1 && outstanding >= 1)) \
    || die "--latency-queries must be at least 100, the others at least 1"

((EUID == 0)) || die "needs root (network namespace, cgroups, BPF)"
bench_dir=$(cd "$build" 2>/dev/null && pwd)/tests/bench/dns || die "no build directory $build"
driver=$bench_dir/mamori_dns_bench
probe=$bench_dir/mamori_dns_probe
[[ -x $driver && -x $probe ]] \
    || die "$bench_dir lacks the bench: cmake --build $build --target mamori_dns_bench mamori_dns_probe"
for tool in ip unbound unbound-control openssl dnsperf dig bpftool taskset flock findmnt ss; do
    command -v "$tool" >/dev/null || die "needs $tool"
done

# Fixed names and subnet (10.60.0.0/24: no test uses it): one run at a time.
exec 9>/run/mamori-bench-dns.lock
flock -n 9 || die "another run.sh is running"
netns=mamori-bench-dns
host_if=mbdns-h
peer_if=mbdns-n
resolver=10.60.0.2
tls_name=bench-resolver.test
# The stub address of app index 0, the one unknown apps are steered to.
stub_ip=127.53.0.0

cgroup_root=$(findmnt -n -t cgroup2 -o TARGET | awk 'NR == 1')
[[ -n $cgroup_root ]] || die "no cgroup v2 mount"
cgroup=$cgroup_root/mamori-bench-dns-$$
# Where unsteered clients run: this script's own cgroup.
own_cgroup=$cgroup_root$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)

results=${results:-/tmp/mamori-dns-bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$results"
results=$(cd "$results" && pwd)
work=$(mktemp -d /tmp/mamori-bench-dns.XXXXXX)
started=() # pids of the processes this script started
old_bpf_stats=$(sysctl -n kernel.bpf_stats_enabled)
resolver_pid=
peer_pid=
declare -A engine_pid stub_port # by engine name: plain, dot, detached

stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid dir
    set +e
    sysctl -q -w kernel.bpf_stats_enabled="$old_bpf_stats"
    for pid in "${started[@]}"; do
        stop_pid "$pid"
    done
    if [[ -d $cgroup ]]; then
        # Leftover clients of an interrupted run, then the directories, deepest first.
        while IFS= read -r dir; do
            xargs -r kill -KILL <"$dir/cgroup.procs" 2>/dev/null
        done < <(find "$cgroup" -depth -type d)
        sleep 0.2
        find "$cgroup" -depth -type d -exec rmdir {} \; 2>/dev/null
    fi
    ip link delete "$host_if" 2>/dev/null
    ip netns delete "$netns" 2>/dev/null
    if ((keep)); then
        echo "run.sh: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'echo "run.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Setup

setup_network() {
    bench_setup_netns "$netns" "$host_if" "$peer_if" 10.60.0 "$resolver"
}

make_certificates() {
    bench_make_certificates "$work" "Mamori DNS bench CA" "DNS:$tls_name" 4242
}

# What both unbound instances share: no daemon, no chroot, no validator (nothing may try to
# reach the internet), one thread (the engine is single-threaded too).
unbound_common() {
    cat <<EOF
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$work"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  num-threads: 1
  do-ip6: no
  module-config: "iterator"
EOF
}

start_resolver() {
    cat >"$work/resolver.conf" <<EOF
server:
$(unbound_common)
  interface: $resolver@53
  interface: $resolver@853
  tls-port: 853
  tls-service-key: "$work/server.key"
  tls-service-pem: "$work/server.pem"
  access-control: 0.0.0.0/0 allow
  incoming-num-tcp: 100
  local-zone: "bench.test." redirect
  local-data: "bench.test. A 192.0.2.60"
remote-control:
  control-enable: yes
  control-interface: "$work/resolver.ctl"
  control-use-cert: no
EOF
    ip netns exec "$netns" unbound -d -c "$work/resolver.conf" 2>"$results/resolver-unbound.log" &
    resolver_pid=$!
    started+=("$resolver_pid")
    wait_for_answer "$resolver" 53 "the resolver (unbound in $netns)"
    for _ in $(seq 100); do
        timeout 1 bash -c "</dev/tcp/$resolver/853" 2>/dev/null && return
        sleep 0.1
    done
    die "unbound does not accept DoT on $resolver:853: $(cat "$results/resolver-unbound.log")"
}

# The peer forwards everything over DoT and keeps nothing: cache-max-ttl 0, and no name is
# asked twice within a run anyway (see names_file).
start_peer() {
    peer_port=$(free_udp_port)
    cat >"$work/peer.conf" <<EOF
server:
$(unbound_common)
  interface: 127.0.0.1@$peer_port
  access-control: 127.0.0.0/8 allow
  cache-max-ttl: 0
  cache-max-negative-ttl: 0
  prefetch: no
  qname-minimisation: no
  # test. is one of unbound's default local zones (RFC 6761), answered without forwarding.
  local-zone: "test." nodefault
  tls-cert-bundle: "$work/ca.pem"
forward-zone:
  name: "."
  forward-addr: $resolver@853#$tls_name
  forward-tls-upstream: yes
remote-control:
  control-enable: no
EOF
    unbound -d -c "$work/peer.conf" 2>"$results/peer-unbound.log" &
    peer_pid=$!
    started+=("$peer_pid")
    wait_for_answer 127.0.0.1 "$peer_port" "the peer (unbound forwarding over DoT)"
}

free_udp_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! ss -Hlun "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
}

wait_for_answer() {
    local address=$1 port=$2 what=$3
    for _ in $(seq 100); do
        if dig +time=1 +tries=1 +short -p "$port" "@$address" ready.bench.test A 2>/dev/null \
            | grep -q '^192\.0\.2\.60$'; then
            return
        fi
        sleep 0.1
    done
    die "$what does not answer on $address:$port"
}

# Names no path has been asked before in this run: q<n>.bench.test, n counting up. Every
# warm-up, closed-loop and dnsperf run gets a file of its own, so the peer never sees a name
# twice and every path is asked the same kind of names.
next_name=1
names_file() { # COUNT FILE: the next COUNT names, in dnsperf's format
    awk -v first="$next_name" -v n="$1" \
        'BEGIN { for (i = first; i < first + n; i++) print "q" i ".bench.test A" }' >"$2"
    next_name=$((next_name + $1))
}

write_resolver_lists() {
    printf '[Resolver bench]\nName=Bench unbound\nAddress=%s\nPort=53\nProtocol=do53\n\n[Policy]\nDefault=bench\n' \
        "$resolver" >"$work/plain.conf"
    printf '[Resolver bench]\nName=Bench unbound\nAddress=%s\nPort=853\nProtocol=dot\nTlsName=%s\nCaFile=%s\n\n[Policy]\nDefault=bench\n' \
        "$resolver" "$tls_name" "$work/ca.pem" >"$work/dot.conf"
}

# ---------------------------------------------------------------------------------------------
# The engines

# start_engine NAME LIST [--detached]: runs mamori_dns_bench; sets engine_pid[NAME] and
# stub_port[NAME]. An engine steers $cgroup/NAME (its clients run in $cgroup/NAME/client).
start_engine() {
    local name=$1 list=$2 mode=${3:-}
    local out=$work/$name.out args port
    if [[ $mode == --detached ]]; then
        args=(--detached --resolvers "$list")
    else
        mkdir -p "$cgroup/$name/client"
        args=(--resolvers "$list" --state "$work/state-$name" --cgroup "$cgroup/$name")
    fi
    : >"$out"
    "$driver" "${args[@]}" >"$out" 2>>"$results/engine-$name.log" &
    engine_pid[$name]=$!
    started+=("${engine_pid[$name]}")
    for _ in $(seq 100); do
        port=$(sed -n 's/^ready port=//p' "$out")
        if [[ -n $port ]]; then
            stub_port[$name]=$port
            return
        fi
        kill -0 "${engine_pid[$name]}" 2>/dev/null \
            || die "mamori_dns_bench ($name) exited: $(cat "$results/engine-$name.log")"
        sleep 0.1
    done
    die "mamori_dns_bench ($name) did not start: $(cat "$results/engine-$name.log")"
}

# Stops it and checks that it never answered SERVFAIL.
stop_engine() {
    local name=$1
    stop_pid "${engine_pid[$name]}"
    engine_pid[$name]=
    cat "$work/$name.out" >>"$results/engine-$name.log"
    grep -q ' servfail=0 ' "$work/$name.out" \
        || die "the engine ($name) answered SERVFAIL: $(tail -n 1 "$work/$name.out")"
}

# in_cgroup DIR CMD...: runs CMD as a process of cgroup DIR.
in_cgroup() {
    local dir=$1
    shift
    sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

# Where a path's client sends (server, port), which cgroup it runs in and which process
# forwards its queries.
target() { # PATH -> sets t_server t_port t_cgroup t_forwarder
    t_cgroup=$own_cgroup
    t_forwarder=
    case $1 in
    a) t_server=$resolver t_port=53 ;;
    b) t_server=$resolver t_port=53 t_cgroup=$cgroup/plain/client t_forwarder=${engine_pid[plain]} ;;
    c) t_server=$resolver t_port=53 t_cgroup=$cgroup/dot/client t_forwarder=${engine_pid[dot]} ;;
    d) t_server=127.0.0.1 t_port=$peer_port t_forwarder=$peer_pid ;;
    e) t_server=$stub_ip t_port=${stub_port[plain]} t_forwarder=${engine_pid[plain]} ;;
    e0) t_server=$stub_ip t_port=${stub_port[detached]} t_forwarder=${engine_pid[detached]} ;;
    *) die "unknown path $1" ;;
    esac
}

# Closed loop: every process on the path on CPU 0, so no wake-up crosses vCPUs (on this kind of
# VM that costs tens of microseconds and lands at random). Throughput: all CPUs.
pin_servers() { # CPULIST
    local pid
    for pid in "$resolver_pid" "$peer_pid" "${engine_pid[@]}"; do
        if [[ -n $pid ]]; then
            taskset -a -p -c "$1" "$pid" >/dev/null
        fi
    done
}
all_cpus=0-$(($(nproc) - 1))
client_pin=()

cpu_ticks() { # PID -> user + system clock ticks of the whole process
    awk '{print $14 + $15}' "/proc/$1/stat"
}

resolver_queries() {
    unbound-control -c "$work/resolver.conf" stats_noreset | sed -n 's/^total\.num\.queries=//p'
}

# ---------------------------------------------------------------------------------------------
# Measurements, one line each in $results/runs.tsv:
#   round  run  kind  path  key=value...
# kind: latency (one side of a paired run), paired (pair minus probe), throughput, hooks, guard.

record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results/runs.tsv"; }

warm_up() { # PATH
    target "$1"
    names_file 500 "$work/warm-names.txt"
    in_cgroup "$t_cgroup" "$probe" --server "$t_server:$t_port" --names "$work/warm-names.txt" \
        --count 500 --warmup 0 >/dev/null
}

# paired ROUND PROBE-PATH PAIR-PATH: one closed-loop run, the two paths taking turns.
paired() {
    local round=$1 first=$2 second=$3 output run=$2:$3
    local second_label=$second
    [[ $first == "$second" ]] && second_label=${second}_aa
    local tag="r$round-$first-$second_label"
    target "$second"
    local pair=(--pair "$t_server:$t_port" --pair-cgroup "$t_cgroup"
        --pair-samples "$results/$tag.pair.samples")
    target "$first"
    names_file $((2 * (latency_queries + 200))) "$work/run-names.txt"
    output=$(in_cgroup "$t_cgroup" "${client_pin[@]}" "$probe" --server "$t_server:$t_port" \
        --names "$work/run-names.txt" --count "$latency_queries" --warmup 200 \
        --samples "$results/$tag.probe.samples" "${pair[@]}") \
        || die "mamori_dns_probe failed on $run"
    echo "$output" >"$results/$tag.txt"
    local probe_line pair_line diff_line
    probe_line=$(sed -n 's/^probe //p' <<<"$output")
    pair_line=$(sed -n 's/^pair //p' <<<"$output")
    diff_line=$(sed -n 's/^paired //p' <<<"$output")
    [[ $probe_line == *" lost=0 errors=0 "* && $pair_line == *" lost=0 errors=0 "* ]] \
        || die "$run: queries failed: $output"
    record "$round" "$run" latency "$first" "$probe_line"
    record "$round" "$run" latency "$second_label" "$pair_line"
    record "$round" "$run" paired "$second_label-$first" "$diff_line"
    log "  $first vs $second: p50 $(grep -o ' p50_us=[^ ]*' <<<"$probe_line" | cut -d= -f2)" \
        "/ $(grep -o ' p50_us=[^ ]*' <<<"$pair_line" | cut -d= -f2) µs," \
        "paired difference $(grep -o ' diff_p50_us=[^ ]*' <<<"$diff_line" | cut -d= -f2) µs"
}

# throughput ROUND PATH: one dnsperf run.
throughput() {
    local round=$1 path=$2 before after forwarder_before=0 forwarder_after=0
    local resolver_before resolver_after tag="r$round-$2"
    warm_up "$path"
    target "$path"
    # Enough names that dnsperf never wraps around: 200k queries per second is far above
    # anything seen here.
    names_file $((seconds * 200000)) "$work/run-names.txt"
    before=$(resolver_queries)
    resolver_before=$(cpu_ticks "$resolver_pid")
    [[ -n $t_forwarder ]] && forwarder_before=$(cpu_ticks "$t_forwarder")
    # The client's CPU time too (bash's time: user and system seconds of dnsperf): under load,
    # the steering programs run in its system calls.
    local TIMEFORMAT='%U %S'
    if ! { time in_cgroup "$t_cgroup" dnsperf -s "$t_server" -p "$t_port" \
        -d "$work/run-names.txt" -c "$clients" -q "$outstanding" -l "$seconds" -t 2 \
        >"$results/$tag.dnsperf" 2>&1; } 2>"$work/client-time.txt"; then
        die "$path: dnsperf failed: $(tail -n 5 "$results/$tag.dnsperf")"
    fi
    [[ -n $t_forwarder ]] && forwarder_after=$(cpu_ticks "$t_forwarder")
    resolver_after=$(cpu_ticks "$resolver_pid")
    after=$(resolver_queries)
    local qps sent lost avg hz
    qps=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' "$results/$tag.dnsperf")
    sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$results/$tag.dnsperf")
    lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$results/$tag.dnsperf")
    avg=$(sed -n 's/^ *Average Latency (s): *\([0-9.]*\).*/\1/p' "$results/$tag.dnsperf")
    [[ -n $qps && -n $sent ]] || die "$path: no figures from dnsperf: $(tail -n 5 "$results/$tag.dnsperf")"
    # CPU microseconds per query (clock ticks of 1/CLK_TCK s).
    hz=$(getconf CLK_TCK)
    record "$round" - throughput "$path" "qps=$qps sent=$sent lost=$lost avg_s=$avg resolver_saw=$((after - before)) $(
        awk -v f=$((forwarder_after - forwarder_before)) -v r=$((resolver_after - resolver_before)) \
            -v n="$sent" -v hz="$hz" -v client="$(cat "$work/client-time.txt")" \
            'BEGIN {split(client, c, " ");
                printf "forwarder_cpu_us=%.2f resolver_cpu_us=%.2f client_cpu_us=%.2f",
                    f / hz * 1e6 / n, r / hz * 1e6 / n, (c[1] + c[2]) * 1e6 / n}')"
    log "  ($path) dnsperf: $qps qps, lost $lost, unbound saw $((after - before)) of $sent"
}

rotate() { # N WORDS...: the words, starting at the Nth (0-based, modulo)
    local n=$1
    shift
    local words=("$@") i
    for ((i = 0; i < ${#words[@]}; i++)); do
        echo "${words[(i + n) % ${#words[@]}]}"
    done
}

closed_loop_phase() {
    local round=$1 run
    log " closed loop, paired runs"
    for path in a b c d e e0; do warm_up "$path"; done
    ((pin)) && pin_servers 0
    while read -r run; do
        paired "$round" "${run%:*}" "${run#*:}"
    done < <(rotate $((round - 1)) e:b b:e e:e b:c c:d a:b e0:e)
    ((pin)) && pin_servers "$all_cpus"
    return 0
}

throughput_phase() {
    local round=$1 path steering=(b e)
    log " throughput"
    ((round % 2)) || steering=(e b)
    # b and e back to back, in turns: their difference is the steering's.
    while read -r path; do
        if [[ $path == b+e ]]; then
            throughput "$round" "${steering[0]}"
            throughput "$round" "${steering[1]}"
        else
            throughput "$round" "$path"
        fi
    done < <(rotate $((round - 1)) a b+e c d e0)
}

# The programs' own run time, from the kernel's BPF statistics (on only here: they cost two
# clock reads per program run): the steering per lookup (and per program), the XDP guard per
# packet. "direct" is a steered client sending to the stub address itself: every program runs
# and returns at its first check, which shows what a run costs at the least.
hook_cost() {
    local ids=() id mode before after guard_id server
    log "programs' own run time (kernel.bpf_stats_enabled=1 for this step)"
    mapfile -t ids < <(bpftool cgroup show "$cgroup/plain" | awk '$1 ~ /^[0-9]+$/ {print $1}')
    ((${#ids[@]})) || die "bpftool shows no programs on $cgroup/plain"
    guard_id=$(ip -d link show dev "$host_if" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | awk 'NR == 1')
    # Placed as in the closed loop: spread over both CPUs, the same programs took up to half as
    # long again (cache misses and interrupts that land inside a run count too).
    ((pin)) && pin_servers 0
    sysctl -q -w kernel.bpf_stats_enabled=1
    for mode in per-query shared direct; do
        server=$resolver:53
        [[ $mode == direct ]] && server=$stub_ip:${stub_port[plain]}
        warm_up b
        names_file "$latency_queries" "$work/run-names.txt"
        before="$(prog_stats "${ids[@]}") $(prog_stats "$guard_id")"
        per_program "${ids[@]}" >"$work/programs-before.txt"
        in_cgroup "$cgroup/plain/client" "${client_pin[@]}" "$probe" --server "$server" \
            --names "$work/run-names.txt" --count "$latency_queries" --warmup 0 \
            --socket "$([[ $mode == shared ]] && echo shared || echo per-query)" \
            >"$results/hooks-$mode.txt"
        after="$(prog_stats "${ids[@]}") $(prog_stats "$guard_id")"
        per_program "${ids[@]}" >"$work/programs-after.txt"
        record hooks - hooks "$mode" "$(awk -v b="$before" -v a="$after" -v n="$latency_queries" 'BEGIN {
            split(b, x, " "); split(a, y, " ");
            printf "steer_ns_per_lookup=%.1f steer_runs_per_lookup=%.2f guard_ns_per_packet=%.1f guard_packets_per_lookup=%.2f",
                (y[1] - x[1]) / n, (y[2] - x[2]) / n,
                (y[4] > x[4] ? (y[3] - x[3]) / (y[4] - x[4]) : 0), (y[4] - x[4]) / n }')"
        record hooks - programs "$mode" "$(paste "$work/programs-before.txt" "$work/programs-after.txt" \
            | awk -v n="$latency_queries" '$6 > $3 {
                printf "%s%s=%.0fns*%.2f", (k++ ? " " : ""), $1, ($5 - $2) / ($6 - $3), ($6 - $3) / n }')"
        log "  $mode: $(tail -n 2 "$results/runs.tsv" | cut -f 5 | paste -sd' ' -)"
    done
    sysctl -q -w kernel.bpf_stats_enabled="$old_bpf_stats"
    ((pin)) && pin_servers "$all_cpus"
    {
        bpftool cgroup show "$cgroup/plain"
        for id in "${ids[@]}" ${guard_id:+"$guard_id"}; do bpftool prog show id "$id"; done
    } >"$results/hooks-programs.txt"
}

per_program() { # IDS... -> "name run_time_ns run_cnt" per program
    local id
    for id in "$@"; do
        bpftool prog show id "$id" | awk 'NR == 1 {
            for (i = 1; i < NF; i++) { if ($i == "name") n = $(i + 1); if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
            print n, t + 0, c + 0 }'
    done
}

prog_stats() { # IDS... -> "run_time_ns run_cnt" summed
    local id total_ns=0 total_runs=0 line ns runs
    for id in "$@"; do
        [[ -n $id ]] || continue
        line=$(bpftool prog show id "$id")
        ns=$(grep -o 'run_time_ns [0-9]*' <<<"$line" | awk '{print $2}')
        runs=$(grep -o 'run_cnt [0-9]*' <<<"$line" | awk '{print $2}')
        total_ns=$((total_ns + ${ns:-0}))
        total_runs=$((total_runs + ${runs:-0}))
    done
    echo "$total_ns $total_runs"
}

# What the guard on the veth costs (a) when nothing else changes: (a) alone, with the engines
# running and then with all of them stopped, twice. Ends with every engine stopped.
guard_cost() {
    local i state
    log "(a) with and without the XDP guard on the veth"
    for i in 1 2; do
        for state in guard noguard; do
            if [[ $state == noguard ]]; then
                stop_engine detached
                stop_engine dot
                stop_engine plain
            elif ((i > 1)); then
                start_engines
            fi
            warm_up a
            names_file $((latency_queries + 200)) "$work/run-names.txt"
            ((pin)) && pin_servers 0
            local line
            line=$("${client_pin[@]}" "$probe" --server "$resolver:53" \
                --names "$work/run-names.txt" --count "$latency_queries" --warmup 200)
            ((pin)) && pin_servers "$all_cpus"
            record guard - latency "a_$state" "${line#probe }"
            log "  (a) $state: $(grep -o ' p50_us=[^ ]*' <<<"$line")"
        done
    done
}

start_engines() {
    # The plain engine first: its guard takes the veth (the others' attach fails, logged).
    start_engine plain "$work/plain.conf"
    start_engine dot "$work/dot.conf"
    start_engine detached "$work/plain.conf" --detached
}

# ---------------------------------------------------------------------------------------------
# Report

median() { sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s to %s", lo, hi}'; }
field() { # KIND PATH KEY -> its value on every line of that kind and path
    awk -F'\t' -v k="$1" -v p="$2" -v key="$3" '$3 == k && $4 == p {
        n = split($5, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], f, "="); if (f[1] == key) print f[2] } }' \
        "$results/runs.tsv"
}
# (X - Y) / Y in % for KEY, from every paired run that had both X and Y.
relative() { # X Y KEY
    awk -F'\t' -v x="$1" -v y="$2" -v key="$3" '$3 == "latency" && ($4 == x || $4 == y) {
        n = split($5, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], f, "="); if (f[1] == key) v[$1 SUBSEP $2 SUBSEP $4] = f[2] }
        runs[$1 SUBSEP $2] = 1 }
        END { for (r in runs) if ((r SUBSEP x) in v && (r SUBSEP y) in v) printf "%.2f\n", (v[r SUBSEP x] - v[r SUBSEP y]) / v[r SUBSEP y] * 100 }' \
        "$results/runs.tsv"
}
# The paired runs' medians of per-pair differences X - Y (µs), sign fixed by which side X was.
pair_diff() { # X Y KEY
    awk -F'\t' -v x="$1" -v y="$2" -v key="$3" '$3 == "paired" && ($4 == x "-" y || $4 == y "-" x) {
        n = split($5, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], f, "=");
            if (f[1] == key) printf "%.2f\n", ($4 == x "-" y ? f[2] : -f[2]) } }' "$results/runs.tsv"
}
# Throughput X / Y per round, in %.
qps_ratio() { # X Y
    paste <(field throughput "$1" qps) <(field throughput "$2" qps) | awk '{printf "%.1f\n", $1 / $2 * 100}'
}
# Per round: X's KEY minus Y's (throughput runs).
cpu_diff() { # X Y KEY
    paste <(field throughput "$1" "$3") <(field throughput "$2" "$3") | awk '{printf "%.2f\n", $1 - $2}'
}
list() { sort -g | paste -sd, - | sed 's/,/, /g'; }

report() {
    local path label p50 p90 p99 spread qps qspread avg ccpu cpu rcpu lost saw
    {
        echo "Closed loop (median of the runs' medians; p50 of each run, lowest to highest) and throughput:"
        echo
        echo "| path | p50 (µs) | p90 (µs) | p99 (µs) | run p50s (µs) | qps | qps of the runs | mean latency under load (ms) | client CPU per query (µs) | forwarder CPU per query (µs) | unbound CPU per query (µs) | lost | reached unbound |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        for path in a b c d e e0; do
            case $path in
            a) label="(a) client → unbound:53 directly" ;;
            b) label="(b) steered → engine stub → unbound, plain DNS" ;;
            c) label="(c) steered → engine stub → unbound, DoT" ;;
            d) label="(d) client → unbound forwarding over DoT → unbound (peer)" ;;
            e) label="(e) as (b), client sends to the stub address (programs not on its path)" ;;
            e0) label="(e0) DnsStub + QueryForwarder + Do53 alone" ;;
            esac
            p50=$(field latency "$path" p50_us | median)
            p90=$(field latency "$path" p90_us | median)
            p99=$(field latency "$path" p99_us | median)
            spread=$(field latency "$path" p50_us | range)
            qps=$(field throughput "$path" qps | median | awk '{printf "%.0f", $1}')
            qspread=$(field throughput "$path" qps | awk '{printf "%.0f\n", $1}' | range)
            avg=$(field throughput "$path" avg_s | median | awk '{printf "%.2f", $1 * 1000}')
            cpu=$(field throughput "$path" forwarder_cpu_us | median)
            [[ $path == a ]] && cpu="–"
            rcpu=$(field throughput "$path" resolver_cpu_us | median)
            ccpu=$(field throughput "$path" client_cpu_us | median)
            lost=$(field throughput "$path" lost | awk '{s += $1} END {print s}')
            saw=$(paste <(field throughput "$path" resolver_saw) <(field throughput "$path" sent) \
                | awk '{s += $1; t += $2} END {printf "%.3f", s / t}')
            echo "| $label | $p50 | $p90 | $p99 | $spread | $qps | $qspread | $avg | $ccpu | $cpu | $rcpu | $lost | $saw |"
        done
        echo
        echo "Comparisons (closed loop: from the paired runs only, each run's two medians; median over the runs, then every run):"
        echo
        echo "| comparison | median | every run |"
        echo "|---|---|---|"
        compare "steering: (b) vs (e), median latency, %" "$(relative b e p50_us)"
        compare "steering: (b) − (e), median of per-pair differences, µs" "$(pair_diff b e diff_p50_us)"
        compare "A/A: (e) vs (e), median latency, %" "$(relative e_aa e p50_us)"
        compare "A/A: (e) − (e), median of per-pair differences, µs" "$(pair_diff e_aa e diff_p50_us)"
        compare "steering: (b) − (e), client's time in socket/connect/send/recvfrom, µs" "$(pair_diff b e syscalls_diff_p50_us)"
        compare "steering: (b) vs (e), throughput (qps of b / e), %" "$(qps_ratio b e)"
        compare "steering: (b) − (e), dnsperf's CPU per query under load, µs" "$(cpu_diff b e client_cpu_us)"
        compare "stub hop: (b) vs (a), median latency, %" "$(relative b a p50_us)"
        compare "engine's own work: (e) vs (e0), median latency, %" "$(relative e e0 p50_us)"
        compare "DoT vs plain: (c) vs (b), median latency, %" "$(relative c b p50_us)"
        compare "DoT vs plain: (c) − (b), median of per-pair differences, µs" "$(pair_diff c b diff_p50_us)"
        compare "DoT: (c) vs the peer (d), median latency, %" "$(relative c d p50_us)"
        compare "DoT: (c) vs the peer (d), throughput (qps of c / d), %" "$(qps_ratio c d)"
        echo
        echo "Programs' own run time (kernel BPF statistics) and the guard on the veth:"
        echo
        awk -F'\t' '$3 == "hooks" { n = split($5, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], f, "="); v[f[1]] = f[2] }
            printf "- %s: steering programs %s ns per lookup (%s runs), XDP guard %s ns per packet (%s packets per lookup)\n",
                $4, v["steer_ns_per_lookup"], v["steer_runs_per_lookup"], v["guard_ns_per_packet"], v["guard_packets_per_lookup"] }
            $3 == "programs" { gsub(/ns\*/, " ns × ", $5); gsub(/=/, " ", $5); gsub(/ dns_/, ", dns_", $5); printf "  - per program (ns per run × runs per lookup): %s\n", $5 }' \
            "$results/runs.tsv"
        echo "- (a) with the guard attached: p50 $(field latency a_guard p50_us | list) µs; without: $(field latency a_noguard p50_us | list) µs"
    } | tee "$results/table.md"
}

compare() { # LABEL VALUES
    local values=$2
    echo "| $1 | $(median <<<"$values") | $(list <<<"$values") |"
}

# ---------------------------------------------------------------------------------------------

log "results in $results; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
{
    echo "date: $(date -Is)"
    echo "kernel: $(uname -r), cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "unbound: $(unbound -V | awk 'NR == 1'), $(dnsperf -h 2>&1 | grep -m1 Version)"
    echo "options: rounds=$rounds latency_queries=$latency_queries seconds=$seconds clients=$clients outstanding=$outstanding pin=$pin"
    echo "load before: $(cat /proc/loadavg)"
} >"$results/machine.txt"
: >"$results/runs.tsv"

setup_network
make_certificates
write_resolver_lists
start_resolver
start_peer
mkdir -p "$cgroup"
((pin)) && client_pin=(taskset -c 0)
start_engines

for ((round = 1; round <= rounds; round++)); do
    log "round $round of $rounds (load $(cut -d' ' -f1 /proc/loadavg))"
    closed_loop_phase "$round"
    throughput_phase "$round"
done
hook_cost
guard_cost
echo "load after: $(cat /proc/loadavg)" >>"$results/machine.txt"
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
report
echo "raw outputs: $results" >&2
