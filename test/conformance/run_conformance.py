#!/usr/bin/python3
"""ONNX quantization node tests through qnnc + qnn-run.

For every selected test directory (model.onnx + test_data_set_0/), the first
graph input is the data the chip receives; every other input (weights, scales,
zero points) is bound to its .pb at compile time with --bind. The image runs on
the chip model in ideal mode and each output must equal output_N.pb exactly
(bit for bit; NaN matches NaN). A test that qnnc refuses passes only if
expected-refusals.txt lists it with a substring of the diagnostic.

Prints one row per test (PASS / REFUSED / FAIL) and a final
"N passed, N failed" line; exits 1 if anything failed.

  run_conformance.py --bin BUILD/bin --target flash DIR...
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

# Debian's libonnx-testdata tests the issue asks for (the newer suite in
# shared/conformance/onnx-node-quant is taken whole).
SELECTED = re.compile(r"^test_(qlinearconv|qlinearmatmul_.*|convinteger_.*|basic_convinteger|"
                      r"matmulinteger|quantizelinear.*|dequantizelinear.*|"
                      r"dynamicquantizelinear.*)$")


def load_refusals(path):
    refusals = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, reason = line.split(":", 1)
                refusals[name.strip()] = reason.strip()
    return refusals


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t


# Sub-byte types newer than Debian's onnx module (UINT4, INT4, UINT2, INT2):
# packed little-end first, either in raw_data or one byte per int32_data entry.
PACKED_TYPES = {21, 22, 25, 26}


def packed_bytes(t):
    return t.raw_data if t.raw_data else bytes(v & 0xFF for v in t.int32_data)


def same_bits(expected, actual):
    """Exact comparison of two TensorProtos' values (types, shapes, bits)."""
    if expected.data_type != actual.data_type:
        return f"type {actual.data_type}, expected {expected.data_type}"
    if list(expected.dims) != list(actual.dims):
        return f"shape {list(actual.dims)}, expected {list(expected.dims)}"
    if expected.data_type in PACKED_TYPES:
        e, a = packed_bytes(expected), packed_bytes(actual)
        return None if e == a else f"packed bytes differ: got {a.hex()}, expected {e.hex()}"
    e, a = numpy_helper.to_array(expected), numpy_helper.to_array(actual)
    if e.dtype.kind == "f":
        diff = ~((e == a) | (np.isnan(e) & np.isnan(a)))
    else:
        diff = e != a
    if diff.any():
        idx = np.argwhere(diff)[0]
        return (f"{int(diff.sum())} of {diff.size} elements differ, first at {tuple(idx)}: "
                f"got {a[tuple(idx)]}, expected {e[tuple(idx)]}")
    return None


def run_test(test_dir, args, refusals, workdir):
    name = os.path.basename(test_dir.rstrip("/"))
    model_path = os.path.join(test_dir, "model.onnx")
    data_dir = os.path.join(test_dir, "test_data_set_0")
    model = onnx.load(model_path, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    image = os.path.join(workdir, name + ".qnnimg")
    cmd = [os.path.join(args.bin, "qnnc"), model_path, "--target=" + args.target, "-o", image]
    for i, input_name in enumerate(inputs[1:], start=1):
        cmd.append(f"--bind={input_name}={os.path.join(data_dir, f'input_{i}.pb')}")
    compiled = subprocess.run(cmd, capture_output=True, text=True)
    if compiled.returncode != 0:
        message = compiled.stderr.strip().splitlines()[-1] if compiled.stderr.strip() else "?"
        expected = refusals.get(name)
        if expected and expected in compiled.stderr:
            return "REFUSED", message
        return "FAIL", "qnnc: " + message
    if name in refusals:
        return "FAIL", "expected a refusal (" + refusals[name] + ") but qnnc compiled it"
    out_dir = os.path.join(workdir, name + ".out")
    run = subprocess.run([os.path.join(args.bin, "qnn-run"), image,
                          "--input=" + os.path.join(data_dir, "input_0.pb"),
                          "--output-dir=" + out_dir, "--output-format=pb"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return "FAIL", "qnn-run: " + run.stderr.strip()
    outputs = [o.name for o in model.graph.output]
    for i, output_name in enumerate(outputs):
        problem = same_bits(read_pb(os.path.join(data_dir, f"output_{i}.pb")),
                            read_pb(os.path.join(out_dir, output_name + ".pb")))
        if problem:
            return "FAIL", f"output '{output_name}': {problem}"
    return "PASS", ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True, help="directory holding qnnc and qnn-run")
    parser.add_argument("--target", default="flash")
    parser.add_argument("--refusals", default=os.path.join(os.path.dirname(__file__),
                                                            "expected-refusals.txt"))
    parser.add_argument("dirs", nargs="+", help="directories of node tests")
    args = parser.parse_args()
    refusals = load_refusals(args.refusals)
    tests = []
    for root in args.dirs:
        if not os.path.isdir(root):
            print(f"error: {root}: no such directory", file=sys.stderr)
            return 1
        for entry in sorted(os.listdir(root)):
            path = os.path.join(root, entry)
            if os.path.isfile(os.path.join(path, "model.onnx")) and (
                    "onnx-node-quant" in root or SELECTED.match(entry)):
                tests.append(path)
    passed = failed = refused = 0
    with tempfile.TemporaryDirectory() as workdir:
        for test in tests:
            status, detail = run_test(test, args, refusals, workdir)
            origin = "shared" if "onnx-node-quant" in test else "debian"
            print(f"{status:8} {origin:7} {os.path.basename(test):50} {detail}")
            if status == "FAIL":
                failed += 1
            else:
                passed += 1
                refused += status == "REFUSED"
    print(f"conformance: {passed - refused} ran exactly, {refused} refused as expected, "
          f"{failed} failed")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
