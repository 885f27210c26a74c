#!/usr/bin/env python3
"""Writes a tied problem whose columns are scaled over a range, so gradient descent needs
many iterations (for restart tests).  usage: make_illcond.py OUT.h5 ROWS COLS SPREAD SEED"""
import sys

import h5py
import numpy as np

out, m, n, spread, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rng = np.random.default_rng(seed)
X = rng.standard_normal((m, n)) * np.geomspace(1.0, spread, n)
groups = np.arange(n) % max(1, n // 3)
groups[::5] = -1
w = rng.standard_normal(n)
for g in set(groups[groups >= 0]):
    w[groups == g] = w[groups == g][0]
with h5py.File(out, "w") as f:
    f["X"] = X
    f["y"] = X @ w + 0.01 * rng.standard_normal(m)
    f["groups"] = groups.astype(np.int64)
