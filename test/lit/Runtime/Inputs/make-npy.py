"""Writes a .npy file without numpy: make-npy.py TYPE DIMS VALUES OUT.

TYPE is f32, f64, u8, i8, i32 or i64; DIMS like 2,3; VALUES comma-separated.
"""
import struct
import sys

CODES = {"f32": ("<f4", "f"), "f64": ("<f8", "d"), "u8": ("|u1", "B"), "i8": ("|i1", "b"),
         "i32": ("<i4", "i"), "i64": ("<i8", "q")}

dtype, fmt = CODES[sys.argv[1]]
dims = [int(d) for d in sys.argv[2].split(",") if d]
values = [float(v) if fmt in "fd" else int(v) for v in sys.argv[3].split(",") if v]
shape = "(" + "".join(f"{d}, " if len(dims) == 1 else f"{d}," for d in dims).rstrip(",") + ")"
if len(dims) > 1:
    shape = "(" + ", ".join(str(d) for d in dims) + ")"
header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (dtype, shape)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(sys.argv[4], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<" + fmt * len(values), *values))
