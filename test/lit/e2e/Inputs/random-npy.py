"""Writes a seeded random .npy array: random-npy.py KIND SHAPE SEED OUT.

KIND is uniform:LO:HI (float32), bipolar (float32 -1/+1) or classes:N (int64
labels in [0, N)); SHAPE like 64,1,10,49.
"""
import sys

import numpy as np

kind, shape, seed, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
dims = tuple(int(d) for d in shape.split(","))
rng = np.random.RandomState(seed)
if kind.startswith("uniform:"):
    lo, hi = (float(v) for v in kind.split(":")[1:])
    data = rng.uniform(lo, hi, dims).astype(np.float32)
elif kind == "bipolar":
    data = np.where(rng.randint(0, 2, dims) == 1, 1.0, -1.0).astype(np.float32)
elif kind.startswith("classes:"):
    data = rng.randint(0, int(kind.split(":")[1]), dims).astype(np.int64)
else:
    sys.exit("unknown kind " + kind)
np.save(out, data)
