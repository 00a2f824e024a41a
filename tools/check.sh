#!/usr/bin/env bash
# README command 2: build everything and run the whole test suite (gtest,
# lit, ONNX conformance) through ctest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${QNN_BUILD_DIR:-$root/build}"
bash "$root/tools/build.sh"
ctest --test-dir "$build" --output-on-failure -j"${QNN_JOBS:-2}"
