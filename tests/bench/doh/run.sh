#!/usr/bin/env bash
# DoH monitor benchmark: the CPU the monitor's uprobes cost a DoH-heavy client and a TLS-heavy
# client that does no DoH, with the probes attached, detached, and as empty uprobes (the
# kernel's mechanism alone), taking turns, in one run.
# Prints Markdown for docs/benchmarks.md. Needs root (network namespace, cgroups, BPF).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: tests/bench/doh/run.sh [OPTIONS]

Two workloads, each run in four modes per round (the order rotates from round to round):

  attached  mamori_doh_bench: the production DohMonitor (uprobes on every libssl and libgnutls
            file, one decoder per connection, verdicts back to the kernel), as mamorid runs it
            with DohMonitor=all-processes;
  clients   mamori_doh_bench --doh-clients: mamorid's default scope, the same monitor with
            probes only in processes that connect to port 443 of the DoH server (reported by
            the DNS engine's cgroup connect hooks), from the moment they are attached;
  detached  mamori_doh_bench --detached: the same process, nothing loaded (the baseline);
  empty     no monitor; perf's counting uprobes on SSL_read and SSL_write of libssl, entry and
            return, as the monitor puts them: the kernel's uprobe mechanism alone, no BPF
            program (--no-empty: skipped).

  (A) DoH-heavy: one curl resolving NAMES distinct host names through DoH (--doh-url) to
      unbound in a network namespace (10.61.0.2:443, HTTP/2, certificate from a CA this
      script makes); curl --parallel fetches http://mb-<n>.test:9/, every name is a new
      lookup (A and AAAA), then a refused connection, so the lookups are nearly all it does;
  (B) TLS-heavy, no DoH: wrk -t1 -cCONNECTIONS -dSECONDS against nginx over HTTPS on
      127.0.0.1 (one worker, a 1 KiB static file, keep-alive).

CPU is read from the cgroups each side runs in (cpu.stat usage_usec: exact scheduler time,
user + system), separately for the client (curl, wrk), the server (unbound, nginx) and the
monitor. Servers on CPU 0, clients on CPU 1 (--no-pin: anywhere); the monitor is not pinned.
After the rounds, one more attached and one more clients run of each workload with
kernel.bpf_stats_enabled=1 (restored after) give the programs' own run time and runs per
lookup / request (how many probe hits each unit costs); they are not in the overhead figures
(the statistics cost time themselves).

Options:
  --build DIR         build directory with tests/bench/doh/mamori_doh_bench (default ./build)
  --rounds N          rounds, at least 1 (default 5)
  --names N           names curl resolves per run of (A) (default 2000)
  --parallel N        curl --parallel-max (default 8)
  --seconds S         length of a wrk run (default 10)
  --connections N     wrk -c (default 16)
  --no-empty          skip the empty-uprobe mode
  --no-pin            do not pin servers and clients
  --results DIR       where raw outputs go (default /tmp/mamori-doh-bench-<time>)
  --keep              also keep the work directory (configs, certificates, logs)
  -h, --help          this text

Waits (up to an hour) while tests/bench/dns/run.sh runs. Needs root, ip, ss, unbound, nginx,
curl, wrk, openssl, bpftool, perf (for the empty mode), taskset, flock, findmnt. Tables go to
stdout (and RESULTS/table.md), progress to stderr.
EOF
}

build=./build
rounds=5
empty=1
names=2000
parallel=8
seconds=10
connections=16
pin=1
results=
keep=0

while (($#)); do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --build=*) build=${1#*=}; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-empty) empty=0; shift ;;
    --names) names=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
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

for n in "$rounds" "$names" "$parallel" "$seconds" "$connections"; do
    [[ $n =~ ^[0-9]+$ ]] || die "not a whole number: $n"
done
((rounds >= 1 && names >= 10 && parallel >= 1 && seconds >= 1 && connections >= 1)) \
    || die "--names must be at least 10, the others at least 1"

((EUID == 0)) || die "needs root (network namespace, cgroups, BPF)"
bench=$(cd "$build" 2>/dev/null && pwd)/tests/bench/doh/mamori_doh_bench || die "no build directory $build"
[[ -x $bench ]] || die "$bench is missing: cmake --build $build --target mamori_doh_bench"
for tool in ip ss unbound nginx curl wrk openssl bpftool taskset flock findmnt; do
    command -v "$tool" >/dev/null || die "needs $tool"
done

# Fixed names and subnet (10.61.0.0/24, names starting with mb-: no test uses them): one run
# at a time.
exec 9>/run/mb-doh-bench.lock
flock -n 9 || die "another tests/bench/doh/run.sh is running"
netns=mb-doh
host_if=mb-doh-h
peer_if=mb-doh-n
resolver=10.61.0.2
doh_name=mb-doh-server.test
doh_url=https://$doh_name/dns-query

cgroup_root=$(findmnt -n -t cgroup2 -o TARGET | awk 'NR == 1')
[[ -n $cgroup_root ]] || die "no cgroup v2 mount"
cgroup=$cgroup_root/mb-doh-bench-$$
groups=(doh-client doh-server tls-client tls-server monitor)

results=${results:-/tmp/mamori-doh-bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$results"
results=$(cd "$results" && pwd)
work=$(mktemp -d /tmp/mb-doh-bench.XXXXXX)
started=() # pids of the long-running processes this script started
old_bpf_stats=$(sysctl -n kernel.bpf_stats_enabled)
monitor_pid=
probes_defined=0 # the empty mode's perf probes exist

# Ends a process and waits for it; the monitor needs long (detaching takes the kernel about
# a second per library).
stop_pid() { # PID [SECONDS]
    local pid=$1 limit=${2:-5}
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq $((limit * 10))); do
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
    [[ -n $monitor_pid ]] && stop_pid "$monitor_pid" 60
    ((probes_defined)) && perf probe -q -d 'mbdoh:*' >/dev/null 2>&1
    for pid in "${started[@]}"; do
        stop_pid "$pid"
    done
    if [[ -d $cgroup ]]; then
        # Leftover clients of an interrupted run, then the directories, deepest first.
        while IFS= read -r dir; do
            xargs -r kill -KILL <"$dir/cgroup.procs" 2>/dev/null
        done < <(find "$cgroup" -depth -type d)
        # A process that has just exited may hold its cgroup a little longer: try again.
        for _ in $(seq 50); do
            find "$cgroup" -depth -type d -exec rmdir {} \; 2>/dev/null
            [[ -d $cgroup ]] || break
            sleep 0.1
        done
        [[ -d $cgroup ]] && echo "run.sh: could not remove $cgroup" >&2
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

wait_for_other_benchmarks() {
    local waited=0
    while pgrep -f tests/bench/dns/run.sh >/dev/null; do
        ((waited % 60 == 0)) && log "waiting for tests/bench/dns/run.sh to finish ($waited s)"
        ((waited < 3600)) || die "tests/bench/dns/run.sh still runs after an hour"
        sleep 5
        waited=$((waited + 5))
    done
}

setup_network() {
    bench_setup_netns "$netns" "$host_if" "$peer_if" 10.61.0 "$resolver"
}

# One CA; one server certificate for both servers (unbound by name, nginx by 127.0.0.1).
make_certificates() {
    bench_make_certificates "$work" "mb DoH bench CA" "DNS:$doh_name,IP:127.0.0.1" 4343
}

# in_cgroup GROUP CMD...: runs CMD as a process of that benchmark cgroup.
in_cgroup() {
    local dir=$cgroup/$1
    shift
    sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

# start_in_cgroup GROUP CMD... &: the same in the background, CMD replacing the subshell, so
# that $! is CMD's pid.
start_in_cgroup() {
    echo "$BASHPID" >"$cgroup/$1/cgroup.procs"
    shift
    exec "$@"
}

# unbound answers every name under test. from a redirect zone: no cache, no upstream; DoH
# over HTTP/2 only (unbound serves no HTTP/1.1).
start_unbound() {
    cat >"$work/unbound.conf" <<EOF
server:
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
  interface: $resolver@443
  https-port: 443
  http-endpoint: "/dns-query"
  tls-service-key: "$work/server.key"
  tls-service-pem: "$work/server.pem"
  access-control: 0.0.0.0/0 allow
  incoming-num-tcp: 100
  local-zone: "test." redirect
  local-data: "test. A $resolver"
remote-control:
  control-enable: no
EOF
    start_in_cgroup doh-server "${server_pin[@]}" ip netns exec "$netns" \
        unbound -d -c "$work/unbound.conf" 2>"$results/unbound.log" &
    started+=("$!")
    for _ in $(seq 100); do
        # Exit code 7: the name was resolved, then port 9 refused the connection.
        if [[ $(curl -s -o /dev/null --max-time 2 --cacert "$work/ca.pem" \
            --resolve "$doh_name:443:$resolver" --doh-url "$doh_url" \
            -w '%{exitcode}' "http://mb-ready.test:9/") == 7 ]]; then
            return
        fi
        sleep 0.1
    done
    die "unbound does not answer DoH on $resolver:443: $(cat "$results/unbound.log")"
}

start_nginx() {
    local dir=$work/nginx
    mkdir -p "$dir/html" "$dir/logs"
    head -c 1024 /dev/zero | tr '\0' 'm' >"$dir/html/file"
    nginx_port=$(free_tcp_port)
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log notice;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
    root $dir/html;
  }
}
EOF
    start_in_cgroup tls-server "${server_pin[@]}" nginx -c "$dir/nginx.conf" -p "$dir" \
        2>"$results/nginx.log" &
    started+=("$!")
    for _ in $(seq 100); do
        curl -fs -o /dev/null --cacert "$work/ca.pem" "https://127.0.0.1:$nginx_port/file" && return
        sleep 0.1
    done
    die "nginx does not serve https://127.0.0.1:$nginx_port/file: $(cat "$results/nginx.log" "$dir/logs/error.log")"
}

free_tcp_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! ss -Hltn "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# The monitor

start_monitor() { # attached|clients|detached
    local out=$work/monitor.out
    local args=()
    [[ $1 == detached ]] && args=(--detached)
    [[ $1 == clients ]] && args=(--doh-clients "$cgroup" "$resolver")
    : >"$out"
    start_in_cgroup monitor "$bench" "${args[@]}" >"$out" 2>>"$results/monitor.log" &
    monitor_pid=$!
    for _ in $(seq 300); do
        if grep -q '^ready ' "$out"; then
            grep '^ready ' "$out" >>"$results/monitor.log"
            return
        fi
        kill -0 "$monitor_pid" 2>/dev/null \
            || die "mamori_doh_bench ($1) exited: $(cat "$results/monitor.log")"
        sleep 0.1
    done
    die "mamori_doh_bench ($1) did not start: $(cat "$results/monitor.log")"
}

stop_monitor() {
    stop_pid "$monitor_pid" 60
    monitor_pid=
    cat "$work/monitor.out" >>"$results/monitor.log"
}

# The monitor's counters now: asks it for a line and prints it without the "counters" word.
monitor_counters() {
    local before
    before=$(grep -c '^counters ' "$work/monitor.out" || true)
    kill -USR1 "$monitor_pid"
    for _ in $(seq 100); do
        if (($(grep -c '^counters ' "$work/monitor.out" || true) > before)); then
            grep '^counters ' "$work/monitor.out" | tail -n 1 | cut -d' ' -f2-
            return
        fi
        sleep 0.05
    done
    die "mamori_doh_bench does not answer SIGUSR1"
}

# The BPF programs the monitor holds (its fds), as ids.
monitor_programs() {
    local fd
    for fd in /proc/"$monitor_pid"/fdinfo/*; do
        sed -n 's/^prog_id:[[:space:]]*//p' "$fd" 2>/dev/null
    done | sort -un
}

per_program() { # IDS... -> "name run_time_ns run_cnt" per program
    local id
    for id in "$@"; do
        bpftool prog show id "$id" | awk 'NR == 1 {
            for (i = 1; i < NF; i++) { if ($i == "name") n = $(i + 1); if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
            print n, t + 0, c + 0 }'
    done
}

# ---------------------------------------------------------------------------------------------
# Measuring

cpu_usec() { # GROUP -> usage_usec of the cgroup
    awk '$1 == "usage_usec" {print $2}' "$cgroup/$1/cpu.stat"
}

now_ns() { date +%s%N; }

# Each run of (A) gets names no earlier run asked.
next_name=1
write_curl_config() { # FILE
    {
        echo "parallel"
        echo "parallel-max = $parallel"
        echo "silent"
        echo "doh-url = \"$doh_url\""
        echo "resolve = \"$doh_name:443:$resolver\""
        echo "cacert = \"$work/ca.pem\""
        printf 'write-out = "%%{exitcode}\\n"\n'
        awk -v first="$next_name" -v n="$names" \
            'BEGIN { for (i = first; i < first + n; i++) printf "url = \"http://mb-%d.test:9/\"\noutput = \"/dev/null\"\n", i }'
    } >"$1"
    next_name=$((next_name + names))
}

# One run of (A); prints "key=value ...".
run_doh() {
    local config=$work/curl.conf out=$work/curl.out
    write_curl_config "$config"
    local c0 s0 m0 t0 c1 s1 m1 t1
    c0=$(cpu_usec doh-client) s0=$(cpu_usec doh-server) m0=$(cpu_usec monitor) t0=$(now_ns)
    in_cgroup doh-client "${client_pin[@]}" curl -K "$config" >"$out" 2>>"$results/curl.log" || true
    t1=$(now_ns) c1=$(cpu_usec doh-client) s1=$(cpu_usec doh-server) m1=$(cpu_usec monitor)
    local resolved failed
    resolved=$(grep -cx 7 "$out" || true)
    failed=$(grep -cvx 7 "$out" || true)
    ((failed == 0)) || log "  (A) $failed of $names transfers did not resolve (exit codes: $(sort "$out" | uniq -c | tr -s ' ' | paste -sd, -))"
    echo "units=$resolved wall_ms=$(((t1 - t0) / 1000000)) client_us=$((c1 - c0)) server_us=$((s1 - s0)) monitor_us=$((m1 - m0))"
}

# One run of (B); prints "key=value ...".
run_tls() { # SECONDS
    local out=$work/wrk.out
    local c0 s0 m0 t0 c1 s1 m1 t1
    c0=$(cpu_usec tls-client) s0=$(cpu_usec tls-server) m0=$(cpu_usec monitor) t0=$(now_ns)
    in_cgroup tls-client "${client_pin[@]}" wrk -t1 -c"$connections" -d"${1}s" \
        "https://127.0.0.1:$nginx_port/file" >"$out" 2>>"$results/wrk.log"
    t1=$(now_ns) c1=$(cpu_usec tls-client) s1=$(cpu_usec tls-server) m1=$(cpu_usec monitor)
    cat "$out" >>"$results/wrk.log"
    if grep -Eq 'Socket errors|Non-2xx' "$out"; then
        log "  (B) wrk saw errors: $(grep -E 'Socket errors|Non-2xx' "$out" | tr -s ' ')"
    fi
    local requests
    requests=$(awk '/ requests in / {print $1}' "$out")
    [[ -n $requests ]] || die "no request count in wrk's output: $(cat "$out")"
    echo "units=$requests wall_ms=$(((t1 - t0) / 1000000)) client_us=$((c1 - c0)) server_us=$((s1 - s0)) monitor_us=$((m1 - m0))"
}

# counters_diff BEFORE AFTER: the monitor's counters over a run, questions per process name
# included ("by_comm=curl:400,...").
counters_diff() {
    awk -v b="$1" -v a="$2" '
        function split_comms(text, into,    n, i, parts, pair) {
            if (text == "-") return
            n = split(text, parts, ",")
            for (i = 1; i <= n; i++) { split(parts[i], pair, ":"); into[pair[1]] = pair[2] }
        }
        BEGIN {
        n = split(b, x, " ")
        for (i = 1; i <= n; i++) { split(x[i], f, "="); before[f[1]] = f[2]; if (f[1] == "by_comm") split_comms(f[2], was) }
        n = split(a, y, " ")
        for (i = 1; i <= n; i++) { split(y[i], f, "=");
            if (f[1] == "by_comm") { split_comms(f[2], now); continue }
            printf "%s%s=%d", (k++ ? " " : ""), f[1], f[2] - before[f[1]] }
        by = ""
        for (c in now) if (now[c] - was[c] > 0) by = by (by == "" ? "" : ",") c ":" (now[c] - was[c])
        printf " by_comm=%s\n", (by == "" ? "-" : by) }'
}

record() { # PAIR MODE WORKLOAD FIELDS
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results/runs.tsv"
}

run_workload() { # doh|tls
    if [[ $1 == doh ]]; then
        run_doh
    else
        run_tls "$seconds"
    fi
}

# One mode of a round: (A), then (B). attached/clients/detached: one mamori_doh_bench for both, its
# counters read around each run. empty: perf counting the empty uprobes around each run.
measure_mode() { # ROUND MODE
    local round=$1 mode=$2 workload before line
    if [[ $mode == empty ]]; then
        for workload in doh tls; do
            start_empty_probes
            line=$(run_workload "$workload")
            stop_empty_probes
            line="$line hits=$empty_hits"
            record "$round" "$mode" "$workload" "$line"
            log "  $mode ($workload): $line"
        done
        return
    fi
    start_monitor "$mode"
    sleep 1
    for workload in doh tls; do
        before=$(monitor_counters)
        line=$(run_workload "$workload")
        record "$round" "$mode" "$workload" "$line counters: $(counters_diff "$before" "$(monitor_counters)")"
        log "  $mode ($workload): $line"
    done
    stop_monitor
}

# The empty mode's probes: perf's uprobe events on SSL_read and SSL_write of the libssl file the
# clients and servers map, entry and return, like the monitor's. Defined once (inert until
# perf stat enables them), removed at exit.
libssl=
define_empty_probes() {
    libssl=$(ldd "$(command -v wrk)" | awk '$1 ~ /^libssl\.so/ {print $3; exit}')
    [[ -n $libssl ]] || die "wrk does not link libssl"
    libssl=$(readlink -f "$libssl")
    perf probe -q -d 'mbdoh:*' >/dev/null 2>&1 || true # a killed run's
    if ! perf probe -q -x "$libssl" -a 'mbdoh:read=SSL_read' -a 'mbdoh:read_ret=SSL_read%return' \
        -a 'mbdoh:write=SSL_write' -a 'mbdoh:write_ret=SSL_write%return' 2>"$work/perf-probe.log"; then
        log "perf cannot put uprobes on $libssl, skipping the empty mode: $(cat "$work/perf-probe.log")"
        empty=0
        return
    fi
    probes_defined=1
}

start_empty_probes() {
    : >"$work/perf.out"
    start_in_cgroup monitor perf stat -a -x, -e 'mbdoh:*' -o "$work/perf.out" 2>>"$results/perf.log" &
    monitor_pid=$!
    # perf stat enables its events before it waits; give it time to get there.
    sleep 1
    kill -0 "$monitor_pid" 2>/dev/null || die "perf stat exited: $(cat "$results/perf.log")"
}

# Stops perf (SIGINT: it writes its counts) and sets empty_hits to the hits it counted. Not in
# a subshell: only this shell can wait for perf.
empty_hits=
stop_empty_probes() {
    kill -INT "$monitor_pid"
    wait "$monitor_pid" 2>/dev/null || true
    monitor_pid=
    cat "$work/perf.out" >>"$results/perf.log"
    empty_hits=$(awk -F, '$3 ~ /^mbdoh:/ { hits += $1 } END { print hits + 0 }' "$work/perf.out")
}

# With the kernel's BPF statistics on: the programs' run time and runs per lookup / request,
# for one monitor mode (attached: the "programs" rows; clients: "programs-clients").
program_cost() { # MODE
    local mode=$1 ids line workload units row=programs
    [[ $mode == clients ]] && row=programs-clients
    log "programs' own run time (kernel.bpf_stats_enabled=1, $mode)"
    start_monitor "$mode"
    mapfile -t ids < <(monitor_programs)
    ((${#ids[@]} > 0)) || die "no BPF programs found in mamori_doh_bench's fds"
    sysctl -q -w kernel.bpf_stats_enabled=1
    for workload in doh tls; do
        per_program "${ids[@]}" >"$work/programs-before.txt"
        line=$(run_workload "$workload")
        per_program "${ids[@]}" >"$work/programs-after.txt"
        units=${line#units=}
        units=${units%% *}
        record stats "$mode" "$workload" "$line"
        record stats "$row" "$workload" "$(paste "$work/programs-before.txt" "$work/programs-after.txt" \
            | awk -v n="$units" '$6 > $3 {
                printf "%s%s=%.0f*%.3f", (k++ ? " " : ""), $1, ($5 - $2) / ($6 - $3), ($6 - $3) / n }')"
        log "  $workload: $(tail -n 1 "$results/runs.tsv" | cut -f 4)"
    done
    sysctl -q -w kernel.bpf_stats_enabled="$old_bpf_stats"
    for id in "${ids[@]}"; do bpftool prog show id "$id"; done >"$results/programs.txt"
    stop_monitor
}

# ---------------------------------------------------------------------------------------------
# Report

median() { sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s to %s", lo, hi}'; }
list() { sort -g | paste -sd' ' - | sed 's/ /, /g'; }

# Per run of MODE and WORKLOAD, in round order, an expression over its fields (in v[]).
per_run() { # MODE WORKLOAD EXPRESSION
    awk -F'\t' -v m="$1" -v w="$2" '$2 == m && $3 == w && $1 != "stats" {
        delete v; n = split($4, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], f, "="); v[f[1]] = f[2] }
        printf "%.2f\n", '"$3"' }' "$results/runs.tsv"
}

# Per round: (MODE - detached) / detached in %, for an expression over a run's fields.
overhead() { # MODE WORKLOAD EXPRESSION
    paste <(per_run "$1" "$2" "$3") <(per_run detached "$2" "$3") \
        | awk '{printf "%.1f\n", ($1 - $2) / $2 * 100}'
}

# Expressions (a run's fields in v[]): CPU in µs per unit (name or request), throughput.
cpu_client='v["client_us"] / v["units"]'
cpu_server='v["server_us"] / v["units"]'
cpu_monitor='v["monitor_us"] / v["units"]'
cpu_both='(v["client_us"] + v["server_us"]) / v["units"]'
cpu_all='(v["client_us"] + v["server_us"] + v["monitor_us"]) / v["units"]'
rate='v["units"] / v["wall_ms"] * 1000'

modes_run() { # the modes this run measured, baseline first
    echo detached attached clients
    ((empty)) && echo empty
    return 0
}

mode_label() {
    case $1 in
    detached) echo "detached (baseline)" ;;
    attached) echo "attached, all processes (DohMonitor)" ;;
    clients) echo "attached, DoH clients only (default scope)" ;;
    empty) echo "empty uprobes (perf, no program)" ;;
    esac
}

table() { # WORKLOAD
    local workload=$1 mode rates
    for mode in $(modes_run); do
        rates=$(per_run "$mode" "$workload" "$rate" | awk '{printf "%.0f\n", $1}')
        printf '| %s | %s (%s) | %s | %s | %s | %s |\n' "$(mode_label "$mode")" \
            "$(median <<<"$rates")" "$(range <<<"$rates")" \
            "$(per_run "$mode" "$workload" "$cpu_client" | median)" \
            "$(per_run "$mode" "$workload" "$cpu_server" | median)" \
            "$(per_run "$mode" "$workload" "$cpu_monitor" | median)" \
            "$(per_run "$mode" "$workload" "$cpu_all" | median)"
    done
}

overhead_row() { # LABEL MODE WORKLOAD EXPRESSION
    local values
    values=$(overhead "$2" "$3" "$4")
    echo "| $1 | $(median <<<"$values") | $(list <<<"$values") |"
}

overhead_rows() { # MODE
    local m=$1
    overhead_row "(A) $m: curl CPU per name" "$m" doh "$cpu_client"
    overhead_row "(A) $m: curl + unbound CPU per name" "$m" doh "$cpu_both"
    overhead_row "(A) $m: curl + unbound + monitor CPU per name" "$m" doh "$cpu_all"
    overhead_row "(A) $m: names per second" "$m" doh "$rate"
    overhead_row "(B) $m: wrk CPU per request" "$m" tls "$cpu_client"
    overhead_row "(B) $m: nginx CPU per request" "$m" tls "$cpu_server"
    overhead_row "(B) $m: wrk + nginx + monitor CPU per request" "$m" tls "$cpu_all"
    overhead_row "(B) $m: requests per second" "$m" tls "$rate"
}

counters_of() { # MODE WORKLOAD -> the runs' counters, one line per run
    awk -F'\t' -v m="$1" -v w="$2" '$2 == m && $3 == w && $1 != "stats" { sub(/.*counters: /, "", $4); print "  - round " $1 ": " $4 }' \
        "$results/runs.tsv"
}

# The per-program statistics of the extra round, and what the uprobe programs add up to.
programs_of() { # WORKLOAD [ROW]
    awk -F'\t' -v w="$1" -v row="${2:-programs}" '$1 == "stats" && $2 == row && $3 == w {
        n = split($4, kv, " "); total_ns = 0; total_runs = 0; text = ""
        for (i = 1; i <= n; i++) { split(kv[i], f, "="); split(f[2], g, "*")
            text = text (i > 1 ? ", " : "") f[1] " " g[1] " ns × " g[2]
            if (f[1] ~ /^(ssl_|gnutls_|tls_)/) { total_ns += g[1] * g[2]; total_runs += g[2] } }
        printf "  - per program (ns per run × runs per unit): %s\n", text
        printf "  - TLS probes (ssl_*, gnutls_*, tls_*): %.2f hits and %.2f µs of program time per unit\n", total_runs, total_ns / 1000 }' \
        "$results/runs.tsv"
}

# What one probe hit costs: the extra client + server CPU per unit over the hits per unit. For
# the monitor the hits come from the statistics round; for empty uprobes from perf's counts.
hit_cost() { # WORKLOAD
    local extra hits_per_unit
    extra=$(paste <(per_run attached "$1" "$cpu_both") <(per_run detached "$1" "$cpu_both") \
        | awk '{print $1 - $2}' | median)
    awk -F'\t' -v w="$1" -v extra="$extra" '$1 == "stats" && $2 == "programs" && $3 == w {
        n = split($4, kv, " "); ns = 0; runs = 0
        for (i = 1; i <= n; i++) { split(kv[i], f, "="); split(f[2], g, "*")
            if (f[1] ~ /^(ssl_|gnutls_|tls_)/) { ns += g[1] * g[2]; runs += g[2] } }
        if (runs > 0) printf "  - attached: %.2f µs more curl/wrk + server CPU per unit (median of the rounds) over %.2f probe hits = %.2f µs per hit, of which %.2f µs is program time\n",
            extra, runs, extra / runs, ns / runs / 1000 }' "$results/runs.tsv"
    ((empty)) || return 0
    extra=$(paste <(per_run empty "$1" "$cpu_both") <(per_run detached "$1" "$cpu_both") \
        | awk '{print $1 - $2}' | median)
    hits_per_unit=$(per_run empty "$1" 'v["hits"] / v["units"]' | median)
    awk -v extra="$extra" -v hits="$hits_per_unit" 'BEGIN {
        if (hits > 0) printf "  - empty uprobes: %.2f µs more per unit over %.2f hits (perf'"'"'s count) = %.2f µs per hit\n", extra, hits, extra / hits }'
}

report() {
    {
        echo "(A) DoH-heavy: curl resolving $names names per run through DoH (unbound, HTTP/2), --parallel-max $parallel; a unit is one name resolved (A and AAAA asked). CPU in µs per name, medians of $rounds rounds."
        echo
        echo "| probes | names/s, median (runs) | curl | unbound | monitor | total |"
        echo "|---|---|---|---|---|---|"
        table doh
        echo
        echo "(B) TLS-heavy, no DoH: wrk -t1 -c$connections -d${seconds}s against nginx over HTTPS (1 KiB file, keep-alive); a unit is one request. CPU in µs per request, medians of $rounds rounds."
        echo
        echo "| probes | requests/s, median (runs) | wrk | nginx | monitor | total |"
        echo "|---|---|---|---|---|---|"
        table tls
        echo
        echo "Overhead against detached, per round (median, then every round), in %:"
        echo
        echo "| comparison | median | every round |"
        echo "|---|---|---|"
        overhead_rows attached
        overhead_rows clients
        ((empty)) && overhead_rows empty
        echo
        echo "Monitor counters over each run (probed: processes the default scope probed):"
        echo
        for mode in attached clients; do
            echo "- (A), $(mode_label "$mode")"
            counters_of "$mode" doh
            echo "- (B), $(mode_label "$mode")"
            counters_of "$mode" tls
        done
        echo
        echo "Programs' own run time (kernel.bpf_stats_enabled=1, one extra attached run of each) and the cost per probe hit:"
        echo
        echo "- (A), per name resolved"
        programs_of doh
        hit_cost doh
        echo "- (B), per request"
        programs_of tls
        hit_cost tls
        echo "- default scope (clients), (A) per name resolved"
        programs_of doh programs-clients
        echo "- default scope (clients), (B) per request"
        programs_of tls programs-clients
    } | tee "$results/table.md"
}

# ---------------------------------------------------------------------------------------------

wait_for_other_benchmarks
log "results in $results; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
((empty)) && ! command -v perf >/dev/null && { log "no perf: skipping the empty mode"; empty=0; }
{
    echo "date: $(date -Is)"
    echo "kernel: $(uname -r), cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "versions: $(unbound -V | awk 'NR == 1'), $(nginx -v 2>&1), $(curl --version | awk 'NR == 1 {print $1, $2, $5}'), $(wrk --version 2>&1 | awk 'NR == 1 {print $1, $2}')"
    echo "options: rounds=$rounds names=$names parallel=$parallel seconds=$seconds connections=$connections pin=$pin empty=$empty"
    echo "load before: $(cat /proc/loadavg)"
} >"$results/machine.txt"
: >"$results/runs.tsv"

server_pin=()
client_pin=()
if ((pin)); then
    server_pin=(taskset -c 0)
    client_pin=(taskset -c 1)
fi
setup_network
make_certificates
for group in "${groups[@]}"; do
    mkdir -p "$cgroup/$group"
done
start_unbound
start_nginx
((empty)) && define_empty_probes

log "warm-up (detached)"
start_monitor detached
run_doh >/dev/null
run_tls 2 >/dev/null
stop_monitor

mapfile -t modes < <(echo attached; echo clients; echo detached; ((empty)) && echo empty)
for ((round = 1; round <= rounds; round++)); do
    log "round $round of $rounds (load $(cut -d' ' -f1 /proc/loadavg))"
    # Each round starts one mode later than the one before, so no mode always goes first.
    for ((i = 0; i < ${#modes[@]}; i++)); do
        measure_mode "$round" "${modes[(round - 1 + i) % ${#modes[@]}]}"
    done
done
program_cost attached
program_cost clients
echo "load after: $(cat /proc/loadavg)" >>"$results/machine.txt"
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
report
echo "raw outputs: $results" >&2
