#!/usr/bin/env bash
# test/fuzz/make-image-seeds.sh [BIN_DIR]: rebuilds the fuzz-image seed corpus
# (test/fuzz/corpus/fuzz-image) with the tools in BIN_DIR (default build/bin),
# so that the seeds follow the image format version: the qnn-asm test
# programs, images compiled from the lit models (one with replicated
# weights), the hostile images of test/lit/Hostile, and for every valid image
# its seven section payloads joined by QNNSEC (*.sections, which fuzz-image
# frames with valid CRCs so that mutations reach the section decoders).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/bin}"
out="$root/test/fuzz/corpus/fuzz-image"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export QNN_TARGETS_DIR="$root/targets"
# Regression seeds (inputs that once failed) are kept as they are.
find "$out" -maxdepth 1 \( -name '*.qnnimg' -o -name '*.sections' \) ! -name 'regression-*' -delete

valid=()
for name in fc batchnorm binary steps; do
  "$bin/qnn-asm" "$root/test/lit/Runtime/Inputs/$name.json" -o "$out/$name.qnnimg"
  valid+=("$name")
done
compile() { # MODEL TARGET NAME [qnnc options]
  "$bin/qnnc" "$1" --target="$2" -o "$out/$3.qnnimg" "${@:4}"
  valid+=("$3")
}
compile "$root/test/lit/Import/qdq-conv.onnxtext" small qdq-conv.small
compile "$root/test/lit/Import/qdq-conv.onnxtext" nvm-2bit qdq-conv.nvm-2bit
compile "$root/test/lit/Import/qoperator.onnxtext" small qoperator.small
compile "$root/test/lit/Import/qonnx-bipolarquant.onnxtext" sram-binary \
  qonnx-bipolarquant.sram-binary
compile "$root/test/lit/Lower/Inputs/conv.qnn" small conv-replicated.small --replication=1

fc="$root/test/lit/Runtime/Inputs/fc.json"
"$bin/qnn-asm" "$fc" --damage-padding -o "$out/hostile-padding.qnnimg"
"$bin/qnn-asm" "$fc" --damage-reserved -o "$out/hostile-reserved.qnnimg"
head -c 100000 /dev/zero | tr '\0' '[' > "$work/deep.json"
"$bin/qnn-asm" "$fc" --embed-target="$work/deep.json" -o "$out/hostile-deep-target.qnnimg"
sed -e 's/"name": "y", "type": "f32", "dims": \[-1, 2\]/"name": "y", "type": "f32", "dims": [-1, 4000000000]/' \
  "$fc" > "$work/wide.json"
"$bin/qnn-asm" "$work/wide.json" --no-verify -o "$out/hostile-wide-tensor.qnnimg"

# Section payloads, from the section table (docs/image-format.md: 7 entries
# of u32 id, u32 crc, u64 offset, u64 size from byte 32).
for name in "${valid[@]}"; do
  python3 - "$out/$name.qnnimg" "$out/$name.sections" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
parts = []
for i in range(7):
    _, _, offset, size = struct.unpack_from("<IIQQ", data, 32 + 24 * i)
    parts.append(data[offset:offset + size])
open(sys.argv[2], "wb").write(b"QNNSEC".join(parts))
EOF
done
echo "make-image-seeds: $(ls "$out" | wc -l) seeds in $out"
