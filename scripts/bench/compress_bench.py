"""Benchmark section `compress` (imported by bench.py): compressed iterations (when the ties
leave k <= n/4 tied columns wshare forms Z = X S once and iterates over Z) against the
uncompressed path forced by WSHARE_COMPRESS=off (issue 12).

  runs:  gd, agd, cg and lsqr on medium (256 columns, 64 tied), 2 ranks,
         `--max-iter 30 --rtol 0`, with WSHARE_COMPRESS unset (the default) and =off, the
         two alternating (order swapped every round), REPS rounds;
  s/iter: median of diff(/history/seconds) without the first, median over the rounds;
         lsqr stops by its own rules at machine precision before 30 iterations, so its
         iteration count is shown (at least 5 recorded iterations are required);
  /w:    max |w_default - w_off| / max |w_off|, the largest over the rounds.
Targets: compressed s/iter <= 0.35x uncompressed for each solver; /w agree to 1e-12.
Whether wshare compressed is taken from what it says (any report line or result attribute
naming compression); before the feature exists both modes run the same path (ratio ~1).
"""
import os
import re

import numpy as np

PROBLEM = "medium"
RANKS = 2
ITERS = 30
SOLVERS = ["gd", "agd", "cg", "lsqr"]
TARGET = 0.35
AGREE = 1e-12
MODES = {"default": {"WSHARE_COMPRESS": None}, "off": {"WSHARE_COMPRESS": "off"}}


def sec_compress(R, ws, ctx):
    log, why, median = ctx["log"], ctx["why"], ctx["median"]
    out = {"problem": PROBLEM, "ranks": RANKS, "iters": ITERS, "target": TARGET,
           "agree": AGREE, "rows": []}
    R["compress"] = out
    if ws.missing:
        out["error"] = ws.missing
        return
    data = R["data"][PROBLEM]["path"]
    extra = ["--max-iter", str(ITERS), "--rtol", "0"]
    for solver in SOLVERS:
        row = {"solver": solver, "t": {m: [] for m in MODES}, "wall": {m: [] for m in MODES},
               "iterations": {m: [] for m in MODES}, "said": {m: [] for m in MODES},
               "w_rel": []}
        out["rows"].append(row)
        for rnd in range(ctx["reps"]):
            order = list(MODES) if rnd % 2 == 0 else list(MODES)[::-1]
            w = {}
            for mode in order:
                res_path = os.path.join(ctx["work"], f"compress-{solver}-{mode}.h5")
                r = ws.solve(RANKS, data, res_path, ["--solver", solver] + extra,
                             env=MODES[mode], quiet=False)
                if not r["ok"]:
                    row["error"] = why(r, f"wshare solve --solver {solver} (WSHARE_COMPRESS "
                                       f"{MODES[mode]['WSHARE_COMPRESS'] or 'unset'})")
                    break
                res = r["result"]
                sec = np.asarray(res["seconds"], dtype=float)
                d = np.diff(sec)[1:]
                if d.size < 3:
                    row["error"] = f"/history/seconds has {sec.size} entries (need >= 5)"
                    break
                row["t"][mode].append(float(np.median(d)))
                row["wall"][mode].append(r["wall"])
                row["iterations"][mode].append(int(sec.size))
                # paths (the result file's name) do not count
                said = [ln.strip() for ln in r["out"].splitlines()
                        if re.search(r"compress", re.sub(r"\S*/\S*", "", ln), re.I)]
                said += [f"{k} = {v}" for k, v in res["attrs"].items()
                         if re.search(r"compress", k, re.I)]
                row["said"][mode] = sorted(set(row["said"][mode]) | set(said))
                w[mode] = res["w"]
            if "error" in row:
                break
            if w.get("default") is not None and w.get("off") is not None:
                ref = np.abs(w["off"]).max()
                row["w_rel"].append(float(np.abs(w["default"] - w["off"]).max() / ref)
                                    if ref > 0 else float("inf"))
        if "error" in row:
            continue
        row.update(t_default=median(row["t"]["default"]), t_off=median(row["t"]["off"]),
                   wall_default=median(row["wall"]["default"]),
                   wall_off=median(row["wall"]["off"]),
                   w_rel_max=max(row["w_rel"]) if row["w_rel"] else None)
        row["ratio"] = row["t_default"] / row["t_off"]
        log(f"  compress {solver}: {row['t_default'] * 1e3:.2f} vs {row['t_off'] * 1e3:.2f} "
            f"ms/iter (off) = {row['ratio']:.2f}x, {row['iterations']['default'][-1]} iterations"
            f", max|dw|/max|w| {row['w_rel_max']:.1e}"
            + (f"; wshare said: {row['said']['default'][0]}" if row["said"]["default"] else ""))


def targets(R, na, status):
    C = R.get("compress")
    if C is None:
        return []
    T = []
    rows = C.get("rows") or [{"solver": s} for s in SOLVERS]
    for row in rows:
        name = (f"compressed iterations, medium, `{row['solver']}`, 2 ranks: s/iter <= "
                f"{TARGET:g}x WSHARE_COMPRESS=off")
        if "ratio" not in row:
            T.append((name, None, None, na(row.get("error") or C.get("error") or "not run")))
            continue
        T.append((name, f"{row['t_default'] * 1e3:.2f} / {row['t_off'] * 1e3:.2f} ms",
                  f"{row['ratio']:.2f}", status(row["ratio"] <= TARGET)))
    done = [r for r in rows if r.get("w_rel_max") is not None]
    name = f"compressed and uncompressed /w agree (max abs diff / max abs w <= {AGREE:g})"
    if done:
        worst = max(r["w_rel_max"] for r in done)
        T.append((name, ", ".join(f"{r['solver']} {r['w_rel_max']:.1e}" for r in done),
                  f"{worst:.1e}", status(worst <= AGREE and len(done) == len(SOLVERS))))
    else:
        T.append((name, None, None, na(C.get("error") or "not run")))
    return T


def markdown(R, na):
    C = R.get("compress")
    if C is None:
        return []
    L = ["## Compressed iterations (Z = X·S formed once) against `WSHARE_COMPRESS=off`", ""]
    if C.get("error"):
        return L + [na(C["error"]), ""]
    L += [f"{C['problem']}, {C['ranks']} ranks, `--max-iter {C['iters']} --rtol 0`; runs with "
          "WSHARE_COMPRESS unset (the default) and `=off` alternating; seconds per iteration = "
          "median of diff(/history/seconds) without the first, median over the rounds; process "
          "wall includes forming Z. /w difference = max |Δw| / max |w|, the worst round.", "",
          "| solver | iterations | default ms/iter (min–max) | off ms/iter (min–max) | ratio | "
          "default wall | off wall | /w difference | wshare says |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in C.get("rows", []):
        if "ratio" not in row:
            L.append(f"| {row['solver']} | {na(row.get('error', 'not run'))} | | | | | | | |")
            continue
        its = sorted(set(row["iterations"]["default"] + row["iterations"]["off"]))
        said = "; ".join(row["said"]["default"])[:160].replace("|", "/") or "nothing on compression"
        def ms(mode):
            xs = row["t"][mode]
            return (f"{row['t_' + mode] * 1e3:.2f} ({min(xs) * 1e3:.1f}–{max(xs) * 1e3:.1f})")

        L.append(f"| {row['solver']} | {', '.join(map(str, its))} | {ms('default')} | "
                 f"{ms('off')} | {row['ratio']:.2f} | {row['wall_default']:.3f} s | "
                 f"{row['wall_off']:.3f} s | {row['w_rel_max']:.1e} | {said} |")
    return L + [""]
