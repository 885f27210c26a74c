#!/bin/bash
# Direct solvers: statistics against numpy, rank-deficient designs (exit 1 naming the tied
# column), auto's choice and its switch to qr when the Gram matrix is ill-conditioned.
source "$(dirname "$0")/common.sh"
run "$NRANKS" gen --out a.h5 --rows 500 --cols 12 --groups 4 --unshared 0.25 --seed 21 >/dev/null
for s in qr cholesky; do
  run "$NRANKS" solve --data a.h5 --solver "$s" --intercept --out "$s.h5" --quiet
  py "d, r = h5py.File('a.h5'), h5py.File('$s.h5'); X, y, g = d['X'][:], d['y'][:], d['groups'][:]
ids = sorted(set(g[g >= 0])); S = np.array([(g == i).astype(float) for i in ids] + [np.eye(12)[j] for j in np.where(g < 0)[0]]).T
Z = np.column_stack([X @ S, np.ones(len(y))]); v, rss = np.linalg.lstsq(Z, y, rcond=None)[:2]
m, p = Z.shape; s2 = rss[0] / (m - p); cov = s2 * np.linalg.inv(Z.T @ Z)
se_w = np.sqrt(np.einsum('ij,jk,ik->i', S, cov[:-1, :-1], S)); se_b = np.sqrt(cov[-1, -1])
a = r.attrs; assert a['rank_deficient'] == 0 and a['solver'] in ('$s', b'$s')
assert abs(a['residual_sd'] - np.sqrt(s2)) <= 1e-10 * np.sqrt(s2)
assert np.abs(r['stderr'][:] - se_w).max() <= 1e-9 * se_w.max()
assert abs(r['intercept_stderr'][()] - se_b) <= 1e-9 * se_b
r2 = 1 - rss[0] / ((y - y.mean())**2).sum(); assert abs(a['r2'] - r2) <= 1e-12
assert len(r['history/loss']) == 0" || fail "$s statistics"
done

# Rank deficient: a column duplicated into another group; a group of all-zero columns.
py "d = h5py.File('a.h5'); X, y = d['X'][:], d['y'][:]
f = h5py.File('dup.h5', 'w'); X2 = np.column_stack([X, X[:, 0]]); f['X'] = X2; f['y'] = y
f['groups'] = np.array([0] + [-1] * 11 + [5]); 
f = h5py.File('zero.h5', 'w'); X3 = X.copy(); X3[:, 3] = 0; X3[:, 7] = 0; f['X'] = X3; f['y'] = y
f['groups'] = np.array([-1, -1, -1, 9, -1, -1, -1, 9, -1, -1, -1, -1])"
# The size of the pivot (qr) depends on the rounding of the factorization: a pattern.
expect_error_like 1 "qr: the tied design is rank deficient: tied column 1 \(group 5\) is numerically dependent on the others \(\|R_jj\| = * max \|R_ii\|\); add --ridge or remove it" \
  solve --data dup.h5 --solver qr
expect_error 1 "cholesky: the tied design is rank deficient: tied column 1 (group 5) is numerically dependent on the others (Cholesky breaks down there); add --ridge or remove it, or try --solver qr" \
  solve --data dup.h5 --solver cholesky
for s in qr cholesky; do
  expect_error 1 "$s: the tied design is rank deficient: tied column 0 (group 9) is all zero; add --ridge or remove it" \
    solve --data zero.h5 --solver "$s"
done
# With a ridge the same designs are regular.
run "$NRANKS" solve --data dup.h5 --solver cholesky --ridge 0.1 --out r.h5 --quiet
"$PYTHON" "$TESTS_DIR/reference.py" r.h5 dup.h5 --ridge 0.1 --tol 1e-10 || fail "ridge on dup"

# auto prints its choice; an ill-conditioned Gram matrix sends it to qr, with a note.
run "$NRANKS" solve --data a.h5 --out r.h5 >out.txt
grep -q "^auto: chose cholesky (" out.txt || fail "auto did not report its choice"
py "rng = np.random.default_rng(3); x = rng.uniform(0, 1, 400); f = h5py.File('ill.h5', 'w')
f['X'] = np.column_stack([x, x + 1e-7 * rng.standard_normal(400), rng.standard_normal(400)])
f['y'] = x + rng.standard_normal(400) * 1e-3"
run "$NRANKS" solve --data ill.h5 --intercept --out r.h5 >out.txt 2>err.txt
grep -q "used qr" err.txt || fail "auto did not switch to qr on an ill-conditioned Gram matrix"
py "sys.exit(0 if h5py.File('r.h5').attrs['solver'] in ('qr', b'qr') else 1)" || fail "solver attr"
"$PYTHON" "$TESTS_DIR/reference.py" r.h5 ill.h5 --intercept --tol 1e-8 || fail "auto on ill.h5"

# Moderately ill-conditioned (Gram rcond between 1e-10 and 1e-6): auto keeps Cholesky and
# refines it with exact gradients, so no digits are traded for speed.
py "rng = np.random.default_rng(5); x = rng.uniform(0, 1, 400); f = h5py.File('mid.h5', 'w')
f['X'] = np.column_stack([x, x + 3e-4 * rng.standard_normal(400), rng.standard_normal(400)])
f['y'] = x + rng.standard_normal(400) * 1e-3"
run "$NRANKS" solve --data mid.h5 --intercept --out r.h5 --quiet 2>err.txt
py "sys.exit(0 if h5py.File('r.h5').attrs['solver'] in ('cholesky', b'cholesky') else 1)" ||
  fail "auto left cholesky on a moderately conditioned Gram matrix"
"$PYTHON" "$TESTS_DIR/reference.py" r.h5 mid.h5 --intercept --tol 1e-11 || fail "refined cholesky"
