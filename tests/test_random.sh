#!/bin/bash
# Random problems from wshare gen against numpy's solution of the tied problem (1e-8
# relative at rtol 1e-12): unshared weights, non-contiguous group ids, f32 data, intercept,
# ridge, standardize, sharing none and projector matrix; every solver.
source "$(dirname "$0")/common.sh"
run "$NRANKS" gen --out a.h5 --rows 400 --cols 12 --groups 4 --unshared 0.25 --seed 11 >/dev/null
run "$NRANKS" gen --out b.h5 --rows 300 --cols 9 --groups 3 --seed 12 --dtype f32 >/dev/null
# Non-contiguous, unsorted group ids: 0..3 -> 40, 7, 1000, 3.
py "f = h5py.File('a.h5', 'r+'); g = f['groups'][:]; m = {-1: -1, 0: 40, 1: 7, 2: 1000, 3: 3}
f['groups'][:] = [m[int(i)] for i in g]"
# A projector onto the tied space of a.h5's groups, as a dense matrix.
py "f = h5py.File('a.h5', 'r+'); g = f['groups'][:]; n = len(g)
A = np.array([[(1.0 / (g == g[i]).sum() if g[i] == g[j] and g[i] >= 0 else float(i == j))
               for j in range(n)] for i in range(n)]); f['A'] = A"

check() { # DATA SOLVER REFERENCE-OPTIONS -- SOLVE-OPTIONS
  local data=$1 solver=$2
  shift 2
  local ref=()
  while [ "$1" != -- ]; do ref+=("$1"); shift; done
  shift
  run "$NRANKS" solve --data "$data" --solver "$solver" --rtol 1e-12 --max-iter 100000 \
    --out r.h5 --quiet "$@" || fail "$solver on $data $* exited $?"
  "$PYTHON" "$TESTS_DIR/reference.py" r.h5 "$data" "${ref[@]}" --tol 1e-8 ||
    fail "$solver on $data $*"
}

for s in gd agd cg qr cholesky; do
  check a.h5 "$s" --
  check a.h5 "$s" --intercept --ridge 0.05 -- --intercept --ridge 0.05
  check a.h5 "$s" --intercept -- --intercept --standardize
  check b.h5 "$s" --intercept -- --intercept
  check a.h5 "$s" --sharing none -- --sharing none --ridge 0
  check a.h5 "$s" --sharing matrix -- --sharing matrix
done

# Polynomial features on the fly: 3 raw columns, degree 3, groups over the 9 model columns;
# random initial weights must not change the answer.
py "rng = np.random.default_rng(4); x = rng.uniform(-1, 1, (300, 3)); f = h5py.File('poly.h5', 'w')
f['X'] = x; f['y'] = 1 + x[:, 0] - 2 * x[:, 1]**2 + x[:, 2]**3 + 0.01 * rng.standard_normal(300)
f['groups'] = np.array([0, -1, 1, 0, 2, -1, 1, 2, -1])"
for s in agd cg qr cholesky; do
  check poly.h5 "$s" --intercept --poly-degree 3 -- --intercept --poly-degree 3 --standardize \
    --init normal --seed 5
done
