#!/usr/bin/env bash
# bench/analog-accuracy.sh [INSTANCES [LIMIT]]: the analog accuracy of the
# models of docs/analog-model.md ("What survives, measured") with the
# mapping techniques switched on one at a time, each over INSTANCES chip
# instances (default 20; seeds 1..INSTANCES) on the first LIMIT test images
# (default all). Each line is qnn-eval's summary: mean, std, min, max and
# the drop against the ideal chip (the reference interpreter's predictions).
# The Fashion-MNIST CNN's calibration data are the first 1024 training
# images (never the test images). Needs a build (tools/build.sh), the shared
# models beside the clone and Debian's python3-numpy and dataset-fashion-mnist.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${QNN_BIN:-$root/build/bin}" # QNN_BIN: tools built elsewhere
shared="$root/../shared"
instances="${1:-20}"
limit="${2:-0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export QNN_TARGETS_DIR="$root/targets"
fashion_dir=/usr/share/datasets/fashion-mnist
mnist="--data=$shared/data/mnist/t10k-images-idx3-ubyte.gz --labels=$shared/data/mnist/t10k-labels-idx1-ubyte.gz"
fashion="--data=$fashion_dir/t10k-images-idx3-ubyte.gz --labels=$fashion_dir/t10k-labels-idx1-ubyte.gz"

/usr/bin/python3 - "$fashion_dir/train-images-idx3-ubyte.gz" "$work/fashion-calibration.npy" <<'EOF'
import gzip, sys
import numpy as np
with gzip.open(sys.argv[1]) as f:
    images = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 1, 28, 28)
np.save(sys.argv[2], (images[:1024].astype(np.float32) / 255).astype(np.float32))
EOF

no_gain() { # PRESET -> path of the preset without read gains
  /usr/bin/python3 -c "import json, sys; t = json.load(open(sys.argv[1])); t['read_gain_bits'] = 0
json.dump(t, open(sys.argv[2], 'w'))" "$root/targets/$1.json" "$work/$1-no-gain.json"
  echo "$work/$1-no-gain.json"
}

row() { # LABEL MODEL TARGET DATA-OPTIONS [qnnc options]
  "$bin/qnnc" "$2" --target="$3" -o "$work/model.img" "${@:5}"
  echo "$1: $("$bin/qnn-eval" "$work/model.img" $4 --limit="$limit" --mode=analog \
    --instances="$instances" | grep '^[0-9]* instances:')"
}

techniques() { # NAME MODEL PRESET DATA-OPTIONS [qnnc options for calibration data]
  row "$1 on $3, none (fewest cells, no read gain)" "$2" "$(no_gain "$3")" "$4" \
    --polarity-objective=area
  row "$1 on $3, + exact read ranges" "$2" "$3" "$4" --polarity-objective=area
  if [ $# -gt 4 ]; then
    row "$1 on $3, + ranges from calibration data" "$2" "$3" "$4" --polarity-objective=area "${@:5}"
  fi
  row "$1 on $3, + polarity for accuracy (all)" "$2" "$3" "$4" "${@:5}"
}

techniques "Fashion CNN" "$root/test/models/fashion_cnn.onnx" flash "$fashion" \
  --calibration-data="$work/fashion-calibration.npy"
techniques TFC_1W1A "$shared/models/qonnx-zoo/TFC_1W1A.onnx" sram-binary "$mnist"
techniques TFC_2W2A "$shared/models/qonnx-zoo/TFC_2W2A.onnx" nvm-2bit "$mnist"
techniques TFC_1W1A "$shared/models/qonnx-zoo/TFC_1W1A.onnx" flash "$mnist"
