#!/usr/bin/env python3
"""Compare a wshare result file with the NIST StRD certified values.

usage: nist_check.py RESULT.h5 DATA.h5 [--min-lre-table] [--verbose]

DATA.h5 comes from nist_to_h5.py (certified values in its attributes).
Accuracy is the log relative error, LRE = -log10(|est - cert| / |cert|)
(absolute error when cert == 0), capped at 15 since NIST certifies 15 digits.

Prints a line per quantity below its threshold, then one summary line for the
dataset (with --min-lre-table: a Markdown table row; --verbose: every LRE).
Exit status: 0 all thresholds met, 1 otherwise, 2 on bad input.
"""
import argparse
import math
import sys

import h5py
import numpy as np

LRE_CAP = 15.0

# Minimum coefficient LRE per dataset: about half a digit below what the exact
# least-squares solution of the double-rounded data reaches
# (nist_reference.py).
COEF_MIN = {"Norris": 13.6, "Pontius": 13.0, "NoInt1": 14.2, "NoInt2": 14.5,
            "Filip": 13.5, "Longley": 14.1, "Wampler1": 14.5,
            "Wampler2": 12.7, "Wampler3": 14.5, "Wampler4": 14.5,
            "Wampler5": 14.5}
# Standard deviations, residual SD and R^2; Filip's ill-conditioning
# (cond ~1e15 in the monomial basis) costs a digit there.
STAT_MIN = {"Filip": 6.0}
STAT_MIN_DEFAULT = 7.0


def lre(est, cert):
    if not math.isfinite(est):
        return 0.0
    err = abs(est - cert) if cert == 0 else abs(est - cert) / abs(cert)
    if err == 0:
        return LRE_CAP
    return max(0.0, min(LRE_CAP, -math.log10(err)))


def read_result(path, want_intercept):
    """(estimates, stderrs, residual_sd, r2), NIST order: B0 first if any."""
    with h5py.File(path, "r") as f:
        w = list(np.asarray(f["w"], dtype=np.float64).ravel())
        se = list(np.asarray(f["stderr"], dtype=np.float64).ravel())
        if want_intercept:
            w.insert(0, float(f["intercept"][()]))
            se.insert(0, float(f["intercept_stderr"][()]))
        return w, se, float(f.attrs["residual_sd"]), float(f.attrs["r2"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("data")
    ap.add_argument("--min-lre-table", action="store_true",
                    help="print the summary as a Markdown table row")
    ap.add_argument("--verbose", action="store_true",
                    help="print the LRE of every quantity")
    args = ap.parse_args()

    try:
        with h5py.File(args.data, "r") as f:
            a = f.attrs
            name = str(a["name"])
            fitted_b0 = bool(a["intercept"])
            cert = list(a["cert_estimates"])
            cert_sd = list(a["cert_stddev"])
            cert_rsd = float(a["cert_residual_sd"])
            cert_r2 = float(a["cert_r2"])
    except (OSError, KeyError) as e:
        print(f"nist_check: {args.data}: {e}", file=sys.stderr)
        return 2
    try:
        est, se, rsd, r2 = read_result(args.result, fitted_b0)
    except (OSError, KeyError) as e:
        # An incomplete result is wshare's failure, not a usage error.
        print(f"{name}: cannot read result {args.result}: {e}")
        return 1
    if name not in COEF_MIN:
        print(f"nist_check: {args.data}: no thresholds for dataset '{name}'",
              file=sys.stderr)
        return 2
    if len(est) != len(cert) or len(se) != len(cert):
        print(f"{name}: result has {len(est)} estimates and {len(se)} "
              f"standard errors, certified {len(cert)}")
        return 1

    coef_min, stat_min = COEF_MIN[name], STAT_MIN.get(name, STAT_MIN_DEFAULT)
    first = 0 if fitted_b0 else 1
    checks = []  # (label, estimate, certified, threshold)
    for i, (e, c) in enumerate(zip(est, cert)):
        checks.append((f"B{first + i} estimate", e, c, coef_min))
    for i, (e, c) in enumerate(zip(se, cert_sd)):
        checks.append((f"B{first + i} stddev", e, c, stat_min))
    checks.append(("residual SD", rsd, cert_rsd, stat_min))
    checks.append(("R^2", r2, cert_r2, stat_min))

    ok = True
    for label, e, c, need in checks:
        got = lre(e, c)
        if got < need or args.verbose:
            status = "ok" if got >= need else "FAIL"
            print(f"{name} {label}: LRE {got:.1f} (need {need}) "
                  f"got {e!r} certified {c!r} {status}")
        ok &= got >= need

    lres = [lre(e, c) for _, e, c, _ in checks]
    ncoef = len(cert)
    coef, sd = min(lres[:ncoef]), min(lres[ncoef:2 * ncoef])
    verdict = "ok" if ok else "FAIL"
    if args.min_lre_table:
        print(f"| {name} | {coef:.1f} | {coef_min} | {sd:.1f} "
              f"| {lres[-2]:.1f} | {lres[-1]:.1f} | {verdict} |")
    else:
        print(f"{name}: min LRE coefficients {coef:.1f} (need {coef_min}), "
              f"stddev {sd:.1f}, residual SD {lres[-2]:.1f}, "
              f"R^2 {lres[-1]:.1f} (need {stat_min}) {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
