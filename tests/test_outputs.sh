#!/bin/bash
# Several outputs (README "File formats": Y m x q, /w n x q): 1-D groups applied to every
# output separately and n x q groups tying weights across inputs and outputs, every solver,
# against numpy's solution of the stacked tied problem (1e-8 at rtol 1e-12); the result's
# layout and per-output statistics (standard errors per output for per-output ties, pooled
# over the stacked rows across outputs) against numpy; predict's /y_pred m x q and its
# rmse/r2; an m x 1 Y is the same problem as a 1-D y; bad shapes are refused.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_outputs.py" per.h5 per 300 5
"$PYTHON" "$TESTS_DIR/make_outputs.py" joint.h5 joint 300 6

check() { # DATA SOLVER OPTIONS...: solve, then compare with numpy
  local data=$1 solver=$2
  shift 2
  local ref=()
  case "$*" in *intercept*) ref+=(--intercept) ;; esac
  case "$*" in *ridge*) ref+=(--ridge 0.05) ;; esac
  run "$NRANKS" solve --data "$data" --solver "$solver" --rtol 1e-12 --max-iter 100000 \
    --out r.h5 --quiet "$@" || fail "$solver on $data $* exited $?"
  "$PYTHON" "$TESTS_DIR/reference.py" r.h5 "$data" "${ref[@]}" --tol 1e-8 ||
    fail "$solver on $data $*"
}
for s in gd agd cg qr cholesky auto; do
  for d in per.h5 joint.h5; do
    check "$d" "$s"
    check "$d" "$s" --intercept
    check "$d" "$s" --intercept --ridge 0.05
    check "$d" "$s" --intercept --standardize
  done
done

# Layout and statistics of the direct solvers.  Per-output ties: q regressions on
# Z = [X S1, 1], each with its own sigma; across outputs: the stacked regression, pooled.
stats() { # DATA SOLVER
  run "$NRANKS" solve --data "$1" --solver "$2" --intercept --out s.h5 --quiet
  py "d, r = h5py.File('$1'), h5py.File('s.h5'); X, Y, g = d['X'][:], d['Y'][:], d['groups'][:]
m, n = X.shape; q = Y.shape[1]; a = r.attrs
assert r['w'].shape == (n, q) and r['intercept'].shape == (q,) and r['stderr'].shape == (n, q)
assert r['intercept_stderr'].shape == (q,) and a['outputs'] == q
for k in ('r2', 'rmse', 'residual_sd'): assert np.shape(a[k]) == (q,), k
W, b = r['w'][:], r['intercept'][:]
R = Y - X @ W - b
assert np.allclose(a['rmse'], np.sqrt((R**2).mean(0)), rtol=1e-10)
assert np.allclose(a['r2'], 1 - (R**2).sum(0) / ((Y - Y.mean(0))**2).sum(0), rtol=1e-10)
if g.ndim == 1:
    ids = sorted(set(g[g >= 0])); S = np.array([(g == i).astype(float) for i in ids] + [np.eye(n)[j] for j in np.where(g == -1)[0]]).T
    Z = np.column_stack([X @ S, np.ones(m)]); cov = np.linalg.inv(Z.T @ Z); p = Z.shape[1]
    assert r['group_values'].shape == (len(ids), q) and list(r['group_ids'][:]) == ids
    for o in range(q):
        s2 = (R[:, o]**2).sum() / (m - p)
        assert abs(a['residual_sd'][o] - np.sqrt(s2)) <= 1e-10 * np.sqrt(s2)
        se = np.sqrt(s2 * np.einsum('ij,jk,ik->i', S, cov[:-1, :-1], S))
        assert np.abs(r['stderr'][:, o] - se).max() <= 1e-9 * se.max(), o
        assert abs(r['intercept_stderr'][o] - np.sqrt(s2 * cov[-1, -1])) <= 1e-9 * np.sqrt(s2 * cov[-1, -1])
else:
    e = g.reshape(-1); keys = sorted(set(e[e >= 0]))
    S = np.array([(e == i).astype(float) for i in keys] + [np.eye(n * q)[j] for j in np.where(e == -1)[0]]).T
    Z = np.column_stack([np.kron(X, np.eye(q)) @ S, np.kron(np.ones((m, 1)), np.eye(q))])
    cov = np.linalg.inv(Z.T @ Z); k = S.shape[1]; s2 = (R**2).sum() / (m * q - Z.shape[1])
    assert r['group_values'].shape == (len(keys),) and list(r['group_ids'][:]) == keys
    assert np.allclose(a['residual_sd'], np.sqrt(s2), rtol=1e-10)
    se = np.sqrt(s2 * np.einsum('ij,jk,ik->i', S, cov[:k, :k], S)).reshape(n, q)
    assert np.abs(r['stderr'][:] - se).max() <= 1e-9 * se.max()
    assert (r['stderr'][:][g == -2] == 0).all() and (r['w'][:][g == -2] == 0).all()
    assert np.abs(r['intercept_stderr'][:] - np.sqrt(s2 * np.diag(cov)[k:])).max() <= 1e-9 * se.max()" ||
    fail "$2 on $1: layout or statistics"
}
for s in qr cholesky; do
  stats per.h5 "$s"
  stats joint.h5 "$s"
done

# predict: /y_pred = X W + b (m x q) and the same rmse and r2 as the fit.
run "$NRANKS" solve --data joint.h5 --solver qr --intercept --out fit.h5 --quiet
run "$NRANKS" predict --model fit.h5 --data joint.h5 --out pred.h5 --quiet
py "d, r, p = h5py.File('joint.h5'), h5py.File('fit.h5'), h5py.File('pred.h5')
want = d['X'][:] @ r['w'][:] + r['intercept'][:]
assert p['y_pred'].shape == want.shape and np.abs(p['y_pred'][:] - want).max() <= 1e-12 * np.abs(want).max()
for k in ('rmse', 'r2'): assert np.shape(p.attrs[k]) == (4,) and np.allclose(p.attrs[k], r.attrs[k], rtol=1e-12), k" ||
  fail "predict with 4 outputs"

# --init from a fit's n x q /w: gd starts at the answer and stops at once (--atol: the
# relative test cannot pass from a gradient that is already rounding noise).
run "$NRANKS" solve --data joint.h5 --solver gd --intercept --atol 1e-10 --init fit.h5:/w \
  --out init.h5 --quiet
py "a, b = h5py.File('fit.h5'), h5py.File('init.h5')
assert b.attrs['iterations'] <= 2, b.attrs['iterations']
assert np.abs(a['w'][:] - b['w'][:]).max() <= 1e-12 * np.abs(a['w'][:]).max()" ||
  fail "--init from an n x q /w"

# An m x 1 Y is the same problem as a 1-D y: the same bits, 1-D /w and a scalar intercept.
py "d = h5py.File('per.h5'); f = h5py.File('one.h5', 'w'); f['X'] = d['X'][:]; f['y'] = d['Y'][:, 0]
f['groups'] = d['groups'][:]; f2 = h5py.File('col.h5', 'w'); f2['X'] = d['X'][:]; f2['Y'] = d['Y'][:, :1]
f2['groups'] = d['groups'][:]"
for s in cg qr; do
  run "$NRANKS" solve --data one.h5 --solver "$s" --intercept --out a.h5 --quiet
  run "$NRANKS" solve --data col.h5 --solver "$s" --intercept --out b.h5 --quiet
  py "a, b = h5py.File('a.h5'), h5py.File('b.h5')
assert a['w'].shape == b['w'].shape == (10,) and a['intercept'].shape == b['intercept'].shape == ()
assert (a['w'][:] == b['w'][:]).all() and a['intercept'][()] == b['intercept'][()]
assert np.shape(b.attrs['r2']) == () and b.attrs['outputs'] == 1" || fail "$s: m x 1 Y differs from 1-D y"
done

# Shapes that do not fit several outputs.
py "d = h5py.File('per.h5'); f = h5py.File('bad.h5', 'w'); f['X'] = d['X'][:]; f['Y'] = d['Y'][:]
f['groups'] = np.zeros((10, 2), dtype=np.int64); f['A'] = np.eye(10); f['w0'] = np.zeros(10)"
expect_error 2 "bad.h5: /groups is 10 x 2, expected 10 x 3 (one per model column and output) or 10 entries" \
  solve --data bad.h5
expect_error 2 "--sharing matrix needs one output, but the targets have 3; use --sharing groups (one id per model column, or 10 x 3)" \
  solve --data bad.h5 --sharing matrix
expect_error 2 "bad.h5: /w0 must be 10 x 3 for --init, found 10 x 1" \
  solve --data bad.h5 --sharing none --solver gd --init bad.h5:/w0
