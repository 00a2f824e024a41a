"""Writes a float32 ONNX TensorProto without the onnx package.

make-pb.py NAME DIMS VALUES OUT: DIMS like 2,3; VALUES comma-separated.
"""
import struct
import sys


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field(number, wire, payload):
    return varint(number << 3 | wire) + payload


name, dims, values, path = sys.argv[1:5]
msg = b"".join(field(1, 0, varint(int(d))) for d in dims.split(","))
msg += field(2, 0, varint(1))  # FLOAT
msg += field(8, 2, varint(len(name)) + name.encode())
raw = b"".join(struct.pack("<f", float(v)) for v in values.split(","))
msg += field(9, 2, varint(len(raw)) + raw)
with open(path, "wb") as f:
    f.write(msg)
