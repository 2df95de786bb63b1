#!/usr/bin/env bash
# The kernel suite: builds (or reuses) the patched guest kernel, compiles the guest's test
# programs against its UAPI headers and the guest's filters with Mamori's own rule compiler,
# boots it in qemu and passes on the verdict.
#
#   kernel-patches/scripts/test-kernel.sh MAMORICTL MAMORID MAMORI_RUN [CACHE_DIR]
#
# MAMORICTL, MAMORID and MAMORI_RUN are the built programs: `mamorictl lbm compile --target lbm` turns the
# rule files (guest/rules/*.rules and the shipped packaging/rules/blueborne.rules) into the LBM
# programs the guest's tests load by hand, and both run in the guest themselves
# (guest/userspace_test.c: mamorid's feature probe, `mamorictl lbm attach`, mamori-run with a
# profile of stateful rules; guest/mamorid_test.c: mamorid on a private bus with the host's
# dbus-daemon).
# The kernel's own seccomp selftests (built by build-kernel.sh) run in the same boot.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
usage="usage: test-kernel.sh MAMORICTL MAMORID MAMORI_RUN [CACHE_DIR]"
mamorictl=${1:?$usage}
mamorid=${2:?$usage}
mamori_run=${3:?$usage}
shift 3
kernel=$("$here/scripts/build-kernel.sh" "$@" | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data/rules" "$work/data/bin"
for rules in "$here"/guest/rules/*.rules "$root/packaging/rules/blueborne.rules"; do
    cp "$rules" "$work/data/rules/"
    "$mamorictl" lbm compile "$rules" --target lbm -o "$work/data/rules/$(basename "$rules" .rules).bpf"
done
cp "$kernel/seccomp_bpf" "$work/data/"
cp "$mamorictl" "$mamorid" "$mamori_run" "$work/data/bin/"
cp -r "$here/guest/profiles" "$here/guest/mamorid" "$work/data/"
cp "$(command -v dbus-daemon)" "$work/data/bin/"
cc -static -O2 -Wall -Werror -pthread -o "$work/data/sandboxed_calls" "$here/guest/sandboxed_calls.c"
tests=(seccomp_ebpf_test lbm_usb_test lbm_bluetooth_test userspace_test mamorid_test
    seccomp_selftests)
for test in "${tests[@]}"; do
    cc -static -O2 -Wall -Werror -pthread -isystem "$kernel/usr/include" -I "$here/guest" \
        -I "$root/bpf" -o "$work/$test" "$here/guest/$test.c"
done
"$here/scripts/run-guest.sh" --data "$work/data" "$kernel" "${tests[@]/#/$work/}"
