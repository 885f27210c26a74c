#!/usr/bin/env python3
"""Planted ties for learned sharing: X with column scales spread over a decade, weights that
take a few distinct values, y = X w + b + noise.

  learn_data.py OUT.h5 --rows M --cols N [--values 5] [--noise 0.1] [--zeros FRACTION]
                [--scale-decades 1] [--intercept B] [--orthogonal | --correlation RHO]
                [--seed S]

(--correlation: neighbouring columns correlated rho^|i - j| before scaling.)  The benchmark
(scripts/bench/learn_bench.py) imports write_planted.

Writes /X, /y, /w_true and /planted (the planted partition: ids 0..K-1 by ascending value,
-2 for the weights that are exactly zero when --zeros is given).  The values are spaced
1 apart around 0 (avoiding 0 unless --zeros asks for zeros).
"""
import argparse

import h5py
import numpy as np


def write_planted(out, rows, cols, values=5, noise=0.1, zeros=0.0, scale_decades=1.0,
                  intercept=0.0, orthogonal=False, correlation=0.0, seed=0):
    rng = np.random.default_rng(seed)
    m, n, k = rows, cols, values
    # Distinct nonzero values, 1 apart: -2, -1, 1, 2, 3 for k = 5.
    vals = np.array([v for v in range(-(k // 2), k + 1) if v != 0][:k], dtype=float)
    n_zero = int(round(zeros * n))
    planted = np.empty(n, dtype=np.int64)
    order = rng.permutation(n)
    planted[order[:n_zero]] = -2
    rest = order[n_zero:]
    planted[rest] = np.arange(len(rest)) % k  # every value used
    w = np.where(planted >= 0, vals[np.maximum(planted, 0)], 0.0)
    scales = 10.0 ** rng.uniform(0.0, scale_decades, n)
    if orthogonal:
        q, _ = np.linalg.qr(rng.standard_normal((m, n)))
        X = q * np.sqrt(m) * scales
    else:
        X = rng.standard_normal((m, n))
        if correlation:
            # AR(1) across columns: x_j = rho x_{j-1} + sqrt(1 - rho^2) e_j.
            for j in range(1, n):
                X[:, j] = correlation * X[:, j - 1] + np.sqrt(1 - correlation**2) * X[:, j]
        X *= scales
    y = X @ w + intercept + noise * rng.standard_normal(m)
    with h5py.File(out, "w") as f:
        f["X"] = X
        f["y"] = y
        f["w_true"] = w
        f["planted"] = planted


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--cols", type=int, required=True)
    ap.add_argument("--values", type=int, default=5)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--zeros", type=float, default=0.0)
    ap.add_argument("--scale-decades", type=float, default=1.0)
    ap.add_argument("--intercept", type=float, default=0.0)
    ap.add_argument("--orthogonal", action="store_true")
    ap.add_argument("--correlation", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    write_planted(a.out, a.rows, a.cols, a.values, a.noise, a.zeros, a.scale_decades,
                  a.intercept, a.orthogonal, a.correlation, a.seed)


if __name__ == "__main__":
    main()
