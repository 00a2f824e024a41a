#!/usr/bin/env bash
# Configures and builds everything into build/ (or $QNN_BUILD_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${QNN_BUILD_DIR:-$root/build}"
bash "$root/tools/install-deps.sh"
# The configure log stays inside the build directory, out of the source tree.
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build/configure.log" 2>&1 \
  || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"${QNN_JOBS:-2}"
