#!/usr/bin/env bash
# The kernel suite: builds (or reuses) the patched guest kernel, compiles the guest's test
# programs against its UAPI headers, boots it in qemu and passes on the verdict.
#
#   kernel-patches/scripts/test-kernel.sh [CACHE_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
kernel=$("$here/scripts/build-kernel.sh" "$@" | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for test in seccomp_ebpf_test; do
    cc -static -O2 -Wall -Werror -pthread -isystem "$kernel/usr/include" -I "$here/guest" \
        -o "$work/$test" "$here/guest/$test.c"
done
"$here/scripts/run-guest.sh" "$kernel" "$work"/*_test
