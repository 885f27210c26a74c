#!/usr/bin/env python3
"""Data files with several outputs for the tests, written with h5py.

usage: make_outputs.py FILE KIND ROWS SEED
  KIND per:   X 300-ish x 10, Y m x 3, 1-D groups (groups, unshared, one -2) applied to each
              output separately
  KIND joint: X m x 12, Y m x 4, n x q groups tying weights across inputs and outputs
              (shared kernel entries, unshared weights, -2 elsewhere)
  KIND conv:  a 1-D convolution written as a dense layer: 40 inputs, kernel 4, stride 2,
              19 outputs, ids = the kernel entry, -2 elsewhere (90% fixed at zero)
Y = X W_true + b + noise with W_true honouring the ties, so every fit has a clear answer.
"""
import sys

import h5py
import numpy as np


def main():
    path, kind, m, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(seed)
    if kind == "per":
        n, q = 10, 3
        groups = np.array([0, 0, 7, -1, 3, 3, -2, 7, -1, 0])
        ids = [(int(g), o) if g >= 0 else None for g in groups for o in range(q)]
    elif kind == "joint":
        n, q = 12, 4
        groups = np.full((n, q), -2)
        for o in range(q):  # output o sees inputs o .. o + 3 through kernel entries 10 .. 13
            groups[o:o + 4, o] = np.arange(10, 14)
        groups[11, :] = -1  # a last input with its own weight per output
        groups[0, 3] = 5  # and one group of two weights across outputs
        groups[1, 1] = 5
        ids = [int(g) if g >= 0 else None for g in groups.reshape(-1)]
    else:
        n, kw, stride = 40, 4, 2
        q = (n - kw) // stride + 1
        groups = np.full((n, q), -2)
        for o in range(q):
            groups[o * stride:o * stride + kw, o] = np.arange(kw)
        ids = [int(g) if g >= 0 else None for g in groups.reshape(-1)]
    values = {key: rng.standard_normal() for key in set(i for i in ids if i is not None)}
    flat = groups.reshape(-1) if groups.ndim == 2 else np.repeat(groups, q)
    W = np.array([values[i] if i is not None else (rng.standard_normal() if g == -1 else 0.0)
                  for i, g in zip(ids, flat)]).reshape(n, q)
    X = rng.standard_normal((m, n)) + rng.uniform(-2, 2, n)
    b = rng.uniform(-3, 3, q)
    Y = X @ W + b + 0.05 * rng.standard_normal((m, q))
    with h5py.File(path, "w") as f:
        f["X"] = X
        f["Y"] = Y
        f["groups"] = groups.astype(np.int64)
        f["W_true"] = W


if __name__ == "__main__":
    main()
