"""Writes images or labels of an IDX file as a .npy, without numpy.

idx-to-npy.py IDX[.gz] FIRST COUNT TYPE DIMS OUT: elements of items
[FIRST, FIRST + COUNT) of the IDX file (ubyte only), stored as TYPE (u8, f32
divided by 255, or i64) with shape COUNT x DIMS (DIMS like 1,28,28; empty
for labels). An independent reader to check qnn-eval's own IDX reader.
"""
import gzip
import struct
import sys

path, first, count, dtype, dims, out = sys.argv[1:7]
first, count = int(first), int(count)
dims = [count] + [int(d) for d in dims.split(",") if d]
raw = open(path, "rb").read()
if raw[:2] == b"\x1f\x8b":
    raw = gzip.decompress(raw)
assert raw[0:3] == b"\x00\x00\x08", "ubyte IDX files only"
rank = raw[3]
item_dims = struct.unpack(">%dI" % rank, raw[4:4 + 4 * rank])[1:]
item = 1
for d in item_dims:
    item *= d
data = raw[4 + 4 * rank + first * item:4 + 4 * rank + (first + count) * item]

codes = {"u8": ("|u1", "B"), "f32": ("<f4", "f"), "i64": ("<i8", "q")}
descr, fmt = codes[dtype]
values = [v / 255 for v in data] if dtype == "f32" else list(data)
shape = "(%d,)" % dims[0] if len(dims) == 1 else "(" + ", ".join(map(str, dims)) + ")"
header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(out, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<%d%s" % (len(values), fmt), *values))
