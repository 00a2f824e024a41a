#!/usr/bin/env bash
# Configures and builds everything into build/ (or $QNN_BUILD_DIR).
# --sanitize: the clang build with ASan, UBSan and the libFuzzer harnesses
# (QNN_SANITIZE, QNN_FUZZ) into build-sanitize/ (or $QNN_SANITIZE_BUILD_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${QNN_BUILD_DIR:-$root/build}"
config=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = --sanitize ]; then
  build="${QNN_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
  config+=(-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
           -DQNN_SANITIZE=ON -DQNN_FUZZ=ON)
fi
bash "$root/tools/install-deps.sh" "$@"
# The configure log stays inside the build directory, out of the source tree.
mkdir -p "$build"
cmake -S "$root" -B "$build" "${config[@]}" > "$build/configure.log" 2>&1 \
  || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"${QNN_JOBS:-2}"
