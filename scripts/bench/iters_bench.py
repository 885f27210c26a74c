"""Benchmark section `iters` (imported by bench.py): iterations to rtol = 1e-8 on the
ill-conditioned problem, wshare against PETSc LSQR (2 ranks, no preconditioner) stopped by a
test on wshare's exact quantity (`peers.py petsc-lsqr --exact-stop`).

  wshare runs: `--solver lsqr`, `--solver lsqr --standardize` and `--solver cg` on ill at
               2 ranks; taken from the solve section when it ran, else run here once each
               (iteration counts do not depend on timing);
  PETSc:       taken from the peers section when it ran, else run here;
  check:       the exact relative projected gradient ||D^-1/2 Z^T (y - X w)|| / ||D^-1/2 Z^T y||
               of each wshare /w, computed here with numpy from the file (the quantity
               PETSc's test uses), so the counts are compared at the accuracy reached.
Targets: lsqr <= 1x PETSc's count; lsqr --standardize <= 0.3x PETSc's unpreconditioned count;
cg <= 1x (reported).
"""
import os

import numpy as np

import peers
import problems

PROBLEM = "ill"
RANKS = 2
# (solver as asked, target ratio to PETSc's count)
CASES = [("lsqr", 1.0), ("lsqr --standardize", 0.3), ("cg", 1.0)]


def exact_rel_pgrad(data, w):
    """||D^-1/2 S^T X^T (y - X w)|| / ||D^-1/2 S^T X^T y|| (D = group sizes) with numpy."""
    X, y, groups, _, _ = peers.read_problem(data)
    col_index, _, _, sizes = problems.tied_structure(groups)
    k = sizes.size

    def tied(v):
        return np.bincount(col_index, weights=X.T @ v, minlength=k) / np.sqrt(sizes)

    return float(np.linalg.norm(tied(y - X @ w)) / np.linalg.norm(tied(y)))


def sec_iters(R, ws, ctx):
    log, why, work = ctx["log"], ctx["why"], ctx["work"]
    data = R["data"][PROBLEM]["path"]
    out = {"problem": PROBLEM, "ranks": RANKS, "rtol": ctx["rtol"], "rows": []}
    R["iters"] = out
    petsc = R.get("petsc_exact_ill")
    if petsc is None:
        petsc = ctx["petsc_exact"](data)
        R["petsc_exact_ill"] = petsc
    out["petsc"] = petsc
    if ws.missing:
        out["error"] = ws.missing
        return
    for solver, target in CASES:
        row = {"solver": solver, "target": target}
        out["rows"].append(row)
        prev = next((r for r in R.get("solve", []) if r["problem"] == PROBLEM
                     and r["ranks"] == RANKS and r["solver_asked"] == solver
                     and "error" not in r), None)
        if prev:
            res_path, row["source"] = prev["result"], "solve section"
            try:
                res = ctx["read_result"](res_path)
            except Exception as exc:
                row["error"] = f"result {res_path} unreadable: {exc}"
                continue
        else:
            res_path = os.path.join(work, f"iters-{solver.replace(' --', '-')}.h5")
            r = ws.solve(RANKS, data, res_path, ["--solver", *solver.split(), "--rtol",
                                                 repr(ctx["rtol"])])
            if not r["ok"]:
                row["error"] = why(r, f"wshare solve --solver {solver}")
                continue
            res, row["source"] = r["result"], "run here"
        a = res["attrs"]
        row.update(iterations=a.get("iterations"), converged=a.get("converged"),
                   stop_reason=a.get("stop_reason"), solver_used=a.get("solver"))
        if res.get("w") is not None:
            row["rel_pgrad"] = exact_rel_pgrad(data, res["w"])
        if petsc.get("iterations"):
            row["ratio"] = row["iterations"] / petsc["iterations"]
        log(f"  iters {solver}: {row['iterations']} (PETSc exact test: "
            f"{petsc.get('iterations', 'n/a')}), achieved {row.get('rel_pgrad', float('nan')):.1e}")


def targets(R, na, status):
    """(name, measured, ratio, status) rows for the targets table."""
    it = R.get("iters")
    if it is None:
        return []
    T = []
    pe = it.get("petsc", {})
    for row in it.get("rows", []) or [{"solver": s, "target": t} for s, t in CASES]:
        what = ("PETSc's unpreconditioned count" if "standardize" in row["solver"]
                else "PETSc LSQR")
        name = (f"`--solver {row['solver']}` iterations on ill (2 ranks) <= "
                f"{row['target']:g}x {what} (exact test, rtol {it['rtol']:g})")
        if "ratio" not in row:
            T.append((name, None, None, na(row.get("error") or it.get("error")
                                           or pe.get("error") or "not run")))
            continue
        meas = (f"{row['iterations']} / {pe['iterations']} (achieved "
                f"{row.get('rel_pgrad', float('nan')):.1e} / {pe.get('rel_pgrad', float('nan')):.1e})")
        ok = row["ratio"] <= row["target"] and bool(row.get("converged"))
        st = status(ok) + ("" if row.get("converged") else " (not converged)")
        T.append((name, meas, f"{row['ratio']:.3f}", st))
    return T


def markdown(R, na):
    it = R.get("iters")
    if it is None:
        return []
    L = ["## Iterations on the ill-conditioned problem against PETSc LSQR", ""]
    pe = it.get("petsc", {})
    L += [f"ill, {it['ranks']} ranks, rtol {it['rtol']:g}. PETSc LSQR (no preconditioner) stops on "
          "wshare's exact quantity ‖D^-1/2 Zᵀ(y − Zv)‖ ≤ rtol ‖D^-1/2 Zᵀy‖ (two extra products "
          "per iteration); wshare's lsqr stops by LSQR's own rules (atol = btol = rtol), cg on "
          "the exact quantity. The achieved column is that exact quantity for each /w, computed "
          "with numpy from the file.", "",
          "| run | iterations | converged / stop | achieved rel. projected gradient | "
          "ratio to PETSc | target | from |",
          "| --- | --- | --- | --- | --- | --- | --- |"]
    if pe.get("iterations"):
        L.append(f"| PETSc LSQR, exact test | {pe['iterations']} | reason {pe.get('stop')} | "
                 f"{pe.get('rel_pgrad', float('nan')):.1e} | 1 | | |")
    else:
        L.append(f"| PETSc LSQR, exact test | {na(pe.get('error', 'not run'))} | | | | | |")
    if it.get("error"):
        return L + ["", na(it["error"]), ""]
    for row in it.get("rows", []):
        head = f"| wshare `--solver {row['solver']}` |"
        if "iterations" not in row:
            L.append(head + f" {na(row.get('error', 'not run'))} | | | | | |")
            continue
        ratio = f"{row['ratio']:.3f}" if "ratio" in row else "n/a"
        L.append(head + f" {row['iterations']} | {row.get('converged')} / {row.get('stop_reason')} | "
                 f"{row.get('rel_pgrad', float('nan')):.1e} | {ratio} | ≤ {row['target']:g} | "
                 f"{row.get('source')} |")
    return L + [""]
