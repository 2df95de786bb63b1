#!/usr/bin/env bash
# Runs every Mamori test on a fresh Debian 12 machine: installs what is needed, builds the
# default preset and runs the whole ctest suite, then builds the ASan/UBSan preset and runs the
# whole suite again under it (mamorid included). Tests that need root, polkitd or BPF skip with the reason when those are
# missing; as root on a machine like CI's, they all run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
echo "== build (default preset)"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
echo "== tests (default preset)"
ctest --preset default -j "$jobs"

echo "== build (asan preset)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
echo "== tests under ASan + UBSan"
ctest --preset asan -j "$jobs"
