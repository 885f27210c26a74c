#!/usr/bin/python3
"""Measurements for the scaling model (called by scripts/bench/scaling; see the bench README).

  scaling_runs.py gen DATA                      write (or reuse) the two problems, print paths
  scaling_runs.py measure --nodes DIR --wshare W --data DATA --allreduce-bin A
                          --stream-bin S --reps R --out RUNS.json [--work DIR]

`measure` runs on the emulated nodes of tests/nodes.sh (DIR/mpirun-nodes: TCP between nodes,
shared memory between the ranks of one node), R rounds; each round runs, in an order shuffled
per round (seeded), every placement of PLACEMENTS with

  * wshare on each problem:  solve --data F --solver gd --max-iter ITERS --rtol 0 --out ...
    (seconds per iteration = median of diff(/history/seconds) without the first);
  * allreduce_alpha_beta (8 B .. 8 MiB, 3 runs per size) on the placements in SWEEPS;
  * stream_read (512 MiB per process, 10 passes) with 1 and 2 processes on one node;

and records before each command the load average, so every figure comes with its command and
the load at the time. Everything goes to RUNS.json; scaling_model.py reads it.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import problems  # noqa: E402

# A problem of wide rows whose allreduce is large (1 MiB of weights: every column its own
# group, so the tied size is n before and after the tied-size reduction), beside medium,
# whose allreduce (2 KiB) is negligible next to its pass: one checks the communication term,
# the other the pass. 240 rows divide evenly over 1..6 ranks.
problems.PROBLEMS.setdefault(
    "commwide", dict(kind="gauss", rows=240, cols=131072, groups=131072, noise=0.1, seed=21))
PROBLEMS = ["medium", "commwide"]
ITERS = 30
# name -> ranks per node (node i gets counts[i]); 3 nodes, 1 or 2 ranks each
PLACEMENTS = {
    "1x1": [1], "1x2": [2], "2x1": [1, 1], "3x1": [1, 1, 1], "2x2": [2, 2],
    "3x(2,2,1)": [2, 2, 1], "3x2": [2, 2, 2],
}
# allreduce sweeps: the fit's inputs (2x1 TCP, 1x2 shared memory) and checks of the log2 P
# form at 3 and 6 ranks
SWEEPS = ["2x1", "1x2", "3x1", "3x2"]
SWEEP_RUNS = 3
STREAM_MIB = 512
TIMEOUT = 300
BYTES_LINE = re.compile(r"allreduce:\s*([0-9]+)\s*bytes per iteration")
TIMERS_LINE = re.compile(r"^time \(seconds, min/max over ranks\):(.*)$", re.M)


def loadavg():
    return [float(x) for x in open("/proc/loadavg").read().split()[:3]]


def node_names(nodes_dir):
    return [line.split()[0] for line in open(os.path.join(nodes_dir, "nodes")) if line.strip()]


def launch(nodes_dir, counts):
    """mpirun-nodes argv for one rank per entry of counts on the first len(counts) nodes."""
    names = node_names(nodes_dir)
    hosts = ",".join(f"{names[i]}:{c}" for i, c in enumerate(counts))
    return [os.path.join(nodes_dir, "mpirun-nodes"), "-np", str(sum(counts)), "--host", hosts]


def env():
    e = dict(os.environ)
    e["OPENBLAS_NUM_THREADS"] = "1"
    # shared memory between the ranks of one node, TCP between nodes (as on a real cluster)
    e["NODES_BTL"] = "tcp,vader,self"
    # wshare exits 3 at --max-iter; let every rank finish normally
    e["OMPI_MCA_orte_abort_on_non_zero_status"] = "0"
    return e


def run(argv):
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, env=env())
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as exc:
        rc, out, err = "timeout", exc.stdout or "", exc.stderr or ""
        out = out.decode() if isinstance(out, bytes) else out
        err = err.decode() if isinstance(err, bytes) else err
    return rc, out, err, time.monotonic() - t0


def history_seconds(path):
    import h5py
    with h5py.File(path, "r") as f:
        return np.asarray(f["history/seconds"][...], dtype=float)


def wshare_run(a, placement, prob, path, rnd):
    out_h5 = os.path.join(a.work, f"scaling-{prob}-{placement}.h5")
    if os.path.exists(out_h5):
        os.remove(out_h5)
    cmd = [a.wshare, "solve", "--data", path, "--solver", "gd", "--max-iter", str(ITERS),
           "--rtol", "0", "--out", out_h5]
    argv = launch(a.nodes, PLACEMENTS[placement]) + cmd
    rec = dict(kind="wshare", placement=placement, problem=prob, round=rnd,
               command=" ".join(["mpirun-nodes"] + argv[1:]), load_before=loadavg())
    rc, out, err, wall = run(argv)
    rec.update(rc=rc, wall=wall, load_after=loadavg())
    m = BYTES_LINE.search(out)
    rec["bytes_reported"] = int(m.group(1)) if m else None
    m = TIMERS_LINE.search(out)
    rec["timers"] = m.group(1).strip() if m else None
    try:
        d = np.diff(history_seconds(out_h5))[1:]
        if d.size < 3:
            raise ValueError(f"/history/seconds has {d.size + 2} entries")
        rec.update(sec_per_iter=float(np.median(d)), spread=[float(d.min()), float(d.max())],
                   iterations=int(d.size + 2))
    except Exception as exc:  # a failed run is recorded, not fatal
        rec["error"] = f"{type(exc).__name__}: {exc}; rc {rc}; {err.strip()[-300:]}"
    return rec


def sweep_run(a, placement, rnd):
    argv = launch(a.nodes, PLACEMENTS[placement]) + [a.allreduce_bin, "8", "8388608",
                                                     str(SWEEP_RUNS)]
    rec = dict(kind="allreduce", placement=placement, round=rnd,
               command=" ".join(["mpirun-nodes"] + argv[1:]), load_before=loadavg())
    rc, out, err, wall = run(argv)
    rec.update(rc=rc, wall=wall, load_after=loadavg())
    rows = [[float(x) for x in l.split()] for l in out.splitlines()
            if l.strip() and not l.startswith("#")]
    if rc != 0 or not rows:
        rec["error"] = f"rc {rc}: {err.strip()[-300:]}"
    rec["rows"] = rows  # bytes iters median_us min_us max_us
    rec["hosts"] = next((l for l in out.splitlines() if l.startswith("# ranks")), "")
    return rec


def stream_run(a, procs, rnd):
    argv = launch(a.nodes, [procs]) + [a.stream_bin, str(STREAM_MIB), "10"]
    rec = dict(kind="stream", procs=procs, round=rnd,
               command=" ".join(["mpirun-nodes"] + argv[1:]), load_before=loadavg())
    rc, out, err, wall = run(argv)
    rec.update(rc=rc, wall=wall, load_after=loadavg())
    m = re.search(r"median_gbs=([\d.]+)", out)
    if rc != 0 or not m:
        rec["error"] = f"rc {rc}: {err.strip()[-300:]}"
    else:
        rec["median_gbs"] = float(m.group(1))
    return rec


def measure(a):
    os.makedirs(a.work, exist_ok=True)
    paths = {p: problems.ensure_problem(p, a.data, log=print)[0] for p in PROBLEMS}
    meta = {p: problems.problem_params(p) for p in PROBLEMS}
    recs = []
    rng = random.Random(13)
    t0 = time.monotonic()
    for rnd in range(a.reps):
        jobs = [("wshare", pl, pr) for pl in PLACEMENTS for pr in PROBLEMS]
        jobs += [("allreduce", pl, None) for pl in SWEEPS]
        jobs += [("stream", n, None) for n in (1, 2)]
        rng.shuffle(jobs)
        for kind, x, prob in jobs:
            if kind == "wshare":
                rec = wshare_run(a, x, prob, paths[prob], rnd)
                what = f"{prob} {x}: " + (f"{rec['sec_per_iter'] * 1e3:.2f} ms/iter"
                                          if "sec_per_iter" in rec else rec["error"])
            elif kind == "allreduce":
                rec = sweep_run(a, x, rnd)
                what = f"allreduce {x}: " + rec.get("error", f"{len(rec['rows'])} sizes")
            else:
                rec = stream_run(a, x, rnd)
                what = f"stream {x} proc: " + (f"{rec['median_gbs']:.1f} GB/s"
                                               if "median_gbs" in rec else rec["error"])
            recs.append(rec)
            print(f"  round {rnd + 1}/{a.reps} [{time.monotonic() - t0:5.0f} s, load "
                  f"{rec['load_before'][0]:.2f}] {what}", flush=True)
    doc = dict(date_utc=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
               host=os.uname().nodename, cpus=os.cpu_count(), wshare=a.wshare,
               wshare_version=subprocess.run([a.wshare, "--version"], capture_output=True,
                                             text=True).stdout.strip(),
               commit=subprocess.run(["git", "-C", HERE, "describe", "--always", "--dirty"],
                                     capture_output=True, text=True).stdout.strip(),
               iters=ITERS, reps=a.reps, placements=PLACEMENTS, problems=meta, paths=paths,
               stream_mib=STREAM_MIB, sweep_runs=SWEEP_RUNS, seconds=time.monotonic() - t0,
               runs=recs)
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {a.out} ({len(recs)} runs, {doc['seconds']:.0f} s)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("data")
    m = sub.add_parser("measure")
    for opt in ("--nodes", "--wshare", "--data", "--allreduce-bin", "--stream-bin", "--out"):
        m.add_argument(opt, required=True)
    m.add_argument("--reps", type=int, default=3)
    m.add_argument("--work", default=None)
    a = ap.parse_args()
    if a.cmd == "gen":
        for p in PROBLEMS:
            print(problems.ensure_problem(p, a.data, log=print)[0])
        return 0
    a.work = a.work or os.path.join(a.data, "work")
    measure(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
