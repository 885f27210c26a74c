"""Markdown table, PNG plot and JSON dump of one benchmark run (called by bench.py)."""
import json
import os

import numpy as np

import compress_bench
import conv_bench
import floor_bench
import iters_bench
import learn_bench
import repro_bench

MiB = 1 << 20
GB = 1e9
# issue 12's pass targets: f64 GB/s of X over the read bandwidth at the same process count,
# f32 time over f64 time
PASS_BW_TARGET = {1: 0.90, 2: 0.85}
F32_TARGET = 0.6


def f(x, fmt="{:.3g}", na="n/a"):
    if x is None:
        return na
    try:
        return fmt.format(x)
    except (TypeError, ValueError):
        return str(x)


def na(reason):
    reason = str(reason).replace("|", "/").replace("\n", " ")
    return f"n/a: {reason[:160]}"


def status(ok):
    return "**met**" if ok else "**not met**"


def rel_diff(w_path, ref_path):
    try:
        a = np.load(w_path) if isinstance(w_path, str) else w_path
        b = np.load(ref_path)
        if a.shape != b.shape:
            return None
        return float(np.linalg.norm(a - b) / np.linalg.norm(b))
    except Exception:
        return None


def median_of(xs):
    return float(np.median(xs)) if xs else None


def find(rows, **kv):
    for r in rows or []:
        if all(r.get(k) == v for k, v in kv.items()):
            return r
    return None


def share_bytes(data, prob, ranks):
    p = data[prob]
    rows = -(-p["rows"] // ranks)
    return rows * p["cols"] * (4 if p["dtype"] == "f32" else 8)


# ----------------------------------------------------------------------------- targets

def targets(R):
    T = []
    stream = R.get("stream", {})
    passes = R.get("pass", [])
    # 1. per-iteration pass vs read bandwidth, f64 (issue 12: >= 0.85 at 2 ranks; 1 rank kept)
    for solver in ("gd", "cg"):
        for p in (1, 2):
            goal = PASS_BW_TARGET[p]
            name = (f"{solver} pass f64, {p} rank(s) >= {goal:.2f}x the {p}-process read "
                    "bandwidth")
            row = find(passes, solver=solver, dtype="f64", ranks=p)
            bw = stream.get(str(p), {}).get("median_gbs")
            if not row or "error" in row or not bw:
                T.append((name, None, None, na((row or {}).get("error")
                                                or stream.get(str(p), {}).get("error")
                                                or stream.get("error") or "not measured")))
                continue
            ratio = row["gbs"] / bw
            T.append((name, f"{row['gbs']:.2f} / {bw:.2f} GB/s", f"{ratio:.2f}",
                      status(ratio >= goal)))
    # 2. f32 pass time vs f64
    for solver in ("gd", "cg"):
        for p in (1, 2):
            name = f"{solver} pass f32 time <= {F32_TARGET:g}x f64, {p} rank(s)"
            a = find(passes, solver=solver, dtype="f32", ranks=p)
            b = find(passes, solver=solver, dtype="f64", ranks=p)
            if not a or not b or "error" in a or "error" in b:
                T.append((name, None, None, na((a or {}).get("error") or (b or {}).get("error")
                                                or "not measured")))
                continue
            ratio = a["sec_per_iter"] / b["sec_per_iter"]
            T.append((name, f"{a['sec_per_iter'] * 1e3:.2f} / {b['sec_per_iter'] * 1e3:.2f} ms",
                      f"{ratio:.2f}", status(ratio <= F32_TARGET)))
    # 3. medium auto at 2 ranks vs best peer
    name = "medium, auto, 2 ranks <= 0.45x best peer wall"
    w = find(R.get("solve"), problem="medium", ranks=2, solver_asked="auto")
    peers = [r for r in R.get("peers", []) if r["problem"] == "medium" and r.get("wall")]
    if not w or "error" in w or not peers:
        T.append((name, None, None, na((w or {}).get("error") or "no peer finished"
                                       if not peers else (w or {}).get("error", "not run"))))
    else:
        best = min(peers, key=lambda r: r["wall"])
        ratio = w["wall"] / best["wall"]
        T.append((name, f"{w['wall']:.2f} s / {best['wall']:.2f} s ({best['peer']})",
                  f"{ratio:.2f}", status(ratio <= 0.45)))
    # 4. iterations on the ill-conditioned problem vs PETSc LSQR (iters section)
    T += iters_bench.targets(R, na, status)
    T += floor_bench.targets(R, na, status)
    # 5. HDF5 load vs raw read
    load = R.get("load", {})
    for p in (1, 2):
        name = f"HDF5 load, {p} rank(s) >= 80% of raw read ({p} process(es))"
        d = load.get(f"wshare_{p}", {})
        raw = load.get(f"raw_{p}")
        if not d or "error" in d or not d.get("gbs") or not raw:
            T.append((name, None, None, na(d.get("error") or load.get("error")
                                           or R["errors"].get("load") or "not measured")))
            continue
        ratio = d["gbs"] / raw
        T.append((name, f"{d['gbs']:.2f} / {raw:.2f} GB/s", f"{ratio:.2f}", status(ratio >= 0.80)))
    # 6. peak RSS per rank
    for p in (1, 2):
        name = f"peak RSS/rank <= 1.1x share of X + 64 MiB (medium, auto, {p} rank(s))"
        w = find(R.get("solve"), problem="medium", ranks=p, solver_asked="auto")
        if not w or "error" in w or not w.get("rss_kb_per_rank"):
            T.append((name, None, None, na((w or {}).get("error") or "no RSS measured")))
            continue
        rss = max(w["rss_kb_per_rank"]) * 1024
        limit = 1.1 * share_bytes(R["data"], "medium", p) + 64 * MiB
        T.append((name, f"{rss / MiB:.0f} / {limit / MiB:.0f} MiB", f"{rss / limit:.2f}",
                  status(rss <= limit)))
    # 7. checkpoint overhead
    ck = R.get("ckpt", {})
    name = "checkpoint overhead <= 1% (default interval)"
    if "overhead" not in ck:
        T.append((name, None, None, na(ck.get("error") or R["errors"].get("ckpt")
                                       or "not measured")))
    else:
        base = [x for x in (ck.get("attrs", {}).get("without") or []) if x is not None] \
            or ck["walls"]["without"]
        spread = (max(base) - min(base)) / ck["without"] if ck["without"] else 0.0
        note = f" (runs without differ by {spread * 100:.0f}%: below resolution)" \
            if spread > 0.01 else ""
        T.append((name, f"{ck['with_']:.2f} / {ck['without']:.2f} s",
                  f"{1 + ck['overhead']:.3f}", status(ck["overhead"] <= 0.01) + note))
    T += chunked_targets(R)
    return T


def chunked_targets(R):
    """Users' files (chunked section): chunked <= 1.25x contiguous, gzip read speed-up from 1
    to 2 ranks >= 1.7, gzip whole run <= 0.6x h5py + scipy lsqr."""
    C = R.get("chunked", {})
    runs, peer = C.get("runs", []), C.get("peer") or {}
    miss = C.get("error") or R["errors"].get("chunked") or "not measured"

    def run_of(storage, p):
        r = find(runs, storage=storage, ranks=p)
        return r if r and r.get("wall") else None

    T = []
    a, b = run_of("chunked", 2), run_of("contiguous", 2)
    name = "medium in 2048-row chunks, auto, 2 ranks: whole run <= 1.25x contiguous copy"
    if a and b:
        ratio = a["wall"] / b["wall"]
        T.append((name, f"{a['wall']:.2f} / {b['wall']:.2f} s", f"{ratio:.2f}",
                  status(ratio <= 1.25)))
    else:
        T.append((name, None, None, na((find(runs, storage="chunked", ranks=2) or {})
                                       .get("error", miss))))
    a, b = run_of("gzip-4", 1), run_of("gzip-4", 2)
    name = "medium gzip-4 chunks: read at 2 ranks >= 1.7x faster than at 1 rank"
    if a and b and a.get("read") and b.get("read"):
        ratio = a["read"] / b["read"]
        T.append((name, f"{a['read']:.2f} / {b['read']:.2f} s (read_seconds)", f"{ratio:.2f}",
                  status(ratio >= 1.7)))
    else:
        T.append((name, None, None, na((find(runs, storage="gzip-4") or {}).get("error", miss))))
    name = "medium gzip-4, auto, 2 ranks: whole run <= 0.6x h5py + scipy lsqr"
    if b and peer.get("wall"):
        ratio = b["wall"] / peer["wall"]
        T.append((name, f"{b['wall']:.2f} / {peer['wall']:.2f} s", f"{ratio:.2f}",
                  status(ratio <= 0.6)))
    else:
        T.append((name, None, None, na(peer.get("error") or miss)))
    # 8. learned sharing: the whole path against one fit
    T += learn_bench.targets(R, na, status)
    # 9. a convolution layer against numpy on im2col
    T += conv_bench.targets(R, na, status)
    T += repro_bench.targets(R, na, status)
    T += compress_bench.targets(R, na, status)
    return T


# ----------------------------------------------------------------------------- markdown

def markdown(R):
    M = R.get("machine", {})
    D = R.get("data", {})
    L = []
    add = L.append
    add("# wshare benchmark results")
    add("")
    if M.get("wshare_standin"):
        add("> **STAND-IN RUN** — the wshare numbers below come from "
            "`scripts/bench/standin_wshare.py`, not from wshare. They test the suite only.")
        add("")
    add(f"{M.get('date', '')} · {'QUICK smoke run (rows / 10)' if M.get('quick') else 'full run'}"
        f" · medians of {M.get('reps')} runs · suite {R.get('suite_seconds', 0):.0f} s"
        f" + build {M.get('build_seconds', 0):.0f} s")
    add("")
    add(f"Machine: {M.get('cpu', '?')}, {M.get('nproc')} cores, {M.get('mem_gib')} GiB, "
        f"L3 {M.get('l3_mib')} MiB, Linux {M.get('kernel')}.  "
        f"wshare: `{M.get('wshare') or '-'}` — {M.get('wshare_version') or na(M.get('wshare_missing'))}"
        f"{', CMAKE_BUILD_TYPE=' + M['build_type'] if M.get('build_type') else ''}; "
        f"repo {M.get('git')}."
        + (f" **{M['build_note']}**" if M.get("build_note") else ""))
    blas = next((r.get("blas") for r in R.get("peers", []) if r.get("blas")), None)
    if blas:
        b = blas[0]
        add(f"Peers' BLAS: {b.get('internal_api')} {b.get('version')} "
            f"({b.get('architecture')} kernel, {b.get('threading_layer')}).")
    if M.get("env_openblas"):
        add(f"OPENBLAS_CORETYPE/L2_SIZE were set ({M['env_openblas']}) and were unset for every "
            "benchmarked command.")
    add("")
    add("## Targets")
    add("")
    add("| target | measured | ratio | status |")
    add("| --- | --- | --- | --- |")
    for name, meas, ratio, st in targets(R):
        add(f"| {name} | {meas or '—'} | {ratio or '—'} | {st} |")
    add("")

    # problems
    add("## Problems")
    add("")
    add("| problem | rows × cols | dtype | groups | X bytes | note |")
    add("| --- | --- | --- | --- | --- | --- |")
    for name, p in D.items():
        note = ""
        if p.get("cond_tied"):
            note = f"cond(tied design) = {p['cond_tied']:.3g}"
        if name == "tiny":
            note = "baseline for the load estimate"
        if p.get("kind") == "copy":
            note = (f"{p['source']}'s values in {p['chunk_rows']}-row chunks, "
                    + (f"gzip level {p['gzip']}" if p["gzip"] else "uncompressed"))
        add(f"| {name} | {p['rows']:,} × {p['cols']:,} | {p['dtype']} | {p['groups']} | "
            f"{p['x_bytes'] / GB:.3f} GB | {note} |")
    add("")
    add("All files are written by `problems.py` (h5py, contiguous datasets unless noted, "
        "wshare layout); "
        "they are in the page cache when read (warm), unless WSHARE_BENCH_COLD=1.")
    add("")

    # stream
    S = R.get("stream", {})
    add("## 1. Memory read bandwidth (STREAM-like read-only sum)")
    add("")
    if "error" in S:
        add(na(S["error"]))
    else:
        add(f"{S.get('mib_per_proc')} MiB per process, 20 timed passes; GB = 1e9 bytes.")
        add("")
        add("| processes | median GB/s | best GB/s | worst GB/s |")
        add("| --- | --- | --- | --- |")
        for p in ("1", "2"):
            d = S.get(p, {})
            if "error" in d:
                add(f"| {p} | {na(d['error'])} | | |")
            else:
                add(f"| {p} | {f(d.get('median_gbs'), '{:.2f}')} | "
                    f"{f(d.get('best_gbs'), '{:.2f}')} | {f(d.get('min_gbs'), '{:.2f}')} |")
    add("")

    # pass
    add(f"## 2. Per-iteration pass (medium problem, `--max-iter {M.get('pass_iters', 20)} "
        "--rtol 0`)")
    add("")
    add("Seconds per iteration = median of the differences of `/history/seconds` "
        "(first iteration dropped); GB/s = bytes of X / that time.")
    add("")
    add("| solver | dtype | ranks | ms / iteration | GB/s of X | read BW GB/s | ratio | peak RSS/rank |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in R.get("pass", []):
        bw = S.get(str(row["ranks"]), {}).get("median_gbs")
        if "error" in row:
            add(f"| {row['solver']} | {row['dtype']} | {row['ranks']} | {na(row['error'])} "
                "| | | | |")
            continue
        add(f"| {row['solver']} | {row['dtype']} | {row['ranks']} | "
            f"{row['sec_per_iter'] * 1e3:.2f} | {row['gbs']:.2f} | {f(bw, '{:.2f}')} | "
            f"{f(row['gbs'] / bw if bw else None, '{:.2f}')} | "
            f"{f(max(row['rss_kb']) / 1024 if row.get('rss_kb') else None, '{:.0f} MiB')} |")
    add("")

    # solve + peers
    add("## 3. Whole solve runs: wshare and its peers")
    add("")
    add("Process wall clock (monotonic), median of the runs, including MPI start-up, "
        "reading the file and writing the result. rtol = 1e-8 everywhere. "
        "Peers: numpy and scipy with all cores as BLAS threads; PETSc LSQR as 2 MPI ranks × 1 "
        "thread; each reads the same HDF5 file with h5py and forms the tied design Z = X S.")
    add("")
    add("| problem | wshare auto, 1 rank | wshare auto, 2 ranks | numpy lstsq | scipy lsqr | "
        "PETSc LSQR (2 ranks) | best peer / wshare 2 ranks |")
    add("| --- | --- | --- | --- | --- | --- | --- |")
    for prob in ("small", "medium", "ill", "wide"):
        cells = []
        for p in (1, 2):
            w = find(R.get("solve"), problem=prob, ranks=p, solver_asked="auto")
            cells.append(f"{w['wall']:.3f} s" if w and "wall" in w else
                         na((w or {}).get("error", "not run")))
        best = None
        for method in ("numpy-lstsq", "scipy-lsqr", "petsc-lsqr"):
            r = find(R.get("peers"), problem=prob, peer=method)
            cells.append(f"{r['wall']:.3f} s" if r and "wall" in r else
                         na((r or {}).get("error", "not run")))
            if r and r.get("wall") and (best is None or r["wall"] < best):
                best = r["wall"]
        w2 = find(R.get("solve"), problem=prob, ranks=2, solver_asked="auto")
        cells.append(f"{best / w2['wall']:.2f}×" if best and w2 and w2.get("wall") else "n/a")
        add(f"| {prob} | " + " | ".join(cells) + " |")
    add("")
    add("### wshare runs")
    add("")
    add("| problem | solver asked | ranks | wall (min–max) | solver used | iterations | "
        "converged | wall_seconds attr | ‖w − w_lstsq‖/‖w_lstsq‖ | peak RSS/rank |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in R.get("solve", []):
        head = f"| {row['problem']} | {row['solver_asked']} | {row['ranks']} |"
        if "error" in row:
            add(head + f" {na(row['error'])} | | | | | | |")
            continue
        ref = find(R.get("peers"), problem=row["problem"], peer="numpy-lstsq")
        rd = rel_diff(row["result"] + ".w.npy", ref["w"]) if ref and ref.get("w") else None
        rss = row.get("rss_kb_per_rank") or []
        add(head + f" {row['wall']:.3f} ({min(row['walls']):.3f}–{max(row['walls']):.3f}) | "
            f"{row.get('solver_used')} | {row.get('iterations')} | {row.get('converged')} | "
            f"{f(row.get('wall_seconds'), '{:.3f}')} | {f(rd, '{:.1e}')} | "
            f"{', '.join(f'{x / 1024:.0f}' for x in rss) + ' MiB' if rss else 'n/a'} |")
    add("")
    add("### Peers")
    add("")
    add("| problem | peer | procs × threads | wall (min–max) | import | read | form Z | solve | "
        "iterations | rel. projected gradient | ‖w − w_lstsq‖/‖w_lstsq‖ | peak RSS |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in R.get("peers", []):
        head = f"| {row['problem']} | {row['peer']} | {row['procs']} × {row['threads']} |"
        if "error" in row:
            add(head + f" {na(row['error'])} | | | | | | | | |")
            continue
        ref = find(R.get("peers"), problem=row["problem"], peer="numpy-lstsq")
        rd = rel_diff(row["w"], ref["w"]) if ref and ref.get("w") else None
        add(head + f" {row['wall']:.3f} ({min(row['walls']):.3f}–{max(row['walls']):.3f}) | "
            f"{f(row.get('import_s'), '{:.2f}')} | {f(row.get('read_s'), '{:.2f}')} | "
            f"{f(row.get('formz_s'), '{:.2f}')} | {f(row.get('solve_s'), '{:.2f}')} | "
            f"{f(row.get('iterations'), '{}', '—')} | {f(row.get('rel_pgrad'), '{:.1e}')} | "
            f"{f(rd, '{:.1e}')} | {f(row.get('rss_kb', 0) / 1024, '{:.0f} MiB')} |")
    add("")
    add("Phase times are measured inside the peer process (rank 0); the wall column is the whole "
        "process (interpreter start, imports, read, forming Z, solve, writing w), minus the time "
        "of the accuracy check. Relative projected gradient = ‖D^-1/2 Zᵀ(y − Zv)‖ / "
        "‖D^-1/2 Zᵀy‖ (D = group sizes), which is wshare's stopping quantity "
        "‖A∇L(w)‖/‖A∇L(0)‖; scipy lsqr gets atol = btol = rtol and PETSc its default LSQR test "
        "with rtol, so their achieved accuracy is shown rather than assumed.")
    add("")

    # ill-conditioned iterations
    add("## 4. Ill-conditioned problem: iterations to the same tolerance")
    add("")
    e = R.get("petsc_exact_ill", {})
    cond = D.get("ill", {}).get("cond_tied")
    add(f"Tied design condition number {f(cond, '{:.3g}')}; rtol = {e.get('rtol', 1e-8):g} on "
        "‖A∇L(w_k)‖ ≤ rtol·‖A∇L(w_0)‖, w_0 = 0.")
    add("")
    add("| solver | iterations | converged / stop | wall |")
    add("| --- | --- | --- | --- |")
    for p in (1, 2):
        c = find(R.get("solve"), problem="ill", ranks=p, solver_asked="cg")
        if not c or "error" in c:
            add(f"| wshare cg, {p} rank(s) | {na((c or {}).get('error', 'not run'))} | | |")
        else:
            add(f"| wshare cg, {p} rank(s) | {c.get('iterations')} | {c.get('converged')} | "
                f"{c['wall']:.3f} s |")
    if "error" in e or "iterations" not in e:
        add(f"| PETSc LSQR, exact test | {na(e.get('error', 'not run'))} | | |")
    else:
        add(f"| PETSc LSQR, exact test (2 ranks) | {e['iterations']} | reason {e.get('stop')}, "
            f"achieved {f(e.get('rel_pgrad'), '{:.1e}')} | (not timed) |")
    r = find(R.get("peers"), problem="ill", peer="petsc-lsqr")
    if r and "iterations" in r:
        add(f"| PETSc LSQR, default test (2 ranks) | {r['iterations']} | reason {r.get('stop')}, "
            f"achieved {f(r.get('rel_pgrad'), '{:.1e}')} | {r['wall']:.3f} s |")
    r = find(R.get("peers"), problem="ill", peer="scipy-lsqr")
    if r and "iterations" in r:
        add(f"| scipy lsqr (atol = btol = rtol) | {r['iterations']} | {r.get('stop')}, "
            f"achieved {f(r.get('rel_pgrad'), '{:.1e}')} | {r['wall']:.3f} s |")
    add("")
    add("The exact test computes the stopping quantity each iteration with two extra products, so "
        "the iteration counts compare like with like.")
    add("")

    # load
    Ld = R.get("load", {})
    add("## 5. HDF5 load rate (medium, /X)")
    add("")
    if "raw_1" not in Ld:
        add(na(R["errors"].get("load", "not measured")))
    else:
        add(f"Page cache: {'cold (dropped before each read)' if Ld.get('cold') else 'warm'}. "
            "Raw read = `pread(2)` of /X's bytes (its contiguous extent in the file) into freshly "
            "allocated memory; with P processes each reads its block of rows, all starting "
            f"together. Medians of {Ld.get('read_reps', 3)} reads, each right after a priming read. "
            "On this VM the cost of first-touching fresh memory varies a lot from run to run, "
            "hence the wide ranges.")
        add("")
        def rng(key):
            xs = Ld.get(key + "_all") or []
            return f" ({min(xs):.2f}–{max(xs):.2f})" if xs else ""
        add("| reader | processes | GB/s, median (min–max) | ratio to raw read | how |")
        add("| --- | --- | --- | --- | --- |")
        for p in (1, 2):
            add(f"| raw read | {p} | {Ld[f'raw_{p}']:.2f}{rng(f'raw_{p}')} | 1 | "
                "X bytes / slowest reader |")
        add(f"| h5py `read_direct` of /X (fresh process) | 1 | {Ld['h5py_1']:.2f}{rng('h5py_1')} | "
            f"{Ld['h5py_1'] / Ld['raw_1']:.2f} | X bytes / time |")
        for p in (1, 2):
            d = Ld.get(f"wshare_{p}", {"error": Ld.get("error", "not run")})
            if "error" in d:
                add(f"| wshare | {p} | {na(d['error'])} | | |")
            else:
                add(f"| wshare | {p} | {f(d.get('gbs'), '{:.2f}')} | "
                    f"{f(d['gbs'] / Ld[f'raw_{p}'] if d.get('gbs') else None, '{:.2f}')} | "
                    f"{d['method']}: {d['full_wall']:.3f} − {d['base_wall']:.3f} − "
                    f"{d['iter_s']:.3f} = {d['load_s']:.3f} s |"
                    if d["method"].startswith("wall") else
                    f"| wshare | {p} | {f(d.get('gbs'), '{:.2f}')} | "
                    f"{f(d['gbs'] / Ld[f'raw_{p}'] if d.get('gbs') else None, '{:.2f}')} | "
                    f"{d['method']} ({d['load_s']:.3f} s) |")
        add("")
        add("wshare reports no load time, so it is estimated: `--solver cg --max-iter 3 --rtol 0` "
            "on medium, minus the same on a 1000-row file with the same columns (start-up, "
            "open, result writing), minus 3 × the median per-iteration time from "
            "`/history/seconds`, using the root attribute `wall_seconds` (process wall if "
            "absent). The remainder still holds set-up work (e.g. the initial gradient pass), "
            "so the rate is a lower bound. If the result file carries a root attribute "
            "`load_seconds` (or `read_seconds`, `io_seconds`), that is used instead.")
    add("")

    # memory
    add("## 6. Peak memory per rank")
    add("")
    add("Every rank runs under `/usr/bin/time -o <dir>/rss.<rank> -f '%M %x'` (peak RSS in KiB, "
        "exit code). Share of X = ⌈m/P⌉ · n · bytes per element.")
    add("")
    add("| run | ranks | peak RSS per rank | share of X per rank | limit 1.1·share + 64 MiB | ratio |")
    add("| --- | --- | --- | --- | --- | --- |")
    rows = [(f"solve {r['problem']} {r['solver_asked']}", r["problem"], r)
            for r in R.get("solve", [])]
    rows += [(f"pass {r['solver']} {r['dtype']}", r["problem"], r) for r in R.get("pass", [])]
    for label, prob, r in rows:
        rss = r.get("rss_kb_per_rank") or r.get("rss_kb")
        if "error" in r or not rss or prob not in D:
            continue
        sh = share_bytes(D, prob, r["ranks"])
        lim = 1.1 * sh + 64 * MiB
        add(f"| {label} | {r['ranks']} | {', '.join(f'{x / 1024:.0f}' for x in rss)} MiB | "
            f"{sh / MiB:.0f} MiB | {lim / MiB:.0f} MiB | {max(rss) * 1024 / lim:.2f} |")
    add("")

    # checkpoint
    ck = R.get("ckpt", {})
    add("## 7. Checkpoint overhead")
    add("")
    if "overhead" not in ck:
        add(na(ck.get("error") or R["errors"].get("ckpt") or "not measured"))
    else:
        add(f"medium, `--solver gd --max-iter {ck['max_iter']} --rtol 0` (exit 3, which also "
            "writes a final checkpoint), 2 ranks, runs alternating without/with "
            "`--checkpoint-dir` at the default interval. Overhead is computed from the "
            f"{ck['basis']} (medians); process walls are shown too.")
        add("")
        add("| | median wall_seconds | runs | median process wall | runs |")
        add("| --- | --- | --- | --- | --- |")
        for mode, label in (("without", "without"), ("with", "with `--checkpoint-dir`")):
            at = [x for x in ck["attrs"][mode] if x is not None]
            add(f"| {label} | {f(median_of(at), '{:.3f} s')} | "
                f"{', '.join(f'{x:.3f}' for x in at) or 'n/a'} | "
                f"{median_of(ck['walls'][mode]):.3f} s | "
                f"{', '.join(f'{x:.3f}' for x in ck['walls'][mode])} |")
        add("")
        add(f"Overhead {ck['overhead'] * 100:+.2f}%. Files left in the directory: "
            f"{', '.join(ck['files']) or 'none'}.")
    add("")

    # users' files
    C = R.get("chunked")
    if C is not None:
        add("## 8. Users' files: medium stored chunked and compressed")
        add("")
        add("medium's values in 2048-row chunks of whole rows (as h5py, netCDF4 and PyTables "
            "write), uncompressed and gzip level 4, against its contiguous copy; `--solver auto "
            f"--rtol {C.get('rtol', 1e-8):g}`; process wall and wshare's `read_seconds` "
            "(slowest rank's load), medians of interleaved runs. The uncompressed chunks are "
            "mapped like contiguous storage; gzip chunks are decoded by each rank for its own "
            "rows; `WSHARE_IO=hdf5` reads through H5Dread instead.")
        add("")
        add("| storage | ranks | wall (min–max) | read_seconds (min–max) | /w = contiguous's, bitwise "
            "| peak RSS/rank |")
        add("| --- | --- | --- | --- | --- | --- |")
        for row in C.get("runs", []):
            head = f"| {row['storage']} | {row['ranks']} |"
            if "error" in row or not row.get("walls"):
                add(head + f" {na(row.get('error', 'not run'))} | | | |")
                continue
            reads = [x for x in row["reads"] if x is not None]
            rss = [x for x in row["rss"] if x]
            add(head + f" {row['wall']:.3f} ({min(row['walls']):.3f}–{max(row['walls']):.3f}) | "
                f"{f(row.get('read'), '{:.3f}')}"
                + (f" ({min(reads):.3f}–{max(reads):.3f})" if reads else "")
                + f" | {({True: 'yes', False: 'NO'}).get(row.get('same_bits'), '—')} | "
                f"{f(max(rss) / 1024 if rss else None, '{:.0f} MiB')} |")
        pe = C.get("peer") or {}
        if pe.get("wall"):
            add(f"| h5py + scipy lsqr (gzip-4 file) | 1 × {R['machine'].get('nproc')} threads | "
                f"{pe['wall']:.3f} ({min(pe['walls']):.3f}–{max(pe['walls']):.3f}) | "
                f"{f(pe.get('read'), '{:.3f}')} (h5py read) | — | |")
        elif pe:
            add(f"| h5py + scipy lsqr (gzip-4 file) | | {na(pe.get('error', 'not run'))} | | | |")
        add("")
    if "learn" in R:
        L += learn_bench.markdown(R, na)
    if "conv" in R:
        L += conv_bench.markdown(R, na)
    L += repro_bench.markdown(R, na)
    L += iters_bench.markdown(R, na)
    L += floor_bench.markdown(R, na)
    L += compress_bench.markdown(R, na)

    # errors, timing
    if R.get("errors"):
        add("## Section failures")
        add("")
        for k, v in R["errors"].items():
            add(f"- {k}: {v}")
        add("")
    add("## Section times")
    add("")
    la = R.get("section_loadavg", {})
    add(", ".join(f"{k} {v:.0f} s" for k, v in R.get("section_seconds", {}).items()))
    add("")
    add("1-minute load average when each section started (other work on the machine makes "
        "the timings noisy; compare the min–max columns): "
        + ", ".join(f"{k} {v}" for k, v in la.items()))
    add("")
    return "\n".join(L)


# ----------------------------------------------------------------------------- plot

def plot(R, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5))
    S = R.get("stream", {})
    ranks = [1, 2]
    bw = [S.get(str(p), {}).get("median_gbs") for p in ranks]
    if any(b is not None for b in bw):
        a1.plot(ranks, [b if b is not None else np.nan for b in bw], "k-o", lw=2,
                label="read bandwidth (STREAM-like)")
        a1.plot(ranks, [0.9 * b if b is not None else np.nan for b in bw], "k:",
                label="90% of read bandwidth")
    styles = {"gd": "-s", "cg": "-^"}
    for solver in ("gd", "cg"):
        for dtype, color in (("f64", "tab:blue"), ("f32", "tab:orange")):
            ys = []
            for p in ranks:
                r = find(R.get("pass"), solver=solver, dtype=dtype, ranks=p)
                ys.append(r["gbs"] if r and "gbs" in r else np.nan)
            if not all(np.isnan(ys)):
                a1.plot(ranks, ys, styles[solver], color=color,
                        alpha=1.0 if solver == "gd" else 0.6, label=f"wshare {solver} {dtype}")
    a1.set_xticks(ranks)
    a1.set_xlabel("MPI ranks / processes")
    a1.set_ylabel("GB/s (X streamed per iteration; read bandwidth)")
    a1.set_title("Per-iteration pass vs memory read bandwidth")
    a1.set_ylim(bottom=0)
    if not R.get("pass") or all("error" in r for r in R.get("pass", [])):
        a1.text(0.5, 0.5, "wshare pass: n/a", transform=a1.transAxes, ha="center", color="gray")
    if a1.get_legend_handles_labels()[0]:
        a1.legend(fontsize=8, loc="upper left")
    a1.grid(alpha=0.3)

    probs = ["small", "medium", "ill", "wide"]
    series = [("wshare auto 1", "solve", 1), ("wshare auto 2", "solve", 2),
              ("numpy lstsq", "numpy-lstsq", None), ("scipy lsqr", "scipy-lsqr", None),
              ("PETSc LSQR (2)", "petsc-lsqr", None)]
    colors = ["tab:blue", "navy", "tab:green", "tab:olive", "tab:red"]
    width = 0.16
    drawn = False  # a log axis needs a positive value (none when solve and peers did not run)
    for i, (label, key, p) in enumerate(series):
        vals = []
        for prob in probs:
            if key == "solve":
                r = find(R.get("solve"), problem=prob, ranks=p, solver_asked="auto")
            else:
                r = find(R.get("peers"), problem=prob, peer=key)
            vals.append(r["wall"] if r and r.get("wall") else np.nan)
        drawn = drawn or not all(np.isnan(vals))
        x = np.arange(len(probs)) + (i - 2) * width
        a2.bar(x, vals, width, label=label, color=colors[i])
        for xi, v in zip(x, vals):
            if not np.isnan(v):
                a2.text(xi, v * 1.04, f"{v:.2g}", ha="center", va="bottom", fontsize=6,
                        rotation=90)
            else:
                a2.text(xi, 0.02, "n/a", rotation=90, ha="center", va="bottom", fontsize=7,
                        color="gray", transform=a2.get_xaxis_transform())
    a2.set_xticks(np.arange(len(probs)))
    a2.set_xticklabels(probs)
    if drawn:
        a2.set_yscale("log")
    from matplotlib.ticker import FormatStrFormatter
    a2.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    a2.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    a2.tick_params(axis="y", which="minor", labelsize=7)
    a2.margins(y=0.15)
    a2.set_ylabel("whole-process wall time, s (median)")
    a2.set_title("wshare solve vs peers")
    a2.legend(fontsize=8)
    a2.grid(alpha=0.3, axis="y")
    title = "wshare benchmark" + (" — QUICK" if R.get("machine", {}).get("quick") else "")
    if R.get("machine", {}).get("wshare_standin"):
        title += " — STAND-IN, NOT wshare"
    fig.suptitle(title + f" ({R.get('machine', {}).get('date', '')})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _jsonable(o):
    if isinstance(o, np.ndarray):
        return None
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    return str(o)


def write(R, outdir):
    md = markdown(R)
    with open(os.path.join(outdir, "latest.md"), "w") as fh:
        fh.write(md)
    try:
        plot(R, os.path.join(outdir, "latest.png"))
    except Exception as exc:
        with open(os.path.join(outdir, "latest.md"), "a") as fh:
            fh.write(f"\nPlot failed: {exc}\n")
    try:
        learn_bench.plot(R, outdir)
    except Exception as exc:
        with open(os.path.join(outdir, "latest.md"), "a") as fh:
            fh.write(f"\nLearn plot failed: {exc}\n")
    with open(os.path.join(outdir, "latest.json"), "w") as fh:
        json.dump(R, fh, indent=1, default=_jsonable)
