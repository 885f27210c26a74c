#!/usr/bin/python3
"""The `conv` section of the benchmark suite (called by bench.py; README "Models",
convolutions as shared weights).

A 1-D convolution layer written as a dense layer: input width 512, kernel 9, 8 filters,
stride 1, 20 000 samples (`wshare gen --pattern conv1d`; q = 8 x 504 = 4032 outputs,
72 kernel entries).  wshare: `mpirun -n 2 wshare solve --y /Y --intercept --solver auto`,
process wall clock.  Peer: numpy lstsq on the im2col design of the same file (rows =
(sample, output position), unknowns = the kernel entries, per-output intercepts by
centring at each position, as wshare fits them), in a process of its own with all cores
as BLAS threads; its wall clock, and in-process the h5py read, the im2col build and the
lstsq.  Runs alternate; medians of REPS.  The kernels are compared (relative max
difference).  Target: wshare's wall <= 0.5x the peer's whole process.

    conv_bench.py numpy --data F [--out K.npy]     (the peer; prints PEER_RESULT {json})
"""
import time

T_START = time.monotonic()

import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 0.5
SHAPE = {"cols": 512, "kernel": 9, "filters": 8, "stride": 1, "channels": 1, "seed": 11}
ROWS = 20000


# ----------------------------------------------------------------------------- the peer

def im2col(X, Y, a):
    """(m P) x T patches and (m P) x F targets of a conv1d/conv2d file (attributes a)."""
    C, H, W, F = (int(a[k]) for k in ("channels", "height", "width", "filters"))
    KH, KW, S = (int(a[k]) for k in ("kernel_height", "kernel_width", "stride"))
    OH, OW = (H - KH) // S + 1, (W - KW) // S + 1
    m = X.shape[0]
    win = np.lib.stride_tricks.sliding_window_view(X.reshape(m, C, H, W), (KH, KW), axis=(2, 3))
    win = win[:, :, ::S, ::S][:, :, :OH, :OW]            # m C OH OW KH KW
    A = np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(m, OH * OW, C * KH * KW)
    B = Y.reshape(m, F, OH * OW).transpose(0, 2, 1)      # m P F (a view)
    return A, B


def peer_numpy(data, out):
    import h5py
    res = {}
    t = time.monotonic()
    with h5py.File(data, "r") as f:
        X, Y, attrs = f["X"][...], f["Y"][...], dict(f.attrs)
    res["read_s"] = time.monotonic() - t
    t = time.monotonic()
    # Per-output intercepts by centring: the mean patch at a position is the patch of the
    # mean sample, so centring X and Y (one pass each) centres the im2col rows per position.
    X -= X.mean(axis=0)
    Y -= Y.mean(axis=0)
    A, B = im2col(X, Y, attrs)
    del X
    A = A.reshape(-1, A.shape[2])
    Bc = B.reshape(-1, B.shape[2])                     # copy
    res["im2col_s"] = time.monotonic() - t
    t = time.monotonic()
    K = np.linalg.lstsq(A, Bc, rcond=None)[0]          # T x F
    res["lstsq_s"] = time.monotonic() - t
    res["rows"], res["unknowns"] = A.shape[0], int(K.size)
    if out:
        np.save(out, K.T.ravel())                      # kernel entries in wshare's order
    res["total_in_process_s"] = time.monotonic() - T_START
    print("PEER_RESULT " + json.dumps(res), flush=True)
    return 0


# ----------------------------------------------------------------------------- section

def ensure_data(ws, ctx, rows):
    """The conv1d file, regenerated only when its parameters differ."""
    import h5py
    path = os.path.join(ctx["data"], f"conv1d-{rows}.h5")
    want = dict(SHAPE, rows=rows)
    if os.path.exists(path):
        try:
            with h5py.File(path, "r") as f:
                a = f.attrs
                have = {"cols": a["width"], "kernel": a["kernel_width"], "filters": a["filters"],
                        "stride": a["stride"], "channels": a["channels"], "seed": a["seed"],
                        "rows": a["rows"]}
            if {k: int(v) for k, v in have.items()} == want:
                return path, None
        except Exception:  # unreadable: write it again
            pass
    argv = [ws.path, "gen", "--out", path, "--pattern", "conv1d", "--rows", str(rows)]
    for k in ("cols", "kernel", "filters", "stride", "channels", "seed"):
        argv += [f"--{k}", str(SHAPE[k])]
    r = ctx["run"](ctx["mpirun"](2, argv), env=ctx["env"], rss=False)
    if r["rc"] != 0:
        return None, ctx["why"](r, "wshare gen --pattern conv1d")
    return path, None


def fitted_kernel(res_path, data):
    """The kernel entries of wshare's n x q result (one value per id >= 0 of /groups)."""
    import h5py
    with h5py.File(data, "r") as f:
        g = f["groups"][...]
    with h5py.File(res_path, "r") as f:
        W = f["w"][...]
    k = int(g.max()) + 1
    out = np.zeros(k)
    out[g[g >= 0]] = W[g >= 0]
    return out


def sec_conv(R, ws, ctx):
    """Fills R['conv']."""
    out = {"shape": dict(SHAPE), "target": TARGET}
    R["conv"] = out
    if ws.missing:
        out["error"] = ws.missing
        return
    rows = ROWS // 10 if ctx["quick"] else ROWS
    out["shape"]["rows"] = rows
    data, err = ensure_data(ws, ctx, rows)
    if err:
        out["error"] = err
        return
    res_path = os.path.join(ctx["work"], "conv-fit.h5")
    k_path = os.path.join(ctx["work"], "conv-numpy-kernel.npy")
    extra = ["--y", "/Y", "--intercept", "--solver", "auto"]
    peer_argv = ctx["timed_argv"]([sys.executable, os.path.abspath(__file__), "numpy",
                                   "--data", data, "--out", k_path])
    walls = {"wshare": [], "numpy": []}
    phases, timing, rss = [], None, []
    for _ in range(ctx["reps"]):
        r = ws.solve(2, data, res_path, extra)
        if not r["ok"]:
            out["error"] = ctx["why"](r, "wshare solve " + " ".join(extra))
            return
        walls["wshare"].append(r["wall"])
        rss.append(max(r["rss_kb"]) if r["rss_kb"] else None)
        out["solver_used"] = r["result"]["attrs"].get("solver")
        ctx["prime"](data)
        p = ctx["run"](peer_argv, env=ctx["env_peer"])
        m = re.search(r"^PEER_RESULT (.*)$", p["out"], re.M)
        if p["rc"] != 0 or not m:
            out["error"] = ctx["why"](p, "numpy im2col lstsq")
            return
        walls["numpy"].append(p["wall"])
        phases.append(json.loads(m.group(1)))
        out["peer_rss_kb"] = max(p["rss_kb"]) if p["rss_kb"] else None
    # wshare's own phase times, from a verbose run after the timed ones
    v = ctx["run"](ctx["mpirun"](2, [ws.path, "solve", "--data", data, "--out", res_path] + extra),
                   env=ctx["env"], rss=False)
    m = re.search(r"^time \(seconds.*$", v["out"] + v["err"], re.M)
    timing = m.group(0) if m else None
    med = ctx["median"]
    kernel = fitted_kernel(res_path, data)
    ref = np.load(k_path)
    out.update(walls=walls, wshare=med(walls["wshare"]), numpy=med(walls["numpy"]),
               read=med([x["read_s"] for x in phases]),
               im2col=med([x["im2col_s"] for x in phases]),
               lstsq=med([x["lstsq_s"] for x in phases]),
               design_rows=phases[-1]["rows"], wshare_timing=timing,
               wshare_rss_kb=max([x for x in rss if x] or [0]) or None,
               kernel_rel_diff=float(np.abs(kernel - ref).max() / np.abs(ref).max()))
    out["ratio"] = out["wshare"] / out["numpy"]
    out["ratio_build_solve"] = out["wshare"] / (out["im2col"] + out["lstsq"])
    ctx["log"](f"  conv1d: wshare {out['wshare']:.2f} s, numpy {out['numpy']:.2f} s "
               f"(im2col {out['im2col']:.2f} + lstsq {out['lstsq']:.2f}): {out['ratio']:.2f}x")


# ----------------------------------------------------------------------------- report

def targets(R, na, status):
    C = R.get("conv", {})
    name = (f"conv1d (512 wide, kernel 9, 8 filters, 20 000 samples), auto, 2 ranks: whole run "
            f"<= {TARGET:g}x numpy lstsq on im2col")
    if "ratio" not in C:
        return [(name, None, None, na(C.get("error") or R["errors"].get("conv")
                                      or "not measured"))]
    return [(name, f"{C['wshare']:.2f} / {C['numpy']:.2f} s", f"{C['ratio']:.2f}",
             status(C["ratio"] <= TARGET))]


def markdown(R, na):
    C, out = R.get("conv", {}), []
    add = out.append
    add("## Convolution layer (conv1d) against numpy on im2col")
    add("")
    if "ratio" not in C:
        add(na(C.get("error") or R["errors"].get("conv") or "not measured"))
        add("")
        return out
    s = C["shape"]
    w, n = C["walls"]["wshare"], C["walls"]["numpy"]
    add(f"`wshare gen --pattern conv1d --rows {s['rows']} --cols {s['cols']} --kernel "
        f"{s['kernel']} --filters {s['filters']} --stride {s['stride']}` "
        f"({(s['cols'] - s['kernel']) // s['stride'] + 1} positions x {s['filters']} filters "
        "outputs); `mpirun -n 2 wshare solve --y /Y --intercept --solver auto` "
        f"(chose {C.get('solver_used')}) against numpy lstsq on the im2col design "
        f"({C['design_rows']} rows x {s['kernel']} unknowns, {s['filters']} right-hand sides, "
        "per-position intercepts by centring), one process with all cores as BLAS threads.")
    add("")
    add("| | wall, median (min–max) | in-process phases (medians) |")
    add("| --- | --- | --- |")
    add(f"| wshare, 2 ranks | {C['wshare']:.3f} ({min(w):.3f}–{max(w):.3f}) | "
        f"{C.get('wshare_timing') or '—'} |")
    add(f"| numpy | {C['numpy']:.3f} ({min(n):.3f}–{max(n):.3f}) | h5py read {C['read']:.3f}, "
        f"im2col {C['im2col']:.3f}, lstsq {C['lstsq']:.3f} |")
    add("")
    add(f"Ratio of walls **{C['ratio']:.2f}x**; wshare's wall against numpy's im2col + lstsq "
        f"alone: {C['ratio_build_solve']:.2f}x. Kernels differ by {C['kernel_rel_diff']:.1e} "
        "(relative max).")
    add("")
    return out


def main():
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("peer", choices=["numpy"])
    p.add_argument("--data", required=True)
    p.add_argument("--out")
    a = p.parse_args()
    return peer_numpy(a.data, a.out)


if __name__ == "__main__":
    sys.exit(main())
