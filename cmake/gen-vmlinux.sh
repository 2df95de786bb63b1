#!/bin/sh
# gen-vmlinux.sh OUT_DIR BPFTOOL BTF: writes OUT_DIR/vmlinux.h from the kernel's BTF, once.
set -e
[ -s "$1/vmlinux.h" ] && exit 0
mkdir -p "$1"
"$2" btf dump file "$3" format c > "$1/vmlinux.h.tmp"
mv "$1/vmlinux.h.tmp" "$1/vmlinux.h"
