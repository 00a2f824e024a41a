#!/usr/bin/env bash
# Regenerates the bundled example models and their ONNX Runtime outputs.
# Not run by the build or the tests (they use the committed files); needs
# Debian's python3-torch and python3-torchvision and npm's onnxruntime-node:
#   apt-get install python3-torch python3-torchvision
#   (cd /tmp/ort && ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node)
#   NODE_PATH=/tmp/ort/node_modules bash make_models.sh
set -euo pipefail
cd "$(dirname "$0")"
/usr/bin/python3 make_torch_qdq.py
/usr/bin/python3 make_torchvision_qat.py 64
/usr/bin/python3 make_fashion_cnn.py fashion_cnn.onnx
/usr/bin/python3 - <<'PY'
import gzip
import numpy as np
images = np.frombuffer(gzip.open("../../../shared/data/mnist/t10k-images-idx3-ubyte.gz").read(),
                       dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
np.save("sample_input.npy", images[:1].astype(np.float32) / 255)
np.save("sample_batch.npy", images[1:9].astype(np.float32) / 255)
PY
# ORT's optimizer fuses the QDQ graph into QOperator form and saves it.
node ort_oracle.js torch_qdq_cnn.onnx sample_input.npy torch_qdq_cnn.sample_input.ort. \
  --optimize=ort_qoperator_cnn.onnx
for model in torch_qdq_cnn ort_qoperator_cnn; do
  for sample in sample_input sample_batch; do
    node ort_oracle.js "$model.onnx" "$sample.npy" "$model.$sample.ort."
  done
done
for model in resnet18_qat mobilenet_v2_qat; do
  node ort_oracle.js "$model.onnx" torchvision_input.npy "$model.torchvision_input.ort."
done
