"""The `learn` section of the benchmark suite (called by bench.py; README "Learned sharing").

  path     the whole `--sharing learn` path (K = 1..64, all 256 weights free) on medium at
           2 ranks against one `--solver auto` fit with the groups given, runs alternating,
           median of REPS each; target <= 3x
  recovery planted ties (100 weights, 5 values, column scales over a decade, 5000 rows): the
           adjusted Rand index of the found partition against the planted one and the K
           chosen, per noise level, for the bic criterion (with the model-space term), for the
           holdout criterion, and for the plain BIC (p_K log m only, applied to wshare's path
           and refitted with --learn-groups) that the model-space term replaces
  improve  small correlated designs (8 weights, 3 values, AR(1) columns rho 0.95): how often
           the exact k-means of the free fit is not the best partition (brute force over all
           partitions, numpy), and what wshare's improvement step recovered
  demo     RSS and criterion against K on the data of scripts/demo, plotted to
           results/learn-demo.png
"""
import itertools
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))

import learn_data  # noqa: E402  (the planted-ties generator the tests use)

NOISES = [0.5, 2, 8, 16, 24, 32, 48]
SEEDS = [1, 2, 3]
TARGET = 3.0


def ari(a, b):
    """Adjusted Rand index of two labelings (Hubert and Arabie)."""
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)

    def pairs(x):
        return (x * (x - 1) / 2).sum()

    n = len(a)
    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / (n * (n - 1) / 2)
    top = (rows + cols) / 2 - expected
    return 1.0 if top == 0 else float((index - expected) / top)


def read(path, *names):
    import h5py
    with h5py.File(path, "r") as f:
        return [f[k][()] if k in f else f.attrs[k] for k in names]


def sec_path(R, ws, ctx):
    prob = R["data"]["medium"]["path"]
    work = ctx["work"]
    walls = {"fit": [], "learn": []}
    last = {}
    for _ in range(ctx["reps"]):
        for mode, extra in (("fit", ["--solver", "auto", "--rtol", "1e-8"]),
                            ("learn", ["--sharing", "learn"])):
            out = os.path.join(work, f"learn-path-{mode}.h5")
            r = ws.solve(2, prob, out, extra)
            if not r["ok"]:
                return {"error": ctx["why"](r, f"wshare solve {' '.join(extra)}")}
            walls[mode].append(r["wall"])
            last[mode] = out
    k, stages = read(last["learn"], "learned_groups", "history/seconds")
    fit, learn = ctx["median"](walls["fit"]), ctx["median"](walls["learn"])
    row = {"walls": walls, "fit": fit, "learn": learn, "ratio": learn / fit, "k": int(k),
           "stage_seconds": np.diff(np.concatenate([[0.0], stages])).tolist()}
    ctx["log"](f"  learn path {learn:.2f} s vs one fit {fit:.2f} s: {row['ratio']:.2f}x (K = {k})")
    return row


def sec_recovery(ws, ctx):
    work, rows = ctx["work"], []
    data, m = os.path.join(work, "learn-planted.h5"), 5000
    for noise in NOISES:
        for seed in SEEDS[: 2 if ctx["quick"] else 3]:
            learn_data.write_planted(data, m, 100, values=5, noise=noise, seed=seed)
            (planted,) = read(data, "planted")
            row = {"noise": noise, "seed": seed}
            for name, extra in (("bic", []), ("holdout", ["--learn-criterion", "holdout"])):
                out = os.path.join(work, f"learn-planted-{name}.h5")
                r = ws.solve(2, data, out, ["--sharing", "learn", "--learn-max-groups", "12"]
                             + extra)
                if not r["ok"]:
                    return {"error": ctx["why"](r, "wshare solve --sharing learn")}
                groups, k, gain, ks = read(out, "groups", "learned_groups", "learn/improvement",
                                           "learn/k")
                row[name] = {"k": int(k), "ari": ari(groups, planted),
                             "gain": float(np.max(gain)), "kept": int((gain > 0).sum()),
                             "gain_chosen": float(gain[list(ks).index(k)]),
                             "kept_at": [int(x) for x in ks[gain > 0]]}
                if name == "bic":
                    ks, rss = read(out, "learn/k", "learn/rss")
            # The plain BIC on the same path, and its partition by --learn-groups.
            k_plain = int(ks[np.argmin(m * np.log(rss / m) + ks * np.log(m))])
            out = os.path.join(work, "learn-planted-plain.h5")
            r = ws.solve(2, data, out, ["--sharing", "learn", "--learn-groups", str(k_plain)])
            if not r["ok"]:
                return {"error": ctx["why"](r, "wshare solve --learn-groups")}
            (groups,) = read(out, "groups")
            row["plain_bic"] = {"k": k_plain, "ari": ari(groups, planted)}
            rows.append(row)
        sub = [r for r in rows if r["noise"] == noise]
        ctx["log"](f"  recovery noise {noise}: ARI bic {np.mean([r['bic']['ari'] for r in sub]):.3f}"
                   f", holdout {np.mean([r['holdout']['ari'] for r in sub]):.3f}, plain BIC "
                   f"{np.mean([r['plain_bic']['ari'] for r in sub]):.3f}")
    return {"rows": rows, "rows_per_problem": m}


def set_partitions(items, most):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest, most):
        for i in range(len(part)):
            yield part[:i] + [[first] + part[i]] + part[i + 1:]
        if len(part) < most:
            yield [[first]] + part


def tied_rss(X, y, blocks):
    Z = np.column_stack([X[:, b].sum(axis=1) for b in blocks])
    v = np.linalg.lstsq(Z, y, rcond=None)[0]
    return float(((y - Z @ v) ** 2).sum())


def sec_improve(ws, ctx):
    import h5py
    work, trials = ctx["work"], 8 if ctx["quick"] else 20
    data, out = os.path.join(work, "learn-corr.h5"), os.path.join(work, "learn-corr-r.h5")
    n, k = 8, 3
    rng = np.random.default_rng(7)
    suboptimal, recovered, gaps, kept = 0, 0, [], 0
    for t in range(trials):
        m = 400
        X = rng.standard_normal((m, n))
        for j in range(1, n):
            X[:, j] = 0.95 * X[:, j - 1] + np.sqrt(1 - 0.95**2) * X[:, j]
        y = X @ rng.choice([-1.0, 0.5, 2.0], n) + 3.0 * rng.standard_normal(m)
        with h5py.File(data, "w") as f:
            f["X"], f["y"] = X, y
        r = ws.solve(1, data, out, ["--sharing", "learn", "--learn-groups", str(k)])
        if not r["ok"]:
            return {"error": ctx["why"](r, "wshare solve --learn-groups")}
        groups, gain = read(out, "groups", "learn/improvement")
        found = tied_rss(X, y, [np.where(groups == g)[0] for g in range(k)])
        best = min(tied_rss(X, y, p) for p in set_partitions(list(range(n)), k))
        kept += gain[0] > 0
        if found > best * (1 + 1e-9):
            suboptimal += 1
            gaps.append(found / best - 1)
        elif gain[0] > 0:
            recovered += 1
    row = {"trials": trials, "suboptimal": suboptimal, "kept": int(kept), "recovered": recovered,
           "median_gap": float(np.median(gaps)) if gaps else 0.0,
           "max_gap": float(np.max(gaps)) if gaps else 0.0}
    ctx["log"](f"  improvement: the found ties are not the best in {suboptimal} of {trials} "
               f"(median RSS gap {row['median_gap']:.2e}); the step was kept {kept} times")
    return row


def sec_demo(ws, ctx):
    work = ctx["work"]
    data, out = os.path.join(work, "learn-demo.h5"), os.path.join(work, "learn-demo-r.h5")
    rows = 20000 if ctx["quick"] else 200000
    r = ctx["run"](ctx["mpirun"](2, [ws.path, "gen", "--out", data, "--rows", str(rows),
                                     "--cols", "64", "--groups", "16", "--unshared", "0.25",
                                     "--noise", "0.1", "--seed", "1"]), env=ctx["env"])
    if r["rc"] != 0:
        return {"error": ctx["why"](r, "wshare gen (demo)")}
    r = ws.solve(2, data, out, ["--sharing", "learn", "--intercept"])
    if not r["ok"]:
        return {"error": ctx["why"](r, "wshare solve --sharing learn (demo)")}
    k, rss, crit, chosen, groups = read(out, "learn/k", "learn/rss", "learn/criterion",
                                        "learned_groups", "groups")
    (w_true,) = read(data, "w_true")
    truth = np.unique(w_true, return_inverse=True)[1]
    row = {"rows": rows, "k": k.tolist(), "rss": rss.tolist(), "criterion": crit.tolist(),
           "chosen": int(chosen), "distinct_true": int(len(np.unique(w_true))),
           "ari": ari(groups, truth)}
    ctx["log"](f"  demo: chose K = {chosen} ({row['distinct_true']} distinct true values, "
               f"ARI {row['ari']:.3f})")
    return row


def sec_learn(R, ws, ctx):
    """Fills R['learn'] (each part may carry an 'error' of its own)."""
    if ws.missing:
        R["learn"] = {"error": ws.missing}
        return
    out = {}
    for name, fn in (("path", lambda: sec_path(R, ws, ctx)), ("recovery", lambda: sec_recovery(ws, ctx)),
                     ("improve", lambda: sec_improve(ws, ctx)), ("demo", lambda: sec_demo(ws, ctx))):
        try:
            out[name] = fn()
        except Exception as exc:  # one broken part must not stop the others
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
            ctx["log"](f"  learn {name} failed: {out[name]['error']}")
    R["learn"] = out


# ----------------------------------------------------------------------------- report

def targets(R, na, status):
    L = R.get("learn", {})
    p = L.get("path", {})
    name = f"learn path (K = 1..64, medium, 2 ranks) <= {TARGET:g}x one auto fit with the groups"
    if "ratio" not in p:
        return [(name, None, None, na(p.get("error") or L.get("error") or "not measured"))]
    return [(name, f"{p['learn']:.2f} s / {p['fit']:.2f} s", f"{p['ratio']:.2f}",
             status(p["ratio"] <= TARGET))]


def markdown(R, na):
    L, out = R.get("learn", {}), []
    add = out.append
    add("## Learned sharing")
    add("")
    if "error" in L:
        add(na(L["error"]))
        add("")
        return out
    p = L.get("path", {})
    if "ratio" in p:
        st = ", ".join(f"{s:.2f}" for s in p["stage_seconds"][:2])
        add(f"Whole path on medium (all 256 weights free, K = 1..64, 2 ranks): median "
            f"{p['learn']:.2f} s against {p['fit']:.2f} s for `--solver auto` with the 64 groups "
            f"given: **{p['ratio']:.2f}x** (runs: learn {', '.join(f'{x:.2f}' for x in p['walls']['learn'])}"
            f"; fit {', '.join(f'{x:.2f}' for x in p['walls']['fit'])}). K chosen: {p['k']}. "
            f"Seconds to the end of the first two stages (Gram pass; free fit with its exact pass): {st}.")
    else:
        add(na(p.get("error", "path not measured")))
    add("")
    rec = L.get("recovery", {})
    if "rows" in rec:
        add(f"Recovery of planted ties (100 weights, 5 values 1 apart, column scales over a decade, "
            f"{rec['rows_per_problem']} rows, {len(set(r['seed'] for r in rec['rows']))} seeds per "
            "level; ARI = adjusted Rand index against the planted partition, mean; K chosen, "
            "mean; improvement (bic runs, path K = 1..12): the K values at which the step was kept, "
            "the largest relative loss it removed there, and at the chosen K):")
        add("")
        add("| noise σ | ARI bic | K bic | ARI holdout | K holdout | ARI plain BIC | K plain BIC "
            "| kept at K | largest gain | gain at chosen K |")
        add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for noise in sorted(set(r["noise"] for r in rec["rows"])):
            sub = [r for r in rec["rows"] if r["noise"] == noise]

            def mean(key, field):
                return np.mean([r[key][field] for r in sub])
            add(f"| {noise:g} | {mean('bic', 'ari'):.3f} | {mean('bic', 'k'):.1f} | "
                f"{mean('holdout', 'ari'):.3f} | {mean('holdout', 'k'):.1f} | "
                f"{mean('plain_bic', 'ari'):.3f} | {mean('plain_bic', 'k'):.1f} | "
                f"{sorted(set(k for r in sub for k in r['bic']['kept_at'])) or '-'} | "
                f"{max(r['bic']['gain'] for r in sub):.1e} | "
                f"{max(r['bic']['gain_chosen'] for r in sub):.1e} |")
    else:
        add(na(rec.get("error", "recovery not measured")))
    add("")
    im = L.get("improve", {})
    if "trials" in im:
        add(f"Improvement step on small correlated designs (8 weights, 3 values, AR(1) rho 0.95, "
            f"400 rows, --learn-groups 3, {im['trials']} problems): the k-means ties were not the "
            f"best partition (numpy brute force) in {im['suboptimal']} (median RSS excess "
            f"{im['median_gap']:.2e}, largest {im['max_gap']:.2e}); the improvement step was kept "
            f"{im['kept']} times.")
    else:
        add(na(im.get("error", "improvement not measured")))
    add("")
    d = L.get("demo", {})
    if "chosen" in d:
        add(f"Demo data ({d['rows']} x 64, 16 groups + 16 unshared, so {d['distinct_true']} "
            f"distinct true values): K chosen {d['chosen']}, ARI {d['ari']:.3f} against the true "
            "partition; `learn-demo.png` plots the path.")
    add("")
    return out


def plot(R, outdir):
    d = R.get("learn", {}).get("demo", {})
    if "chosen" not in d:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    k, rss, crit = np.array(d["k"]), np.array(d["rss"]), np.array(d["criterion"])
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    a.semilogy(k, rss, "o-", ms=3)
    a.set_xlabel("K (groups)")
    a.set_ylabel("RSS of the tied refit")
    b.semilogy(k, crit - crit.min() + 1.0, "o-", ms=3, color="C1")
    b.set_xlabel("K (groups)")
    b.set_ylabel("BIC - min BIC + 1")
    for ax in (a, b):
        ax.axvline(d["chosen"], color="grey", ls="--", lw=1)
        ax.grid(alpha=0.3)
    fig.suptitle(f"wshare --sharing learn on the demo data: K = {d['chosen']} chosen "
                 f"({d['distinct_true']} distinct true values)")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "learn-demo.png"), dpi=110)
    plt.close(fig)
