#!/usr/bin/python3
"""The scaling model of wshare's iterative solvers: fit, validate, project.

usage: scaling_model.py RUNS.json [--out DIR] [--image PNG]

One iteration of gd, agd or cg is one pass over the rank's rows of X and one MPI_Allreduce
(README "Solvers"), so the model is

    t(P) = X_bytes / R(P) + t_allreduce(P, bytes)

* R(P), the bytes of X read per second by all ranks, from the read bandwidth B(c) of c
  processes on one node (stream_read.c). The bare model takes R = B(c). The calibrated one
  takes R = eta(c) B(c), with eta(c) the pass's fraction of the stream bandwidth at c
  processes (the benchmark suite's pass ratio), fitted on the medium problem's runs on one
  node only (1 and 2 ranks, where the allreduce is negligible) and checked on every other
  point: the other problem, every run across nodes, the oversubscribed ones. The emulated
  nodes share this machine's cores, so c = min(P, 2); points with more ranks than cores
  are oversubscribed and flagged. A cluster of such nodes with c ranks each reads
  (P / c) R(c).
* t_allreduce: alpha + beta * bytes between two ranks, fitted (fit_alpha_beta.py) to the
  OSU-style sweeps between 2 emulated nodes (TCP), and between 2 ranks of one node (shared
  memory) for runs that stay on one node. For P ranks, the cheaper of recursive doubling,
  L (alpha + beta b), and reduce-scatter + allgather, 2 L alpha + 2 (P - 1) / P beta b,
  with L = ceil(log2 P); both equal the fitted line at P = 2 (the first does).
* bytes: what the solve reports ("allreduce: N bytes per iteration"); when the binary does
  not print it, the size of its reduction buffer, 8 (n + 2 + 3) for one output (gradient,
  RSS, intercept slot, 3 control values). Projections use the tied-size reduction,
  8 (k + q + 3): the raw gradient is mapped to the k tied parameters before the allreduce.

Validation: relative error model / measured - 1 per measured point (median s/iter over the
rounds), max and median of |error| over the points neither oversubscribed nor used for eta,
and over all points not used for eta.
Projection to 1024 ranks, 2 ranks per node (this machine as a node): strong scaling of the
medium problem (10^6 x 256, 64 groups) and of a 10^9-row problem, weak scaling at medium's
10^6 rows per rank (1024 ranks: 1.02 x 10^9 rows), and weak scaling at medium's 2.05 GB of X
per rank with k tied weights up to 10^6 (and 10^6 columns tied into 64 groups, with and
without the tied-size reduction). Writes DIR/scaling.md, DIR/scaling.png (and PNG with
--image) and DIR/scaling-model.json (every number).
"""
import argparse
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fit_alpha_beta import fit_points  # noqa: E402

CAL_PROBLEM = "medium"  # its single-node runs give eta; all other runs check the model
CORES = 2  # this machine; ranks beyond it on the emulated nodes are oversubscribed
PER_NODE = 2  # ranks per node in the projections
CONTROL = 3  # control values carried in every reduction (include/dist/wshare/control.h)
RANKS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
SHOWN = [1, 2, 8, 64, 256, 1024]
KS = [64, 10**3, 10**4, 10**5, 10**6]


# --------------------------------------------------------------------------- the model
def allreduce_time(p, nbytes, alpha, beta):
    """Seconds of one MPI_Allreduce of nbytes over p ranks (alpha s, beta s/byte)."""
    if p <= 1:
        return 0.0
    steps = math.ceil(math.log2(p))
    doubling = steps * (alpha + beta * nbytes)
    rabenseifner = 2 * steps * alpha + 2.0 * (p - 1) / p * beta * nbytes
    return min(doubling, rabenseifner)


def node_rate(c, bw, eta):
    """Bytes of X per second that c ranks read on one node: the stream bandwidth of c
    processes, times the pass efficiency eta[c] (eta None: the bare model)."""
    return bw[c] * (1.0 if eta is None else eta[c])


def cluster_rate(p, bw, eta):
    """Aggregate pass rate of p ranks on nodes of PER_NODE ranks like this machine."""
    if p < PER_NODE:
        return node_rate(p, bw, eta)
    return p / PER_NODE * node_rate(PER_NODE, bw, eta)


def tied_bytes(k, q=1):
    return 8 * (k + q + CONTROL)


# --------------------------------------------------------------------------- the data
def median_rows(recs):
    """Median (over runs) of each size's median time: bytes -> seconds."""
    by = {}
    for r in recs:
        for row in r["rows"]:
            by.setdefault(row[0], []).append(row[2] * 1e-6)
    sizes = sorted(by)
    return np.array(sizes), np.array([np.median(by[s]) for s in sizes])


def x_bytes(meta):
    return meta["rows"] * meta["cols"] * (4 if meta.get("dtype") == "f32" else 8)


def placement_ranks(counts):
    return sum(counts)


def load(path):
    doc = json.load(open(path))
    runs = [r for r in doc["runs"] if "error" not in r]
    bad = [r for r in doc["runs"] if "error" in r]
    stream = {}
    for r in runs:
        if r["kind"] == "stream":
            stream.setdefault(r["procs"], []).append(r["median_gbs"] * 1e9)
    bw = {p: float(np.median(v)) for p, v in stream.items()}
    sweeps = {}
    for r in runs:
        if r["kind"] == "allreduce":
            sweeps.setdefault(r["placement"], []).append(r)
    points = {}
    for r in runs:
        if r["kind"] == "wshare":
            points.setdefault((r["problem"], r["placement"]), []).append(r)
    return doc, bw, sweeps, points, bad


def fit_link(sweeps, placement):
    b, t = median_rows(sweeps[placement])
    (alpha, beta), (sa, sb), rms, worst, _, _ = fit_points(b, t)
    return dict(alpha=alpha, beta=beta, se_alpha=sa, se_beta=sb, rms=rms, worst=worst,
                b=b, t=t, runs=len(sweeps[placement]))


def reduction_bytes(recs, meta):
    rep = [r.get("bytes_reported") for r in recs if r.get("bytes_reported")]
    if rep:
        return int(rep[0]), "reported"
    return 8 * (meta["cols"] + 2 + CONTROL), "buffer"


# --------------------------------------------------------------------------- validation
def validate(doc, bw, links, points):
    rows = []
    for (prob, pl), recs in points.items():
        counts = doc["placements"][pl]
        p = placement_ranks(counts)
        meta = doc["problems"][prob]
        xb = x_bytes(meta)
        nbytes, src = reduction_bytes(recs, meta)
        link = links["shm"] if len(counts) == 1 else links["tcp"]
        t_ar = allreduce_time(p, nbytes, link["alpha"], link["beta"])
        c = min(p, CORES)  # every emulated node shares this machine's cores
        t_bw = xb / node_rate(c, bw, None)
        meas = np.array([r["sec_per_iter"] for r in recs])
        rows.append(dict(problem=prob, placement=pl, ranks=p, nodes=len(counts),
                         over=p > CORES, bytes=nbytes, bytes_src=src, x_bytes=xb,
                         measured=float(np.median(meas)), lo=float(meas.min()),
                         hi=float(meas.max()), rounds=len(recs),
                         load=max(r["load_before"][0] for r in recs),
                         t_ar=t_ar, t_bw=t_bw, c=c,
                         cal=prob == CAL_PROBLEM and len(counts) == 1))
    rows.sort(key=lambda r: (r["problem"], r["ranks"], r["nodes"]))
    # eta(c) from the calibration runs: the pass alone (their allreduce is microseconds)
    eta = {}
    for r in rows:
        if r["cal"]:
            eta[r["c"]] = r["t_bw"] / (r["measured"] - r["t_ar"])
    for r in rows:
        r["model_bare"] = r["t_bw"] + r["t_ar"]
        r["model_cal"] = r["t_bw"] / eta[r["c"]] + r["t_ar"]
        for name in ("bare", "cal"):
            r[f"err_{name}"] = r[f"model_{name}"] / r["measured"] - 1.0
    return rows, eta


def summary(rows, key, pick):
    e = [abs(r[key]) for r in rows if pick(r)]
    if not e:
        return "n/a"
    return f"median {100 * np.median(e):.0f}%, max {100 * max(e):.0f}% ({len(e)} points)"


# --------------------------------------------------------------------------- projection
def scenarios():
    """Name -> (X bytes on P ranks, rows on P ranks, allreduce bytes)."""
    medium = 1e6 * 256 * 8  # 2.05 GB: medium's X, also the per-rank X of the weak cases
    sc = {
        "strong, medium (10^6 x 256, k 64)": (lambda p: medium, lambda p: 1e6, tied_bytes(64)),
        "strong, 10^9 x 256 (k 64)": (lambda p: 1e9 * 256 * 8, lambda p: 1e9, tied_bytes(64)),
        "weak, 10^6 x 256 per rank (k 64)":
            (lambda p: p * medium, lambda p: p * 1e6, tied_bytes(64)),
    }
    for k in KS:
        n = max(256, k)
        sc[f"weak, 2.05 GB per rank, k = {k:g} (n = {n:g})"] = (
            lambda p: p * medium, lambda p, n=n: p * medium / (8 * n), tied_bytes(k))
    # 10^6 columns tied into 64 groups: the tied-size reduction, 8 (64 + 1 + 3) bytes, and
    # the whole n-gradient as reduced before it, 8 (n + 2 + 3) bytes
    sc["weak, 2.05 GB per rank, n = 10^6 tied into k = 64"] = (
        lambda p: p * medium, lambda p: p * medium / 8e6, tied_bytes(64))
    sc["weak, 2.05 GB per rank, n = 10^6, k = 64, n-gradient reduced (untied)"] = (
        lambda p: p * medium, lambda p: p * medium / 8e6, 8 * (10**6 + 2 + CONTROL))
    return sc


def model_point(p, xb_total, nbytes, bw, tcp, eta):
    t_pass = xb_total / cluster_rate(p, bw, eta)
    t_ar = allreduce_time(p, nbytes, tcp["alpha"], tcp["beta"])
    return dict(p=p, t_pass=t_pass, t_ar=t_ar, t=t_pass + t_ar, gb_rank=xb_total / p / 1e9)


def project(bw, tcp, eta):
    """Name -> dict(bytes, pts: per-P pass/allreduce/total, crossover P or None)."""
    out = {}
    for name, (xb, rows, nbytes) in scenarios().items():
        pts = [dict(model_point(p, xb(p), nbytes, bw, tcp, eta), rows=rows(p)) for p in RANKS]
        # relative to one full node: from 1 to PER_NODE ranks the node's bandwidth is shared,
        # which is the node's limit, not the scaling's
        base = next(q for q in pts if q["p"] == PER_NODE)
        for q in pts:
            q["speedup"] = pts[0]["t"] / q["t"]
            q["eff"] = (base["t"] / q["t"] if name.startswith("weak") else
                        base["t"] * base["p"] / (q["t"] * q["p"]))
            q["comm"] = q["t_ar"] / q["t"]
        out[name] = dict(bytes=nbytes, pts=pts, crossover=crossover(xb, nbytes, bw, tcp, eta))
    return out


def crossover(xb, nbytes, bw, tcp, eta):
    """Smallest power of 2 (up to 2^24) where the allreduce costs at least the pass."""
    for p in (2**i for i in range(1, 25)):
        m = model_point(p, xb(p), nbytes, bw, tcp, eta)
        if m["t_ar"] >= m["t_pass"]:
            return p
    return None


def what_if(bw, tcp, eta):
    """Crossover of the strong medium case for faster nodes and a lower latency (assumed
    figures, not measured): rows (node pass rate factor, alpha) -> P."""
    xb, _, nbytes = scenarios()["strong, medium (10^6 x 256, k 64)"]
    out = []
    for alpha in (tcp["alpha"], 2e-6):
        for f in (1, 2, 4):
            e = {c: v * f for c, v in eta.items()}
            link = dict(tcp, alpha=alpha)
            out.append(dict(factor=f, alpha=alpha, rate=node_rate(PER_NODE, bw, e),
                            crossover=crossover(xb, nbytes, bw, link, e)))
    return out


# --------------------------------------------------------------------------- output
def fmt_t(s):
    if s == 0:
        return "0"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def write_md(path, doc, bw, links, rows, eta, sc, checks, bad, whatif):
    L = []
    w = L.append
    tree = f", tree {doc['commit']}" if doc.get("commit") else ""
    w("# Scaling model of the iterative solvers (one pass + one allreduce per iteration)")
    w("")
    w(f"Measured {doc['date_utc']} UTC on {doc['host']} ({doc['cpus']} cores), {doc['reps']} "
      f"round(s), {doc['iters']} gd iterations per run, wshare `{doc['wshare']}` "
      f"({doc['wshare_version']}{tree}); `scripts/bench/scaling` (runs: scaling_runs.py, "
      "model: scaling_model.py). Emulated nodes: tests/nodes.sh (network namespaces on this "
      "one machine: TCP over veth pairs and a bridge between nodes, shared memory inside one).")
    if bad:
        w("")
        w(f"{len(bad)} run(s) failed and are left out: " +
          "; ".join(f"{r['kind']} {r.get('placement', r.get('procs'))}: {r['error'][:80]}"
                    for r in bad))
    w("")
    w("## Measured parameters")
    w("")
    w("| quantity | value | from |")
    w("| --- | --- | --- |")
    for p in sorted(bw):
        w(f"| read bandwidth B({p}) | {bw[p] / 1e9:.1f} GB/s | stream_read, {p} process(es) on "
          f"one node, {doc['stream_mib']} MiB each, median over rounds |")
    for name, label in (("tcp", "2 nodes, TCP"), ("shm", "1 node, 2 ranks, shared memory")):
        k = links[name]
        w(f"| alpha, {label} | {k['alpha'] * 1e6:.1f} ± {k['se_alpha'] * 1e6:.1f} µs | "
          f"allreduce sweep 8 B .. 8 MiB ({k['runs']} sweep(s)); fit RMS / max relative "
          f"residual {100 * k['rms']:.0f}% / {100 * k['worst']:.0f}% |")
        w(f"| beta, {label} | {k['beta'] * 2**20 * 1e3:.3f} ± {k['se_beta'] * 2**20 * 1e3:.3f}"
          f" ms/MiB (1/beta = {1e-9 / k['beta']:.2f} GB/s) | same fit |")
    for c in sorted(eta):
        w(f"| pass efficiency eta({c}) | {eta[c]:.2f} | {CAL_PROBLEM} on one node, {c} rank(s): "
          f"(X bytes / B({c})) / measured s/iter; the pass reads {eta[c] * bw[c] / 1e9:.1f} GB/s"
          " |")
    w("")
    w("## Validation against measured runs")
    w("")
    w("Seconds per gd iteration: median over rounds of the median of diff(/history/seconds) "
      "without the first. *bare*: pass at the stream bandwidth B(c) of the c = min(P, 2) "
      f"cores in use; *calibrated*: at eta(c) B(c) (eta fitted on the {CAL_PROBLEM} runs on "
      "one node, marked cal.). Placement AxB = A nodes, B ranks each. Ranks "
      f"beyond {CORES} share this machine's {CORES} cores: oversubscribed (over).")
    w("")
    w("| problem | placement | ranks | allreduce bytes | measured (min–max) | load "
      "| pass at B(c) | allreduce | model bare | error | model calibrated | error | note |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        note = ["over"] if r["over"] else []
        if r["cal"]:
            note.append("cal.")
        if r["bytes_src"] == "buffer":
            note.append("bytes: buffer size")
        w(f"| {r['problem']} | {r['placement']} | {r['ranks']} | {r['bytes']} | "
          f"{fmt_t(r['measured'])} ({fmt_t(r['lo'])}–{fmt_t(r['hi'])}) | {r['load']:.1f} | "
          f"{fmt_t(r['t_bw'])} | {fmt_t(r['t_ar'])} | {fmt_t(r['model_bare'])} | "
          f"{100 * r['err_bare']:+.0f}% | {fmt_t(r['model_cal'])} | {100 * r['err_cal']:+.0f}% | "
          f"{', '.join(note)} |")
    w("")
    ok = lambda r: not r["over"]  # noqa: E731
    ok_val = lambda r: not r["over"] and not r["cal"]  # noqa: E731
    w(f"* bare model, not oversubscribed: {summary(rows, 'err_bare', ok)}; all points: "
      f"{summary(rows, 'err_bare', lambda r: True)}")
    w(f"* calibrated model, not oversubscribed and not used for eta: "
      f"{summary(rows, 'err_cal', ok_val)}; all points but the calibration ones: "
      f"{summary(rows, 'err_cal', lambda r: not r['cal'])}")
    w("")
    w("Check of the allreduce's P-dependence (fit at 2 ranks, predicted at P; sweeps on "
      "3 nodes, oversubscribed beyond 2 ranks):")
    w("")
    w("| sweep | ranks | 8 B measured / model | 4 KiB | 1 MiB | 8 MiB |")
    w("| --- | --- | --- | --- | --- | --- |")
    for c in checks:
        cells = " | ".join(f"{fmt_t(m)} / {fmt_t(p)}" for m, p in c["pairs"])
        w(f"| {c['placement']} | {c['ranks']} | {cells} |")
    w("")
    w("## Projection to 1024 ranks")
    w("")
    w(f"Nodes like this machine, {PER_NODE} ranks each (pass rate (P/{PER_NODE}) "
      f"eta({PER_NODE}) B({PER_NODE}), the calibrated model), the TCP alpha and beta between them "
      "(the emulated network: veth pairs and a bridge in one kernel), tied-size reduction "
      "8 (k + q + 3) bytes with q = 1. Per iteration: pass, allreduce, total; speedup "
      f"t(1) / t(P); efficiency against one full node ({PER_NODE} ranks): strong "
      f"{PER_NODE} t({PER_NODE}) / (P t(P)), weak t({PER_NODE}) / t(P). comm = allreduce "
      "share of the iteration.")
    for name, scn in sc.items():
        w("")
        xo = scn["crossover"]
        w(f"**{name}**: {scn['bytes']} B per allreduce; the allreduce costs at least the pass "
          f"from {'P = ' + str(xo) if xo else 'no P up to 2^24'}"
          f"{' (beyond the table)' if xo and xo > RANKS[-1] else ''}")
        w("")
        w("| P | GB of X per rank | pass | allreduce | iteration | speedup | efficiency | comm |")
        w("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for q in scn["pts"]:
            speedup = f"{q['speedup']:.3g} |" if name.startswith("strong") else "– |"
            if q["p"] in SHOWN:
                w(f"| {q['p']} | {q['gb_rank']:.3g} | {fmt_t(q['t_pass'])} | {fmt_t(q['t_ar'])} | "
                  f"{fmt_t(q['t'])} | {speedup} {eff_cell(q)} | "
                  f"{100 * q['comm']:.0f}% |")
    w("")
    w("What if (assumed figures, not measured): where the allreduce of the strong medium case "
      "first costs as much as the pass, for faster nodes and for a 2 µs allreduce latency "
      "(a low-latency interconnect instead of the emulated one):")
    w("")
    w("| node pass rate | alpha | allreduce ≥ pass from P = |")
    w("| --- | --- | --- |")
    for r in whatif:
        w(f"| {r['rate'] / 1e9:.1f} GB/s ({r['factor']}× measured) | {r['alpha'] * 1e6:.1f} µs"
          f"{' (measured)' if r['alpha'] == links['tcp']['alpha'] else ''} | {r['crossover']} |")
    w("")
    open(path, "w").write("\n".join(L) + "\n")


def eff_cell(q):
    """Efficiency against one full node; not defined below PER_NODE ranks."""
    return f"{100 * q['eff']:.0f}%" if q["p"] >= PER_NODE else "–"


def allreduce_checks(sweeps, links):
    out = []
    for pl in sorted(sweeps):
        recs = sweeps[pl]
        hosts = recs[0].get("hosts", "")
        p = int(hosts.split("ranks=")[1].split()[0]) if "ranks=" in hosts else None
        if not p or p <= 2:
            continue
        b, t = median_rows(recs)
        link = links["tcp"]
        pairs = []
        for size in (8, 4096, 1 << 20, 8 << 20):
            i = np.where(b == size)[0]
            if i.size:
                pairs.append((t[i[0]], allreduce_time(p, size, link["alpha"], link["beta"])))
        out.append(dict(placement=pl, ranks=p, pairs=pairs))
    return out


def plot(path, rows, links, sc, bw, eta):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 2, figsize=(12, 9))
    # (a) validation
    a = ax[0, 0]
    for prob, mk in (("medium", "o"), ("commwide", "s")):
        rs = [r for r in rows if r["problem"] == prob]
        for r in rs:
            col = "tab:red" if r["over"] else "tab:blue"
            a.errorbar(r["model_cal"], r["measured"],
                       yerr=[[r["measured"] - r["lo"]], [r["hi"] - r["measured"]]],
                       fmt=mk, color=col, ms=6, capsize=2,
                       mfc="none" if r["cal"] else col)
            a.annotate(r["placement"], (r["model_cal"], r["measured"]), fontsize=7,
                       xytext=(4, 2), textcoords="offset points")
    lim = [min(r["model_cal"] for r in rows) * 0.7, max(r["hi"] for r in rows) * 1.3]
    a.plot(lim, lim, "k-", lw=0.8)
    a.fill_between(lim, [x * 0.8 for x in lim], [x * 1.2 for x in lim], color="0.9")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xlim(lim)
    a.set_ylim(lim)
    a.set_xlabel("model (calibrated), s per iteration")
    a.set_ylabel("measured, s per iteration")
    a.set_title("validation: ○ medium, □ commwide; red = oversubscribed; hollow = used for "
                "eta; band ±20%", fontsize=9)
    # (b) allreduce fit
    a = ax[0, 1]
    for name, col, label in (("tcp", "tab:blue", "2 nodes, TCP"),
                             ("shm", "tab:green", "1 node, shared memory")):
        k = links[name]
        a.loglog(k["b"], k["t"] * 1e6, "o", color=col, ms=4, label=f"{label}, measured")
        a.loglog(k["b"], (k["alpha"] + k["beta"] * k["b"]) * 1e6, "-", color=col,
                 label=f"α = {k['alpha'] * 1e6:.0f} µs, 1/β = {1e-9 / k['beta']:.2f} GB/s")
    a.set_xlabel("bytes per allreduce")
    a.set_ylabel("µs per MPI_Allreduce (2 ranks)")
    a.set_title("allreduce: t = α + β·bytes", fontsize=9)
    a.legend(fontsize=7)
    # (c) strong scaling
    a = ax[1, 0]
    for name, col in (("strong, medium (10^6 x 256, k 64)", "tab:blue"),
                      ("strong, 10^9 x 256 (k 64)", "tab:purple")):
        pts = sc[name]["pts"]
        p = [q["p"] for q in pts]
        a.loglog(p, [q["t"] for q in pts], "-", color=col, lw=2, label=name + ": iteration")
        a.loglog(p, [q["t_pass"] for q in pts], "--", color=col, lw=1, label="pass")
        a.loglog(p[1:], [q["t_ar"] for q in pts[1:]], ":", color=col, lw=1.5,
                 label="allreduce")
    a.set_xlabel(f"ranks ({PER_NODE} per node)")
    a.set_ylabel("s per iteration")
    a.set_title("strong scaling (projected)", fontsize=9)
    a.legend(fontsize=7)
    # (d) weak scaling efficiency
    a = ax[1, 1]
    low = 100.0
    for name, scn in sc.items():
        if not name.startswith("weak"):
            continue
        pts = [q for q in scn["pts"] if q["p"] >= PER_NODE]
        style = "--" if "untied" in name else "-"
        a.semilogx([q["p"] for q in pts], [100 * q["eff"] for q in pts], style, marker=".",
                   label=name.replace("weak, ", ""))
        low = min(low, min(100 * q["eff"] for q in pts))
    a.set_xlabel(f"ranks ({PER_NODE} per node)")
    a.set_ylabel(f"weak-scaling efficiency t({PER_NODE})/t(P), %")
    a.set_ylim(max(0.0, low - 0.25 * (100.5 - low) - 1), 100.5)
    a.set_title("weak scaling (projected)", fontsize=9)
    a.legend(fontsize=7)
    fig.suptitle(f"wshare iteration = pass over X (B(1) {bw[1] / 1e9:.1f}, B(2) "
                 f"{bw[2] / 1e9:.1f} GB/s; eta {eta[1]:.2f}, {eta[2]:.2f}) + allreduce "
                 f"(α {links['tcp']['alpha'] * 1e6:.0f} µs, β "
                 f"{links['tcp']['beta'] * 2**20 * 1e3:.2f} ms/MiB)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--image", help="also write the picture here (scripts/images/scaling.png)")
    a = ap.parse_args()
    doc, bw, sweeps, points, bad = load(a.runs)
    missing = [w for w, ok in (("stream 1", 1 in bw), ("stream 2", 2 in bw),
                               ("allreduce 2x1", "2x1" in sweeps),
                               ("allreduce 1x2", "1x2" in sweeps),
                               (f"{CAL_PROBLEM} on 1x1 and 1x2",
                                {(CAL_PROBLEM, "1x1"), (CAL_PROBLEM, "1x2")} <= set(points)))
               if not ok]
    if missing:
        sys.exit(f"scaling_model: {a.runs} lacks {', '.join(missing)}: measure again")
    links = {"tcp": fit_link(sweeps, "2x1"), "shm": fit_link(sweeps, "1x2")}
    rows, eta = validate(doc, bw, links, points)
    sc = project(bw, links["tcp"], eta)
    checks = allreduce_checks(sweeps, links)
    os.makedirs(a.out, exist_ok=True)
    md = os.path.join(a.out, "scaling.md")
    write_md(md, doc, bw, links, rows, eta, sc, checks, bad, what_if(bw, links["tcp"], eta))
    png = os.path.join(a.out, "scaling.png")
    plot(png, rows, links, sc, bw, eta)
    if a.image:
        plot(a.image, rows, links, sc, bw, eta)
    with open(os.path.join(a.out, "scaling-model.json"), "w") as f:
        json.dump(dict(bandwidth=bw, eta=eta,
                       links={k: {x: v[x] for x in ("alpha", "beta", "se_alpha", "se_beta",
                                                    "rms", "worst")} for k, v in links.items()},
                       validation=rows,
                       projection=sc), f, indent=1)
    print(f"wrote {md}, {png}" + (f", {a.image}" if a.image else ""))
    print(f"B(1) {bw[1] / 1e9:.1f} GB/s, B(2) {bw[2] / 1e9:.1f} GB/s, eta {eta[1]:.2f} "
          f"{eta[2]:.2f}; "
          f"TCP alpha {links['tcp']['alpha'] * 1e6:.1f} us, beta "
          f"{links['tcp']['beta'] * 2**20 * 1e3:.3f} ms/MiB; calibrated error (not "
          f"oversubscribed): {summary(rows, 'err_cal', lambda r: not r['over'] and not r['cal'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
