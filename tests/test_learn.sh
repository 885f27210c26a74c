#!/bin/bash
# --sharing learn (README "Learned sharing"): planted ties recovered exactly with the tied fit
# of numpy and of --sharing-file, the same labels at every rank count, the global optimum on
# an orthogonal design (brute force over all partitions), the holdout criterion, a starting
# structure (groups never split, -1 free, -2 fixed at zero), --learn-zero, --learn-groups K,
# the route without the Gram matrix in memory, and bad input.
source "$(dirname "$0")/common.sh"
check() { "$PYTHON" "$TESTS_DIR/learn_check.py" "$@"; }
planted() { "$PYTHON" "$TESTS_DIR/learn_data.py" "$@"; }

# 1. Planted ties: 100 weights, 5 values, column scales over a decade, m >> n, noise 0.5.
planted p.h5 --rows 20000 --cols 100 --values 5 --noise 0.5 --intercept 3 --seed 11
run "$NRANKS" solve --data p.h5 --sharing learn --intercept --out r.h5 >out.txt
py "a = h5py.File('r.h5').attrs; assert a['learned_groups'] == 5 and a['groups'] == 5, a['learned_groups']
assert a['sharing'] in ('learn', b'learn') and a['converged'] == 1" || fail "planted: K is not 5"
check partition r.h5 p.h5:/planted || fail "planted: partition not recovered"
check tied p.h5 r.h5 p.h5:/planted --intercept --tol 1e-10 || fail "planted: not the tied fit"
grep -q "^learn: chose K = 5: the smallest BIC over K = 1..64$" out.txt || fail "planted: no reason"
grep -qE "^ +5 +[0-9.e+-]+ +[0-9.e+-]+ +.*<- chosen$" out.txt || fail "planted: path table"
py "r = h5py.File('r.h5'); g = r['groups'][:]; v = r['group_values'][:]
assert list(r['group_ids'][:]) == list(range(5)) and (np.diff(v) > 0).all()
assert all((r['w'][:][g == i] == v[i]).all() for i in range(5))
k, rss, crit = r['learn/k'][:], r['learn/rss'][:], r['learn/criterion'][:]
assert list(k) == list(range(1, 65)) and len(rss) == len(crit) == 64 and np.argmin(crit) == 4
assert rss[4] < 1e-2 * rss[3]" || fail "planted: result layout"
# --sharing-file RESULT.h5 reuses the ties and reproduces the fit.
run "$NRANKS" solve --data p.h5 --sharing-file r.h5 --intercept --out again.h5 --quiet
py "a, b = h5py.File('r.h5'), h5py.File('again.h5')
d = max(abs(a['w'][:] - b['w'][:]).max(), abs(a['intercept'][()] - b['intercept'][()]))
sys.exit(0 if d <= 1e-12 * abs(a['w'][:]).max() else 1)" || fail "--sharing-file does not reproduce"
# The same labels (and weights) at one rank as at NRANKS.
if [ "$NRANKS" != 1 ]; then
  run 1 solve --data p.h5 --sharing learn --intercept --out r1.h5 --quiet
  py "a, b = h5py.File('r.h5'), h5py.File('r1.h5')
assert (a['groups'][:] == b['groups'][:]).all(), 'labels differ from 1 rank'
assert abs(a['w'][:] - b['w'][:]).max() <= 1e-12 * abs(a['w'][:]).max()" || fail "ranks disagree"
fi

# 2. Orthogonal columns: the tied RSS of every K is the best over all partitions.
planted o.h5 --rows 200 --cols 7 --values 3 --noise 0.3 --orthogonal --seed 5
run "$NRANKS" solve --data o.h5 --sharing learn --out ro.h5 --quiet
check orthogonal o.h5 ro.h5 || fail "orthogonal: not the global optimum"

# 3. Holdout: rows i mod 10 = 9 held out, the fits on the others, the final fit on all rows.
run "$NRANKS" solve --data p.h5 --sharing learn --intercept --learn-criterion holdout \
  --learn-max-groups 12 --out rh.h5 >out.txt
check holdout p.h5 rh.h5 --intercept || fail "holdout criterion"
check finer rh.h5 p.h5:/planted || fail "holdout: a learned group mixes planted values"
check tied p.h5 rh.h5 rh.h5:/groups --intercept || fail "holdout: final fit not on all rows"
grep -q "^learn: chose K = [0-9]*: the smallest loss on the 2000 held-out rows" out.txt ||
  fail "holdout: reason"

# 4. A starting structure: groups of 4 inside planted blocks (never split), free weights (-1),
#    weights fixed at zero (-2).
py "f = h5py.File('p.h5', 'r+'); pl = f['planted'][:]; rng = np.random.default_rng(5)
start = np.full(len(pl), -1, dtype=np.int64)
for c in range(5):
    idx = rng.permutation(np.where(pl == c)[0])[:12]
    start[idx] = 100 + 10 * c + np.arange(12) // 4
start[np.where(pl == 0)[0][-2:]] = -2
f['start'] = start; f['expect'] = np.where(start == -2, -2, pl)
f['A'] = np.eye(len(pl)); f['bad'] = np.where(np.arange(len(pl)) == 0, -3, 0)"
run "$NRANKS" solve --data p.h5 --sharing learn --sharing-dataset /start --intercept --out rs.h5 \
  >out.txt
grep -q "^sharing: learn, starting from p.h5: /start, intercept$" out.txt || fail "start: header"
check coarser rs.h5 p.h5:/start || fail "start: a given group was split"
check partition rs.h5 p.h5:/expect || fail "start: planted partition (with -2) not recovered"
check tied p.h5 rs.h5 p.h5:/expect --intercept || fail "start: not the tied fit"
py "r = h5py.File('rs.h5'); s = h5py.File('p.h5')['start'][:]
assert (r['w'][:][s == -2] == 0).all() and (r['groups'][:][s == -2] == -2).all()" ||
  fail "start: -2 weights not fixed at zero"
# Reusing ties with -2, and the route without the Gram matrix (cg on the starting structure),
# need the sharing operator to accept -2; checked once it does.
if run "$NRANKS" solve --data p.h5 --sharing-file rs.h5 --intercept --out again.h5 --quiet \
  2>/dev/null; then
  py "a, b = h5py.File('rs.h5'), h5py.File('again.h5')
sys.exit(0 if abs(a['w'][:] - b['w'][:]).max() <= 1e-12 * abs(a['w'][:]).max() else 1)" ||
    fail "start: --sharing-file with -2 does not reproduce"
  WSHARE_MEMORY_LIMIT=480000 run "$NRANKS" solve --data p.h5 --sharing learn \
    --sharing-dataset /start --intercept --out rsp.h5 --quiet
  py "a, b = h5py.File('rs.h5'), h5py.File('rsp.h5')
assert (a['groups'][:] == b['groups'][:]).all()
assert abs(a['w'][:] - b['w'][:]).max() <= 1e-10 * abs(a['w'][:]).max()" ||
    fail "start: the route without the Gram matrix differs with -2"
fi

# 5. --learn-zero: a third of the true weights are zero; they are pruned (-2), exactly those.
planted z.h5 --rows 20000 --cols 90 --values 4 --zeros 0.3 --noise 0.5 --seed 3
run "$NRANKS" solve --data z.h5 --sharing learn --learn-zero --out rz.h5 --quiet
check partition rz.h5 z.h5:/planted || fail "--learn-zero: zeros not pruned exactly"
check tied z.h5 rz.h5 z.h5:/planted || fail "--learn-zero: not the tied fit"

# 6. --learn-groups K: one refit, no criterion; the K groups merge whole planted blocks.
run "$NRANKS" solve --data p.h5 --sharing learn --learn-groups 3 --intercept --out r3.h5 --quiet
py "r = h5py.File('r3.h5'); assert r.attrs['learned_groups'] == 3 and list(r['learn/k'][:]) == [3]
assert np.isnan(r['learn/criterion'][:]).all()" || fail "--learn-groups 3: result"
check coarser r3.h5 p.h5:/planted || fail "--learn-groups 3: a planted block was split"
check tied p.h5 r3.h5 r3.h5:/groups --intercept || fail "--learn-groups 3: not the tied fit"

# The ridge applies to every fit; the final one is the ridge tied fit of the learned ties.
run "$NRANKS" solve --data p.h5 --sharing learn --learn-max-groups 8 --intercept --ridge 0.01 \
  --out rr.h5 --quiet
check tied p.h5 rr.h5 rr.h5:/groups --intercept --ridge 0.01 || fail "--ridge: not the ridge fit"

# 7. Without room for the Gram matrix: cg free fit, one pass per K; the same answer.  The
#    limit (480 000 bytes) leaves room for the run itself at 1, 2 and 4 ranks (the memory
#    check, README "Errors and exit codes"), but not for twice the 3 x 101 x 101 Gram buffers.
WSHARE_MEMORY_LIMIT=480000 run "$NRANKS" solve --data p.h5 --sharing learn --intercept \
  --learn-max-groups 8 --out rp.h5 >out.txt
grep -q "free fit by cg, one pass per K" out.txt || fail "passes route not taken"
py "a, b = h5py.File('r.h5'), h5py.File('rp.h5')
assert (a['groups'][:] == b['groups'][:]).all()
assert abs(a['w'][:] - b['w'][:]).max() <= 1e-10 * abs(a['w'][:]).max()" || fail "passes route"

# 8. The worked example inputs/learn.ini on the demo's data (200 000 rows, as scripts/demo): the 32
#    distinct true values are found, and --sharing-file reproduces the fit.
run "$NRANKS" gen --out demo.h5 --rows 200000 --cols 64 --groups 16 --unshared 0.25 --noise 0.1 \
  --seed 1 >/dev/null
run "$NRANKS" solve "$TESTS_DIR/../inputs/learn.ini" --data demo.h5 --out rd.h5 --quiet
py "d, r = h5py.File('demo.h5'), h5py.File('rd.h5'); w = d['w_true'][:]
truth = np.unique(w, return_inverse=True)[1]; g = r['groups'][:]
assert r.attrs['learned_groups'] == len(np.unique(w)) == 32
pairs = set(zip(truth.tolist(), g.tolist())); assert len(pairs) == 32, 'not the true partition'" ||
  fail "inputs/learn.ini: the true ties are not found"
run "$NRANKS" solve --data demo.h5 --sharing-file rd.h5 --intercept --out rd2.h5 --quiet
py "a, b = h5py.File('rd.h5'), h5py.File('rd2.h5')
sys.exit(0 if abs(a['w'][:] - b['w'][:]).max() <= 1e-12 * abs(a['w'][:]).max() else 1)" ||
  fail "inputs/learn.ini: --sharing-file does not reproduce"

# 9. Bad input: one line each, exit 2.
expect_error 2 "solve: invalid value '0' for --learn-groups (expected auto or an integer >= 1)" \
  solve --data p.h5 --sharing learn --learn-groups 0
expect_error 2 "solve: invalid value '0' for --learn-max-groups (expected an integer >= 1)" \
  solve --data p.h5 --sharing learn --learn-max-groups 0
expect_error 2 "solve: invalid value 'foo' for --learn-criterion (expected bic|holdout)" \
  solve --data p.h5 --sharing learn --learn-criterion foo
expect_error 2 "p.h5: /A is a 100 x 100 matrix; --sharing learn starts from a groups dataset (one integer per model column) or from none" \
  solve --data p.h5 --sharing learn --sharing-dataset /A
expect_error 2 "p.h5: /bad: group id -3 of weight 0 is invalid (ids are >= 0, -1 for a free weight, -2 for one fixed at zero)" \
  solve --data p.h5 --sharing learn --sharing-dataset /bad
expect_error 2 "solve: --learn-groups 101 is more than the 100 points to cluster (groups and free weights of the starting structure)" \
  solve --data p.h5 --sharing learn --learn-groups 101
expect_error 2 "solve: --learn-zero applies only to --sharing learn" \
  solve --data p.h5 --learn-zero
expect_error 2 "solve: --sharing learn chooses its own fits; --solver must be auto" \
  solve --data p.h5 --sharing learn --solver cg
WSHARE_MEMORY_LIMIT=480000 expect_error_like 2 "solve: --learn-criterion holdout needs the tied Gram matrix in memory (* MiB, * MiB available); use bic" \
  solve --data p.h5 --sharing learn --learn-criterion holdout
