#!/bin/bash
# Degenerate shapes: more ranks than rows, a single row, a single column.
source "$(dirname "$0")/common.sh"
# Two rows, two tied weights: ranks beyond the second have no rows.
mkdata two.h5 'X=[[1,2],[3,5]]' 'y=[1,2]' 'groups=[0,0]'
run "$NRANKS" solve --data two.h5 --solver gd --rtol 1e-14 --out r.h5 --quiet
py "w = h5py.File('r.h5')['w'][:]; sys.exit(0 if abs(w - 19/73).max() <= 1e-12 else 1)" ||
  fail "two rows"
# A single row, one weight: w = y/x exactly.
mkdata one.h5 'X=[[4]]' 'y=[2]'
for s in gd agd cg; do
  run "$NRANKS" solve --data one.h5 --solver "$s" --rtol 1e-14 --out r.h5 --quiet
  py "w = h5py.File('r.h5')['w'][:]; sys.exit(0 if abs(w[0] - 0.5) <= 1e-12 else 1)" ||
    fail "$s single row"
done
# n = 1 with many rows and an intercept: closed-form simple regression.
py "x = np.arange(50.0); y = 3 - 0.5 * x + np.sin(x); f = h5py.File('col.h5', 'w')
f['X'] = x[:, None]; f['y'] = y"
run "$NRANKS" solve --data col.h5 --solver cg --intercept --rtol 1e-13 --out r.h5 --quiet
py "d = h5py.File('col.h5'); x = d['X'][:, 0]; y = d['y'][:]
b1 = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean())**2).sum(); b0 = y.mean() - b1 * x.mean()
r = h5py.File('r.h5'); e = max(abs(r['w'][0] - b1) / abs(b1), abs(r['intercept'][()] - b0) / abs(b0))
sys.exit(0 if e <= 1e-10 else 1)" || fail "n = 1 with intercept"
