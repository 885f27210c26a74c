#!/bin/bash
# Bad input: exit 2 and one clear line from rank 0, never a hang (run() bounds each call).
source "$(dirname "$0")/common.sh"
mkdata ok.h5 'X=[[1,2],[2,3],[3,4],[4,4],[5,1],[6,0]]' 'y=[1,2,3,4,5,6]' 'groups=[0,0]'
mkdata rows.h5 'X=[[1,2],[2,3],[3,4]]' 'y=[1,2]'
mkdata len.h5 'X=[[1,2],[2,3],[3,4]]' 'y=[1,2,3]' 'groups=[0,0,1]'
mkdata ids.h5 'X=[[1,2,3,4,5,6]]*8' 'y=[1]*8' 'groups=[0,-2,-1,0,1,-3]'
py "f = h5py.File('float.h5', 'w'); f['X'] = np.ones((3, 2)); f['y'] = np.ones(3); f['groups'] = np.zeros(2)"
py "f = h5py.File('a.h5', 'w'); f['X'] = np.ones((3, 2)); f['y'] = np.ones(3); f['A'] = np.eye(3)[:, :2]"
py "f = h5py.File('nonproj.h5', 'w'); f['X'] = np.arange(6.0).reshape(3, 2); f['y'] = np.ones(3); f['A'] = [[1.0, 0.5], [0.0, 1.0]]"
# The bad value sits in the last row, held by the last rank.
py "f = h5py.File('nan.h5', 'w'); X = np.ones((6, 2)); X[5, 1] = np.nan; f['X'] = X; f['y'] = np.ones(6)"
py "f = h5py.File('inf.h5', 'w'); f['X'] = np.ones((6, 2)); y = np.ones(6); y[4] = np.inf; f['y'] = y"
echo "not hdf5" >text.h5
printf '[solve]\nfrobnicate = 3\n' >bad.ini

expect_error 2 "cannot open file 'missing.h5': No such file or directory" solve --data missing.h5
expect_error 2 "cannot open file 'text.h5': not an HDF5 file" solve --data text.h5
expect_error 2 "ok.h5: dataset /Z not found" solve --data ok.h5 --X /Z
expect_error 2 "ok.h5: dataset /nope/y not found" solve --data ok.h5 --y /nope/y
expect_error 2 "rows.h5: /X has 3 rows but /y has 2 (is X stored transposed? see --X-layout)" solve --data rows.h5
expect_error 2 "len.h5: /groups has 3 entries, expected 2 (one per model column: 2 columns of /X x poly degree 1)" solve --data len.h5
expect_error 2 "float.h5: /groups must be an integer dataset (found float)" solve --data float.h5
expect_error 2 "ids.h5: /groups: group id -3 of weight 5 is invalid (ids are >= 0, -1 for not shared, -2 for fixed at zero)" solve --data ids.h5
expect_error 2 "a.h5: /A must be 2 x 2 (one row and column per model column), found 3 x 2" solve --data a.h5 --sharing matrix
expect_error 2 "nan.h5: dataset /X has a non-finite value (NaN or Inf) in row 5" solve --data nan.h5
expect_error 2 "inf.h5: dataset /y has a non-finite value (NaN or Inf) in row 4" solve --data inf.h5
expect_error 2 "solve: unknown option '--frobnicate' (see wshare solve --help)" solve --data ok.h5 --frobnicate 3
expect_error 2 "solve: invalid value 'abc' for --rtol (expected a number >= 0)" solve --data ok.h5 --rtol abc
expect_error 2 "solve: invalid value 'newton' for --solver (expected auto|gd|agd|cg|qr|cholesky)" solve --data ok.h5 --solver newton
expect_error 2 "solve: invalid value '-1' for --ridge (expected a number >= 0)" solve --data ok.h5 --ridge -1
expect_error 2 "solve: option --data is required" solve --X /X
expect_error 2 "bad.ini: unknown key 'frobnicate' (keys are the solve option names)" solve bad.ini --data ok.h5
expect_error 2 "--solver cg needs a sharing matrix that is a symmetric projector (A = A^T = A^2); this one is not: use --solver gd" \
  solve --data nonproj.h5 --sharing matrix --solver cg
expect_error 2 "unknown command 'frobnicate'" frobnicate
expect_error 2 "gen: option --rows is required" gen --out x.h5 --cols 3
# A sharing matrix that is not a projector only warns, and gd runs its literal iteration.
run "$NRANKS" solve --data nonproj.h5 --sharing matrix --solver gd --max-iter 50 --out r.h5 \
  >out.txt 2>err.txt || true
grep -q "is not a symmetric projector" err.txt || fail "no warning for a non-projector matrix"
[ "$(grep -c warning err.txt)" = 1 ] || fail "warning printed more than once"
# --quiet means errors only: the same run prints no warning.
run "$NRANKS" solve --data nonproj.h5 --sharing matrix --solver gd --max-iter 50 --quiet \
  --out r.h5 >out.txt 2>err.txt || true
! grep -q "^wshare: " err.txt || fail "--quiet printed: $(cat err.txt)"
