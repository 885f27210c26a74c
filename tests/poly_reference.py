#!/usr/bin/env python3
"""Polynomial features with numpy, written from the README's definition (not from
wshare's code), and checks of wshare results against them.

usage:
  poly_reference.py fit RESULT.h5 DATA.h5 --poly-degree D [--poly-terms separate|total]
                    [--poly-basis monomial|legendre|chebyshev] [--intercept]
                    [--groups FILE:DATASET] [--tol T]
      The tied least-squares solution by numpy lstsq on the same design; exits 1 when
      max|w - w_ref| / max|w_ref| (or the intercept's error) exceeds tol, or when the
      result's terms, basis or map (/poly/min, /poly/max: the data's column bounds,
      exactly) differ from what was asked.
  poly_reference.py predict PRED.h5 MODEL.h5 DATA.h5 [--tol T]
      y_pred of PRED.h5 against the model of MODEL.h5 evaluated by numpy at DATA's points
      with the model's map; for a basis other than monomial, DATA's own map must give
      other values (so the check can tell the maps apart).

Terms: separate = x_j^p column by column, power by power; total = every exponent tuple
of total degree 1..D, sorted by degree and then in descending lexicographic order.  A
power p is x^p (monomial), or P_p(t), T_p(t) (numpy.polynomial's legvander, chebvander)
of t = (x - lo) (2 / (hi - lo)) - 1 (t = 0 when hi = lo).
"""
import argparse
import itertools
import sys

import h5py
import numpy as np
from numpy.polynomial import chebyshev, legendre, polynomial

VANDER = {"monomial": polynomial.polyvander, "legendre": legendre.legvander,
          "chebyshev": chebyshev.chebvander}


def exponents(n_raw, degree, terms):
    if terms == "separate":
        return [tuple(p if i == j else 0 for i in range(n_raw))
                for j in range(n_raw) for p in range(1, degree + 1)]
    tuples = [e for e in itertools.product(range(degree + 1), repeat=n_raw)
              if 1 <= sum(e) <= degree]
    return sorted(tuples, key=lambda e: (sum(e), tuple(-v for v in e)))


def mapped(X, lo, hi):
    width = hi - lo
    safe = np.where(width > 0, width, 1.0)
    return np.where(width > 0, (X - lo) * (2.0 / safe) - 1.0, 0.0)


def design(X, degree, terms, basis, lo=None, hi=None):
    """The model columns of X, with the map of the given bounds (default: X's own)."""
    if lo is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
    T = X if basis == "monomial" else mapped(X, lo, hi)
    V = [VANDER[basis](T[:, j], degree) for j in range(X.shape[1])]
    cols = [np.prod([V[j][:, p] for j, p in enumerate(e)], axis=0)
            for e in exponents(X.shape[1], degree, terms)]
    return np.column_stack(cols), lo, hi


def tied_basis(g):
    """w = S v: one column per group id >= 0, one per id -1, none for id -2."""
    n = len(g)
    cols = [(g == i).astype(float) for i in sorted(set(int(i) for i in g if i >= 0))]
    cols += [np.eye(n)[j] for j in np.where(g == -1)[0]]
    return np.array(cols).T


def attr_str(f, name, default):
    v = f.attrs.get(name, default)
    return v.decode() if isinstance(v, bytes) else str(v)


def fail(msg):
    print(f"poly_reference: {msg}", file=sys.stderr)
    return 1


def cmd_fit(a):
    data = h5py.File(a.data, "r")
    X = data["X"][:].astype(np.float64)
    y = data["y"][:].astype(np.float64)
    Phi, lo, hi = design(X, a.poly_degree, a.poly_terms, a.poly_basis)
    m, n = Phi.shape
    if a.groups:
        path, name = a.groups.split(":")
        S = tied_basis(h5py.File(path, "r")[name][:])
    else:
        S = np.eye(n)
    Z = Phi @ S
    if a.intercept:
        Z = np.column_stack([Z, np.ones(m)])
    v = np.linalg.lstsq(Z, y, rcond=None)[0]
    w_ref = S @ v[:S.shape[1]]
    b_ref = v[-1] if a.intercept else 0.0
    res = h5py.File(a.result, "r")
    w = res["w"][:]
    if w.shape != w_ref.shape:
        return fail(f"{a.result}: /w has {w.shape[0]} weights, expected {n}")
    scale = max(np.abs(w_ref).max(), 1e-300)
    err_w = np.abs(w - w_ref).max() / scale
    err_b = abs(res["intercept"][()] - b_ref) / max(abs(b_ref), scale)
    if not (err_w <= a.tol and err_b <= a.tol):
        return fail(f"{a.result}: relative error w {err_w:.3e}, intercept {err_b:.3e} > "
                    f"tol {a.tol:g}")
    got = (attr_str(res, "poly_terms", "?"), attr_str(res, "poly_basis", "?"))
    if got != (a.poly_terms, a.poly_basis):
        return fail(f"{a.result}: poly_terms, poly_basis are {got}")
    if a.poly_basis != "monomial":
        if not (np.array_equal(res["poly/min"][:], lo) and np.array_equal(res["poly/max"][:], hi)):
            return fail(f"{a.result}: /poly/min, /poly/max are not the data's column bounds")
    elif "poly" in res:
        return fail(f"{a.result}: a monomial model has a /poly map")
    return 0


def cmd_predict(a):
    model = h5py.File(a.model, "r")
    X = h5py.File(a.data, "r")["X"][:].astype(np.float64)
    degree = int(model.attrs["poly_degree"])
    terms, basis = attr_str(model, "poly_terms", "?"), attr_str(model, "poly_basis", "?")
    lo = hi = None
    if basis != "monomial":
        lo, hi = model["poly/min"][:], model["poly/max"][:]
    w, b = model["w"][:], model["intercept"][()]
    ref = design(X, degree, terms, basis, lo, hi)[0] @ w + b
    pred = h5py.File(a.pred, "r")["y_pred"][:]
    scale = max(np.abs(ref).max(), 1e-300)
    err = np.abs(pred - ref).max() / scale
    if not err <= a.tol:
        return fail(f"{a.pred}: y_pred differs from the model's surface by {err:.3e} "
                    f"(relative) > tol {a.tol:g}")
    if basis != "monomial":
        own = design(X, degree, terms, basis)[0] @ w + b
        if np.abs(own - ref).max() / scale <= 1e3 * a.tol:
            return fail(f"{a.data}: its own map gives the same surface; the check is blind")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit")
    f.add_argument("result")
    f.add_argument("data")
    f.add_argument("--poly-degree", type=int, required=True)
    f.add_argument("--poly-terms", default="separate", choices=["separate", "total"])
    f.add_argument("--poly-basis", default="monomial", choices=sorted(VANDER))
    f.add_argument("--intercept", action="store_true")
    f.add_argument("--groups")
    f.add_argument("--tol", type=float, default=1e-8)
    q = sub.add_parser("predict")
    q.add_argument("pred")
    q.add_argument("model")
    q.add_argument("data")
    q.add_argument("--tol", type=float, default=1e-12)
    a = p.parse_args()
    return cmd_fit(a) if a.cmd == "fit" else cmd_predict(a)


if __name__ == "__main__":
    sys.exit(main())
