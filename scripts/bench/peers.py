#!/usr/bin/python3
"""The peers a user would reach for, solving the same tied least-squares problem as wshare
from the same HDF5 file.  One solve per process; the driver times the whole process.

    peers.py numpy-lstsq --data F [--out W.npy] [--check]
    peers.py scipy-lsqr  --data F [--rtol R] [--max-iter N] [--out W.npy] [--check]
    mpirun -n P peers.py petsc-lsqr --data F [--rtol R] [--max-iter N] [--exact-stop] ...

Each reads /X, /y and /groups with h5py, forms the tied design Z = X S (see
problems.py), solves min ||Z v - y||, and expands w = S v.  The process prints one line
``PEER_RESULT {json}`` (rank 0) with in-process phase times (monotonic clock), the
iteration count, and -- with --check -- the achieved relative projected gradient
    ||D^-1/2 Z^T (y - Z v)|| / ||D^-1/2 Z^T y||     (D = group sizes)
which is exactly wshare's stopping quantity ||A grad L(w)|| / ||A grad L(0)|| for a
problem without intercept or ridge.  The check's time is reported separately (check_s)
so the driver can leave it out of the time a user would pay.

Tolerances: scipy lsqr gets atol = btol = rtol; PETSc LSQR gets its default convergence
test with rtol, or with --exact-stop a test on the exact quantity above (two extra
products per iteration: for counting iterations, not for timing).
"""
import time

T_START = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import problems  # noqa: E402


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        out = []
        for d in threadpool_info():
            out.append({k: d.get(k) for k in ("internal_api", "version", "architecture",
                                               "num_threads", "threading_layer")})
        return out
    except Exception as exc:  # threadpoolctl missing
        return [{"error": str(exc)}]


def read_problem(path, r0=None, r1=None):
    import h5py
    with h5py.File(path, "r") as f:
        dX = f["X"]
        if r0 is None:
            X = dX[...]
            y = f["y"][...]
        else:
            X = dX[r0:r1]
            y = f["y"][r0:r1]
        groups = f["groups"][...] if "groups" in f else None
        m, n = dX.shape
    return X, y.astype(np.float64, copy=False), groups, m, n


def rel_pgrad_dense(Z, y, v, dw):
    r = y - Z @ v
    g = (Z.T @ r) / np.sqrt(dw)
    g0 = (Z.T @ y) / np.sqrt(dw)
    return float(np.linalg.norm(g) / np.linalg.norm(g0))


def run_numpy(args, res):
    t = time.monotonic()
    X, y, groups, m, n = read_problem(args.data)
    res["read_s"] = time.monotonic() - t
    t = time.monotonic()
    Z = problems.form_Z(X, groups)
    del X
    res["formz_s"] = time.monotonic() - t
    t = time.monotonic()
    if args.method == "numpy-lstsq":
        v = np.linalg.lstsq(Z, y, rcond=None)[0]
        res["iterations"] = None
        res["stop"] = "direct"
    else:
        from scipy.sparse.linalg import lsqr
        out = lsqr(Z, y, atol=args.rtol, btol=args.rtol, iter_lim=args.max_iter)
        v = out[0]
        res["iterations"] = int(out[2])
        res["stop"] = f"istop={int(out[1])}"
    res["solve_s"] = time.monotonic() - t
    w = problems.expand(v, groups) if groups is not None else v
    res["k"] = int(Z.shape[1])
    if args.check:
        t = time.monotonic()
        dw = problems.group_weights(groups) if groups is not None else np.ones(Z.shape[1])
        res["rel_pgrad"] = rel_pgrad_dense(Z, y, v, dw)
        res["check_s"] = time.monotonic() - t
    return w


def run_petsc(args, res):
    import petsc4py
    petsc4py.init(sys.argv[:1])
    from petsc4py import PETSc
    comm = PETSc.COMM_WORLD
    rank, size = comm.getRank(), comm.getSize()
    import h5py
    with h5py.File(args.data, "r") as f:
        m, n = f["X"].shape
    base, extra = divmod(m, size)
    r0 = rank * base + min(rank, extra)
    r1 = r0 + base + (1 if rank < extra else 0)
    t = time.monotonic()
    X, y, groups, m, n = read_problem(args.data, r0, r1)
    res["read_s"] = time.monotonic() - t
    t = time.monotonic()
    Zl = problems.form_Z(X, groups, fortran=True)  # PETSc dense storage is column-major
    del X
    k = Zl.shape[1]
    A = PETSc.Mat().createDense(size=((r1 - r0, m), (None, k)),
                                array=Zl.ravel(order="F"), comm=comm)
    A.assemble()
    b = A.createVecLeft()
    b.getArray()[:] = y
    x = A.createVecRight()
    res["formz_s"] = time.monotonic() - t
    dw = problems.group_weights(groups) if groups is not None else np.ones(k)
    dvec = A.createVecRight()
    lo, hi = dvec.getOwnershipRange()
    dvec.getArray()[:] = 1.0 / np.sqrt(dw[lo:hi])

    ksp = PETSc.KSP().create(comm=comm)
    ksp.setType(PETSc.KSP.Type.LSQR)
    ksp.getPC().setType(PETSc.PC.Type.NONE)
    ksp.setOperators(A)
    ksp.setTolerances(rtol=args.rtol, atol=0.0, max_it=args.max_iter)
    rr = A.createVecLeft()
    gg = A.createVecRight()
    state = {}

    def weighted_normal_residual(xv):
        A.mult(xv, rr)
        rr.aypx(-1.0, b)  # rr = b - A x
        A.multTranspose(rr, gg)
        gg.pointwiseMult(gg, dvec)
        return gg.norm()

    if args.exact_stop:
        A.multTranspose(b, gg)
        gg.pointwiseMult(gg, dvec)
        state["g0"] = gg.norm()
        xk = A.createVecRight()

        def converged(ksp_, its, rnorm):
            if its == 0:
                return 0
            ksp_.buildSolution(xk)
            if weighted_normal_residual(xk) <= args.rtol * state["g0"]:
                return PETSc.KSP.ConvergedReason.CONVERGED_RTOL
            if its >= args.max_iter:
                return PETSc.KSP.ConvergedReason.DIVERGED_MAX_IT
            return 0

        ksp.setConvergenceTest(converged)
    t = time.monotonic()
    ksp.solve(b, x)
    res["solve_s"] = time.monotonic() - t
    res["iterations"] = int(ksp.getIterationNumber())
    res["stop"] = str(ksp.getConvergedReason())
    res["k"] = int(k)
    res["ranks"] = size
    if args.check:
        t = time.monotonic()
        A.multTranspose(b, gg)
        gg.pointwiseMult(gg, dvec)
        g0 = gg.norm()
        res["rel_pgrad"] = float(weighted_normal_residual(x) / g0)
        res["check_s"] = time.monotonic() - t
    sc, x0 = PETSc.Scatter.toZero(x)
    sc.scatter(x, x0, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)
    v = x0.getArray().copy() if rank == 0 else None
    res["_rank"] = rank
    if rank != 0:
        return None
    return problems.expand(v, groups) if groups is not None else v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("method", choices=["numpy-lstsq", "scipy-lsqr", "petsc-lsqr"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--rtol", type=float, default=1e-8)
    ap.add_argument("--max-iter", type=int, default=10000)
    ap.add_argument("--exact-stop", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--out", help="write the weights w (n) to this .npy file")
    args = ap.parse_args()
    res = {"method": args.method, "import_s": time.monotonic() - T_START}
    if args.method == "petsc-lsqr":
        w = run_petsc(args, res)
    else:
        w = run_numpy(args, res)
    if res.get("_rank", 0) != 0:
        return 0
    res.pop("_rank", None)
    if args.out and w is not None:
        np.save(args.out, np.asarray(w, dtype=np.float64))
    res["blas"] = blas_info()
    res["in_process_s"] = time.monotonic() - T_START
    print("PEER_RESULT " + json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
