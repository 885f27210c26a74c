"""Benchmark section `floor` (imported by bench.py): the whole `--solver auto` solve of medium
at 2 ranks against the floor a solve cannot beat, all measured in the same run (issue 12).

  floor:    the process wall of `mpirun -n 2 wshare info FILE` (start-up, opening the file)
            + one read of X at the machine's read bandwidth: X bytes / the 2-process
            STREAM-like figure (the stream section; run here when it did not run);
  also:     the same floor with a raw `pread(2)` of X's bytes by 2 processes (measured here,
            as in the load section) in place of the STREAM-like read;
  solve:    `mpirun -n 2 wshare solve --solver auto --rtol 1e-8` (not --quiet, so its timing
            summary is printed), process wall; info, solve and the raw read run interleaved,
            medians of max(REPS, 5);
  coverage: the solve's timing summary ("time (seconds, min/max over ranks): read a/b, ...")
            summed over its slots / the process wall, per run, median; the slots' max over
            ranks is the target's figure, their min is shown too.
Targets: solve wall <= 1.5x the floor; coverage >= 0.9.
"""
import os
import re

import numpy as np

PROBLEM = "medium"
RANKS = 2
TARGET = 1.5
COVERAGE = 0.9
GB = 1e9


def parse_timing(text):
    """{slot: (min, max)} from wshare's timing summary line, or None."""
    m = re.search(r"^time \(seconds, min/max over ranks\):(.*)$", text, re.M)
    if not m:
        return None
    return {k: (float(a), float(b)) for k, a, b in
            re.findall(r"([\w-]+) ([\d.]+)/([\d.]+)", m.group(1))}


def sec_floor(R, ws, ctx):
    log, why, median = ctx["log"], ctx["why"], ctx["median"]
    data = R["data"][PROBLEM]["path"]
    xb = R["data"][PROBLEM]["x_bytes"]
    out = {"problem": PROBLEM, "ranks": RANKS, "x_bytes": xb, "target": TARGET,
           "coverage_target": COVERAGE}
    R["floor"] = out
    if "2" not in R.get("stream", {}):
        log("  (stream section not run: measuring the read bandwidth here)")
        ctx["sec_stream"](R)
    bw = R["stream"].get("2", {}).get("median_gbs")
    out["stream_gbs"] = bw
    if ws.missing:
        out["error"] = ws.missing
        return
    reps = max(ctx["reps"], 5)
    res_path = os.path.join(ctx["work"], "floor-solve.h5")
    info_argv = ctx["mpirun"](RANKS, ctx["timed_argv"]([ws.path, "info", data]))
    runs = {"info": [], "solve": [], "raw_s": [], "wall_seconds": [], "cov_max": [],
            "cov_min": [], "slots": []}
    for _ in range(reps):
        ctx["prime"](data)
        ri = ctx["run"](info_argv, env=ctx["env"])
        if ri["rc"] != 0:
            out["error"] = why(ri, "wshare info")
            return
        rs = ws.solve(RANKS, data, res_path, ["--solver", "auto", "--rtol", repr(ctx["rtol"])],
                      quiet=False)
        if not rs["ok"]:
            out["error"] = why(rs, "wshare solve --solver auto")
            return
        ctx["prime"](data)
        raw_gbs = ctx["raw_read"](data, RANKS)
        slots = parse_timing(rs["out"])
        runs["info"].append(ri["wall"])
        runs["solve"].append(rs["wall"])
        runs["raw_s"].append(xb / GB / raw_gbs)
        runs["wall_seconds"].append(rs["result"]["attrs"].get("wall_seconds"))
        out["solver_used"] = rs["result"]["attrs"].get("solver")
        if slots:
            runs["slots"].append(slots)
            runs["cov_max"].append(sum(b for _, b in slots.values()) / rs["wall"])
            runs["cov_min"].append(sum(a for a, _ in slots.values()) / rs["wall"])
    out["runs"] = runs
    out.update(reps=reps, info=median(runs["info"]), solve=median(runs["solve"]),
               raw_s=median(runs["raw_s"]),
               wall_seconds=median([x for x in runs["wall_seconds"] if x is not None]))
    out["stream_s"] = xb / GB / bw if bw else None
    if out["stream_s"] is not None:
        out["floor"] = out["info"] + out["stream_s"]
        out["ratio"] = out["solve"] / out["floor"]
    out["floor_raw"] = out["info"] + out["raw_s"]
    out["ratio_raw"] = out["solve"] / out["floor_raw"]
    if runs["slots"]:
        out.update(coverage=median(runs["cov_max"]), coverage_min=median(runs["cov_min"]))
        names = list(runs["slots"][0])
        out["slot_medians"] = {k: [float(np.median([s[k][i] for s in runs["slots"] if k in s]))
                                   for i in (0, 1)] for k in names}
    else:
        out["coverage_error"] = "no timing summary line in wshare solve's output"
    log(f"  floor: solve {out['solve']:.3f} s, info {out['info']:.3f} s, X at stream "
        f"{out['stream_s'] or float('nan'):.3f} s, raw pread {out['raw_s']:.3f} s; ratio "
        f"{out.get('ratio', float('nan')):.2f} (raw {out['ratio_raw']:.2f}); coverage "
        f"{out.get('coverage', float('nan')):.2f}")


def targets(R, na, status):
    fl = R.get("floor")
    if fl is None:
        return []
    T = []
    name = (f"medium, auto, 2 ranks, whole process <= {TARGET:g}x the floor (`info` + X at the "
            "2-process read bandwidth)")
    if "ratio" in fl:
        T.append((name, f"{fl['solve']:.3f} / ({fl['info']:.3f} + {fl['stream_s']:.3f}) s "
                  f"(with raw pread of X: {fl['ratio_raw']:.2f})", f"{fl['ratio']:.2f}",
                  status(fl["ratio"] <= TARGET)))
    else:
        T.append((name, None, None, na(fl.get("error") or "no read bandwidth measured")))
    name = f"timing summary's slots cover >= {COVERAGE:g} of the process wall (medium, auto, 2 ranks)"
    if "coverage" in fl:
        T.append((name, f"Σ max over ranks {fl['coverage']:.2f} (Σ min {fl['coverage_min']:.2f})",
                  f"{fl['coverage']:.2f}", status(fl["coverage"] >= COVERAGE)))
    else:
        T.append((name, None, None, na(fl.get("error") or fl.get("coverage_error", "not run"))))
    return T


def markdown(R, na):
    fl = R.get("floor")
    if fl is None:
        return []
    L = ["## Whole solve against the floor (medium, `--solver auto`, 2 ranks)", ""]
    if "solve" not in fl:
        return L + [na(fl.get("error", "not run")), ""]
    L += [f"Floor = process wall of `mpirun -n 2 wshare info FILE` + one read of X "
          f"({fl['x_bytes'] / GB:.2f} GB) at the 2-process STREAM-like read bandwidth "
          f"({fl['stream_gbs'] or float('nan'):.2f} GB/s); the row below uses a raw `pread` of "
          "X's bytes by 2 processes instead (page cache warm, into fresh memory). info, the "
          f"solve and the raw read run interleaved; medians of {fl['reps']}. The solve runs "
          "without `--quiet`, so it prints its timing summary.", "",
          "| | median s | runs |", "| --- | --- | --- |"]
    runs = fl["runs"]

    def row(label, val, xs):
        L.append(f"| {label} | {val:.3f} | {', '.join(f'{x:.3f}' for x in xs if x is not None)} |")

    row("`wshare info` (2 ranks), process wall", fl["info"], runs["info"])
    if fl.get("stream_s") is not None:
        L.append(f"| X at the 2-process read bandwidth | {fl['stream_s']:.3f} | |")
    row("raw `pread` of X, 2 processes", fl["raw_s"], runs["raw_s"])
    row(f"`wshare solve --solver auto` ({fl.get('solver_used')}), process wall", fl["solve"],
        runs["solve"])
    row("its `wall_seconds` attribute", fl["wall_seconds"], runs["wall_seconds"])
    L.append("")
    if "ratio" in fl:
        L.append(f"Solve / floor = {fl['solve']:.3f} / {fl['floor']:.3f} = **{fl['ratio']:.2f}** "
                 f"(target ≤ {TARGET:g}); with the raw pread: {fl['solve']:.3f} / "
                 f"{fl['floor_raw']:.3f} = {fl['ratio_raw']:.2f}.")
    if "coverage" in fl:
        sl = ", ".join(f"{k} {a:.3f}/{b:.3f}" for k, (a, b) in fl["slot_medians"].items())
        L += ["", f"Timing summary (medians, min/max over ranks): {sl}. Σ slots / process wall = "
              f"**{fl['coverage']:.2f}** summing each slot's max over ranks, {fl['coverage_min']:.2f} "
              f"summing the min (target ≥ {COVERAGE:g}); wall_seconds / process wall = "
              f"{fl['wall_seconds'] / fl['solve']:.2f}."]
    else:
        L += ["", na(fl.get("coverage_error"))]
    return L + [""]
