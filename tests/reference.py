#!/usr/bin/env python3
"""Independent solution of the tied least-squares problem (README, top) with numpy,
compared against a wshare result file.

usage: reference.py RESULT.h5 DATA.h5 [--ridge L] [--intercept] [--poly-degree D]
                    [--sharing none|groups|matrix] [--sharing-file F] [--sharing-dataset D]
                    [--y DATASET] [--tol T]

With several outputs (Y m x q) the problem is written out explicitly as one regression on
the stacked design: a row per (data row i, output o), the weights W (n x q) flattened row
by row, w = S v with S the tied basis over all n q weights (a 1-D groups of length n gives
each output its own copy of every group; n x q groups tie across outputs; -2 is a zero row
of S), and one intercept column per output.  Exits 1 (printing the error) when
max|W - W_ref| / max|W_ref| > tol or an intercept differs.
"""
import argparse
import sys

import h5py
import numpy as np


def entry_ids(g, n, q):
    """Group ids of the n q weights (row-major), one tied column per distinct key."""
    g = np.asarray(g)
    if g.ndim == 2 and g.shape == (n, 1) and q == 1:
        g = g[:, 0]
    if g.ndim == 1:  # the same ties for every output, each output its own copy
        return [(int(g[j]), o) if g[j] >= 0 else int(g[j]) for j in range(n) for o in range(q)]
    return [int(g[j, o]) for j in range(n) for o in range(q)]


def tied_basis(args, data, n, q):
    """Basis S (n q x k) of the tied weights, w = S v, as numpy computes it."""
    kind = args.sharing
    src = h5py.File(args.sharing_file or args.data, "r")
    if kind is None:
        kind = "groups" if "groups" in data else "none"
    if kind == "none":
        return np.eye(n * q)
    if kind == "groups":
        ids = entry_ids(src[args.sharing_dataset or "/groups"][:], n, q)
        keys = sorted({i for i in ids if i != -1 and i != -2}, key=str)
        cols = [np.array([float(i == key) for i in ids]) for key in keys]
        cols += [np.eye(n * q)[e] for e, i in enumerate(ids) if i == -1]  # -2: no column
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
    p.add_argument("--y")
    p.add_argument("--tol", type=float, default=1e-8)
    args = p.parse_args()

    data = h5py.File(args.data, "r")
    X = data["X"][:].astype(np.float64)
    y_name = args.y or ("y" if "y" in data else "Y")
    Y = data[y_name][:].astype(np.float64)
    Y = Y.reshape(len(Y), -1)
    if args.poly_degree > 1:
        X = np.column_stack([X[:, j] ** d for j in range(X.shape[1])
                             for d in range(1, args.poly_degree + 1)])
    m, n = X.shape
    q = Y.shape[1]
    S = tied_basis(args, data, n, q)
    k = S.shape[1]
    # Stacked design: row (i, o) is x_i placed on the weights (., o), times S.
    Z = np.kron(X, np.eye(q)) @ S
    if args.intercept:
        Z = np.column_stack([Z, np.kron(np.ones((m, 1)), np.eye(q))])
    t = Y.reshape(-1)
    # Normal equations of the tied problem, penalising w = S v but not the intercepts.
    P = np.zeros((Z.shape[1], Z.shape[1]))
    P[:k, :k] = S.T @ S
    if args.ridge == 0.0:
        v = np.linalg.lstsq(Z, t, rcond=None)[0]
    else:
        v = np.linalg.solve(Z.T @ Z / m + args.ridge * P, Z.T @ t / m)
    w_ref = (S @ v[:k]).reshape(n, q)
    b_ref = v[k:] if args.intercept else np.zeros(q)

    res = h5py.File(args.result, "r")
    w = np.asarray(res["w"][()]).reshape(n, q)
    b = np.asarray(res["intercept"][()]).reshape(q)
    scale = max(np.abs(w_ref).max(), 1e-300)
    err_w = np.abs(w - w_ref).max() / scale
    err_b = (np.abs(b - b_ref) / np.maximum(np.abs(b_ref), scale)).max()
    if not (err_w <= args.tol and err_b <= args.tol):
        print(f"reference: {args.result}: relative error w {err_w:.3e}, intercept {err_b:.3e} "
              f"> tol {args.tol:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
