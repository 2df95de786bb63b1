#!/usr/bin/env bash
# Installs every Debian 12 package Mamori needs to build, run and test.
# Idempotent: packages already present are skipped, so repeated runs cost one dpkg query.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang llvm lld clang-format clang-tidy libclang-rt-14-dev
  # BPF
  libbpf-dev bpftool libelf-dev zlib1g-dev
  # D-Bus service
  libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev dbus polkitd pkexec
  # engines
  libseccomp-dev libudev-dev libssl-dev
  # DNS engine: registrable domains for sharding (libpsl + the public suffix list)
  libpsl-dev publicsuffix
  # DNS engine, DoH monitor: HPACK decoding of HTTP/2 DoH requests (libnghttp2's inflater)
  libnghttp2-dev
  # tests
  libgtest-dev libgmock-dev libxml2-dev libxml2-utils util-linux iproute2 umockdev libumockdev-dev
  libglib2.0-bin
  # real DNS resolvers (unbound, Do53 + DoT) in network namespaces for the DNS upstream tests
  unbound openssl
  # DNS clients of the engine's tests (dig, dig +tcp) and the dnsperf benchmark
  bind9-dnsutils dnsperf
  # GnuTLS clients of the DoH tests: kdig +https (DoH over HTTP/2), gnutls-cli (raw HTTPS)
  knot-dnsutils gnutls-bin
  # real servers under learned sandbox profiles, and the load tools of the benchmarks
  nginx memcached curl wrk libmemcached-tools
  # gui: the client library, the tray app (widgets, the exposure chart, SVG icons, libnotify
  # popups), its translation tools, and Xvfb for its tests and screenshots
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-svg-dev qt6-tools-dev
  qt6-l10n-tools libnotify-dev xvfb xauth
  # kernel-patches/: Debian's 6.1 source, what building it needs, and qemu to boot it
  linux-source-6.1 flex bison bc cpio rsync qemu-system-x86 libcap-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "install-deps: apt-get update failed; trying the cached lists" >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
