#!/usr/bin/env bash
# Installs the Debian packages qnn needs, only those missing; non-interactive
# and safe to run again. Used by both README commands and by CI.
# --sanitize: also clang and its sanitizer and libFuzzer runtimes (tools/build.sh
# --sanitize, tools/fuzz.sh).
set -euo pipefail

packages=(
  cmake make g++ python3 python3-numpy python3-onnx
  libonnx-dev libprotobuf-dev protobuf-compiler
  llvm-14-dev llvm-14-tools libfmt-dev libgtest-dev libdnnl-dev librandom123-dev
  libonnx-testdata zlib1g-dev dataset-fashion-mnist
  # Debian's dnnl CMake config looks for OpenCL (its GPU runtime), even
  # though qnn uses only the CPU engine.
  ocl-icd-opencl-dev opencl-c-headers
)
[ "${1:-}" = --sanitize ] && packages+=(clang-14 libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
