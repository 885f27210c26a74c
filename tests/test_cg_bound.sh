#!/bin/bash
# cg on a problem whose Hessian has condition number 1e4 reaches rtol 1e-10 within the
# iterations that the CG bound predicts: |r_k| / |r_0| <= 2 sqrt(kappa) ((sqrt(kappa) - 1) /
# (sqrt(kappa) + 1))^k.  With 1500 unknowns, finite termination does not hide a failure.
source "$(dirname "$0")/common.sh"
py "rng = np.random.default_rng(7); m, n = 3000, 1500
U = np.linalg.qr(rng.standard_normal((m, n)))[0]; V = np.linalg.qr(rng.standard_normal((n, n)))[0]
s = np.geomspace(1.0, 100.0, n) * np.sqrt(m)   # cond(X) = 100, cond(X^T X / m) = 1e4
f = h5py.File('c.h5', 'w'); f['X'] = (U * s) @ V.T; f['y'] = rng.standard_normal(m)"
run "$NRANKS" solve --data c.h5 --solver cg --rtol 1e-10 --max-iter 5000 --out r.h5 --quiet
py "X = h5py.File('c.h5')['X'][:]; ev = np.linalg.eigvalsh(X.T @ X / X.shape[0]); kappa = ev[-1] / ev[0]
assert kappa >= 0.99e4, kappa
q = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1); bound = int(np.ceil(np.log(1e-10 / (2 * np.sqrt(kappa))) / np.log(q)))
a = h5py.File('r.h5').attrs; steps = a['iterations'] - 1   # the first iteration only evaluates the gradient
ok = a['converged'] == 1 and steps <= bound
print('kappa %.3g: cg took %d steps, bound %d' % (kappa, steps, bound), file=sys.stderr) if not ok else None
sys.exit(0 if ok else 1)" || fail "cg exceeded its bound"
