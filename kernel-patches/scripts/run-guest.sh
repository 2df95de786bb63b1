#!/usr/bin/env bash
# Boots a kernel from build-kernel.sh in qemu with the guest test programs and reports:
#
#   kernel-patches/scripts/run-guest.sh [--data DIR] KERNEL_DIR [TEST_BINARY...]
#
# Packs /init (guest/init.c), the given statically linked programs (as /tests/NN-name) and what
# they read (DIR as /data: compiled filters, the kernel's selftests, and in DIR/bin Mamori's own
# programs as built for the host, with the shared libraries they need) into an initramfs, boots it
# with an xhci controller, a USB keyboard and a USB stick, keeps typing on that keyboard through
# QMP (a key every 100 ms, for the tests that filter it), and reads the serial console: every
# "PASS"/"FAIL" line is printed; exits 1 on any FAIL, or when the guest never said
# MAMORI-GUEST-DONE (crash, hang: qemu is stopped after MAMORI_GUEST_TIMEOUT s).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=
if [ "${1:-}" = "--data" ]; then
    data=$2
    shift 2
fi
kernel=$1
shift
timeout_s=${MAMORI_GUEST_TIMEOUT:-300}
work=$(mktemp -d)
feeder=
trap '[ -z "$feeder" ] || kill $feeder 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/root/tests"
[ -z "$data" ] || cp -r "$data" "$work/root/data"
# The host's dynamically linked programs run in the guest with the host's libraries and loader.
for program in "$work"/root/data/bin/*; do
    [ -f "$program" ] || continue
    for lib in $(ldd "$program" | grep -o '/[^ ]*'); do
        mkdir -p "$work/root$(dirname "$lib")"
        cp -L "$lib" "$work/root$lib"
    done
done
cc -static -O2 -Wall -Werror -isystem "$kernel/usr/include" -o "$work/root/init" "$here/guest/init.c"
n=10
for t in "$@"; do
    cp "$t" "$work/root/tests/$n-$(basename "$t")"
    n=$((n + 1))
done
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"
# A small disk for the USB stick (usb-storage must keep working while HID is filtered).
dd if=/dev/zero of="$work/stick.img" bs=1M count=4 status=none
# QMP over a pair of FIFOs (no socket tool needed): press and release "a" on the USB keyboard.
mkfifo "$work/qmp.in" "$work/qmp.out"
type_keys() {
    cat "$work/qmp.out" >"${MAMORI_QMP_LOG:-/dev/null}" &
    exec 3>"$work/qmp.in"
    echo '{"execute":"qmp_capabilities"}' >&3
    local event='{"execute":"input-send-event","arguments":{"events":[{"type":"key","data":{"down":%s,"key":{"type":"qcode","data":"a"}}}]}}\n'
    while sleep 0.1; do
        # shellcheck disable=SC2059
        printf "$event$event" true false >&3 2>/dev/null || break
    done
}
type_keys &
feeder=$!
status=0
timeout "$timeout_s" qemu-system-x86_64 -nographic -no-reboot -m 256 \
    -kernel "$kernel/bzImage" -initrd "$work/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 oops=panic loglevel=4" \
    -chardev pipe,id=qmp,path="$work/qmp" -mon chardev=qmp,mode=control \
    -device qemu-xhci,id=xhci -device usb-kbd,bus=xhci.0,id=kbd \
    -drive if=none,id=stick,format=raw,file="$work/stick.img" \
    -device usb-storage,bus=xhci.0,drive=stick \
    >"$work/console.log" 2>&1 || status=$?
tr -d '\r' <"$work/console.log" >"$work/console.txt"
grep -E '^(PASS|FAIL|BENCH) ' "$work/console.txt" || true
if [ -n "${MAMORI_GUEST_LOG:-}" ]; then
    cp "$work/console.txt" "$MAMORI_GUEST_LOG"
fi
if ! grep -q '^MAMORI-GUEST-DONE' "$work/console.txt"; then
    echo "run-guest: the guest did not finish (qemu status $status); its console:" >&2
    tail -40 "$work/console.txt" >&2
    exit 1
fi
if grep -q '^FAIL ' "$work/console.txt"; then
    exit 1
fi
grep -q '^PASS ' "$work/console.txt" || { echo "run-guest: no test passed" >&2; exit 1; }
