"""Benchmark section `repro` (imported by bench.py): the cost of `wshare solve --reproducible`
against the default summation on the medium problem.

  per iteration: gd and cg, `--max-iter 20 --rtol 0`, 1 and 2 ranks; s/iter = median of
                 diff(/history/seconds) without the first, runs of the two modes alternating,
                 median over the repetitions;
  cholesky:      the whole solve (`--solver cholesky`), the result's wall_seconds, 1 and 2
                 ranks, alternating, median.
Target: reproducible <= 1.3x default for each.  /w of the reproducible runs at 1 and 2 ranks
are compared byte for byte (they must be equal).
"""
import os

import numpy as np

TARGET = 1.3
ITERS = 20


def sec_repro(R, ws, ctx):
    log, median, why, work = ctx["log"], ctx["median"], ctx["why"], ctx["work"]
    prob = "medium"
    out = {"problem": prob, "rows": [], "target": TARGET}
    R["repro"] = out
    if ws.missing:
        out["error"] = ws.missing
        return
    data = R["data"][prob]["path"]
    cases = [(s, p) for s in ("gd", "cg", "cholesky") for p in (1, 2)]
    w_repro = {}
    for solver, p in cases:
        row = {"solver": solver, "ranks": p, "default": [], "reproducible": []}
        out["rows"].append(row)
        extra = ["--solver", solver]
        if solver != "cholesky":
            extra += ["--max-iter", str(ITERS), "--rtol", "0"]
        for _ in range(ctx["reps"]):
            for mode in ("default", "reproducible"):
                res_path = os.path.join(work, f"repro-{solver}-{p}-{mode}.h5")
                r = ws.solve(p, data, res_path,
                             extra + (["--reproducible"] if mode == "reproducible" else []))
                if not r["ok"]:
                    row["error"] = why(r, f"wshare solve --solver {solver} ({mode})")
                    break
                res = r["result"]
                if solver == "cholesky":
                    row[mode].append(res["attrs"].get("wall_seconds"))
                else:
                    d = np.diff(np.asarray(res["seconds"], dtype=float))[1:]
                    row[mode].append(float(np.median(d)) if d.size else None)
                if mode == "reproducible" and res.get("w") is not None:
                    w_repro.setdefault(solver, {})[p] = res["w"].tobytes()
            if "error" in row:
                break
        if "error" in row or None in row["default"] + row["reproducible"]:
            row.setdefault("error", "no timing in the result")
            continue
        row["t_default"], row["t_repro"] = median(row["default"]), median(row["reproducible"])
        row["ratio"] = row["t_repro"] / row["t_default"]
        what = "s/iter" if solver != "cholesky" else "s (whole solve)"
        log(f"  repro {solver} {p} rank(s): {row['t_repro']:.4f} vs {row['t_default']:.4f} "
            f"{what}: {row['ratio']:.2f}x")
    out["same_bits"] = {s: (len(v) == 2 and v[1] == v[2]) for s, v in w_repro.items()}


def targets(R, na, status):
    """(name, measured, ratio, status) rows for the targets table."""
    T = []
    rep = R.get("repro")
    if rep is None:
        return T
    for row in rep.get("rows", []):
        what = "per iteration" if row["solver"] != "cholesky" else "whole solve"
        name = (f"--reproducible {row['solver']} {what}, {row['ranks']} rank(s) "
                f"<= {TARGET}x default")
        if "ratio" not in row:
            T.append((name, None, None, na(row.get("error") or rep.get("error") or "not run")))
            continue
        T.append((name, f"{row['t_repro']:.4g} / {row['t_default']:.4g} s", f"{row['ratio']:.2f}",
                  status(row["ratio"] <= TARGET)))
    return T


def markdown(R, na):
    rep = R.get("repro")
    if rep is None:
        return []
    L = ["## Reproducible summation (`--reproducible`)", ""]
    if rep.get("error"):
        return L + [na(rep["error"]), ""]
    L += [f"{rep['problem']}: gd and cg `--max-iter {ITERS} --rtol 0` (seconds per iteration, "
          "median of diff(/history/seconds) without the first), cholesky's whole solve "
          "(the result's wall_seconds); default and `--reproducible` runs alternating, medians. "
          "Reproducible mode sums each 256-row chunk in floating point and the chunks in "
          "binned accumulators (README \"Reproducibility\").", "",
          "| solver | ranks | default | reproducible | ratio |", "| --- | --- | --- | --- | --- |"]
    for row in rep.get("rows", []):
        if "ratio" not in row:
            L.append(f"| {row['solver']} | {row['ranks']} | {na(row.get('error', 'not run'))} | | |")
            continue
        L.append(f"| {row['solver']} | {row['ranks']} | {row['t_default']:.4g} s | "
                 f"{row['t_repro']:.4g} s | {row['ratio']:.2f} |")
    same = rep.get("same_bits", {})
    if same:
        L += ["", "Reproducible /w identical at 1 and 2 ranks: "
              + ", ".join(f"{s} {'yes' if v else 'NO'}" for s, v in same.items()) + "."]
    return L + [""]
