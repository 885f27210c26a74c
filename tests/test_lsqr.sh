#!/bin/bash
# --solver lsqr (README "Solvers"): against numpy's tied least squares (1e-8 at rtol 1e-12)
# with groups, unshared and -2 ids, intercept, ridge (numpy's ridge closed form), standardize,
# and several outputs (per-output ties, solved independently, and ties across outputs); on a
# tied design of condition number 1e4 it takes no more passes than scipy's lsqr with the same
# atol = btol = conlim^-1 = rtol; stopped by --max-iter and resumed, it gives the
# uninterrupted run's bits at the same rank count and agrees to 1e-12 on another, the rows of
# LSQR's u vector repartitioned through the checkpoint; auto picks lsqr when a direct solve is
# too costly.
source "$(dirname "$0")/common.sh"
py "rng = np.random.default_rng(5); m, n = 400, 24
X = rng.standard_normal((m, n)) * np.geomspace(1, 20, n) + 3.0
g = np.array([4, 4, 9, -1, 2, 2, -2, 9, -1, 4, 7, 7, -2, 2, -1, 9, 7, 4, 30, 30, -1, -2, 2, 9])
w = rng.standard_normal(n); w[g == -2] = 0
for i in set(g[g >= 0]): w[g == i] = w[g == i][0]
f = h5py.File('g.h5', 'w'); f['X'] = X; f['y'] = X @ w + 1.5 + 0.1 * rng.standard_normal(m)
f['groups'] = g.astype(np.int64)"
"$PYTHON" "$TESTS_DIR/make_outputs.py" per.h5 per 300 5
"$PYTHON" "$TESTS_DIR/make_outputs.py" joint.h5 joint 300 6

check() { # DATA OPTIONS...: lsqr, then numpy
  local data=$1
  shift
  local ref=()
  case "$*" in *intercept*) ref+=(--intercept) ;; esac
  case "$*" in *ridge*) ref+=(--ridge 0.05) ;; esac
  run "$NRANKS" solve --data "$data" --solver lsqr --rtol 1e-12 --max-iter 10000 --out r.h5 \
    --quiet "$@" || fail "lsqr on $data $* exited $?"
  "$PYTHON" "$TESTS_DIR/reference.py" r.h5 "$data" "${ref[@]}" --tol 1e-8 || fail "lsqr on $data $*"
  py "a = h5py.File('r.h5').attrs; assert a['solver'] in ('lsqr', b'lsqr') and a['converged'] == 1" ||
    fail "lsqr on $data $*: not a converged lsqr result"
}
for d in g.h5 per.h5 joint.h5; do
  check "$d"
  check "$d" --intercept
  check "$d" --ridge 0.05
  check "$d" --intercept --ridge 0.05 --standardize
  check "$d" --intercept --standardize
done
py "assert (h5py.File('r.h5')['w'][:][h5py.File('joint.h5')['groups'][:] == -2] == 0).all()" ||
  fail "a weight with id -2 is not exactly 0"

# Condition number 1e4 of the tied design (pairs of equal columns tied, so Z = 2 X_half and
# the orthonormal-basis design is Z / sqrt 2); scipy's lsqr on that design with the same
# tolerances.  wshare's first iteration is LSQR's start (beta_1 u_1 = b, alpha_1 v_1 = A^T u_1),
# a pass scipy makes before its first iteration: so wshare's iterations - 1 are compared.
py "rng = np.random.default_rng(8); m, h = 2000, 40
U = np.linalg.qr(rng.standard_normal((m, h)))[0]; V = np.linalg.qr(rng.standard_normal((h, h)))[0]
Z = (U * np.geomspace(1.0, 1e4, h)) @ V.T
f = h5py.File('ill.h5', 'w'); f['X'] = np.hstack([Z / 2, Z / 2])
f['y'] = Z @ rng.standard_normal(h) + 1e-3 * rng.standard_normal(m)
f['groups'] = np.concatenate([np.arange(h), np.arange(h)]).astype(np.int64)"
run "$NRANKS" solve --data ill.h5 --solver lsqr --rtol 1e-10 --max-iter 10000 --out ill.h5r --quiet ||
  fail "lsqr on the ill-conditioned problem exited $?"
py "from scipy.sparse.linalg import lsqr
d, r = h5py.File('ill.h5'), h5py.File('ill.h5r'); X, y, g = d['X'][:], d['y'][:], d['groups'][:]
S = np.array([(g == i).astype(float) for i in range(40)]).T
A = X @ S / np.sqrt(S.sum(0)); assert abs(np.linalg.cond(A) / 1e4 - 1) < 1e-6
out = lsqr(A, y, atol=1e-10, btol=1e-10, conlim=1e10, iter_lim=10000)
ours = int(r.attrs['iterations']) - 1
wref = S @ (out[0] / np.sqrt(S.sum(0))); err = abs(r['w'][:] - wref).max() / abs(wref).max()
ok = r.attrs['converged'] == 1 and ours <= out[2] and err <= 1e-6
print('lsqr %d iterations, scipy %d, difference %.2g' % (ours, out[2], err), file=sys.stderr) if not ok else None
sys.exit(0 if ok else 1)" || fail "lsqr took more iterations than scipy's lsqr, or differs"

# Restart: at the same rank count bitwise (weights and history), on another 1e-12.
other=$((NRANKS == 1 ? 3 : NRANKS - 1))
for spec in "g.h5 --intercept --ridge 0.05 --standardize" "per.h5 --intercept" "joint.h5"; do
  read -r data opts <<<"$spec"
  # shellcheck disable=SC2086 # opts is a word list
  run "$NRANKS" solve --data "$data" --solver lsqr --rtol 1e-12 $opts --quiet --out full.h5 ||
    fail "lsqr $spec"
  for np_b in "$NRANKS" "$other"; do
    rm -rf ck
    # shellcheck disable=SC2086
    run "$NRANKS" solve --data "$data" --solver lsqr --rtol 1e-12 $opts --quiet --max-iter 4 \
      --checkpoint-dir ck --out part.h5 || [ $? = 3 ] || fail "lsqr $spec stopped at --max-iter"
    py "assert h5py.File(sorted(__import__('glob').glob('ck/ckpt-*.h5'))[-1])['state/rows'].shape[0] == h5py.File('$data')['X'].shape[0]" ||
      fail "lsqr $spec: the checkpoint lacks the rows of u"
    # shellcheck disable=SC2086
    run "$np_b" solve --data "$data" --solver lsqr --rtol 1e-12 $opts --quiet \
      --checkpoint-dir ck --restart auto --out resumed.h5 || fail "lsqr $spec resumed on $np_b"
    py "a, b = h5py.File('full.h5'), h5py.File('resumed.h5')
same = $np_b == $NRANKS
if same:
    ok = all(np.array_equal(a[k][:], b[k][:]) for k in ('w', 'history/loss', 'history/grad_norm'))
    ok = ok and np.array_equal(a['intercept'][()], b['intercept'][()])
else:
    d = abs(a['w'][:] - b['w'][:]).max() / abs(a['w'][:]).max()
    ok = d <= 1e-12 and a.attrs['iterations'] == b.attrs['iterations']
sys.exit(0 if ok else 1)" || fail "lsqr $spec: resumed on $np_b ranks differs from the uninterrupted run"
  done
done

# auto: 3000 tied columns on 300 rows make a direct solve too costly.
py "rng = np.random.default_rng(2); f = h5py.File('wide.h5', 'w')
f['X'] = rng.standard_normal((300, 3000)); f['y'] = rng.standard_normal(300)"
run "$NRANKS" solve --data wide.h5 --ridge 0.1 --out r.h5 >out.txt || fail "auto on wide.h5"
grep -q "^auto: chose lsqr (3000 tied columns: lsqr .* beats a direct solve" out.txt ||
  fail "auto did not choose lsqr for 3000 tied columns"
"$PYTHON" "$TESTS_DIR/reference.py" r.h5 wide.h5 --ridge 0.1 --tol 1e-6 || fail "auto's lsqr on wide.h5"
