#!/usr/bin/env bash
# Throughput of the chip model (qnn-run, ideal and analog mode) against ONNX
# Runtime on the same models and inputs, side by side in one run:
#   - the bundled int8 CNN (test/models/torch_qdq_cnn.onnx) on the 10,000
#     Fashion-MNIST test images (Debian dataset-fashion-mnist);
#   - torchvision's ResNet-18 QAT export (test/models/resnet18_qat.onnx) on
#     64 images of 3x64x64.
# Every time is the whole process, as a user sees it (reading the image or
# model and the inputs, running, writing the outputs); ONNX Runtime's
# inference alone is printed beside it. The three commands run in turn,
# REPEAT times, and each time printed is the median of its REPEAT: one
# process of the three caught in a slow moment of the machine moves a
# ratio by a tenth and more, the median of three rarely. Results:
# docs/performance.md.
#
#   bash bench/run.sh [--ort=DIR] [--repeat=N]
#     --ort=DIR     DIR/node_modules holds onnxruntime-node (default
#                   /tmp/ort; made when missing:
#                   ONNXRUNTIME_NODE_INSTALL=skip npm install)
#     --repeat=N    runs of each command (default 3)
# Needs build/ (tools/build.sh), node and npm.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ort_dir=/tmp/ort
repeat=3
usage="usage: bash bench/run.sh [--ort=DIR] [--repeat=N]"
for arg in "$@"; do
  case "$arg" in
    --ort=*) ort_dir="${arg#--ort=}" ;;
    --repeat=*) repeat="${arg#--repeat=}" ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
bin="$root/build/bin"
[ -x "$bin/qnn-run" ] || { echo "bench: build first (bash tools/build.sh)" >&2; exit 1; }
if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  mkdir -p "$ort_dir"
  (cd "$ort_dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --silent onnxruntime-node >npm.log 2>&1)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

seconds() { # seconds COMMAND...: wall time of the command, its output dropped
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/out.log" 2>&1 || { cat "$work/out.log" >&2; return 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() { # median NUMBER...
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# bench NAME MODEL INPUT SAMPLES BATCH QNNC-ARGS...
bench() {
  local name=$1 model=$2 input=$3 samples=$4 batch=$5
  shift 5
  "$bin/qnnc" "$model" "$@" -o "$work/$name.img"
  mkdir -p "$work/out"
  local ideals=() analogs=() orts=() ort_inferences=() ideal analog ort ort_inference
  for _ in $(seq "$repeat"); do
    ideals+=("$(seconds "$bin/qnn-run" "$work/$name.img" --input="$input" \
      --output-dir="$work/out")")
    analogs+=("$(seconds "$bin/qnn-run" "$work/$name.img" --input="$input" \
      --output-dir="$work/out" --mode=analog --seed=1)")
    orts+=("$(seconds env NODE_PATH="$ort_dir/node_modules" node "$root/bench/ort_throughput.js" \
      "$model" "$input" "$batch")")
    ort_inferences+=("$(tail -1 "$work/out.log")")
  done
  ideal=$(median "${ideals[@]}")
  analog=$(median "${analogs[@]}")
  ort=$(median "${orts[@]}")
  ort_inference=$(median "${ort_inferences[@]}")
  printf '%-22s %8d %10.2f %10.2f %10.2f %10.2f %14.2f %14.2f\n' "$name" "$samples" "$ideal" \
    "$analog" "$ort" "$ort_inference" "$(echo "$ort / $ideal" | bc -l)" \
    "$(echo "$analog / $ideal" | bc -l)"
}

fashion=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
/usr/bin/python3 "$root/bench/make_inputs.py" fashion "$fashion" 10000 "$work/fashion.npy"
/usr/bin/python3 "$root/bench/make_inputs.py" tile "$root/test/models/torchvision_input.npy" 64 \
  "$work/resnet.npy"
echo "$(nproc) cores; seconds per run (whole process, median of $repeat); ORT inference alone; ratios"
printf '%-22s %8s %10s %10s %10s %10s %14s %14s\n' model samples ideal analog ort \
  ort-infer "ort/ideal" "analog/ideal"
bench fashion-int8-cnn "$root/test/models/torch_qdq_cnn.onnx" "$work/fashion.npy" 10000 1000 \
  --target=flash
bench resnet18-qat "$root/test/models/resnet18_qat.onnx" "$work/resnet.npy" 64 64 \
  --target=flash --chips=auto
