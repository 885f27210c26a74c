#!/usr/bin/env python3
"""Independent solution of the tied least-squares problem (README, top) with numpy,
compared against a wshare result file.

usage: reference.py RESULT.h5 DATA.h5 [--ridge L] [--intercept] [--poly-degree D]
                    [--sharing none|groups|matrix] [--sharing-file F] [--sharing-dataset D]
                    [--tol T]
Exits 1 (printing the error) when max|w - w_ref| / max|w_ref| > tol or the intercept differs.
"""
import argparse
import sys

import h5py
import numpy as np


def tied_basis(args, data, n):
    """Basis S of the tied weights (w = S v) from the sharing, as numpy computes it."""
    kind = args.sharing
    src = h5py.File(args.sharing_file or args.data, "r")
    if kind is None:
        kind = "groups" if "groups" in data else "none"
    if kind == "none":
        return np.eye(n)
    if kind == "groups":
        g = src[args.sharing_dataset or "/groups"][:]
        ids = sorted(set(int(i) for i in g if i >= 0))
        cols = [(g == i).astype(float) for i in ids]
        cols += [np.eye(n)[j] for j in np.where(g == -1)[0]]  # -2: fixed at zero, no column
        return np.array(cols).T
    A = src[args.sharing_dataset or "/A"][:]
    vals, vecs = np.linalg.eigh((A + A.T) / 2)
    return vecs[:, vals > 0.5]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("result")
    p.add_argument("data")
    p.add_argument("--ridge", type=float, default=0.0)
    p.add_argument("--intercept", action="store_true")
    p.add_argument("--poly-degree", type=int, default=1)
    p.add_argument("--sharing")
    p.add_argument("--sharing-file")
    p.add_argument("--sharing-dataset")
    p.add_argument("--tol", type=float, default=1e-8)
    args = p.parse_args()

    data = h5py.File(args.data, "r")
    X = data["X"][:].astype(np.float64)
    y = data["y"][:].astype(np.float64)
    if args.poly_degree > 1:
        X = np.column_stack([X[:, j] ** d for j in range(X.shape[1])
                             for d in range(1, args.poly_degree + 1)])
    m, n = X.shape
    S = tied_basis(args, data, n)
    Z = X @ S
    if args.intercept:
        Z = np.column_stack([Z, np.ones(m)])
    # Normal equations of the tied problem, penalising w = S v but not the intercept.
    P = np.zeros((Z.shape[1], Z.shape[1]))
    P[: S.shape[1], : S.shape[1]] = S.T @ S
    G = Z.T @ Z / m + args.ridge * P
    if args.ridge == 0.0:
        v = np.linalg.lstsq(Z, y, rcond=None)[0]
    else:
        v = np.linalg.solve(G, Z.T @ y / m)
    w_ref = S @ v[: S.shape[1]]
    b_ref = v[-1] if args.intercept else 0.0

    res = h5py.File(args.result, "r")
    w = res["w"][:]
    scale = max(np.abs(w_ref).max(), 1e-300)
    err_w = np.abs(w - w_ref).max() / scale
    err_b = abs(res["intercept"][()] - b_ref) / max(abs(b_ref), scale)
    if not (err_w <= args.tol and err_b <= args.tol):
        print(f"reference: {args.result}: relative error w {err_w:.3e}, intercept {err_b:.3e} "
              f"> tol {args.tol:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
