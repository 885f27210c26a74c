#!/bin/bash
# wshare gen writes the same data from 1 and from 4 ranks, honouring the ties.
source "$(dirname "$0")/common.sh"
for dtype in f64 f32; do
  run 1 gen --out g1.h5 --rows 1001 --cols 7 --groups 2 --unshared 0.3 --seed 9 --dtype "$dtype" >/dev/null
  run 4 gen --out g4.h5 --rows 1001 --cols 7 --groups 2 --unshared 0.3 --seed 9 --dtype "$dtype" >/dev/null
  h5diff g1.h5 g4.h5 || fail "gen $dtype differs between 1 and 4 ranks"
done
py "f = h5py.File('g1.h5'); g = f['groups'][:]; w = f['w_true'][:]
assert f['X'].dtype == np.float32 and f['X'].shape == (1001, 7)
assert (g == -1).sum() == 2 and set(g[g >= 0]) == {0, 1}
for i in (0, 1): assert np.ptp(w[g == i]) == 0
assert f.attrs['seed'] == 9 and f.attrs['groups'] == 2" || fail "gen content"
