#!/usr/bin/python3
"""Compares the chip model with ONNX Runtime on one QDQ model, in quantization steps.

    /usr/bin/python3 compare_with_ort.py MODEL.onnx INPUT.npy --target=T [--layers]

Compiles MODEL with qnnc for target T, runs it in ideal mode with qnn-run and
with ONNX Runtime (ort_oracle.js), and prints for every output how many values
are equal and the largest difference in steps of the output's scale. With
--layers every dequantized activation becomes an extra graph output first
(renamed, nothing else changes), so the table shows where the two part.

Needs build/bin (tools/build.sh) and NODE_PATH pointing at a node_modules with
onnxruntime-node (see make_models.sh).
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

HERE = pathlib.Path(__file__).resolve().parent
BIN = HERE.parent.parent / "build" / "bin"


def constant_names(graph):
    names = {init.name for init in graph.initializer}
    names.update(out for node in graph.node if node.op_type == "Constant" for out in node.output)
    return names


def scale_of(graph, dq_node):
    """The per-tensor scale of a DequantizeLinear, or None when it is not a constant scalar."""
    name = dq_node.input[1]
    for init in graph.initializer:
        if init.name == name:
            value = numpy_helper.to_array(init)
            return float(value) if value.size == 1 else None
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] == name:
            value = numpy_helper.to_array(node.attribute[0].t)
            return float(value) if value.size == 1 else None
    return None


def expose_activations(model):
    """Makes every dequantized activation a graph output; returns {output: scale}."""
    graph = model.graph
    constants = constant_names(graph)
    scales = {}
    for index, node in enumerate(list(graph.node)):
        if node.op_type != "DequantizeLinear" or node.input[0] in constants:
            continue
        scale = scale_of(graph, node)
        if scale is None:
            continue
        old = node.output[0]
        if old in {out.name for out in graph.output}:
            scales[old] = scale
            continue
        new = f"act{index:04d}_" + re.sub(r"[^A-Za-z0-9]+", "_", old).strip("_")
        for user in graph.node:
            for i, name in enumerate(user.input):
                if name == old:
                    user.input[i] = new
        node.output[0] = new
        graph.output.append(onnx.helper.make_tensor_value_info(new, onnx.TensorProto.FLOAT, None))
        scales[new] = scale
    return scales


def output_scales(model):
    graph = model.graph
    by_output = {node.output[0]: node for node in graph.node if node.op_type == "DequantizeLinear"}
    return {out.name: scale_of(graph, by_output[out.name]) if out.name in by_output else None
            for out in graph.output}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("input")
    parser.add_argument("--target", default="flash")
    parser.add_argument("--layers", action="store_true")
    args = parser.parse_args()

    model = onnx.load(args.model)
    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        scales = expose_activations(model) if args.layers else {}
        scales.update({k: v for k, v in output_scales(model).items() if k not in scales})
        model_path = work / "model.onnx"
        onnx.save(model, model_path)
        image = work / "model.qnnimg"
        subprocess.run([BIN / "qnnc", model_path, f"--target={args.target}", "-o", image], check=True)
        chip_dir = work / "chip"
        subprocess.run([BIN / "qnn-run", image, f"--input={args.input}",
                        f"--output-dir={chip_dir}"], check=True)
        subprocess.run(["node", HERE / "ort_oracle.js", model_path, args.input, work / "ort."],
                       check=True, env=dict(os.environ))
        worst = 0.0
        print(f"{'output':60s} {'values':>8s} {'equal':>8s} {'max steps':>9s}")
        for out in model.graph.output:
            chip = np.load(chip_dir / f"{out.name}.npy").astype(np.float64)
            ort = np.load(work / f"ort.{out.name}.npy").astype(np.float64)
            scale = scales.get(out.name)
            diff = np.abs(chip - ort) / scale if scale else np.abs(chip - ort)
            steps = float(diff.max()) if diff.size else 0.0
            worst = max(worst, steps)
            unit = "" if scale else " (absolute)"
            print(f"{out.name[:60]:60s} {diff.size:8d} {int(np.sum(diff < 1e-3)):8d} "
                  f"{steps:9.2f}{unit}")
        print(f"largest difference: {worst:.2f} steps")


if __name__ == "__main__":
    sys.exit(main())
