#!/usr/bin/env bash
# README command 1: build everything, then the main job on the bundled
# example: compile a PyTorch-exported QDQ CNN for the flash chip preset, run
# the image on the chip model (ideal mode), print its outputs beside the
# outputs ONNX Runtime computes for the same model, and the mapping report.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${QNN_BUILD_DIR:-$root/build}"
# The build log stays inside the build directory, out of the source tree.
mkdir -p "$build"
bash "$root/tools/build.sh" > "$build/build.log" 2>&1 || { tail -50 "$build/build.log"; exit 1; }

model="$root/test/models/torch_qdq_cnn.onnx"
input="$root/test/models/sample_input.npy"
expected="$root/test/models/torch_qdq_cnn.sample_input.ort.logits.npy"
target="${QNN_TARGET:-flash}"
work="$build/quickstart"
mkdir -p "$work"

echo "== compile: $(basename "$model") for target '$target'"
"$build/bin/qnnc" "$model" --target="$target" -o "$work/example.qnnimg"
echo "image: $work/example.qnnimg ($(stat -c %s "$work/example.qnnimg") bytes)"
echo
echo "== mapping report"
"$build/bin/qnnc" "$model" --target="$target" --emit=report
echo
echo "== run on the chip model (ideal mode, fixed-point NMPU), compared with ONNX Runtime"
"$build/bin/qnn-run" "$work/example.qnnimg" --input="$input" --expected=logits="$expected" --stats
