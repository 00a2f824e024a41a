#!/usr/bin/python3
"""Logits of the QONNX zoo models for the fixed input of QonnxZooTest.cpp
(element i = (i % 97) / 96), by a numpy evaluator of the zoo's ops written
from the ONNX and QONNX definitions, independent of qnnc's kernels.
Run once; QonnxZooTest.cpp keeps its output."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

F32 = np.float32


def quant(x, scale, zp, bits, signed, narrow, mode):
    q = x / scale + zp
    if bits == 1 and signed:
        q = np.where(q >= 0, F32(1), F32(-1))
    else:
        lo = -(2.0 ** (bits - 1)) + narrow if signed else 0.0
        hi = 2.0 ** (bits - 1) - 1 if signed else 2.0 ** bits - 1 - narrow
        q = np.clip(q, lo, hi).astype(F32)
        q = {"ROUND": np.round, "FLOOR": np.floor, "CEIL": np.ceil,
             "ROUND_TO_ZERO": np.trunc}[mode](q)
    return ((q - zp) * scale).astype(F32)


def run(path, x):
    m = onnx.load(path)
    env = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    env[m.graph.input[0].name] = x
    for n in m.graph.node:
        a = {t.name: onnx.helper.get_attribute_value(t) for t in n.attribute}
        i = [env[k] for k in n.input]
        t = n.op_type
        if t == "Quant":
            mode = a.get("rounding_mode", b"ROUND").decode()
            r = quant(i[0], i[1], i[2], float(i[3]), a.get("signed", 1), a.get("narrow", 0), mode)
        elif t == "BipolarQuant":
            r = (np.where(i[0] >= 0, F32(1), F32(-1)) * i[1]).astype(F32)
        elif t == "Shape":
            r = np.array(i[0].shape, dtype=np.int64)
        elif t == "Gather":
            r = np.take(i[0], i[1], axis=a.get("axis", 0))
        elif t == "Unsqueeze":
            r = np.expand_dims(i[0], a["axes"])
        elif t == "Concat":
            r = np.concatenate(i, axis=a["axis"])
        elif t == "Reshape":
            r = i[0].reshape(i[1])
        elif t == "Flatten":
            r = i[0].reshape(i[0].shape[0], -1)
        elif t == "Transpose":
            r = np.transpose(i[0], a["perm"])
        elif t == "MatMul":
            r = (i[0].astype(np.float64) @ i[1].astype(np.float64)).astype(F32)
        elif t == "Gemm":
            b = i[1].T if a.get("transB", 0) else i[1]
            r = (i[0].astype(np.float64) @ b.astype(np.float64) + i[2]).astype(F32)
        elif t == "BatchNormalization":
            s, b, mean, var = (v.astype(np.float64) for v in i[1:5])
            r = ((i[0] - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * s + b).astype(F32)
        elif t in ("Add", "Sub", "Mul", "Div", "Pow"):
            op = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
                  "Div": np.divide, "Pow": np.power}[t]
            r = op(i[0], i[1]).astype(i[0].dtype)
        elif t == "Relu":
            r = np.maximum(i[0], F32(0))
        else:
            sys.exit(f"{path}: op {t} not handled")
        env[n.output[0]] = r
    return env[m.graph.output[0].name]


MNIST = (1, 1, 28, 28)
for name, shape in [("TFC_1W1A", MNIST), ("TFC_1W2A", MNIST), ("TFC_2W2A", MNIST),
                    ("kwsmlp_w3a3", (1, 1, 10, 49)), ("unsw_nb15-mlp-w2a2", (1, 600))]:
    x = (np.arange(np.prod(shape)) % 97 / 96).astype(F32).reshape(shape)
    y = run(sys.argv[1] + "/" + name + ".onnx", x)
    print(name, ", ".join(f"{float(v):.9g}" for v in y.ravel()))
