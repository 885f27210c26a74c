"""Benchmark problems for the wshare suite, and the tied-design helpers the peers use.

Every problem is written with h5py in wshare's input layout (README "File formats"):
``/X`` (m x n, float64 or float32, contiguous), ``/y`` (m, same dtype as X),
``/groups`` (n, int64; -1 = not shared), ``/w_true`` (n, float64), plus the
generator's parameters as root attributes.  A file is reused when its attributes
match the requested parameters (so a second run skips generation), else rewritten.

The "tied design" of a groups-sharing problem is Z = X S, where S (n x k) has one
column per group id >= 0 (in ascending id order; the indicator of its members)
followed by one unit column per unshared weight (group -1), in column order.
Solving min ||Z v - y|| and setting w = S v solves the tied least-squares problem.
"""

import os
import time

import numpy as np

GENERATOR_VERSION = 4
ROW_BLOCK = 1 << 16  # rows generated / written per slab

# name -> parameters.  rows are divided by 10 in quick mode; columns never change.
PROBLEMS = {
    # the standard problems of the benchmark suite (scripts/bench/README.md)
    "small": dict(kind="gauss", rows=200_000, cols=64, groups=16, noise=0.1, seed=11),
    "medium": dict(kind="gauss", rows=1_000_000, cols=256, groups=64, noise=0.1, seed=12),
    # tied design with condition number >= 1e4 (equal group sizes, correlated columns)
    "ill": dict(kind="ill", rows=20_000, cols=128, groups=64, cond=2e4, noise=1e-3, seed=13),
    # 4096 tied columns (every column its own group of one)
    "wide": dict(kind="gauss", rows=10_000, cols=4096, groups=4096, noise=0.1, seed=14),
    # the medium problem in single precision (per-iteration pass f32 vs f64)
    "medium_f32": dict(kind="gauss", rows=1_000_000, cols=256, groups=64, noise=0.1, seed=12,
                       dtype="f32"),
    # a tiny file with medium's columns: start-up / open / write baseline for the load rate
    "tiny": dict(kind="gauss", rows=1_000, cols=256, groups=64, noise=0.1, seed=15),
    # medium's values stored chunked (2048-row chunks of whole rows), as users' writers do:
    # uncompressed and with gzip level 4 (the "chunked" section)
    "medium_chunked": dict(kind="copy", source="medium", chunk_rows=2048, gzip=0),
    "medium_gzip": dict(kind="copy", source="medium", chunk_rows=2048, gzip=4),
}


def problem_params(name, quick=False):
    p = dict(PROBLEMS[name])
    if p["kind"] == "copy":  # the source's parameters plus the storage
        src = problem_params(p["source"], quick)
        src.update(p, kind="copy")
        return src
    p.setdefault("dtype", "f64")
    if quick and name != "tiny":
        p["rows"] = max(1000, p["rows"] // 10)
    return p


def np_dtype(tag):
    return np.float32 if tag == "f32" else np.float64


# --------------------------------------------------------------------------- groups / S

def make_groups(n, k, rng):
    """Group ids for n columns in k groups of (nearly) equal size, unsorted in column order."""
    ids = np.arange(n, dtype=np.int64) % k
    rng.shuffle(ids)
    return ids


def tied_structure(groups):
    """Return (col_index, order, starts, sizes): column j of Z is the sum of columns
    order[starts[j]:starts[j]+sizes[j]] of X.  col_index[c] = tied column of weight c."""
    groups = np.asarray(groups, dtype=np.int64)
    n = groups.size
    shared_ids = np.unique(groups[groups >= 0])
    col_index = np.empty(n, dtype=np.int64)
    col_index[groups >= 0] = np.searchsorted(shared_ids, groups[groups >= 0])
    unshared = np.flatnonzero(groups < 0)
    col_index[unshared] = shared_ids.size + np.arange(unshared.size)
    order = np.argsort(col_index, kind="stable")
    k = shared_ids.size + unshared.size
    sizes = np.bincount(col_index, minlength=k)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    return col_index, order, starts, sizes


def expand(v, groups):
    """w = S v."""
    col_index = tied_structure(groups)[0]
    return np.asarray(v)[col_index]


def form_Z(X, groups, fortran=False):
    """Z = X S.  Dense BLAS product when S is narrow, blocked column sums when wide."""
    m, n = X.shape
    if groups is None:
        return np.asfortranarray(X) if fortran else X
    col_index, order, starts, sizes = tied_structure(groups)
    k = sizes.size
    out = np.empty((m, k), dtype=X.dtype, order="F" if fortran else "C")
    if k <= 256:
        S = np.zeros((n, k), dtype=X.dtype)
        S[np.arange(n), col_index] = 1.0
        for r0 in range(0, m, ROW_BLOCK):
            out[r0:r0 + ROW_BLOCK] = X[r0:r0 + ROW_BLOCK] @ S
    else:
        blk = 4096
        for r0 in range(0, m, blk):
            out[r0:r0 + blk] = np.add.reduceat(X[r0:r0 + blk][:, order], starts, axis=1)
    return out


def group_weights(groups):
    """Sizes of the tied columns (D in ||A grad|| = ||D^-1/2 Z^T r|| / m)."""
    return tied_structure(groups)[3].astype(np.float64)


# --------------------------------------------------------------------------- generation

def _matches(path, params):
    try:
        import h5py
        with h5py.File(path, "r") as f:
            a = f.attrs
            if int(a.get("bench_generator_version", -1)) != GENERATOR_VERSION:
                return False
            for key, val in params.items():
                if key not in a:
                    return False
                got = a[key]
                if isinstance(val, str):
                    got = got.decode() if isinstance(got, bytes) else str(got)
                    if got != val:
                        return False
                elif float(got) != float(val):
                    return False
            return f["X"].shape == (params["rows"], params["cols"])
    except Exception:
        return False


def ensure_problem(name, directory, quick=False, log=print):
    """Create (or reuse) the HDF5 file of problem `name`; return (path, params, seconds)."""
    params = problem_params(name, quick)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{name}{'-quick' if quick else ''}.h5")
    if os.path.exists(path) and _matches(path, params):
        return path, params, 0.0
    t0 = time.monotonic()
    tmp = path + ".tmp"
    if params["kind"] == "copy":
        src_path = ensure_problem(params["source"], directory, quick, log)[0]
        _write_copy(tmp, src_path, params)
    elif params["kind"] == "ill":
        _write_ill(tmp, params)
    else:
        _write_gauss(tmp, params)
    os.replace(tmp, path)
    dt = time.monotonic() - t0
    log(f"  generated {name}: {params['rows']} x {params['cols']} {params['dtype']} "
        f"({os.path.getsize(path) / 1e9:.2f} GB) in {dt:.1f} s")
    return path, params, dt


def _common_attrs(f, params):
    for key, val in params.items():
        f.attrs[key] = val
    f.attrs["bench_generator_version"] = GENERATOR_VERSION
    f.attrs["generator"] = "scripts/bench/problems.py"


def _write_gauss(path, p):
    import h5py
    m, n, k = p["rows"], p["cols"], p["groups"]
    dt = np_dtype(p["dtype"])
    rng = np.random.default_rng(p["seed"])
    groups = make_groups(n, k, rng)
    v_true = rng.standard_normal(k)
    w_true = v_true[groups]
    sq12 = np.sqrt(12.0)
    with h5py.File(path, "w") as f:
        dX = f.create_dataset("X", shape=(m, n), dtype=dt)
        dy = f.create_dataset("y", shape=(m,), dtype=dt)
        for r0 in range(0, m, ROW_BLOCK):
            r1 = min(m, r0 + ROW_BLOCK)
            # uniform entries scaled to unit variance: much faster to draw than normals
            blk = rng.random((r1 - r0, n))
            blk -= 0.5
            blk *= sq12
            blk = blk.astype(dt, copy=False)
            yb = blk.astype(np.float64) @ w_true + p["noise"] * rng.standard_normal(r1 - r0)
            dX[r0:r1] = blk
            dy[r0:r1] = yb.astype(dt)
        f.create_dataset("groups", data=groups.astype(np.int64))
        f.create_dataset("w_true", data=w_true.astype(np.float64))
        _common_attrs(f, p)


def _write_copy(path, src_path, p):
    """The source problem's datasets with /X and /y stored in chunks of chunk_rows rows
    (whole rows), optionally gzip-compressed; everything else as in the source."""
    import h5py
    comp = dict(compression="gzip", compression_opts=p["gzip"]) if p["gzip"] else {}
    with h5py.File(src_path, "r") as src, h5py.File(path, "w") as f:
        for name in ("X", "y"):
            d = src[name]
            chunks = (min(p["chunk_rows"], d.shape[0]),) + d.shape[1:]
            out = f.create_dataset(name, shape=d.shape, dtype=d.dtype, chunks=chunks, **comp)
            step = max(1, ROW_BLOCK // chunks[0]) * chunks[0]
            for r0 in range(0, d.shape[0], step):
                out[r0:r0 + step] = d[r0:r0 + step]
        for name in src:
            if name not in ("X", "y"):
                src.copy(name, f)
        for key, val in src.attrs.items():
            f.attrs[key] = val
        _common_attrs(f, p)


def _write_ill(path, p):
    """Tied design Z = Q diag(s) R (Q ~ Gaussian/sqrt(m), s log-spaced over `cond`,
    R a random rotation), so cond(Z) ~ cond; X = Z[:, g] / |g| + E where E sums to zero
    inside every group, so X S = Z exactly while X's own columns are correlated."""
    import h5py
    m, n, k = p["rows"], p["cols"], p["groups"]
    if n % k:
        raise ValueError("ill problem needs equal group sizes")
    size = n // k
    rng = np.random.default_rng(p["seed"])
    groups = make_groups(n, k, rng)
    s = np.logspace(0, -np.log10(p["cond"]), k)
    R, _ = np.linalg.qr(rng.standard_normal((k, k)))
    Z = rng.standard_normal((m, k)) / np.sqrt(m)
    Z = (Z * s) @ R
    Z *= np.sqrt(m)  # unit-ish column scale, like the other problems
    v_true = rng.standard_normal(k)
    y = Z @ v_true + p["noise"] * rng.standard_normal(m)
    X = np.empty((m, n))
    col_index, order, starts, sizes = tied_structure(groups)
    for j in range(k):
        cols = order[starts[j]:starts[j] + sizes[j]]
        E = 0.1 * rng.standard_normal((m, size))
        E -= E.mean(axis=1, keepdims=True)
        X[:, cols] = Z[:, [j]] / size + E
    # the tied design as the solvers will see it
    Zc = form_Z(X, groups)
    sv = np.linalg.svd(np.linalg.qr(Zc, mode="r"), compute_uv=False)
    with h5py.File(path, "w") as f:
        f.create_dataset("X", data=X)
        f.create_dataset("y", data=y)
        f.create_dataset("groups", data=groups.astype(np.int64))
        f.create_dataset("w_true", data=v_true[col_index])
        _common_attrs(f, p)
        f.attrs["cond_tied"] = float(sv[0] / sv[-1])


def read_cond(path):
    import h5py
    with h5py.File(path, "r") as f:
        return float(f.attrs["cond_tied"]) if "cond_tied" in f.attrs else None
