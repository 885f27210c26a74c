#!/bin/bash
# Compressed iterations (README "Solvers"): with k1 <= n / 4 tied columns gd, agd, cg and lsqr
# sweep Z = X S and say so; their weights and intercepts agree with the uncompressed passes
# (WSHARE_COMPRESS=off) to 1e-12 and with numpy's tied least squares to 1e-8, for groups with
# unshared and -2 ids, several outputs, an intercept, a ridge, --standardize and polynomial
# features; a run stopped with Z and resumed without it ends where the whole run ends
# (1e-12); when Z would not fit the memory the ranks have, they sweep X and say why.
source "$(dirname "$0")/common.sh"
py "rng = np.random.default_rng(21); m, n = 3000, 48
g = np.repeat(np.arange(8), 5); g = np.concatenate([g, [-1, -1, -2, -2, 3, 5, -2, 0]])
X = rng.standard_normal((m, n)) * np.geomspace(1, 8, n) + 2.0
w = rng.standard_normal(n); w[g == -2] = 0
for i in set(g[g >= 0]): w[g == i] = w[g == i][0]
W = np.stack([w, 2 * w, -w], axis=1)
f = h5py.File('g.h5', 'w'); f['X'] = X; f['y'] = X @ w + 1.5 + 0.1 * rng.standard_normal(m)
f['Y'] = X @ W + 0.1 * rng.standard_normal((m, 3)); f['groups'] = g.astype(np.int64)
# Polynomial features: 12 raw columns, degree 2, 24 model columns tied into 6.
Xp = rng.uniform(-1, 1, (m, 12)); gp = np.repeat(np.arange(6), 4)
fp = h5py.File('p.h5', 'w'); fp['X'] = Xp; fp['groups'] = gp.astype(np.int64)
F = np.hstack([Xp, Xp ** 2])[:, np.argsort(np.concatenate([2 * np.arange(12), 2 * np.arange(12) + 1]))]
fp['y'] = F @ rng.standard_normal(6)[gp] + 0.05 * rng.standard_normal(m)"

same() { # A.h5 B.h5 WHAT: weights and intercepts agree to 1e-12 (relative to the largest)
  py "a, b = h5py.File('$1'), h5py.File('$2')
d = abs(a['w'][()] - b['w'][()]).max() / abs(b['w'][()]).max()
e = abs(np.asarray(a['intercept'][()]) - np.asarray(b['intercept'][()])).max()
print('$3: compressed and uncompressed differ by %.3g (intercept %.3g)' % (d, e), file=sys.stderr) if d > 1e-12 or e > 1e-12 * max(1, abs(np.asarray(b['intercept'][()])).max()) else None
sys.exit(0 if d <= 1e-12 else 1)" || fail "$3: compressed and uncompressed weights differ"
}

check() { # DATA SWEEP OPTIONS...: the run says it sweeps SWEEP; off sweeps X; both agree
  local data=$1 sweep=$2
  shift 2
  local ref=() what="$data $*"
  case "$*" in *intercept*) ref+=(--intercept) ;; esac
  case "$*" in *ridge*) ref+=(--ridge 0.05) ;; esac
  case "$*" in *"--y /Y"*) ref+=(--y /Y) ;; esac
  case "$*" in *poly-degree*) ref+=(--poly-degree 2) ;; esac
  run "$NRANKS" solve --data "$data" --rtol 1e-13 --max-iter 20000 --out z.h5 "$@" >out.txt ||
    fail "$what exited $?"
  grep -qxF "compress: iterations sweep $sweep" out.txt ||
    fail "$what: no line 'compress: iterations sweep $sweep' in: $(grep compress out.txt)"
  WSHARE_COMPRESS=off run "$NRANKS" solve --data "$data" --rtol 1e-13 --max-iter 20000 \
    --out x.h5 "$@" >out.txt || fail "$what (WSHARE_COMPRESS=off) exited $?"
  grep -qxF "compress: iterations sweep X (WSHARE_COMPRESS=off)" out.txt ||
    fail "$what: WSHARE_COMPRESS=off did not sweep X"
  same z.h5 x.h5 "$what"
  "$PYTHON" "$TESTS_DIR/reference.py" z.h5 "$data" "${ref[@]}" --tol 1e-8 || fail "$what vs numpy"
}

Z="Z = X S (10 tied columns <= n / 4 = 12)"
for s in gd agd cg lsqr; do
  check g.h5 "$Z" --solver "$s"
  check g.h5 "$Z" --solver "$s" --intercept --ridge 0.05 --standardize
  check g.h5 "$Z" --solver "$s" --y /Y --intercept
done
check p.h5 "Z = X S (6 tied columns <= n / 4 = 6)" --solver cg --poly-degree 2 --intercept

# Resumed across the decision: stopped with Z, finished sweeping X.
run "$NRANKS" solve --data g.h5 --solver cg --intercept --rtol 1e-13 --out full.h5 --quiet ||
  fail "cg whole run exited $?"
run "$NRANKS" solve --data g.h5 --solver cg --intercept --rtol 1e-13 --max-iter 3 \
  --checkpoint-dir ck --out part.h5 --quiet || [ $? = 3 ] || fail "cg stopped at --max-iter"
WSHARE_COMPRESS=off run "$NRANKS" solve --data g.h5 --solver cg --intercept --rtol 1e-13 \
  --checkpoint-dir ck --restart auto --out rest.h5 --quiet || fail "cg resumed without Z exited $?"
same rest.h5 full.h5 "cg resumed without Z"

# Memory: y takes 8 m bytes and Z (2 tied columns) 16 m; a node limit of 20 m bytes leaves
# room for everything but Z, whatever the rank count (the limit is shared by the ranks).
py "rng = np.random.default_rng(3); m = 200000; X = rng.standard_normal((m, 8))
f = h5py.File('big.h5', 'w'); f['X'] = X; f['y'] = X.sum(1) + 0.1 * rng.standard_normal(m)
f['groups'] = np.array([0, 0, 0, 1, 1, 1, 1, -2], dtype=np.int64)"
WSHARE_MEMORY_LIMIT=4000000 run "$NRANKS" solve --data big.h5 --solver gd --rtol 1e-12 \
  --out big.r.h5 >out.txt 2>err.txt || fail "gd without room for Z exited $? ($(cat err.txt))"
grep -qE '^compress: iterations sweep X \(with Z a rank would need [0-9.]+ MiB, more than its [0-9.]+ MiB\)$' out.txt ||
  fail "no room for Z: $(grep compress out.txt)"
"$PYTHON" "$TESTS_DIR/reference.py" big.r.h5 big.h5 --tol 1e-8 || fail "gd without room for Z vs numpy"
