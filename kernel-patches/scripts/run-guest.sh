#!/usr/bin/env bash
# Boots a kernel from build-kernel.sh in qemu with the guest test programs and reports:
#
#   kernel-patches/scripts/run-guest.sh KERNEL_DIR [TEST_BINARY...]
#
# Packs /init (guest/init.c) and the given statically linked programs (as /tests/NN-name) into
# an initramfs, boots it with an xhci controller, a USB keyboard and a USB stick, and reads the
# serial console: every "PASS"/"FAIL" line is printed; exits 1 on any FAIL, or when the guest
# never said MAMORI-GUEST-DONE (crash, hang: qemu is stopped after MAMORI_GUEST_TIMEOUT s).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
kernel=$1
shift
timeout_s=${MAMORI_GUEST_TIMEOUT:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/tests"
cc -static -O2 -Wall -Werror -isystem "$kernel/usr/include" -o "$work/root/init" "$here/guest/init.c"
n=10
for t in "$@"; do
    cp "$t" "$work/root/tests/$n-$(basename "$t")"
    n=$((n + 1))
done
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"
# A small disk for the USB stick (usb-storage must keep working while HID is filtered).
dd if=/dev/zero of="$work/stick.img" bs=1M count=4 status=none
status=0
timeout "$timeout_s" qemu-system-x86_64 -nographic -no-reboot -m 256 \
    -kernel "$kernel/bzImage" -initrd "$work/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 oops=panic loglevel=4" \
    -device qemu-xhci,id=xhci -device usb-kbd,bus=xhci.0 \
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
