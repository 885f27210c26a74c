#!/usr/bin/python3
"""A stand-in for `wshare`, for developing the benchmark suite before wshare exists.

NOT wshare, and not fast: rank 0 solves with numpy, the other ranks only read their
rows (so per-rank memory looks plausible) and exit.  It implements exactly the part of
the command line and result file that the suite relies on, which makes it a checklist:

    standin_wshare.py --version
    standin_wshare.py solve --data F --solver gd|agd|cg|qr|cholesky|auto
        [--rtol R] [--max-iter N] [--out R.h5] [--quiet] [--checkpoint-dir D]
        [--checkpoint-every N]

Result file: root attributes iterations, wall_seconds, solver, converged, stop_reason,
ranks; datasets /w, /history/seconds (cumulative), /history/grad_norm.  Exit 3 when
stopped at --max-iter.  Checkpoints DIR/ckpt-NNNNNNNN.h5 every 50 iterations (keep 2).
Use it with:  WSHARE=scripts/bench/standin_wshare.py scripts/bench/run
"""
import time

T0 = time.monotonic()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import problems  # noqa: E402


def main():
    if "--version" in sys.argv[1:2]:
        print("wshare stand-in (scripts/bench/standin_wshare.py) -- NOT wshare")
        return 0
    if len(sys.argv) < 2 or sys.argv[1] != "solve":
        print("standin: only 'solve' and '--version' are implemented", file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(prog="standin_wshare.py solve")
    ap.add_argument("--data", required=True)
    ap.add_argument("--solver", default="auto")
    ap.add_argument("--rtol", type=float, default=1e-8)
    ap.add_argument("--max-iter", type=int, default=10000)
    ap.add_argument("--out", default="wshare-result.h5")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--checkpoint-dir")
    ap.add_argument("--checkpoint-every", type=int, default=50)
    a = ap.parse_args(sys.argv[2:])
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
    size = int(os.environ.get("OMPI_COMM_WORLD_SIZE", "1"))
    with h5py.File(a.data, "r") as f:
        m, n = f["X"].shape
        base, extra = divmod(m, size)
        r0 = rank * base + min(rank, extra)
        r1 = r0 + base + (1 if rank < extra else 0)
        Xl = f["X"][r0:r1].astype(np.float64)
        if rank != 0:
            return 0
        X = Xl if size == 1 else f["X"][...].astype(np.float64)
        y = f["y"][...].astype(np.float64)
        groups = f["groups"][...] if "groups" in f else np.full(n, -1, dtype=np.int64)
    col, order, starts, sizes = problems.tied_structure(groups)
    k = sizes.size
    merge = lambda g: (np.bincount(col, weights=g, minlength=k) / sizes)[col]  # noqa: E731
    seconds, gnorms = [], []
    solver = a.solver
    if solver == "auto":
        solver = "cholesky" if k <= 2048 else "cg"
    t_it = time.monotonic()
    it, converged, stop = 0, 1, "direct"
    if solver in ("qr", "cholesky"):
        Z = problems.form_Z(X, groups)
        w = np.linalg.lstsq(Z, y, rcond=None)[0][col]
    else:  # cg on the tied normal equations (stand-in uses it for gd and agd too)
        w = np.zeros(n)
        r = merge(X.T @ y) / m
        p = r.copy()
        rr = r @ r
        g0 = np.sqrt(rr)
        converged, stop = 0, "max_iter"
        while it < a.max_iter:
            q = merge(X.T @ (X @ p)) / m
            alpha = rr / (p @ q)
            w += alpha * p
            r -= alpha * q
            rr_new = r @ r
            p = r + (rr_new / rr) * p
            rr = rr_new
            it += 1
            seconds.append(time.monotonic() - t_it)
            gnorms.append(np.sqrt(rr))
            if a.checkpoint_dir and it % a.checkpoint_every == 0:
                os.makedirs(a.checkpoint_dir, exist_ok=True)
                name = os.path.join(a.checkpoint_dir, f"ckpt-{it:08d}.h5")
                with h5py.File(name + ".tmp", "w") as c:
                    c["w"] = w
                    c["p"] = p
                    c["r"] = r
                os.replace(name + ".tmp", name)
                old = sorted(x for x in os.listdir(a.checkpoint_dir) if x.startswith("ckpt-"))
                for x in old[:-2]:
                    os.remove(os.path.join(a.checkpoint_dir, x))
            if np.sqrt(rr) <= a.rtol * g0:
                converged, stop = 1, "rtol"
                break
    with h5py.File(a.out, "w") as f:
        f["w"] = w
        f["history/seconds"] = np.asarray(seconds, dtype=np.float64)
        f["history/grad_norm"] = np.asarray(gnorms, dtype=np.float64)
        f.attrs["solver"] = solver
        f.attrs["iterations"] = it
        f.attrs["converged"] = converged
        f.attrs["stop_reason"] = stop
        f.attrs["ranks"] = size
        f.attrs["wall_seconds"] = time.monotonic() - T0
    if not a.quiet:
        print(f"standin: {solver} {it} iterations, converged={converged}")
    return 0 if converged else 3


if __name__ == "__main__":
    sys.exit(main())
