#!/usr/bin/python3
"""Files in the layouts of README "File formats" for scripts/plot's tests and pictures,
computed here with numpy and written with h5py (each carries an attribute made_by saying
so):

  plot_fixtures.py learn DATA.h5 OUT.h5 [KMAX]
      a learned-sharing result for DATA.h5 (/X, /y; no intercept): the free least-squares
      fit, the exact weighted 1-D k-means of its weights for every K = 1..KMAX (weight j
      counts with the Hessian diagonal h_jj), the tied refit of each, and K chosen by
      BIC = m log(RSS_K / m) + K log m; /groups, /w, /learn/k, /learn/rss, /learn/criterion
      and the attribute learned_groups, as `wshare solve --sharing learn` writes them
  plot_fixtures.py conv OUT.h5 WIDTH CHANNELS FILTERS KERNEL STRIDE
      the ties of a 1-D convolution written as a dense layer: /groups of n x q
      (n = CHANNELS * WIDTH inputs, channel-major; q = FILTERS * positions outputs), each
      output's weights tied to its filter's kernel entries (id = the kernel entry), all
      others -2, as `wshare gen --pattern conv1d` writes them
"""
import sys

import h5py
import numpy as np


def kmeans_1d(values, weights, k_max):
    """Exact weighted 1-D k-means of values for every K: labels[K] (ascending centres)."""
    order = np.argsort(values, kind="stable")
    v, h = values[order], weights[order]
    n = len(v)
    # Prefix sums give any segment's weighted cost sum h (v - mean)^2 in O(1).
    s0 = np.concatenate([[0.0], np.cumsum(h)])
    s1 = np.concatenate([[0.0], np.cumsum(h * v)])
    s2 = np.concatenate([[0.0], np.cumsum(h * v * v)])

    def cost(i, j):  # segment v[i:j]
        w = s0[j] - s0[i]
        return 0.0 if w <= 0 else (s2[j] - s2[i]) - (s1[j] - s1[i]) ** 2 / w

    best = np.full((k_max + 1, n + 1), np.inf)
    start = np.zeros((k_max + 1, n + 1), dtype=int)
    best[0][0] = 0.0
    for k in range(1, k_max + 1):
        for j in range(k, n + 1):
            for i in range(k - 1, j):
                c = best[k - 1][i] + cost(i, j)
                if c < best[k][j]:
                    best[k][j], start[k][j] = c, i
    labels = {}
    for k in range(1, k_max + 1):
        lab = np.empty(n, dtype=np.int64)
        j = n
        for g in range(k, 0, -1):
            i = start[g][j]
            lab[order[i:j]] = g - 1
            j = i
        labels[k] = lab
    return labels


def learn(data, out, k_max):
    with h5py.File(data, "r") as f:
        X, y = f["X"][:].astype(float), f["y"][:].astype(float)
    m, n = X.shape
    k_max = min(k_max, n)
    free = np.linalg.lstsq(X, y, rcond=None)[0]
    labels = kmeans_1d(free, (X * X).sum(axis=0) / m, k_max)
    ks, rss, bic, fits = np.arange(1, k_max + 1), [], [], {}
    for k in ks:
        S = np.zeros((n, k))
        S[np.arange(n), labels[k]] = 1.0
        u = np.linalg.lstsq(X @ S, y, rcond=None)[0]
        r = y - X @ (S @ u)
        rss.append(float(r @ r))
        bic.append(m * np.log(rss[-1] / m) + k * np.log(m))
        fits[k] = S @ u
    chosen = int(ks[int(np.argmin(bic))])
    w = fits[chosen]
    tss = float(((y - y.mean()) ** 2).sum())
    with h5py.File(out, "w") as f:
        f["w"] = w
        f["intercept"] = 0.0
        f["groups"] = labels[chosen]
        f["group_ids"] = np.arange(chosen, dtype=np.int64)
        f["group_values"] = np.array([w[labels[chosen] == g][0] for g in range(chosen)])
        for name in ["loss", "grad_norm", "seconds"]:
            f["history/" + name] = np.zeros(0)
        f["learn/k"] = ks
        f["learn/rss"] = np.array(rss)
        f["learn/criterion"] = np.array(bic)
        a = f.attrs
        for key, value in [("solver", "cholesky"), ("stop_reason", "solved"), ("sharing", "learn"),
                           ("config", "[solve]\nsharing = learn\nlearn-criterion = bic\n"),
                           ("made_by", "tests/plot_fixtures.py (numpy, in the layout of "
                                       "wshare solve --sharing learn)")]:
            a[key] = np.bytes_(value)
        for key, value in [("iterations", 0), ("converged", 1), ("ranks", 1), ("rows", m),
                           ("cols", n), ("groups", chosen), ("learned_groups", chosen)]:
            a[key] = np.int64(value)
        best = rss[chosen - 1]
        for key, value in [("loss", best / (2 * m)), ("grad_norm", 0.0),
                           ("r2", 1 - best / tss), ("rmse", np.sqrt(best / m))]:
            a[key] = float(value)


def conv(out, width, channels, filters, kernel, stride):
    positions = (width - kernel) // stride + 1
    n, q = channels * width, filters * positions
    g = np.full((n, q), -2, dtype=np.int64)
    for f in range(filters):
        for p in range(positions):
            for c in range(channels):
                for k in range(kernel):
                    g[c * width + p * stride + k, f * positions + p] = (f * channels + c) * kernel + k
    with h5py.File(out, "w") as h:
        h["groups"] = g
        h.attrs["made_by"] = np.bytes_("tests/plot_fixtures.py (the layout of wshare gen "
                                       "--pattern conv1d)")


def main(argv):
    if len(argv) in (3, 4) and argv[0] == "learn":
        learn(argv[1], argv[2], int(argv[3]) if len(argv) == 4 else 12)
    elif len(argv) == 7 and argv[0] == "conv":
        conv(argv[1], *(int(a) for a in argv[2:]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
