#!/bin/bash
# The intercept in closed form (README "Commands and options", --intercept): columns scaled
# by 1, 10, 100 and 1000 and shifted by large offsets, tied so that the tied design is well
# conditioned while the intercept's curvature (1) is a millionth of the weights'.  Every
# iterative solver reaches the qr solution's intercept and weights to 1e-9 (relative) at
# rtol 1e-12, gd within a few hundred iterations (iterating the intercept with the weights'
# step took ~10^6).
source "$(dirname "$0")/common.sh"
py "rng = np.random.default_rng(8); m = 500
scale = np.array([1, 10, 100, 1000, 1000, 100, 10, 1, 300, 700.0])
offset = np.array([1e4, -3e4, 5e3, 2e4, -1e4, 4e4, 7e3, -6e3, 1.5e4, -2.5e4])
X = rng.standard_normal((m, 10)) * scale + offset
g = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1, -1])
w = np.array([0.5, -0.25, 0.125, 2.0])[np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 3])]
f = h5py.File('scaled.h5', 'w'); f['X'] = X; f['groups'] = g
f['y'] = X @ w + 5000.0 + rng.standard_normal(m)"
run "$NRANKS" solve --data scaled.h5 --solver qr --intercept --out qr.h5 --quiet ||
  fail "qr exited $?"
for s in gd agd cg; do
  for opt in "" --standardize; do
    rc=0
    run "$NRANKS" solve --data scaled.h5 --solver "$s" --intercept $opt --rtol 1e-12 \
      --max-iter 2000 --out r.h5 --quiet || rc=$?
    [ "$rc" = 0 ] || fail "$s $opt on scaled.h5 exited $rc (expected to converge within 2000 iterations)"
    py "a, b = h5py.File('qr.h5'), h5py.File('r.h5')
dw = abs(a['w'][:] - b['w'][:]).max() / abs(a['w'][:]).max()
db = abs(a['intercept'][()] - b['intercept'][()]) / abs(a['intercept'][()])
sys.exit(0 if dw <= 1e-9 and db <= 1e-9 else 1)" ||
      fail "$s $opt: weights or intercept differ from qr's by more than 1e-9"
  done
done
