#!/bin/bash
# The seed's example: X = [[1,2],[2,3],[3,4]], y = [1,2,3], groups [0,0]; exact w = 34/83.
source "$(dirname "$0")/common.sh"
mkdata seed.h5 'X=[[1,2],[2,3],[3,4]]' 'y=[1,2,3]' 'groups=[0,0]'
for solver in gd agd cg; do
  run "$NRANKS" solve --data seed.h5 --solver "$solver" --rtol 1e-14 --out r.h5 --quiet
  py "w = h5py.File('r.h5')['w'][:]; e = abs(w - 34/83).max()
print('$solver', w, e, file=sys.stderr) if e > 1e-10 else None; sys.exit(0 if e <= 1e-10 else 1)" || fail "$solver: w != 34/83"
done
# A fixed step that converges, and the seed's fixed step that is far too large.
run "$NRANKS" solve --data seed.h5 --solver gd --step 0.05 --rtol 1e-14 --out r.h5 --quiet
py "sys.exit(0 if abs(h5py.File('r.h5')['w'][:] - 34/83).max() <= 1e-10 else 1)" ||
  fail "gd --step 0.05"
expect_error 1 "gd diverged at iteration 3 (loss 62963.2, started at 2.33333): the step 1 is too large; lower --step (or use --step auto)" solve --data seed.h5 --solver gd --step 1 --out r.h5
