#!/bin/bash
# Weights fixed at zero (group id -2, a connection that does not exist): every solver leaves
# them exactly 0 in /w (stderr 0 for the direct solvers), /group_ids lists only ids >= 0, and
# the other weights match numpy's solution of the problem without those columns (1e-8 at
# rtol 1e-12).  The fixed columns carry most of y, so fitting them would show.
source "$(dirname "$0")/common.sh"
run "$NRANKS" gen --out z.h5 --rows 400 --cols 12 --groups 3 --unshared 0.25 --seed 31 >/dev/null
py "f = h5py.File('z.h5', 'r+'); g = f['groups'][:]; g[[1, 6, 10]] = -2
m = {-2: -2, -1: -1, 0: 12, 1: 5, 2: 40}; f['groups'][:] = [m[int(i)] for i in g]
X = f['X'][:]; y = f['y'][:] + 3.0 * X[:, 1] - 2.0 * X[:, 10]; f['y'][:] = y"
for s in gd agd cg qr cholesky auto; do
  for opt in "" "--intercept" "--intercept --ridge 0.1" "--intercept --standardize"; do
    ref=()
    case "$opt" in *intercept*) ref+=(--intercept) ;; esac
    case "$opt" in *ridge*) ref+=(--ridge 0.1) ;; esac
    run "$NRANKS" solve --data z.h5 --solver "$s" $opt --rtol 1e-12 --max-iter 100000 \
      --out r.h5 --quiet || fail "$s $opt exited $?"
    "$PYTHON" "$TESTS_DIR/reference.py" r.h5 z.h5 "${ref[@]}" --tol 1e-8 || fail "$s $opt"
    py "r, g = h5py.File('r.h5'), h5py.File('z.h5')['groups'][:]; fixed = g == -2
assert (r['w'][:][fixed] == 0).all(), r['w'][:][fixed]
assert list(r['group_ids'][:]) == [5, 12, 40], list(r['group_ids'][:])
if 'stderr' in r: assert (r['stderr'][:][fixed] == 0).all() and (r['stderr'][:][~fixed] > 0).all()" ||
      fail "$s $opt: fixed weights not exactly 0, or group ids / stderr wrong"
  done
done
