#!/usr/bin/python3
"""Driver of the wshare benchmark suite (run it through scripts/bench/run).

Sections, in order (WSHARE_BENCH_ONLY=a,b,... runs a subset):
  stream   memory read bandwidth, STREAM-like read-only sum, 1 and 2 processes
  data     generate (or reuse) the problem files with h5py
  pass     wshare per-iteration pass, gd and cg, f64 and f32, 1 and 2 ranks
  solve    whole `wshare solve` runs (auto) on small/medium/ill/wide, 1 and 2 ranks;
           cg on the ill-conditioned problem
  peers    numpy lstsq, scipy lsqr, PETSc LSQR on the same files
  iters    iterations on the ill-conditioned problem: wshare lsqr, lsqr --standardize and cg
           against PETSc LSQR stopped on wshare's exact quantity (iters_bench.py)
  load     HDF5 load rate (wshare, h5py) against a raw sequential read of the same file
  floor    medium, auto, 2 ranks, whole process against `wshare info` + one read of X at the
           2-process read bandwidth; the timing summary's coverage of the wall (floor_bench.py)
  ckpt     checkpoint overhead (with vs without --checkpoint-dir)
  chunked  users' files: medium stored in 2048-row chunks (uncompressed, gzip 4) against its
           contiguous copy, 1 and 2 ranks; h5py + scipy lsqr on the gzip file
  learn    --sharing learn: the whole path against one fit, recovery of planted ties (ARI)
           per noise level, the improvement step against brute force, the demo's path plot
           (learn_bench.py)
  conv     a conv1d layer (512 wide, kernel 9, 8 filters, 20 000 samples) as a dense layer with
           several outputs, auto at 2 ranks, against numpy lstsq on im2col (conv_bench.py)
  repro    --reproducible against the default summation: gd/cg per iteration and cholesky's
           whole solve on medium, 1 and 2 ranks (repro_bench.py)
  compress compressed iterations (Z = X S formed once) against WSHARE_COMPRESS=off: gd, agd,
           cg, lsqr per iteration on medium at 2 ranks, /w compared (compress_bench.py)
Peak memory per rank comes from every wshare run (/usr/bin/time %M per rank).
Writes results/latest.md, results/latest.png and results/latest.json.
"""
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import compress_bench  # noqa: E402
import conv_bench  # noqa: E402
import floor_bench  # noqa: E402
import iters_bench  # noqa: E402
import learn_bench  # noqa: E402
import problems  # noqa: E402
import repro_bench  # noqa: E402

QUICK = os.environ.get("WSHARE_BENCH_QUICK", "0") not in ("", "0", "no", "false")
REPS = max(3, int(os.environ.get("WSHARE_BENCH_REPS", "3")))
RESULTS = os.environ.get("WSHARE_BENCH_RESULTS", os.path.join(HERE, "results"))
DATA = os.environ.get("WSHARE_BENCH_DATA", "/tmp/wshare-bench-data")
WORK = os.path.join(DATA, "work")
COLD = os.environ.get("WSHARE_BENCH_COLD", "0") not in ("", "0", "no", "false")
ONLY = [s for s in os.environ.get("WSHARE_BENCH_ONLY", "").split(",") if s]
NPROC = os.cpu_count() or 1
RANKS = [1, 2]
RTOL = 1e-8
TIMEOUT = 600 if not QUICK else 120
PASS_ITERS = 20
SOLVE_PROBLEMS = ["small", "medium", "ill", "wide"]
PEERS = [("numpy-lstsq", 1), ("scipy-lsqr", 1), ("petsc-lsqr", 2)]
# chunked section: (storage label, problem, environment) of the wshare runs
CHUNKED = [("contiguous", "medium", {}), ("chunked", "medium_chunked", {}),
           ("gzip-4", "medium_gzip", {}),
           ("chunked, WSHARE_IO=hdf5", "medium_chunked", {"WSHARE_IO": "hdf5"})]
# problem files each section reads (only these are generated when WSHARE_BENCH_ONLY is set)
NEEDS = {"pass": ["medium", "medium_f32"], "solve": SOLVE_PROBLEMS, "peers": SOLVE_PROBLEMS,
         "load": ["tiny", "medium"], "ckpt": ["medium"],
         "chunked": ["medium", "medium_chunked", "medium_gzip"], "repro": ["medium"],
         "iters": ["ill"], "floor": ["medium"], "compress": ["medium"]}
TIME_BIN = "/usr/bin/time"
GB = 1e9
MiB = 1 << 20


def log(msg):
    print(msg, flush=True)


def want(section):
    return not ONLY or section in ONLY


# ----------------------------------------------------------------------------- processes

def base_env(threads=1):
    env = dict(os.environ)
    # Benchmark commands run with the default OpenBLAS kernel for this CPU (see README).
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    # Let every rank finish (and /usr/bin/time print its line) when one rank exits non-zero,
    # e.g. wshare's exit 3 at --max-iter; the exit codes are then taken from time's lines.
    env["OMPI_MCA_orte_abort_on_non_zero_status"] = "0"
    if os.geteuid() == 0:
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    if not os.path.isdir("/usr/lib/petsc") and "PETSC_DIR" not in env:
        import glob
        cand = sorted(glob.glob("/usr/lib/petscdir/petsc*/x86_64-linux-gnu-real")
                      + glob.glob("/usr/lib/petscdir/petsc*/*-real"))
        if cand:
            env["PETSC_DIR"] = cand[-1]
    return env


def mpirun(nprocs, argv):
    cmd = ["mpirun", "-n", str(nprocs)]
    if nprocs > NPROC:
        cmd.append("--oversubscribe")
    return cmd + argv


def run(cmd, env=None, timeout=TIMEOUT, rss=True, cwd=None):
    """Run cmd (a list, whose processes may be wrapped by timed_argv) and return
    dict(wall, rc, out, err, rss_kb=[per rank], rank_rc=[per rank]).  Wall: monotonic."""
    import tempfile
    env = dict(env if env is not None else os.environ)
    rss_dir = tempfile.mkdtemp(prefix="rss-", dir=WORK) if rss else None
    if rss_dir:
        env["WSHARE_BENCH_RSS_DIR"] = rss_dir
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         cwd=cwd, start_new_session=True, text=True, errors="replace")
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        rc = "timeout"
    wall = time.monotonic() - t0
    rss_kb, codes = [], []
    if rss_dir:
        # one file per rank (rss.<rank>): "%M %x" on its last line, possibly after
        # time's "Command exited with non-zero status N"
        names = sorted(os.listdir(rss_dir), key=lambda x: int(x.rsplit(".", 1)[1]))
        for name in names:
            m = re.search(r"(\d+) (-?\d+)\s*$", open(os.path.join(rss_dir, name)).read())
            if m:
                rss_kb.append(int(m.group(1)))
                codes.append(int(m.group(2)))
        shutil.rmtree(rss_dir, ignore_errors=True)
    if rc == 0 and any(codes):  # mpirun told not to abort returns 0: use the ranks' codes
        rc = max(codes)
    return dict(wall=wall, rc=rc, out=out, err=err, rss_kb=rss_kb, rank_rc=codes)


def timed_argv(argv):
    """Wrap one process in /usr/bin/time writing "peak-RSS-KiB exit-code" to a file per MPI
    rank in $WSHARE_BENCH_RSS_DIR (set by run); files, because ranks' stderr lines interleave."""
    if os.access(TIME_BIN, os.X_OK):
        script = ('exec ' + TIME_BIN + ' -o "$WSHARE_BENCH_RSS_DIR/rss.${OMPI_COMM_WORLD_RANK:-0}"'
                  ' -f "%M %x" "$@"')
        return ["/bin/sh", "-c", script, "sh"] + argv
    return argv


def why(r, what="command"):
    """One-line reason for a failed run: the program's own first error line, skipping
    /usr/bin/time's lines and mpirun's dashed banner blocks."""
    if r["rc"] == "timeout":
        return f"{what} timed out"
    own, banner, inside = [], [], False
    for ln in (r["err"] + "\n" + r["out"]).splitlines():
        ln = ln.strip()
        if re.fullmatch(r"-{10,}", ln):
            inside = not inside
            continue
        if not ln:
            continue
        (banner if inside else own).append(ln)
    errs = [ln for ln in own if re.search(r"error|fail|not |cannot|invalid|refus", ln, re.I)]
    msg = (errs or own or banner or [""])[0]
    return f"{what} exit {r['rc']}: {msg[:200]}"


def prime(path):
    """Read a file once (into a reused buffer) so that the timed run after it finds it in
    the page cache: this machine's memory manager pages out idle page-cache pages."""
    buf = bytearray(16 * MiB)
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass


def median(xs):
    return statistics.median(xs) if xs else None


# ----------------------------------------------------------------------------- wshare

class Wshare:
    def __init__(self):
        self.path = os.environ.get("WSHARE", "")
        self.missing = None
        self.version = None
        if not self.path:
            self.missing = os.environ.get("WSHARE_BENCH_BUILD_STATUS") or "no wshare binary"
        elif not os.access(self.path, os.X_OK):
            self.missing = f"{self.path} is not an executable file"
        else:
            r = run([self.path, "--version"], env=base_env(), timeout=60, rss=False)
            if r["rc"] != 0:
                r = run(mpirun(1, [self.path, "--version"]), env=base_env(), timeout=60, rss=False)
            self.version = (r["out"].strip().splitlines() or ["?"])[0] if r["rc"] == 0 \
                else f"--version failed ({why(r)})"
        self.standin = bool(self.version and "stand-in" in self.version)

    def solve(self, nprocs, data, out, extra, timeout=TIMEOUT, warm=True, env=None, quiet=True):
        """One `wshare solve` process tree (env: extra environment variables, a value of None
        removes the variable; quiet=False keeps wshare's report, e.g. its timing summary, in
        the run's `out`); returns the run dict plus `result` (attrs, history) when the result
        file was written and the exit code is 0 or 3."""
        if os.path.exists(out):
            os.remove(out)
        if warm:
            prime(data)
        argv = timed_argv([self.path, "solve", "--data", data, "--out", out]
                          + (["--quiet"] if quiet else []) + extra)
        e = base_env(1)
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        r = run(mpirun(nprocs, argv), env=e, timeout=timeout)
        r["ok"] = r["rc"] in (0, 3) and os.path.exists(out)
        if r["ok"]:
            try:
                r["result"] = read_result(out)
            except Exception as exc:  # unreadable result file
                r["ok"] = False
                r["err"] += f"\nresult file {out} unreadable: {exc}"
        return r


def read_result(path):
    import h5py
    res = {"attrs": {}}
    with h5py.File(path, "r") as f:
        for k, v in f.attrs.items():
            if isinstance(v, bytes):
                v = v.decode(errors="replace")
            elif isinstance(v, np.ndarray):
                v = v.tolist() if v.size < 16 else f"<array {v.shape}>"
            elif isinstance(v, np.generic):
                v = v.item()
            res["attrs"][k] = v
        h = f.get("history")
        res["seconds"] = np.asarray(h["seconds"][...], dtype=float).tolist() \
            if h is not None and "seconds" in h else []
        res["w"] = np.asarray(f["w"][...], dtype=float) if "w" in f else None
    return res


def attr(res, key, default=None):
    return res["attrs"].get(key, default) if res else default


# ----------------------------------------------------------------------------- sections

def sec_machine(R, ws):
    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "quick": QUICK, "reps": REPS,
            "nproc": NPROC, "kernel": platform.release(), "python": platform.python_version(),
            "numpy": np.__version__}
    try:
        cpu = [ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
               if ln.startswith("model name")]
        info["cpu"] = cpu[0] if cpu else platform.processor()
        mem = [ln for ln in open("/proc/meminfo") if ln.startswith("MemTotal")][0]
        info["mem_gib"] = round(int(mem.split()[1]) / 1048576, 1)
        for idx in range(8):
            base = f"/sys/devices/system/cpu/cpu0/cache/index{idx}/"
            if os.path.exists(base + "level") and open(base + "level").read().strip() == "3":
                size = open(base + "size").read().strip()  # e.g. "32768K"
                mult = {"K": 1 / 1024, "M": 1}.get(size[-1], 1 / MiB)
                info["l3_mib"] = round(float(size.rstrip("KM")) * mult, 1)
    except Exception:
        pass
    info["wshare"] = ws.path or None
    info["wshare_version"] = ws.version
    info["wshare_missing"] = ws.missing
    info["wshare_standin"] = ws.standin
    cache = os.path.join(os.path.dirname(os.path.dirname(ws.path or "/x/x")), "CMakeCache.txt")
    if os.path.exists(cache):
        m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", open(cache).read(), re.M)
        info["build_type"] = (m.group(1) if m else "") or "(empty)"
    root = os.path.dirname(os.path.dirname(HERE))
    g = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    info["git"] = g.stdout.strip() or "(no commit)"
    info["env_openblas"] = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                            if k in os.environ}
    info["build_seconds"] = float(os.environ.get("WSHARE_BENCH_BUILD_SECONDS", "0") or 0)
    info["build_note"] = os.environ.get("WSHARE_BENCH_BUILD_NOTE", "")
    info["pass_iters"] = PASS_ITERS
    R["machine"] = info


def sec_stream(R):
    exe = os.environ.get("WSHARE_BENCH_STREAM_BIN", "")
    mib = 128 if QUICK else 1024
    out = {"mib_per_proc": mib}
    if not exe or not os.access(exe, os.X_OK):
        out["error"] = "stream_read not compiled (" + \
            os.environ.get("WSHARE_BENCH_STREAM_STATUS", "no compiler") + ")"
        R["stream"] = out
        return
    for p in RANKS:
        argv = [exe, str(mib), "20"]
        cmd = mpirun(p, argv) if os.environ.get("WSHARE_BENCH_STREAM_MPI") == "1" else argv
        if p > 1 and cmd is argv:
            out[str(p)] = {"error": "stream_read built without MPI: 1 process only"}
            continue
        r = run(cmd, env=base_env(1), timeout=300, rss=False)
        m = re.search(r"median_gbs=([\d.]+) best_gbs=([\d.]+)", r["out"])
        if r["rc"] != 0 or not m:
            out[str(p)] = {"error": why(r, "stream_read")}
            continue
        passes = [float(x) for x in re.findall(r"^pass \d+ [\d.]+ ([\d.]+)$", r["out"], re.M)]
        out[str(p)] = {"median_gbs": float(m.group(1)), "best_gbs": float(m.group(2)),
                       "min_gbs": min(passes) if passes else None}
        log(f"  stream {p} proc: median {m.group(1)} GB/s, best {m.group(2)} GB/s")
    R["stream"] = out


def sec_data(R):
    files = {}
    names = ["tiny", "small", "medium", "medium_f32", "ill", "wide", "medium_chunked",
             "medium_gzip"]
    if ONLY:
        names = [n for n in names if any(n in NEEDS.get(s, []) for s in ONLY)]
    for name in names:
        path, params, dt = problems.ensure_problem(name, DATA, QUICK, log=log)
        info = dict(params, path=path, gen_seconds=round(dt, 2), bytes=os.path.getsize(path),
                    x_bytes=params["rows"] * params["cols"] * (4 if params["dtype"] == "f32" else 8))
        if name == "ill":
            info["cond_tied"] = problems.read_cond(path)
        files[name] = info
    R["data"] = files


def x_bytes(R, prob):
    return R["data"][prob]["x_bytes"]


def sec_pass(R, ws):
    out = []
    iters = PASS_ITERS
    for solver in ["gd", "cg"]:
        for prob, dtype in [("medium", "f64"), ("medium_f32", "f32")]:
            for p in RANKS:
                row = {"solver": solver, "dtype": dtype, "ranks": p, "problem": prob}
                out.append(row)
                if ws.missing:
                    row["error"] = ws.missing
                    continue
                res_path = os.path.join(WORK, f"pass-{solver}-{dtype}-{p}.h5")
                # The pass over X itself: compressed iterations would sweep Z = X S instead
                # (the compress section measures those).
                r = ws.solve(p, R["data"][prob]["path"], res_path,
                             ["--solver", solver, "--max-iter", str(iters), "--rtol", "0"],
                             env={"WSHARE_COMPRESS": "off"})
                row["rc"], row["wall"], row["rss_kb"] = r["rc"], r["wall"], r["rss_kb"]
                if not r["ok"]:
                    row["error"] = why(r, f"wshare solve --solver {solver}")
                    continue
                sec = r["result"]["seconds"]
                d = np.diff(np.asarray(sec, dtype=float))[1:]  # drop the first (warm-up)
                if d.size < 3:
                    row["error"] = f"/history/seconds has {len(sec)} entries (need >= 5)"
                    continue
                t = float(np.median(d))
                row.update(sec_per_iter=t, iterations=len(sec), gbs=x_bytes(R, prob) / t / GB,
                           spread=[float(d.min()), float(d.max())])
                log(f"  pass {solver} {dtype} {p} rank(s): {t * 1e3:.2f} ms/iter, "
                    f"{row['gbs']:.2f} GB/s of X")
    R["pass"] = out


def sec_solve(R, ws):
    out = []
    cases = [(prob, p, "auto") for prob in SOLVE_PROBLEMS for p in RANKS]
    cases += [("ill", p, "cg") for p in RANKS]
    # LSQR against scipy's and PETSc's LSQR (sec_peers), unscaled and column-scaled
    cases += [("ill", p, s) for p in RANKS for s in ("lsqr", "lsqr --standardize")]
    for prob, p, solver in cases:
        row = {"problem": prob, "ranks": p, "solver_asked": solver}
        out.append(row)
        if ws.missing:
            row["error"] = ws.missing
            continue
        walls, rss, last = [], [], None
        res_path = os.path.join(WORK, f"solve-{prob}-{solver.replace(' --', '-')}-{p}.h5")
        for _ in range(REPS):
            r = ws.solve(p, R["data"][prob]["path"], res_path,
                         ["--solver", *solver.split(), "--rtol", repr(RTOL)])
            if not r["ok"]:
                row["error"] = why(r, f"wshare solve --solver {solver}")
                break
            walls.append(r["wall"])
            rss.append(max(r["rss_kb"]) if r["rss_kb"] else None)
            last = r
        if "error" in row:
            continue
        res = last["result"]
        row.update(walls=walls, wall=median(walls), rc=last["rc"],
                   solver_used=attr(res, "solver"), iterations=attr(res, "iterations"),
                   converged=attr(res, "converged"), wall_seconds=attr(res, "wall_seconds"),
                   rss_kb_per_rank=last["rss_kb"], result=res_path)
        if res.get("w") is not None:
            np.save(res_path + ".w.npy", res["w"])
        log(f"  solve {prob} {solver} {p} rank(s): {row['wall']:.3f} s "
            f"({row['solver_used']}, {row['iterations']} it)")
    R["solve"] = out


def sec_peers(R):
    out = []
    env_threads = base_env(NPROC)
    for prob in SOLVE_PROBLEMS:
        for method, p in PEERS:
            row = {"problem": prob, "peer": method, "procs": p,
                   "threads": NPROC if p == 1 else 1}
            out.append(row)
            wpath = os.path.join(WORK, f"peer-{prob}-{method}.npy")
            argv = timed_argv([sys.executable, os.path.join(HERE, "peers.py"), method,
                               "--data", R["data"][prob]["path"], "--rtol", repr(RTOL),
                               "--check", "--out", wpath])
            walls, last = [], None
            for _ in range(REPS):
                prime(R["data"][prob]["path"])
                r = run(mpirun(p, argv) if method == "petsc-lsqr" else argv,
                        env=env_threads if p == 1 else base_env(1))
                m = re.search(r"^PEER_RESULT (.*)$", r["out"], re.M)
                if r["rc"] != 0 or not m:
                    row["error"] = why(r, method)
                    break
                pr = json.loads(m.group(1))
                walls.append(r["wall"] - pr.get("check_s", 0.0))
                last = (r, pr)
            if "error" in row:
                log(f"  peer {method} on {prob}: n/a ({row['error']})")
                continue
            r, pr = last
            row.update(walls=walls, wall=median(walls), rss_kb=max(r["rss_kb"] or [0]),
                       iterations=pr.get("iterations"), rel_pgrad=pr.get("rel_pgrad"),
                       read_s=pr.get("read_s"), formz_s=pr.get("formz_s"),
                       solve_s=pr.get("solve_s"), import_s=pr.get("import_s"),
                       stop=pr.get("stop"), k=pr.get("k"), w=wpath, blas=pr.get("blas"))
            log(f"  peer {method} on {prob}: {row['wall']:.3f} s")
    R["peers"] = out
    R["petsc_exact_ill"] = petsc_exact(R["data"]["ill"]["path"])


def petsc_exact(path):
    """Iteration count of PETSc LSQR (2 ranks, no preconditioner) on the problem at path with
    a stopping test on wshare's exact quantity (peers.py --exact-stop)."""
    it = {"rtol": RTOL}
    r = run(mpirun(2, timed_argv([sys.executable, os.path.join(HERE, "peers.py"), "petsc-lsqr",
                                  "--data", path, "--rtol", repr(RTOL),
                                  "--exact-stop", "--check"])), env=base_env(1))
    m = re.search(r"^PEER_RESULT (.*)$", r["out"], re.M)
    if r["rc"] == 0 and m:
        pr = json.loads(m.group(1))
        it.update(iterations=pr["iterations"], rel_pgrad=pr.get("rel_pgrad"), stop=pr["stop"])
        log(f"  PETSc LSQR (exact stop) on {os.path.basename(path)}: {pr['iterations']} iterations")
    else:
        it["error"] = why(r, "petsc-lsqr --exact-stop")
    return it


def drop_caches():
    try:
        subprocess.run(["sync"], check=False)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def raw_read_child(path, offset, length, start_at):
    """Child mode: pread(2) bytes [offset, offset+length) of path into freshly allocated
    memory (as large reads as the kernel takes), after waiting for the common start time
    (CLOCK_MONOTONIC is system-wide); print the seconds taken."""
    buf = np.empty(-(-length // 8), dtype=np.float64)  # same allocation path as an X array
    mv = memoryview(buf).cast("B")[:length]
    while time.monotonic() < start_at:
        time.sleep(0.0005)
    t0 = time.monotonic()
    fd = os.open(path, os.O_RDONLY)
    try:
        pos = 0
        while pos < length:
            n = os.preadv(fd, [mv[pos:]], offset + pos)
            if n <= 0:
                raise IOError("short read")
            pos += n
    finally:
        os.close(fd)
    print(f"{time.monotonic() - t0:.6f}")
    return 0


def x_extent(path):
    """(byte offset, rows, bytes per row) of a contiguous /X; whole file if not contiguous."""
    import h5py
    with h5py.File(path, "r") as f:
        d = f["X"]
        off = d.id.get_offset()
        if off is not None and d.chunks is None and d.compression is None:
            return off, d.shape[0], d.shape[1] * d.dtype.itemsize
    return 0, os.path.getsize(path), 1


def raw_read(path, nprocs):
    """Aggregate rate of nprocs processes reading /X's bytes at once, each its row block."""
    off, rows, row_bytes = x_extent(path)
    parts = []
    for i in range(nprocs):
        r0, r1 = i * rows // nprocs, (i + 1) * rows // nprocs
        parts.append((off + r0 * row_bytes, (r1 - r0) * row_bytes))
    start_at = time.monotonic() + 0.3
    procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "--raw-read", path,
                               str(o), str(ln), repr(start_at)],
                              stdout=subprocess.PIPE, text=True) for o, ln in parts]
    secs = [float(p.communicate()[0].strip()) for p in procs]
    return rows * row_bytes / max(secs) / GB


def h5py_read_child(path):
    """Child mode: h5py read_direct of /X into freshly allocated memory; print seconds."""
    import h5py
    t0 = time.monotonic()
    with h5py.File(path, "r") as f:
        X = np.empty(f["X"].shape, dtype=f["X"].dtype)
        f["X"].read_direct(X)
    print(f"{time.monotonic() - t0:.6f} {X.nbytes}")
    return 0


def h5py_read(path):
    """Rate of an h5py read of /X in a fresh process (same conditions as the raw read)."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--h5py-read", path],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[1]) / float(out[0]) / GB


def sec_load(R, ws):
    prob = "medium"
    path = R["data"][prob]["path"]
    xb = x_bytes(R, prob)
    out = {"problem": prob, "cold": COLD and drop_caches(), "x_bytes": xb,
           "file_bytes": os.path.getsize(path)}
    cold = out["cold"]
    reads = max(REPS, 7)  # cheap and noisy: more repetitions
    out["read_reps"] = reads
    for p in RANKS:
        rates = []
        for _ in range(reads):
            drop_caches() if cold else prime(path)
            rates.append(raw_read(path, p))
        out[f"raw_{p}"] = median(rates)
        out[f"raw_{p}_all"] = rates
        log(f"  raw read, {p} process(es): {out[f'raw_{p}']:.2f} GB/s")
    rates = []
    for _ in range(reads):
        drop_caches() if cold else prime(path)
        rates.append(h5py_read(path))
    out["h5py_1"] = median(rates)
    out["h5py_1_all"] = rates
    log(f"  h5py read of /X: {out['h5py_1']:.2f} GB/s")
    if ws.missing:
        out["error"] = ws.missing
        R["load"] = out
        return
    n_it = 3
    extra = ["--solver", "cg", "--max-iter", str(n_it), "--rtol", "0"]
    for p in RANKS:
        full, base, iter_s, direct = [], [], [], []
        err = None
        for _ in range(REPS):
            if cold:
                drop_caches()
            rb = ws.solve(p, R["data"]["tiny"]["path"], os.path.join(WORK, "load-tiny.h5"), extra,
                          warm=not cold)
            if cold:
                drop_caches()
            rf = ws.solve(p, path, os.path.join(WORK, "load-full.h5"), extra, warm=not cold)
            if not (rb["ok"] and rf["ok"]):
                err = why(rf if not rf["ok"] else rb, f"wshare solve --solver cg --max-iter {n_it}")
                break
            # wshare's own wall_seconds leaves out mpirun's start-up noise; else process wall
            wf, wb = attr(rf["result"], "wall_seconds"), attr(rb["result"], "wall_seconds")
            use_attr = wf is not None and wb is not None
            full.append(float(wf) if use_attr else rf["wall"])
            base.append(float(wb) if use_attr else rb["wall"])
            sec = rf["result"]["seconds"]
            # time of the iterations themselves: n_it x the median per-iteration difference
            iter_s.append(n_it * float(np.median(np.diff(sec))) if len(sec) >= 2 else 0.0)
            for key in ("load_seconds", "read_seconds", "io_seconds"):
                if key in rf["result"]["attrs"]:
                    direct.append(float(rf["result"]["attrs"][key]))
                    break
        if err:
            out[f"wshare_{p}"] = {"error": err}
            continue
        est = median(full) - median(base) - median(iter_s)
        d = {"full_wall": median(full), "base_wall": median(base), "iter_s": median(iter_s)}
        if direct:
            d.update(load_s=median(direct), method="result attribute")
        else:
            what = "wall_seconds" if use_attr else "process wall"
            d.update(load_s=est, method=f"{what}(medium) − {what}(tiny) − {n_it} iterations")
        d["gbs"] = xb / d["load_s"] / GB if d["load_s"] > 0 else None
        out[f"wshare_{p}"] = d
        log(f"  wshare load, {p} rank(s): {d['load_s']:.3f} s ({d['method']})")
    R["load"] = out


def sec_ckpt(R, ws):
    prob = "medium"
    out = {"problem": prob, "solver": "gd", "ranks": 2}
    if ws.missing:
        out["error"] = ws.missing
        R["ckpt"] = out
        return
    per_iter = None
    for row in R.get("pass", []):
        if row["solver"] == "gd" and row["dtype"] == "f64" and row["ranks"] == 2:
            per_iter = row.get("sec_per_iter")
    target_s = 0.5 if QUICK else 3.0
    iters = int(min(2000, max(20, target_s / per_iter))) if per_iter else 40
    out["max_iter"] = iters
    base = ["--solver", "gd", "--max-iter", str(iters), "--rtol", "0"]
    ck_dir = os.path.join(WORK, "ckpt")
    walls = {"without": [], "with": []}
    attrs = {"without": [], "with": []}
    files = []
    for _ in range(REPS):
        for mode in ("without", "with"):
            extra = list(base)
            if mode == "with":
                shutil.rmtree(ck_dir, ignore_errors=True)
                os.makedirs(ck_dir)
                extra += ["--checkpoint-dir", ck_dir]
            r = ws.solve(2, R["data"][prob]["path"], os.path.join(WORK, f"ckpt-{mode}.h5"), extra)
            if not r["ok"]:
                out["error"] = why(r, f"wshare solve ({mode} --checkpoint-dir)")
                R["ckpt"] = out
                return
            walls[mode].append(r["wall"])
            attrs[mode].append(attr(r["result"], "wall_seconds"))
            if mode == "with":
                files = sorted(os.listdir(ck_dir)) if os.path.isdir(ck_dir) else []
    out.update(walls=walls, attrs=attrs, files=files,
               proc_without=median(walls["without"]), proc_with=median(walls["with"]))
    if all(x is not None for x in attrs["without"] + attrs["with"]):
        out.update(without=median(attrs["without"]), with_=median(attrs["with"]),
                   basis="wall_seconds attribute")
    else:
        out.update(without=out["proc_without"], with_=out["proc_with"], basis="process wall")
    out["overhead"] = out["with_"] / out["without"] - 1.0
    log(f"  checkpoint overhead: {out['overhead'] * 100:+.2f}% ({len(files)} files left)")
    R["ckpt"] = out


def sec_chunked(R, ws):
    """Whole `--solver auto` runs on medium as stored by users' writers: in 2048-row chunks,
    uncompressed and gzip level 4, against its contiguous copy; the cases run interleaved,
    several rounds.  read_seconds is wshare's own slowest-rank load time.  The peer is h5py +
    scipy lsqr reading the gzip file."""
    out = {"runs": [], "rtol": RTOL}
    R["chunked"] = out
    if ws.missing:
        out["error"] = ws.missing
        return
    rows = []
    for label, prob, env in CHUNKED:
        for p in RANKS:
            if env and p != 2:
                continue
            # the second-long runs are the noisiest: more rounds of them
            reps = REPS if prob == "medium_gzip" else max(REPS, 7)
            rows.append({"storage": label, "problem": prob, "ranks": p, "env": env,
                         "reps": reps, "walls": [], "reads": [], "rss": []})
    ref_w = {}
    for rnd in range(max(row["reps"] for row in rows)):
        for row in rows:
            if "error" in row or rnd >= row["reps"]:
                continue
            res_path = os.path.join(WORK, f"chunked-{row['problem']}-{row['ranks']}.h5")
            r = ws.solve(row["ranks"], R["data"][row["problem"]]["path"], res_path,
                         ["--solver", "auto", "--rtol", repr(RTOL)], env=row["env"])
            if not r["ok"]:
                row["error"] = why(r, f"wshare solve on {row['problem']}")
                continue
            res = r["result"]
            row["walls"].append(r["wall"])
            row["reads"].append(attr(res, "read_seconds"))
            row["rss"].append(max(r["rss_kb"]) if r["rss_kb"] else None)
            row["solver_used"] = attr(res, "solver")
            w = res.get("w")
            key = row["ranks"]
            if row["storage"] == "contiguous" and w is not None:
                ref_w[key] = w
            if w is not None and key in ref_w:
                row["same_bits"] = bool(np.array_equal(w.view(np.uint64),
                                                       ref_w[key].view(np.uint64)))
    for row in rows:
        if "error" not in row and row["walls"]:
            reads = [x for x in row["reads"] if x is not None]
            row.update(wall=median(row["walls"]), read=median(reads) if reads else None)
            log(f"  {row['storage']} {row['ranks']} rank(s): {row['wall']:.3f} s "
                f"(read {f3(row['read'])} s)")
        row.pop("env", None)
    out["runs"] = rows
    # the peer a user would reach for: h5py reads the gzip file, scipy lsqr solves
    peer = {"peer": "scipy-lsqr", "problem": "medium_gzip"}
    argv = timed_argv([sys.executable, os.path.join(HERE, "peers.py"), "scipy-lsqr",
                       "--data", R["data"]["medium_gzip"]["path"], "--rtol", repr(RTOL),
                       "--check"])
    walls, reads = [], []
    for _ in range(REPS):
        prime(R["data"]["medium_gzip"]["path"])
        r = run(argv, env=base_env(NPROC))
        m = re.search(r"^PEER_RESULT (.*)$", r["out"], re.M)
        if r["rc"] != 0 or not m:
            peer["error"] = why(r, "scipy-lsqr on medium_gzip")
            break
        pr = json.loads(m.group(1))
        walls.append(r["wall"] - pr.get("check_s", 0.0))
        reads.append(pr.get("read_s"))
        peer.update(iterations=pr.get("iterations"), rel_pgrad=pr.get("rel_pgrad"))
    if walls:
        peer.update(walls=walls, wall=median(walls), read=median(reads))
        log(f"  h5py + scipy lsqr on medium_gzip: {peer['wall']:.3f} s (read {peer['read']:.3f} s)")
    out["peer"] = peer


def f3(x):
    return f"{x:.3f}" if x is not None else "n/a"
def sec_learn(R, ws):
    ctx = {"work": WORK, "reps": REPS, "quick": QUICK, "log": log, "median": median, "why": why,
           "run": run, "mpirun": mpirun, "env": base_env(1)}
    learn_bench.sec_learn(R, ws, ctx)


def sec_conv(R, ws):
    ctx = {"work": WORK, "data": DATA, "reps": REPS, "quick": QUICK, "log": log,
           "median": median, "why": why, "run": run, "mpirun": mpirun, "env": base_env(1),
           "env_peer": base_env(NPROC), "timed_argv": timed_argv, "prime": prime}
    conv_bench.sec_conv(R, ws, ctx)


def sec_repro(R, ws):
    ctx = {"work": WORK, "reps": REPS, "log": log, "median": median, "why": why}
    repro_bench.sec_repro(R, ws, ctx)


def sec_iters(R, ws):
    ctx = {"work": WORK, "log": log, "why": why, "rtol": RTOL, "petsc_exact": petsc_exact,
           "read_result": read_result}
    iters_bench.sec_iters(R, ws, ctx)


def sec_floor(R, ws):
    ctx = {"work": WORK, "reps": REPS, "log": log, "median": median, "why": why, "rtol": RTOL,
           "run": run, "mpirun": mpirun, "timed_argv": timed_argv, "prime": prime,
           "env": base_env(1), "raw_read": raw_read, "sec_stream": sec_stream}
    floor_bench.sec_floor(R, ws, ctx)


def sec_compress(R, ws):
    ctx = {"work": WORK, "reps": REPS, "log": log, "median": median, "why": why}
    compress_bench.sec_compress(R, ws, ctx)


# ----------------------------------------------------------------------------- main

def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--h5py-read":
        return h5py_read_child(sys.argv[2])
    if len(sys.argv) == 6 and sys.argv[1] == "--raw-read":
        return raw_read_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                              float(sys.argv[5]))
    t_suite = time.monotonic()
    os.makedirs(RESULTS, exist_ok=True)
    os.makedirs(WORK, exist_ok=True)
    R = {"errors": {}}
    ws = Wshare()
    sec_machine(R, ws)
    log(f"wshare: {ws.path or '-'}  {ws.version or ws.missing}")
    log(f"mode: {'QUICK (rows / 10)' if QUICK else 'full'}, {REPS} repetitions, data in {DATA}")
    sections = [("stream", lambda: sec_stream(R)), ("data", lambda: sec_data(R)),
                ("pass", lambda: sec_pass(R, ws)), ("solve", lambda: sec_solve(R, ws)),
                ("peers", lambda: sec_peers(R)), ("iters", lambda: sec_iters(R, ws)),
                ("load", lambda: sec_load(R, ws)), ("floor", lambda: sec_floor(R, ws)),
                ("ckpt", lambda: sec_ckpt(R, ws)), ("chunked", lambda: sec_chunked(R, ws)),
                ("learn", lambda: sec_learn(R, ws)), ("conv", lambda: sec_conv(R, ws)),
                ("repro", lambda: sec_repro(R, ws)),
                ("compress", lambda: sec_compress(R, ws))]
    timing, loadavg = {}, {}
    for name, fn in sections:
        if not want(name) and not (name == "data" and ONLY):
            continue
        log(f"[{name}]")
        loadavg[name] = open("/proc/loadavg").read().split()[0]
        t0 = time.monotonic()
        try:
            fn()
        except Exception as exc:  # a broken section must not stop the suite
            import traceback
            traceback.print_exc()
            R["errors"][name] = f"{type(exc).__name__}: {exc}"
            log(f"  section {name} failed: {R['errors'][name]}")
        timing[name] = round(time.monotonic() - t0, 1)
    R["section_seconds"] = timing
    R["section_loadavg"] = loadavg
    R["suite_seconds"] = time.monotonic() - t_suite
    import report
    report.write(R, RESULTS)
    log(f"suite: {R['suite_seconds']:.0f} s (+ build {R['machine'].get('build_seconds', 0):.0f} s)")
    log(f"wrote {os.path.join(RESULTS, 'latest.md')} and latest.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
