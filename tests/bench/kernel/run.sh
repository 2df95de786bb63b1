#!/usr/bin/env bash
# The kernel patches' microbenchmarks, inside the qemu guest (software emulation: compare the
# ratios, not the cycles):
#
#   tests/bench/kernel/run.sh [--rounds N] [--kernel DIR | CACHE_DIR]
#
# getppid with no filter, libseccomp's classic filter (default order, binary tree; with the
# constant-action cache as the kernel runs it, and with the cache defeated) and the seccomp-eBPF
# filter for the same policy (245 syscalls refused). Prints the median cycles per call of each
# and its ratio to no filter, as a Markdown table for docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
rounds=5
kernel=
while [ $# -gt 0 ]; do
    case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;; # a kernel directory as build-kernel.sh makes them
    *) break ;;
    esac
done
if [ -z "$kernel" ]; then
    kernel=$("$root/kernel-patches/scripts/build-kernel.sh" "${1:-$root/build/kernel-cache}" | tail -1)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -static -O2 -Wall -Werror -isystem "$kernel/usr/include" -I "$root/kernel-patches/guest" \
    -DBENCH_ROUNDS="$rounds" -o "$work/getppid_bench" "$root/kernel-patches/guest/getppid_bench.c" \
    -lseccomp
MAMORI_GUEST_LOG="$work/console.txt" "$root/kernel-patches/scripts/run-guest.sh" \
    "$kernel" "$work/getppid_bench" >/dev/null
echo "getppid, cycles per call in the qemu guest (median of $rounds rounds; $(date -u +%F))"
echo
echo "| filter | cycles | ratio to none | filter's own cost |"
echo "|---|---|---|---|"
awk '$1 == "BENCH" && $2 == "getppid" { v[$3] = v[$3] " " $4 }
     END {
       n = split("none cbpf-default-cached cbpf-tree-cached cbpf-default cbpf-tree ebpf", order, " ")
       for (i = 1; i <= n; ++i) {
         k = order[i]; m = split(v[k], xs, " ")
         for (a = 1; a <= m; ++a) for (b = a + 1; b <= m; ++b) if (xs[b] < xs[a]) { t = xs[a]; xs[a] = xs[b]; xs[b] = t }
         med[k] = (m % 2) ? xs[(m + 1) / 2] : (xs[m / 2] + xs[m / 2 + 1]) / 2
       }
       for (i = 1; i <= n; ++i) {
         k = order[i]
         printf "| %s | %.0f | %.2f | %.0f |\n", k, med[k], med[k] / med["none"], med[k] - med["none"]
       }
     }' "$work/console.txt"
