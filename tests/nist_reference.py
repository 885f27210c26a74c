#!/usr/bin/env python3
"""Reference least-squares solution of a nist_to_h5.py file, wshare format.

usage: nist_reference.py DATA.h5 OUT.h5 [--method exact|lstsq]

exact (default): the exact least-squares solution of the data *as doubles*
  (each double is an exact rational), by Gaussian elimination on the normal
  equations over fractions.Fraction, with the powers x^p exact (not rounded
  to double). Estimates are then correctly rounded to double; square roots
  are taken in 40-digit decimal. No solver reading these doubles can do
  better, so this calibrates the thresholds of nist_check.py.
lstsq: numpy.linalg.lstsq on the design with columns scaled to unit norm, a
  plain floating-point baseline for comparison.

Writes /w (slopes, for poly models the coefficients of x, x^2, ..., x^d),
/intercept, /stderr, /intercept_stderr and the attributes residual_sd, r2 —
the layout nist_check.py reads from wshare.
"""
import argparse
import decimal
from fractions import Fraction

import h5py
import numpy as np


def solve_exact(X, y, degree, intercept):
    m = X.shape[0]
    xs = [[Fraction(float(v)) for v in X[:, j]] for j in range(X.shape[1])]
    cols = [[Fraction(1)] * m] if intercept else []
    for x in xs:
        # Exact powers: the model is in powers of x itself. Rounding x^p to
        # double already moves Filip's solution in the 8th digit.
        for p in range(1, degree + 1):
            cols.append([v ** p for v in x])
    yf = [Fraction(float(v)) for v in y]
    n = len(cols)

    # Augmented [G | Z'y | I]: one Gauss-Jordan pass gives beta and G^-1.
    A = [[sum(a * b for a, b in zip(cols[i], cols[j])) for j in range(n)]
         + [sum(a * b for a, b in zip(cols[i], yf))]
         + [Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    for k in range(n):
        piv = next(i for i in range(k, n) if A[i][k] != 0)
        A[k], A[piv] = A[piv], A[k]
        inv = 1 / A[k][k]
        A[k] = [v * inv for v in A[k]]
        for i in range(n):
            if i != k and A[i][k] != 0:
                f = A[i][k]
                A[i] = [a - f * b for a, b in zip(A[i], A[k])]
    beta = [A[i][n] for i in range(n)]
    ginv_diag = [A[i][n + 1 + i] for i in range(n)]

    resid = [yi - sum(b * c[r] for b, c in zip(beta, cols))
             for r, yi in enumerate(yf)]
    rss = sum(r * r for r in resid)
    s2 = rss / (m - n)
    # NIST's R^2 is centred with an intercept, uncentred without one.
    ybar = sum(yf) / m if intercept else Fraction(0)
    tss = sum((v - ybar) ** 2 for v in yf)
    r2 = 1 - rss / tss

    return ([float(b) for b in beta], [fsqrt(s2 * g) for g in ginv_diag],
            fsqrt(s2), float(r2))


def fsqrt(q):
    """sqrt of a non-negative Fraction, rounded to double via 40 digits."""
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        return float((decimal.Decimal(q.numerator) / q.denominator).sqrt())


def solve_lstsq(X, y, degree, intercept):
    m = X.shape[0]
    cols = [np.ones(m)] if intercept else []
    for j in range(X.shape[1]):
        # Repeated multiplication: exact for Wampler's integer x, where numpy's
        # vectorised pow() is not.
        power = X[:, j].copy()
        for _ in range(degree):
            cols.append(power)
            power = power * X[:, j]
    Z = np.column_stack(cols)
    scale = np.linalg.norm(Z, axis=0)
    Zs = Z / scale
    bs, *_ = np.linalg.lstsq(Zs, y, rcond=None)
    resid = y - Zs @ bs
    rss = resid @ resid
    n = Z.shape[1]
    s2 = rss / (m - n)
    # diag((Zs'Zs)^-1) = squared row norms of R^-1.
    Rinv = np.linalg.inv(np.linalg.qr(Zs, mode="r"))
    se = np.sqrt(s2 * np.sum(Rinv ** 2, axis=1)) / scale
    tss = np.sum((y - y.mean()) ** 2) if intercept else y @ y
    return list(bs / scale), list(se), float(np.sqrt(s2)), float(1 - rss / tss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--method", choices=["exact", "lstsq"], default="exact")
    args = ap.parse_args()

    with h5py.File(args.data, "r") as f:
        X = np.asarray(f["X"], dtype=np.float64)
        y = np.asarray(f["y"], dtype=np.float64)
        degree = int(f.attrs["poly_degree"])
        intercept = bool(f.attrs["intercept"])
    solve = solve_exact if args.method == "exact" else solve_lstsq
    beta, se, rsd, r2 = solve(X, y, degree, intercept)

    k = 1 if intercept else 0
    with h5py.File(args.out, "w") as f:
        f["w"] = np.array(beta[k:])
        f["stderr"] = np.array(se[k:])
        f["intercept"] = np.float64(beta[0] if intercept else 0.0)
        f["intercept_stderr"] = np.float64(se[0] if intercept else 0.0)
        f.attrs["residual_sd"] = rsd
        f.attrs["r2"] = r2
        f.attrs["solver"] = f"nist_reference.py --method {args.method}"


if __name__ == "__main__":
    main()
