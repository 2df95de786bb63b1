#!/usr/bin/env bash
# The kernel patches' microbenchmarks, inside the qemu guest (software emulation: compare the
# ratios, not the cycles):
#
#   tests/bench/kernel/run.sh [--rounds N] [--kernel DIR | CACHE_DIR]  (needs build/ for mamorictl)
#
# seccomp-eBPF: getppid with no filter, libseccomp's classic filter (default order, binary
# tree; with the constant-action cache as the kernel runs it, and with the cache defeated) and
# the seccomp-eBPF filter for the same policy (245 syscalls refused).
# LBM: a USB stick's 512-byte O_DIRECT reads (3 URBs each) and L2CAP echo round trips over
# hci_vhci with no filter and with a 1-rule and a 10-rule program compiled by mamorictl.
# Prints the medians and their ratios to no filter as Markdown tables for docs/benchmarks.md.
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
mamorictl=${MAMORICTL:-$root/build/service/cli/mamorictl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data/rules"
for rules in "$root"/kernel-patches/guest/rules/bench-*.rules "$root/packaging/rules/blueborne.rules"; do
    "$mamorictl" lbm compile "$rules" --target lbm -o "$work/data/rules/$(basename "$rules" .rules).bpf" 2>/dev/null
done
guest=$root/kernel-patches/guest
cc -static -O2 -Wall -Werror -isystem "$kernel/usr/include" -I "$guest" \
    -DBENCH_ROUNDS="$rounds" -o "$work/getppid_bench" "$guest/getppid_bench.c" -lseccomp
cc -static -O2 -Wall -Werror -pthread -isystem "$kernel/usr/include" -I "$guest" -I "$root/bpf" \
    -DBENCH_ROUNDS="$rounds" -o "$work/lbm_bench" "$guest/lbm_bench.c"
MAMORI_GUEST_LOG="$work/console.txt" "$root/kernel-patches/scripts/run-guest.sh" \
    --data "$work/data" "$kernel" "$work/getppid_bench" "$work/lbm_bench" >/dev/null
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
value() { awk -v k="$1" -v c="$2" '$1 == "BENCH" && $2 == k && $3 == c { print $4 }' "$work/console.txt" | median; }
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
for subject in usb l2cap; do
    echo
    if [ "$subject" = usb ]; then
        echo "LBM per URB: 512-byte O_DIRECT reads of the USB stick, µs per read (3 URBs), filters on both USB hooks"
    else
        echo "LBM per frame: L2CAP echo round trips over hci_vhci, µs each, filters on both HCI hooks and L2CAP reception"
    fi
    echo "(median of $rounds rounds of 5000)"
    echo
    echo "| filter | µs | ratio to none | filter's own ns per packet |"
    echo "|---|---|---|---|"
    none=$(value "lbm-$subject" none)
    printf '| none | %.1f | 1.00 | – |\n' "$none"
    for n in 1 10; do
        us=$(value "lbm-$subject" "rules-$n")
        ns=$(value "lbm-$subject" "filter-ns-$n")
        printf '| %s rule%s | %.1f | %.2f | %s |\n' "$n" "$([ "$n" = 1 ] || echo s)" "$us" \
            "$(echo "$us / $none" | bc -l)" "$ns"
    done
done
