#!/usr/bin/env bash
# bench/analog-accuracy.sh [LIMIT [SEED...]]: analog-mode accuracy of the
# models of docs/analog-model.md ("What survives, measured") on their test
# sets (first LIMIT images, default 10000; seeds default 1 2 3), each preset
# as it ships and with its read gains taken away (read_gain_bits = 0).
# Needs a build (tools/build.sh) and the shared models beside the clone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/build/bin"
shared="$root/../shared"
limit="${1:-10000}"
shift || true
seeds="${*:-1 2 3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export QNN_TARGETS_DIR="$root/targets"
mnist="--data=$shared/data/mnist/t10k-images-idx3-ubyte.gz --labels=$shared/data/mnist/t10k-labels-idx1-ubyte.gz"
fashion="--data=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --labels=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"

no_gain() { # PRESET -> path of the preset without read gains
  /usr/bin/python3 -c "import json, sys; t = json.load(open(sys.argv[1])); t['read_gain_bits'] = 0
json.dump(t, open(sys.argv[2], 'w'))" "$root/targets/$1.json" "$work/$1-no-gain.json"
  echo "$work/$1-no-gain.json"
}

accuracy() { # IMAGE DATA-OPTIONS [qnn-eval options]: the accuracy, "92.96"
  "$bin/qnn-eval" "$1" $2 --limit="$limit" "${@:3}" | grep '^chip' | sed -e 's/.*= \([0-9.]*\) %.*/\1/'
}

row() { # NAME MODEL PRESET DATA [qnnc options]
  local line="$1 on $3:"
  for variant in gains no-gain; do
    local target="$3"
    [ "$variant" = no-gain ] && target="$(no_gain "$3")"
    "$bin/qnnc" "$2" --target="$target" -o "$work/model.img" "${@:5}"
    line="$line $variant ideal $(accuracy "$work/model.img" "$4") analog"
    for seed in $seeds; do
      line="$line $(accuracy "$work/model.img" "$4" --mode=analog --seed="$seed")"
    done
    line="$line;"
  done
  echo "$line"
}

row TFC_1W1A "$shared/models/qonnx-zoo/TFC_1W1A.onnx" flash "$mnist"
row TFC_1W1A "$shared/models/qonnx-zoo/TFC_1W1A.onnx" sram-binary "$mnist"
row TFC_2W2A "$shared/models/qonnx-zoo/TFC_2W2A.onnx" nvm-2bit "$mnist"
row fashion_cnn "$root/test/models/fashion_cnn.onnx" flash "$fashion"
row "fashion_cnn differential" "$root/test/models/fashion_cnn.onnx" flash "$fashion" --polarity=differential
