#!/usr/bin/python3
"""Fit t(bytes) = alpha + beta * bytes to allreduce_alpha_beta output files.

usage: fit_alpha_beta.py LABEL=FILE [LABEL=FILE ...]

Each FILE holds "<bytes> <iters> <median_us> <min_us> <max_us>" lines (comments start
with #). The fit is least squares on the medians, weighted by 1/t, i.e. it minimises the
relative residuals: the sizes span six decades, and unweighted least squares would fit
the few largest messages and leave alpha to chance. Printed per file, as a Markdown table:
alpha (us) and beta (us/MiB, and the bandwidth 1/beta in GB/s) with their standard errors,
and the fit's error, the RMS and largest relative residual over all sizes.
"""
import sys

import numpy as np


def fit(path):
    rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    return fit_points([float(r[0]) for r in rows], [float(r[2]) for r in rows])


def fit_points(bytes_, times):
    """(alpha, beta), their standard errors, RMS and largest relative residual, b, t."""
    b = np.asarray(bytes_, dtype=float)
    t = np.asarray(times, dtype=float)
    A = np.column_stack([np.ones_like(b), b]) / t[:, None]
    coef, _, _, _ = np.linalg.lstsq(A, np.ones_like(t), rcond=None)
    rel = A @ coef - 1.0
    dof = max(len(t) - 2, 1)
    cov = np.linalg.inv(A.T @ A) * (rel @ rel) / dof
    se = np.sqrt(np.diag(cov))
    return coef, se, np.sqrt(np.mean(rel**2)), np.max(np.abs(rel)), b, t


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| placement | alpha (us) | beta (us/MiB) | 1/beta (GB/s) | fit error: RMS / max relative | t(8 B), t(8 MiB) measured (us) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for arg in sys.argv[1:]:
        label, path = arg.split("=", 1)
        (alpha, beta), (sa, sb), rms, worst, b, t = fit(path)
        mib = 1 << 20
        print(
            f"| {label} | {alpha:.1f} ± {sa:.1f} | {beta * mib:.0f} ± {sb * mib:.0f} | "
            f"{1e-3 / beta:.2f} | {100 * rms:.0f}% / {100 * worst:.0f}% | "
            f"{t[b == b.min()][0]:.1f}, {t[b == b.max()][0]:.0f} |"
        )


if __name__ == "__main__":
    main()
