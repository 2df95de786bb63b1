#!/usr/bin/env bash
# Builds the qemu guest kernel with the patch series applied:
#
#   kernel-patches/scripts/build-kernel.sh [--unpatched] [CACHE_DIR]
#
# Untars Debian's linux-source-6.1, applies each patch of kernel-patches/series in order (each
# must apply cleanly), configures `tinyconfig` + config/qemu-guest.config (+ the series' own
# fragments), builds bzImage, installs the patched UAPI headers for the guest's programs and
# builds the kernel's own seccomp selftests (seccomp_bpf) against them.
# The result is cached in CACHE_DIR/<hash of the patches, fragments and this script> and
# reused while none of them changes; prints that directory on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
unpatched=0
if [ "${1:-}" = "--unpatched" ]; then
    unpatched=1
    shift
fi
cache=${1:-${MAMORI_KERNEL_CACHE:-/var/cache/mamori-kernel}}
source_tar=/usr/src/linux-source-6.1.tar.xz
[ -f "$source_tar" ] || { echo "build-kernel: $source_tar missing (apt-get install linux-source-6.1)" >&2; exit 1; }

patches=()
if [ $unpatched -eq 0 ]; then
    while read -r line; do
        line=${line%%#*}
        line=$(echo "$line" | xargs)
        [ -n "$line" ] && patches+=("$here/$line")
    done <"$here/series"
fi
fragments=("$here/config/qemu-guest.config")
for f in "$here"/config/*.config; do
    [ "$f" = "$here/config/qemu-guest.config" ] || { [ $unpatched -eq 0 ] && fragments+=("$f"); }
done

key=$( (cat "$0" "${fragments[@]}" ${patches[@]+"${patches[@]}"}; echo "$unpatched") | sha256sum | cut -c1-16)
out="$cache/$key"
if [ -f "$out/bzImage" ] && [ -d "$out/usr/include/linux" ] && [ -x "$out/seccomp_bpf" ]; then
    echo "build-kernel: cached" >&2
    echo "$out"
    exit 0
fi

work="$cache/work-$key"
rm -rf "$work"
mkdir -p "$work" "$out"
echo "build-kernel: unpacking linux-source-6.1" >&2
tar -C "$work" -xf "$source_tar"
src="$work/linux-source-6.1"
for p in ${patches[@]+"${patches[@]}"}; do
    echo "build-kernel: applying $(basename "$p")" >&2
    patch -d "$src" -p1 --forward --batch --fuzz=0 --quiet <"$p" ||
        { echo "build-kernel: $(basename "$p") does not apply" >&2; exit 1; }
done
make -C "$src" -s tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "${fragments[@]}" >/dev/null
make -C "$src" -s olddefconfig >/dev/null
# Every line of the fragments must have survived: a missing dependency fails loudly here.
lost=0
for f in "${fragments[@]}"; do
    while read -r line; do
        case "$line" in CONFIG_*=*) grep -qx "$line" "$src/.config" ||
            { echo "build-kernel: $line did not stick (from $(basename "$f"))" >&2; lost=1; } ;;
        esac
    done <"$f"
done
[ $lost -eq 0 ] || exit 1
echo "build-kernel: building bzImage ($(nproc) jobs)" >&2
make -C "$src" -s -j"$(nproc)" bzImage >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; exit 1; }
make -C "$src" -s headers_install INSTALL_HDR_PATH="$out/usr" >/dev/null
# Static, for the guest that has no libraries; libcap-dev provides libcap.a.
cc -static -O2 -Wl,-no-as-needed -Wall -isystem "$out/usr/include" -o "$out/seccomp_bpf" \
    "$src/tools/testing/selftests/seccomp/seccomp_bpf.c" -lpthread -lcap ||
    { echo "build-kernel: the seccomp selftests do not build" >&2; exit 1; }
cp "$src/arch/x86/boot/bzImage" "$out/bzImage"
cp "$src/.config" "$out/config"
rm -rf "$work"
echo "$out"
