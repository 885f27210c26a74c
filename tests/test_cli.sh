#!/bin/bash
# Config files, --help/--version, the result file layout, predict and info.
source "$(dirname "$0")/common.sh"
run "$NRANKS" gen --out d.h5 --rows 200 --cols 6 --groups 2 --unshared 0.34 --seed 4 >/dev/null
printf '[solve]\nsolver = cg\nrtol = 1e-3\nintercept = true\n[ignored-section]\nridge = 0.5\n' >c.ini
# The command line overrides the file: rtol 1e-12 wins, ridge 0.5 and intercept come from it.
run "$NRANKS" solve c.ini --data d.h5 --rtol 1e-12 --out r.h5 >out.txt
grep -q "^rtol = 1e-12$" out.txt || fail "effective configuration not printed"
"$PYTHON" "$TESTS_DIR/reference.py" r.h5 d.h5 --intercept --ridge 0.5 --tol 1e-8 || fail "ini"
py "r = h5py.File('r.h5'); a = r.attrs
need = 'solver iterations converged stop_reason loss grad_norm rtol ranks rows cols groups wall_seconds r2 rmse config wshare_version'.split()
missing = [k for k in need if k not in a]; assert not missing, missing
assert a['solver'] == b'cg' or a['solver'] == 'cg'
assert a['ranks'] == $NRANKS and a['rows'] == 200 and a['cols'] == 6 and a['groups'] == 2
assert a['converged'] == 1 and a['rtol'] == 1e-12 and 'ridge = 0.5' in str(a['config'])
h = r['history']; assert len(h['loss']) == a['iterations'] == len(h['grad_norm']) == len(h['seconds'])
g = h5py.File('d.h5')['groups'][:]; ids = r['group_ids'][:]; vals = r['group_values'][:]
assert list(ids) == sorted(set(g[g >= 0]))
for i, v in zip(ids, vals): assert np.allclose(r['w'][:][g == i], v, rtol=0, atol=0)
X = h5py.File('d.h5')['X'][:]; y = h5py.File('d.h5')['y'][:]
res = X @ r['w'][:] + r['intercept'][()] - y
assert abs(a['rmse'] - np.sqrt((res**2).mean())) <= 1e-10 * a['rmse']
assert abs(a['r2'] - (1 - (res**2).sum() / ((y - y.mean())**2).sum())) <= 1e-10" ||
  fail "result file layout"
# predict reproduces X w + b and the same rmse.
run "$NRANKS" predict --model r.h5 --data d.h5 --out p.h5 --quiet
py "r = h5py.File('r.h5'); d = h5py.File('d.h5'); p = h5py.File('p.h5')
pred = d['X'][:] @ r['w'][:] + r['intercept'][()]
assert np.abs(p['y_pred'][:] - pred).max() <= 1e-12 * np.abs(pred).max()
assert abs(p.attrs['rmse'] - r.attrs['rmse']) <= 1e-9 * r.attrs['rmse']" || fail "predict"
# --init from a file starts at the answer: converged at the first iteration.
run "$NRANKS" solve --data d.h5 --solver cg --rtol 1e-13 --out r1.h5 --quiet
run "$NRANKS" solve --data d.h5 --solver gd --init r1.h5:/w --rtol 0 --atol 1e-9 --out r2.h5 --quiet
py "sys.exit(0 if h5py.File('r2.h5').attrs['iterations'] == 1 else 1)" || fail "--init FILE"
run "$NRANKS" solve --help >help.txt
grep -q -- "--checkpoint-every" help.txt || fail "solve --help"
run "$NRANKS" --version >version.txt
[ "$(grep -c "^wshare [0-9]" version.txt)" = 1 ] || fail "--version"
run 1 info r.h5 >info.txt
grep -q "stop_reason" info.txt || fail "info"
# --quiet prints nothing on success.
run "$NRANKS" solve --data d.h5 --quiet --out r3.h5 >q.txt 2>&1
[ ! -s q.txt ] || fail "--quiet printed: $(cat q.txt)"
