#!/usr/bin/env bash
# README command 2: build everything and run the whole test suite (gtest,
# lit, ONNX conformance) through ctest.
# --sanitize: the same suite, plus one pass over each fuzzer's seed corpus, in
# the ASan+UBSan build (build-sanitize/); lit and conformance run the
# sanitized tools. Any sanitizer report fails its test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${QNN_BUILD_DIR:-$root/build}"
if [ "${1:-}" = --sanitize ]; then
  build="${QNN_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
  # abort_on_error: a sanitizer report is a crash, never a plain exit status
  # that a test expecting the tool to fail ('not qnnc ...') would accept.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:check_initialization_order=1:strict_init_order=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1"
fi
bash "$root/tools/build.sh" "$@"
ctest --test-dir "$build" --output-on-failure -j"${QNN_JOBS:-2}"
