#!/usr/bin/env python3
"""Convert a NIST StRD linear least-squares .dat file to a wshare input file.

usage: nist_to_h5.py DATFILE OUT.h5

Writes /X (m x k raw predictor columns) and /y (m), plus root attributes that
tell the test how to run wshare and what to expect:
  name, model ("poly"|"linear"), poly_degree, intercept (0|1),
  cert_estimates (B0..Bp in file order), cert_stddev, cert_residual_sd,
  cert_r2.

Polynomial datasets have one predictor column x; wshare expands it itself with
--poly-degree, so the file holds x only.
"""
import re
import sys

import h5py
import numpy as np

NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def header_range(lines, label):
    """1-based inclusive line range from e.g. 'Data  (lines 61 to 142)'."""
    pat = re.compile(label + r"\s*\(lines\s+(\d+)\s+to\s+(\d+)\)")
    for line in lines[:30]:
        m = pat.search(line)
        if m:
            return int(m.group(1)), int(m.group(2))
    sys.exit(f"nist_to_h5: no '{label} (lines A to B)' in the header")


def parse(path):
    with open(path) as f:
        lines = f.read().splitlines()
    name = re.search(r"Dataset Name:\s*(\S+)", "\n".join(lines[:10]))
    name = name.group(1) if name else path.rsplit("/", 1)[-1].split(".")[0]

    c0, c1 = header_range(lines, "Certified Values")
    params = {}
    resid_sd = r2 = None
    for line in lines[c0 - 1:c1]:
        m = re.match(rf"\s*B(\d+)\s+({NUM})\s+({NUM})\s*$", line)
        if m:
            params[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))
        # The residual SD is the only "Standard Deviation" followed by a
        # number (the other is a column header; "Residual" is a line above).
        m = re.match(rf"\s*Standard Deviation\s+({NUM})\s*$", line)
        if m:
            resid_sd = float(m.group(1))
        m = re.match(rf"\s*R-Squared\s+({NUM})\s*$", line)
        if m:
            r2 = float(m.group(1))
    if not params or resid_sd is None or r2 is None:
        sys.exit(f"nist_to_h5: {path}: certified values incomplete")
    idx = sorted(params)
    intercept = 1 if idx[0] == 0 else 0
    if idx != list(range(idx[0], idx[0] + len(idx))):
        sys.exit(f"nist_to_h5: {path}: parameters not contiguous: {idx}")

    d0, d1 = header_range(lines, "Data")
    # Python float() rounds the decimal text correctly to the nearest double.
    rows = [[float(t) for t in lines[i].split()] for i in range(d0 - 1, d1)
            if lines[i].strip()]
    if len({len(r) for r in rows}) != 1:
        sys.exit(f"nist_to_h5: {path}: ragged data lines")
    nobs = re.search(r"(\d+)\s+Observations", "\n".join(lines[:30]))
    if nobs and int(nobs.group(1)) != len(rows):
        sys.exit(f"nist_to_h5: {path}: header says {nobs.group(1)} "
                 f"observations, found {len(rows)}")
    data = np.array(rows, dtype=np.float64)
    y, X = data[:, 0], data[:, 1:]

    # One predictor but several slopes (B1..Bd): polynomial in x.
    nslopes = len(idx) - intercept
    k = X.shape[1]
    if k == 1 and nslopes > 1:
        model, degree = "poly", nslopes
    elif k == nslopes:
        model, degree = "linear", 1
    else:
        sys.exit(f"nist_to_h5: {path}: {k} predictors but {nslopes} slopes")

    return dict(name=name, X=X, y=y, model=model, degree=degree,
                intercept=intercept,
                est=np.array([params[i][0] for i in idx]),
                sd=np.array([params[i][1] for i in idx]),
                resid_sd=resid_sd, r2=r2)


def main():
    if len(sys.argv) != 3:
        print("usage: nist_to_h5.py DATFILE OUT.h5", file=sys.stderr)
        sys.exit(2)
    try:
        d = parse(sys.argv[1])
    except OSError as e:
        sys.exit(f"nist_to_h5: {e}")
    with h5py.File(sys.argv[2], "w") as f:
        f["X"] = d["X"]
        f["y"] = d["y"]
        a = f.attrs
        a["name"] = d["name"]
        a["model"] = d["model"]
        a["poly_degree"] = np.int64(d["degree"])
        a["intercept"] = np.int64(d["intercept"])
        a["cert_estimates"] = d["est"]
        a["cert_stddev"] = d["sd"]
        a["cert_residual_sd"] = np.float64(d["resid_sd"])
        a["cert_r2"] = np.float64(d["r2"])


if __name__ == "__main__":
    main()
