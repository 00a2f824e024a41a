#!/usr/bin/python3
"""Writes the benchmark inputs as float32 .npy files.

  make_inputs.py fashion IMAGES.idx3.gz COUNT OUT.npy   first COUNT images, [N,1,28,28] / 255
  make_inputs.py tile INPUT.npy COUNT OUT.npy           INPUT's samples repeated to COUNT
"""
import gzip
import sys

import numpy as np


def fashion(path, count, out):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[:count]
    np.save(out, (images.astype(np.float32) / 255).astype(np.float32))


def tile(path, count, out):
    x = np.load(path)
    reps = -(-count // x.shape[0])
    np.save(out, np.concatenate([x] * reps)[:count].astype(np.float32))


if __name__ == '__main__':
    kind, src, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    {'fashion': fashion, 'tile': tile}[kind](src, count, out)
