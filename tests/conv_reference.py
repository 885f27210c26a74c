#!/usr/bin/env python3
"""Convolutions the convolution way (im2col), written from the README's definition of
`wshare gen --pattern conv1d|conv2d` and not from wshare's code.

usage:
  conv_reference.py check-gen DATA.h5
      The file's /groups equal the tie pattern built here; every output has exactly
      C KH KW entries, each kernel entry of its own filter once; Y - X W_true - b_true
      is the noise (mean ~0, standard deviation ~ the noise attribute, or ~1e-12 of Y
      when it is 0).
  conv_reference.py selftest DATA.h5
      On a noiseless file, the im2col least-squares kernel and biases equal /w_true and
      /b_true (1e-10): the reference recovers what gen put in.
  conv_reference.py compare RESULT.h5 DATA.h5 [--intercept] [--tol T]
      wshare's fitted W (n x q) is structurally the kernel (entries tied by /groups equal,
      the others 0) and its kernel equals the im2col least-squares kernel to tol
      (relative to its largest entry); with --intercept, the q intercepts too.

The im2col problem: rows (sample s, output position p), unknowns the C KH KW entries of
each filter, right-hand sides the F filters' outputs at p.  With --intercept, each of
the q outputs (f, p) has its own intercept, as wshare fits them: patches and outputs are
centred over the samples at each p, and the intercepts follow from the means.
"""
import argparse
import sys

import h5py
import numpy as np


class Shape:
    def __init__(self, attrs):
        a = {k: int(attrs[k]) for k in ("channels", "height", "width", "filters",
                                        "kernel_height", "kernel_width", "stride")}
        self.C, self.H, self.W, self.F = a["channels"], a["height"], a["width"], a["filters"]
        self.KH, self.KW, self.S = a["kernel_height"], a["kernel_width"], a["stride"]
        self.OH = (self.H - self.KH) // self.S + 1
        self.OW = (self.W - self.KW) // self.S + 1
        self.P = self.OH * self.OW              # positions per filter
        self.T = self.C * self.KH * self.KW     # entries per filter
        self.n, self.q = self.C * self.H * self.W, self.F * self.P


def patches(X, sh):
    """m x P x T: the receptive field of every output position, entries in (c, ky, kx)."""
    img = X.reshape(X.shape[0], sh.C, sh.H, sh.W)
    out = np.empty((X.shape[0], sh.P, sh.T))
    for oy in range(sh.OH):
        for ox in range(sh.OW):
            y0, x0 = oy * sh.S, ox * sh.S
            out[:, oy * sh.OW + ox, :] = img[:, :, y0:y0 + sh.KH, x0:x0 + sh.KW].reshape(
                X.shape[0], sh.T)
    return out


def tie_pattern(sh):
    """n x q ids: kernel entry f T + t of input i in output (f, p), else -2."""
    g = np.full((sh.C, sh.H, sh.W, sh.F, sh.P), -2, dtype=np.int64)
    for f in range(sh.F):
        for oy in range(sh.OH):
            for ox in range(sh.OW):
                for c in range(sh.C):
                    for ky in range(sh.KH):
                        for kx in range(sh.KW):
                            t = (c * sh.KH + ky) * sh.KW + kx
                            g[c, oy * sh.S + ky, ox * sh.S + kx, f, oy * sh.OW + ox] = f * sh.T + t
    return g.reshape(sh.n, sh.q)


def dense(groups, values):
    W = np.where(groups >= 0, values[np.maximum(groups, 0)], 0.0)
    return W


def im2col_fit(X, Y, sh, intercept):
    """Kernel (F T, entry order) and intercepts (q, zero without) by numpy lstsq."""
    A = patches(X, sh)                          # m x P x T
    B = Y.reshape(Y.shape[0], sh.F, sh.P)       # m x F x P
    if intercept:
        A_mean, B_mean = A.mean(axis=0), B.mean(axis=0)
        A, B = A - A_mean, B - B_mean
    rows = A.reshape(-1, sh.T)                  # (s, p) x T
    rhs = B.transpose(0, 2, 1).reshape(-1, sh.F)  # (s, p) x F
    K = np.linalg.lstsq(rows, rhs, rcond=None)[0]  # T x F
    kernel = K.T.ravel()
    b = np.zeros(sh.q)
    if intercept:
        b = (B_mean - (A_mean @ K).T).ravel()   # (f, p) = mean Y - mean patch . k_f
    return kernel, b


def read_data(path):
    f = h5py.File(path, "r")
    return f, Shape(f.attrs), f["X"][:].astype(np.float64), f["Y"][:].astype(np.float64)


def fail(msg):
    print(f"conv_reference: {msg}", file=sys.stderr)
    return 1


def check_gen(a):
    f, sh, X, Y = read_data(a.data)
    g = f["groups"][:]
    if g.shape != (sh.n, sh.q) or not np.array_equal(g, tie_pattern(sh)):
        return fail(f"{a.data}: /groups is not the tie pattern of the convolution")
    for o in range(sh.q):
        col = g[:, o]
        fil = o // sh.P
        ids = np.sort(col[col >= 0])
        if not np.array_equal(ids, np.arange(fil * sh.T, (fil + 1) * sh.T)):
            return fail(f"{a.data}: output {o} is not tied to each entry of filter {fil} once")
        if np.count_nonzero(col == -2) != sh.n - sh.T:
            return fail(f"{a.data}: output {o} has ids other than its taps and -2")
    w, bias = f["w_true"][:], f["b_true"][:]
    if w.shape != (sh.F * sh.T,) or bias.shape != (sh.F,):
        return fail(f"{a.data}: /w_true or /b_true has the wrong length")
    noise = Y - X @ dense(g, w) - np.repeat(bias, sh.P)
    s, scale = float(f.attrs["noise"]), np.abs(Y).max()
    if s == 0.0:
        tol = 1e-6 if f["X"].dtype == np.float32 else 1e-12
        if np.abs(noise).max() > tol * scale:
            return fail(f"{a.data}: Y - X W - b is {np.abs(noise).max():.3e}, noise 0")
        return 0
    k = noise.size
    if abs(noise.mean()) > 5 * s / np.sqrt(k) or abs(noise.std() / s - 1) > 5 / np.sqrt(k) + 1e-3:
        return fail(f"{a.data}: Y - X W - b has mean {noise.mean():.3e}, sd {noise.std():.4e}, "
                    f"expected noise of sd {s}")
    return 0


def selftest(a):
    f, sh, X, Y = read_data(a.data)
    if float(f.attrs["noise"]) != 0.0:
        return fail(f"{a.data}: selftest needs a noiseless file (--noise 0)")
    kernel, b = im2col_fit(X, Y, sh, intercept=True)
    w, bias = f["w_true"][:], f["b_true"][:]
    err = max(np.abs(kernel - w).max() / np.abs(w).max(),
              np.abs(b - np.repeat(bias, sh.P)).max() / np.abs(bias).max())
    if not err <= 1e-10:
        return fail(f"{a.data}: im2col recovers w_true, b_true to {err:.3e} only")
    return 0


def compare(a):
    f, sh, X, Y = read_data(a.data)
    g = f["groups"][:]
    res = h5py.File(a.result, "r")
    W = res["w"][:]
    if W.shape != (sh.n, sh.q):
        return fail(f"{a.result}: /w has shape {W.shape}, expected {(sh.n, sh.q)}")
    if np.any(W[g == -2] != 0.0):
        return fail(f"{a.result}: a weight with id -2 is not exactly 0")
    fitted = np.empty(sh.F * sh.T)
    for e in range(sh.F * sh.T):
        vals = W[g == e]
        if np.ptp(vals) != 0.0:
            return fail(f"{a.result}: the weights of kernel entry {e} differ ({np.ptp(vals):.3e})")
        fitted[e] = vals[0]
    kernel, b = im2col_fit(X, Y, sh, a.intercept)
    err = np.abs(fitted - kernel).max() / max(np.abs(kernel).max(), 1e-300)
    icpt = np.atleast_1d(res["intercept"][()]).astype(np.float64)
    if icpt.size == 1 and sh.q > 1:
        icpt = np.repeat(icpt, sh.q)
    err_b = np.abs(icpt - b).max() / max(np.abs(b).max(), np.abs(kernel).max())
    if not (err <= a.tol and err_b <= a.tol):
        return fail(f"{a.result}: kernel differs from im2col lstsq by {err:.3e}, intercepts by "
                    f"{err_b:.3e} (relative) > tol {a.tol:g}")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("check-gen").add_argument("data")
    sub.add_parser("selftest").add_argument("data")
    c = sub.add_parser("compare")
    c.add_argument("result")
    c.add_argument("data")
    c.add_argument("--intercept", action="store_true")
    c.add_argument("--tol", type=float, default=1e-8)
    a = p.parse_args()
    return {"check-gen": check_gen, "selftest": selftest, "compare": compare}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
