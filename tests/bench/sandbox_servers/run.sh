#!/usr/bin/env bash
# shellcheck disable=SC2034 # the per-server settings (nginx_cmd, ...) are read indirectly
# Macro benchmark: nginx and memcached throughput unsandboxed and under a profile learned by
# `mamori-run --learn` (init/serve phases) with the benchmark tool itself as the learning
# workload. Prints Markdown for docs/benchmarks.md. Needs root (learning loads a BPF program).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: tests/bench/sandbox_servers/run.sh [OPTIONS]

Measures what a learned Mamori seccomp profile costs real servers:

  nginx      single process (master_process off), phases init -> serve at the first
             epoll_wait; load: wrk -t2 -c32 on a 17-byte static page (keep-alive)
  memcached  -u nobody -l 127.0.0.1 -U 0 -t 2 -m 1024 (more for long rounds: no evictions),
             phases init -> serve at the first accept4;
             load: memcaslap -T 2 -c 32 (90 % get, 10 % set, its defaults)

For each server it
  1. learns a profile: `mamori-run --learn --switch serve=...` with the load tool as the
     learning workload (--learn-seconds), and keeps the "attack surface reduction" line;
  2. runs rounds A/B/A/B...: A = the server started directly, B = the server started by
     `mamori-run PROFILE --` without mamorid (DBUS_SYSTEM_BUS_ADDRESS points nowhere, so the
     launcher runs unsupervised; allowed syscalls never reach the supervisor anyway). Every
     round starts a fresh server, sends one request, checks Seccomp_filters in
     /proc/PID/status (0 for A, 2 = serve phase for B), runs the tool for --warmup seconds
     (discarded) and then for --seconds (measured);
  3. prints a Markdown table: medians of req/s (ops/s), sandboxed/unsandboxed ratio (target
     >= 98 %), the learned reduction next to the paper's (NGINX 52.3 %, Memcached 55.4 %).

Options:
  --build DIR          build directory holding service/launcher/mamori-run (default ./build)
  --rounds N           measured rounds per variant, at least 3 (default 7)
  --seconds S          length of a measured round (default 10)
  --warmup S           unmeasured load before each round, 0 for none (default 2)
  --learn-seconds S    length of the learning workload (default 5)
  --no-pin             do not pin: by default the server runs on CPU 0 and the load tool
                       on CPU 1 (taskset), when there are at least 2 CPUs
  --only nginx|memcached   run one server only
  --control            A/A control: the second column runs the server unsandboxed too, so
                       its "ratio" shows how far apart two identical setups land here
  --keep               keep the temporary directory (profiles, logs) and print its path
  -h, --help           this text

Needs root, nginx, memcached, wrk, memcaslap (libmemcached-tools), curl and taskset.
The table goes to stdout, progress and per-round figures to stderr.
EOF
}

build=./build
rounds=7
seconds=10
warmup=2
learn_seconds=5
pin=1
only=
keep=0
control=0

while (($#)); do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --build=*) build=${1#*=}; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --learn-seconds) learn_seconds=$2; shift 2 ;;
    --no-pin) pin=0; shift ;;
    --only) only=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --control) control=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

for n in "$rounds" "$seconds" "$warmup" "$learn_seconds"; do
    [[ $n =~ ^[0-9]+$ ]] || die "not a whole number: $n"
done
((rounds >= 3)) || die "--rounds must be at least 3"
((seconds >= 1 && learn_seconds >= 1)) || die "--seconds and --learn-seconds must be at least 1"
case "$only" in '' | nginx | memcached) ;; *) die "--only takes nginx or memcached" ;; esac

((EUID == 0)) || die "needs root (mamori-run --learn loads a BPF program)"
launcher=$(cd "$build" 2>/dev/null && pwd)/service/launcher/mamori-run \
    || die "no build directory $build"
[[ -x $launcher ]] || die "$launcher is missing: cmake --build $build --target mamori-run mamori-phase"
[[ -f $(dirname "$launcher")/libmamori-phase.so ]] \
    || die "libmamori-phase.so is missing next to mamori-run: cmake --build $build --target mamori-phase"
nginx_bin=/usr/sbin/nginx
memcached_bin=/usr/bin/memcached
for tool in "$nginx_bin" "$memcached_bin" wrk memcaslap curl taskset ss; do
    command -v "$tool" >/dev/null || die "needs $tool"
done

ncpu=$(nproc)
if ((pin && ncpu < 2)); then
    log "only $ncpu CPU: not pinning"
    pin=0
fi
if ((pin)); then
    server_pin=(taskset -c 0)
    client_pin=(taskset -c 1)
else
    server_pin=()
    client_pin=()
fi

work=$(mktemp -d /tmp/mamori-bench-servers.XXXXXX)
chmod 755 "$work" # memcached drops to nobody; nothing of ours needs to be private
started=()        # pids of servers and learners we started

cleanup() {
    local pid
    for pid in "${started[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${started[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if ((keep)); then
        echo "run.sh: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A TCP port nothing listens on.
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! ss -Hltn "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_listening() { # port pid errfile
    for _ in $(seq 100); do
        listening "$1" && return 0
        kill -0 "$2" 2>/dev/null || die "the server exited before listening: $(cat "$3")"
        sleep 0.1
    done
    die "nothing listens on port $1 after 10 s: $(cat "$3")"
}

# Seccomp_filters of every thread of PID, e.g. "2" or "2 2 2 2".
filters() {
    local status
    for status in /proc/"$1"/task/*/status; do
        awk '/^Seccomp_filters:/ { printf "%s ", $2 }' "$status"
    done
}
main_filters() { awk '/^Seccomp_filters:/ { print $2 }' "/proc/$1/status"; }

# CPU time (user + system, all threads) PID has used, in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
clock_tick=$(getconf CLK_TCK)

stop() { # pid: SIGTERM, wait for it, forget it
    local pid=$1 rc=0 i
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    for i in "${!started[@]}"; do
        [[ ${started[i]} == "$pid" ]] && unset 'started[i]'
    done
    started=("${started[@]}")
    return "$rc"
}

median() { # numbers as arguments
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%.0f", v[(NR + 1) / 2]; else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---------------------------------------------------------------- nginx

nginx_port=$(free_port)
nginx_dir=$work/nginx
mkdir -p "$nginx_dir/html" "$nginx_dir/logs"
echo "hello from nginx" >"$nginx_dir/html/index.html"
cat >"$nginx_dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/logs/error.log notice;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $nginx_dir/client_body;
  proxy_temp_path $nginx_dir/proxy;
  fastcgi_temp_path $nginx_dir/fastcgi;
  uwsgi_temp_path $nginx_dir/uwsgi;
  scgi_temp_path $nginx_dir/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $nginx_dir/html;
  }
}
EOF
nginx_cmd=("$nginx_bin" -c "$nginx_dir/nginx.conf" -p "$nginx_dir")
nginx_switch=serve=epoll_wait
nginx_app=org.nginx.Nginx
nginx_paper=52.3
nginx_unit=req/s

nginx_poke() { curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/"; }

# Runs the tool for $1 seconds; prints "RATE TOTAL" (per second, and all requests served),
# and says so on stderr when the tool saw errors.
nginx_load() {
    local out
    out=$("${client_pin[@]}" wrk -t2 -c32 -d"${1}s" "http://127.0.0.1:$nginx_port/")
    echo "$out" >>"$work/nginx.load.log"
    if grep -Eq 'Socket errors|Non-2xx' <<<"$out"; then
        log "  wrk saw errors: $(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ')"
    fi
    awk '/ requests in / { total = $1 } /^Requests\/sec:/ { rate = $2 }
         END { if (rate != "" && total != "") print rate, total }' <<<"$out"
}
nginx_tool() { echo "wrk -t2 -c32 -d${seconds}s, GET / (17 B)"; }

# ---------------------------------------------------------------- memcached

memcached_port=$(free_port)
memcached_dir=$work/memcached
mkdir -p "$memcached_dir"
# The test's command line plus -m: with the default 64 MB, memcaslap's sets (about 1 KB each,
# new keys all along) fill the cache within seconds, then memcached evicts and 10-20 % of the
# gets miss, which are cheaper and make the figure depend on eviction timing. 100 MB per second
# of load (at least 1 GB) keeps every round, which gets a fresh server, free of evictions.
memcached_mb=$(((warmup + seconds) * 100 > 1024 ? (warmup + seconds) * 100 : 1024))
memcached_cmd=("$memcached_bin" -u nobody -l 127.0.0.1 -p "$memcached_port" -U 0 -t 2 -m "$memcached_mb")
memcached_switch=serve=accept4
memcached_app=org.memcached.Memcached
memcached_paper=55.4
memcached_unit=ops/s

memcached_poke() {
    local reply
    exec 3<>"/dev/tcp/127.0.0.1/$memcached_port"
    printf 'version\r\n' >&3
    IFS= read -r -t 5 reply <&3 || true
    exec 3>&-
    [[ $reply == VERSION* ]] || die "memcached answered 'version' with '$reply'"
}

memcached_load() {
    local out
    out=$("${client_pin[@]}" memcaslap -s "127.0.0.1:$memcached_port" -t "${1}s" -c 32 -T 2)
    echo "$out" >>"$work/memcached.load.log"
    if ! grep -q '^get_misses: 0$' <<<"$out"; then
        log "  memcaslap: $(grep -E '^get_misses' <<<"$out")"
    fi
    sed -n 's/.*Ops: \([0-9]*\) TPS: \([0-9]*\).*/\2 \1/p' <<<"$out" | tail -1
}
memcached_tool() { echo "memcaslap -T2 -c32 -t${seconds}s, 90 % get / 10 % set"; }

# ---------------------------------------------------------------- the runs

# learn SERVER: writes $work/SERVER.profile, sets reduction_SERVER.
learn() {
    local s=$1 cmd switch app port pid err=$work/$1.learn.err
    local -n cmd_ref=${s}_cmd
    cmd=("${cmd_ref[@]}")
    switch=${s}_switch app=${s}_app port=${s}_port
    log "$s: learning (${!switch}, ${learn_seconds} s of its load tool)"
    "$launcher" --learn --switch "${!switch}" --app-id "${!app}" "$work/$s.profile" -- \
        "${cmd[@]}" 2>"$err" &
    pid=$!
    started+=("$pid")
    wait_listening "${!port}" "$pid" "$err"
    "${s}_poke"
    "${s}_load" "$learn_seconds" >/dev/null
    stop "$pid" || die "mamori-run --learn failed: $(cat "$err")"
    [[ -f $work/$s.profile ]] || die "no profile written: $(cat "$err")"
    sed 's/^/  /' "$err" >&2
    local line
    line=$(grep -o 'attack surface reduction from init to serve: [0-9.]* %' "$err") \
        || die "no reduction line in: $(cat "$err")"
    printf -v "reduction_$s" '%s' "${line##*: }"
}

# round SERVER VARIANT(plain|sandboxed): sets round_value to the measured throughput,
# round_per_cpu to requests per second of the server's CPU time and round_share to the
# server's CPU time over the round's length (--seconds), in %: about 100 % for a server that
# the load keeps busy on its one CPU. Not run in a subshell, so that the
# cleanup trap knows the server's pid.
round() {
    local s=$1 variant=$2 cmd port pid want got err=$work/$1.$2.err
    local -n cmd_ref=${s}_cmd
    cmd=("${cmd_ref[@]}")
    port=${s}_port
    if [[ $variant == plain ]] || ((control)); then
        "${server_pin[@]}" "${cmd[@]}" 2>"$err" &
        want=0
    else
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent \
            "${server_pin[@]}" "$launcher" "$work/$s.profile" -- "${cmd[@]}" 2>"$err" &
        want=2
    fi
    pid=$! # taskset and mamori-run exec: this is the server's pid
    started+=("$pid")
    wait_listening "${!port}" "$pid" "$err"
    "${s}_poke" # memcached enters its serve phase at its first accept4
    got=$(main_filters "$pid")
    [[ $got == "$want" ]] || die "$s ($variant): Seccomp_filters is $got, expected $want"
    log "$s $([[ $variant == plain ]] && echo unsandboxed || echo "$second_name"): pid $pid, Seccomp_filters per thread: $(filters "$pid")"
    if ((warmup > 0)); then
        "${s}_load" "$warmup" >/dev/null
    fi
    local value rate total ticks0 ticks1
    ticks0=$(cpu_ticks "$pid")
    value=$("${s}_load" "$seconds")
    ticks1=$(cpu_ticks "$pid")
    read -r rate total <<<"$value"
    [[ -n $rate && -n $total ]] || die "$s ($variant): no throughput in the tool's output (see $work/$s.load.log)"
    ((ticks1 > ticks0)) || die "$s ($variant): the server used no CPU time"
    round_per_cpu=$(awk -v n="$total" -v t=$((ticks1 - ticks0)) -v hz="$clock_tick" \
        'BEGIN { printf "%.0f", n * hz / t }')
    round_share=$(awk -v t=$((ticks1 - ticks0)) -v hz="$clock_tick" -v d="$seconds" \
        'BEGIN { printf "%.0f", 100 * t / hz / d }')
    # the server must still be the one we checked, and still in its serve phase
    got=$(main_filters "$pid")
    [[ $got == "$want" ]] || die "$s ($variant): Seccomp_filters is $got after the round"
    stop "$pid" || die "$s ($variant) exited with an error: $(cat "$err")"
    round_value=$rate
}

declare -A results
second_name=sandboxed
if ((control)); then
    second_name="unsandboxed again (control)"
fi
servers=(nginx memcached)
[[ -n $only ]] && servers=("$only")

if ((pin)); then
    pinning="server on CPU 0, load tool on CPU 1 (taskset)"
else
    pinning="not pinned"
fi
log "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(uname -r), $ncpu CPUs, $pinning"
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

for s in "${servers[@]}"; do
    learn "$s"
    plain=() sandboxed=() plain_cpu=() sandboxed_cpu=() plain_share=() sandboxed_share=()
    for r in $(seq "$rounds"); do
        round "$s" plain
        plain+=("$round_value") plain_cpu+=("$round_per_cpu") plain_share+=("$round_share")
        log "$s round $r/$rounds unsandboxed: $round_value/s, $round_per_cpu per server CPU-s, server CPU $round_share %"
        round "$s" sandboxed
        sandboxed+=("$round_value") sandboxed_cpu+=("$round_per_cpu")
        sandboxed_share+=("$round_share")
        log "$s round $r/$rounds $second_name: $round_value/s, $round_per_cpu per server CPU-s, server CPU $round_share %"
    done
    results[$s.plain]="${plain[*]}"
    results[$s.sandboxed]="${sandboxed[*]}"
    results[$s.plain_cpu]="${plain_cpu[*]}"
    results[$s.sandboxed_cpu]="${sandboxed_cpu[*]}"
    results[$s.plain_share]="${plain_share[*]}"
    results[$s.sandboxed_share]="${sandboxed_share[*]}"
    if [[ $s == nginx ]] && grep -q 'Operation not permitted' "$nginx_dir/logs/error.log"; then
        log "nginx logged refused syscalls:"
        grep 'Operation not permitted' "$nginx_dir/logs/error.log" | sort | uniq -c | head >&2
    fi
done
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- the table

echo
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), Linux $(uname -r), nproc $ncpu; $pinning."
echo "Versions: $("$nginx_bin" -v 2>&1 | sed 's/.*: //'), memcached $("$memcached_bin" -V | cut -d' ' -f2), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(memcaslap -V 2>&1 | head -1)."
echo "Each variant: $rounds rounds of ${seconds} s (after ${warmup} s of unmeasured load), interleaved unsandboxed/sandboxed, a fresh server per round; learning: ${learn_seconds} s of the same tool."
echo
if ((control)); then
    echo "A/A CONTROL RUN: both columns are the server without a sandbox."
    echo
fi
echo "| server | load | unsandboxed, median | $second_name, median | ratio | learned reduction init → serve | paper |"
echo "|---|---|---|---|---|---|---|"
missed=()
for s in "${servers[@]}"; do
    read -ra plain <<<"${results[$s.plain]}"
    read -ra sandboxed <<<"${results[$s.sandboxed]}"
    a=$(median "${plain[@]}")
    b=$(median "${sandboxed[@]}")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", 100 * b / a }')
    unit=${s}_unit paper=${s}_paper reduction=reduction_$s
    name=$([[ $s == nginx ]] && echo "nginx (1 process)" || echo "memcached (-t 2 -m $memcached_mb)")
    echo "| $name | $("${s}_tool") | $a ${!unit} | $b ${!unit} | **$ratio %** | ${!reduction} | ${!paper} % |"
    if awk -v r="$ratio" 'BEGIN { exit !(r < 98) }'; then
        missed+=("$s $ratio % (short by $(awk -v r="$ratio" 'BEGIN { printf "%.1f", 98 - r }') points)")
    fi
done
echo
echo "The same rounds per second of the server's own CPU time (user + system, all threads; the"
echo "median of each round's requests / CPU time). Other work that takes the CPU away from the"
echo "server moves this figure much less than the throughput; what the sandbox costs per request"
echo "moves it as much."
echo
echo "| server | unsandboxed, per server CPU-s | $second_name, per server CPU-s | ratio | server CPU time / round length (median), unsandboxed / $second_name |"
echo "|---|---|---|---|---|"
for s in "${servers[@]}"; do
    read -ra plain <<<"${results[$s.plain_cpu]}"
    read -ra sandboxed <<<"${results[$s.sandboxed_cpu]}"
    read -ra plain_share <<<"${results[$s.plain_share]}"
    read -ra sandboxed_share <<<"${results[$s.sandboxed_share]}"
    a=$(median "${plain[@]}")
    b=$(median "${sandboxed[@]}")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", 100 * b / a }')
    echo "| $s | $a | $b | $ratio % | $(median "${plain_share[@]}") % / $(median "${sandboxed_share[@]}") % |"
done
echo
echo "Per round, in order (unsandboxed / $second_name; throughput, then the server's CPU time / round length):"
echo
for s in "${servers[@]}"; do
    echo "- $s: ${results[$s.plain]// /, } / ${results[$s.sandboxed]// /, }"
    echo "  (CPU ${results[$s.plain_share]// /, } % / ${results[$s.sandboxed_share]// /, } %)"
done
echo
if ((control)); then
    echo "Control run: no target; the ratio is the noise between two identical setups."
elif ((${#missed[@]})); then
    echo "Target: sandboxed >= 98 % of unsandboxed — missed by: ${missed[*]}."
else
    echo "Target: sandboxed >= 98 % of unsandboxed — met."
fi
