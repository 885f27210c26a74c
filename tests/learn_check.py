#!/usr/bin/env python3
"""Independent checks of a learned-sharing result (wshare solve --sharing learn) with numpy.

  learn_check.py tied DATA RESULT IDS [--intercept] [--ridge L] [--tol T]
      /w and /intercept equal the least-squares tied fit of the ids IDS (FILE:DATASET, -2 =
      fixed at zero) on all rows, to T relative to max |w|.
  learn_check.py partition RESULT IDS
      the learned /groups is the partition IDS (same blocks; -2 exactly where IDS has -2).
  learn_check.py coarser RESULT IDS
      every block of IDS lies inside one learned group (groups are never split).
  learn_check.py finer RESULT IDS
      every learned group lies inside one block of IDS.
  learn_check.py orthogonal DATA RESULT
      every /learn/rss[K] equals the smallest tied RSS over all partitions of the weights into
      at most K blocks (brute force), to 1e-9 relative.
  learn_check.py holdout DATA RESULT [--intercept]
      rows i mod 10 = 9 are held out: the chosen K has the smallest /learn/criterion, which
      equals the held-out loss of the learned ties refitted on the other rows, whose RSS is
      /learn/rss at that K.

Exit 1 with one line on the first failure.
"""
import argparse
import sys

import h5py
import numpy as np


def fail(msg):
    print(f"learn_check: {msg}", file=sys.stderr)
    sys.exit(1)


def read_ids(spec):
    path, name = spec.rsplit(":", 1)
    with h5py.File(path, "r") as f:
        return f[name][:].astype(np.int64)


def basis(ids):
    """Columns for groups (ascending id) and free (-1) weights; -2 weights have none."""
    cols = [(ids == g).astype(float) for g in sorted(set(ids[ids >= 0]))]
    cols += [np.eye(len(ids))[j] for j in np.where(ids == -1)[0]]
    return np.array(cols).T.reshape(len(ids), len(cols))


def tied_fit(X, y, ids, intercept, ridge=0.0, rows=None):
    if rows is not None:
        X, y = X[rows], y[rows]
    S = basis(ids)
    Z = X @ S
    m = len(y)
    if intercept:
        Z = np.column_stack([Z, np.ones(m)])
    pen = np.zeros(Z.shape[1])
    pen[: S.shape[1]] = m * ridge * S.sum(axis=0)
    v = np.linalg.solve(Z.T @ Z + np.diag(pen), Z.T @ y)
    w = S @ v[: S.shape[1]]
    b = v[-1] if intercept else 0.0
    return w, b


def same_blocks(a, b):
    if not np.array_equal(a == -2, b == -2):
        return False
    pairs = set(zip(a[a != -2].tolist(), b[b != -2].tolist()))
    return len(pairs) == len(set(a[a != -2])) == len(set(b[b != -2]))


def set_partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[first] + part[i]] + part[i + 1:]
        yield [[first]] + part


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--intercept", action="store_true")
    ap.add_argument("--ridge", type=float, default=0.0)
    ap.add_argument("--tol", type=float, default=1e-10)
    a = ap.parse_args()

    if a.what in ("partition", "coarser", "finer"):
        r, ids = h5py.File(a.files[0], "r"), read_ids(a.files[1])
        got = r["groups"][:]
        if a.what == "finer":
            got, ids = ids, got
        if a.what == "partition" and not same_blocks(got, ids):
            fail(f"learned partition {got.tolist()} is not the planted {ids.tolist()}")
        for g in set(ids[ids >= 0]):
            if len(set(got[ids == g])) != 1:
                fail(f"block {g} was split: {sorted(set(got[ids == g]))}")
        return

    d, r = h5py.File(a.files[0], "r"), h5py.File(a.files[1], "r")
    X, y = d["X"][:], d["y"][:]
    if a.what == "tied":
        w, b = tied_fit(X, y, read_ids(a.files[2]), a.intercept, a.ridge)
        err = max(np.abs(r["w"][:] - w).max(), abs(r["intercept"][()] - b)) / np.abs(w).max()
        if not err <= a.tol:
            fail(f"weights differ from the numpy tied fit by {err:.2e} (tolerance {a.tol:g})")
    elif a.what == "orthogonal":
        n = X.shape[1]
        best = {}
        for part in set_partitions(list(range(n))):
            ids = np.empty(n, dtype=np.int64)
            for g, block in enumerate(part):
                ids[block] = g
            w, _ = tied_fit(X, y, ids, False)
            rss = float(((y - X @ w) ** 2).sum())
            best[len(part)] = min(best.get(len(part), np.inf), rss)
        for k, rss in zip(r["learn/k"][:], r["learn/rss"][:]):
            brute = min(v for kk, v in best.items() if kk <= k)
            if not abs(rss - brute) <= 1e-9 * brute:
                fail(f"K = {k:.0f}: tied RSS {rss!r} but the best partition has {brute!r}")
    elif a.what == "holdout":
        m = len(y)
        held = np.arange(m) % 10 == 9
        ids = r["groups"][:]
        w, b = tied_fit(X, y, ids, a.intercept, rows=~held)
        loss = ((y[held] - X[held] @ w - b) ** 2).sum() / (2 * held.sum())
        rss = ((y[~held] - X[~held] @ w - b) ** 2).sum()
        crit, ks = r["learn/criterion"][:], r["learn/k"][:]
        t = int(np.where(ks == r.attrs["learned_groups"])[0][0])
        if np.argmin(crit) != t:
            fail(f"chosen K = {ks[t]:.0f} does not have the smallest held-out loss {crit.tolist()}")
        if not abs(crit[t] - loss) <= 1e-9 * loss:
            fail(f"held-out loss {crit[t]!r}, numpy {loss!r}")
        if not abs(r["learn/rss"][t] - rss) <= 1e-9 * rss:
            fail(f"fit-row RSS {r['learn/rss'][t]!r}, numpy {rss!r}")
    else:
        fail(f"unknown check {a.what}")


if __name__ == "__main__":
    main()
