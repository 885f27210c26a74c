#!/bin/bash
# One R² definition (README "File formats"): solve and predict report the same r2 on the
# same data, centred (1 - RSS / sum (y - mean y)^2) with an intercept and uncentred
# (1 - RSS / sum y^2) without, each checked against numpy.
source "$(dirname "$0")/common.sh"
# y far from zero on average, so the two definitions differ by a lot.
py "rng = np.random.default_rng(3); X = rng.standard_normal((300, 4)); f = h5py.File('d.h5', 'w')
f['X'] = X; f['y'] = 5.0 + X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3 * rng.standard_normal(300)"
for fit in "--intercept" ""; do
  # shellcheck disable=SC2086 # $fit is a flag or nothing
  run "$NRANKS" solve --data d.h5 --solver qr $fit --out r.h5 --quiet
  run "$NRANKS" predict --model r.h5 --data d.h5 --out p.h5 --quiet
  py "d, r, p = h5py.File('d.h5'), h5py.File('r.h5'), h5py.File('p.h5')
X, y = d['X'][:], d['y'][:]
res = X @ r['w'][:] + r['intercept'][()] - y
tss = ((y - y.mean())**2).sum() if '$fit' else (y**2).sum()
want = 1 - (res**2).sum() / tss
for name, got in (('solve', r.attrs['r2']), ('predict', p.attrs['r2'])):
    if abs(got - want) > 1e-12: sys.exit('%s r2 %.15f, numpy %.15f' % (name, got, want))" ||
    fail "r2 ${fit:-without --intercept}"
done
