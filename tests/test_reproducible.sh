#!/bin/bash
# --reproducible (README "Reproducibility"): the result's bytes (/w, /intercept, /history/*,
# every other dataset and every numeric attribute but the timings and the rank count) are
# the same at 1, 2, 3, 4 and 7 ranks for gd, agd, cg, lsqr, cholesky and --sharing learn, on a
# problem with an intercept and three outputs (19 columns, so rows are not 32-byte
# multiples), one with --ridge, --standardize and --poly-degree, and one with ties across
# outputs (also through the member-list pass); restarts 3 -> 2 and 2 -> 7 end on the
# uninterrupted run's bytes; qr is refused (exit 2) and auto names its reproducible choice;
# the reproducible cholesky and cg agree with numpy as closely as the default mode must
# (1e-8, as in tests/test_outputs.sh).  Runs its own rank counts (NRANKS is not used).
source "$(dirname "$0")/common.sh"
RANKS=(1 2 3 4 7)

# Problem A: 3000 x 19, Y 3000 x 3, 1-D groups (each output its own copy), an offset to
# make the intercept matter.  Problem B: one output, 3000 x 8, for the polynomial features.
py "rng = np.random.default_rng(14)
X = rng.standard_normal((3000, 19)) + 0.5
g = np.array([0, 0, 1, 1, 1, 2, -1, 3, 3, 4, 4, 4, 5, -1, 6, 6, 7, 7, 0])
W = rng.standard_normal((8, 3))[np.maximum(g, 0)]
W[g == -1] = rng.standard_normal((2, 3))
Y = X @ W + np.array([1.0, -2.0, 3.0]) + 0.1 * rng.standard_normal((3000, 3))
with h5py.File('a.h5', 'w') as f:
    f['X'] = X; f['Y'] = Y; f['groups'] = g
X = rng.uniform(-1, 1, (3000, 8))
g = np.array([0, 0, 1, 1, 2, 2, 3, -1, 4, 4, 5, 5, 6, 6, -1, -1])  # 16 model columns: degree 2
y = X @ np.array([1.0, 1.0, -0.5, -0.5, 2.0, 2.0, 0.3, 0.7]) + 0.2 * X[:, 0]**2 + 0.05 * rng.standard_normal(3000)
with h5py.File('b.h5', 'w') as f:
    f['X'] = X; f['y'] = y; f['groups'] = g"
"$PYTHON" "$TESTS_DIR/learn_data.py" l.h5 --rows 3000 --cols 20 --values 4 --noise 0.3 \
  --intercept 2 --seed 5

# same A.h5 B.h5: every dataset's bytes, and every attribute, are equal, except what records
# the run itself (timings, /history/seconds, ranks, the configuration text, the version).
same() {
  py "
skip = {'wall_seconds', 'read_seconds', 'ranks', 'config', 'wshare_version'}
a, b = h5py.File('$1', 'r'), h5py.File('$2', 'r')
def names(f):
    out = []
    f.visititems(lambda k, v: out.append(k) if isinstance(v, h5py.Dataset) else None)
    return sorted(out)
assert names(a) == names(b), (names(a), names(b))
assert 'w' in names(a) and 'history/loss' in names(a) and 'history/grad_norm' in names(a)
for k in names(a):
    if k == 'history/seconds': continue  # wall-clock times
    x, y = a[k][()], b[k][()]
    assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), k
for grp in [a] + [a[k] for k in a if isinstance(a[k], h5py.Group)]:
    other = b[grp.name]
    assert sorted(grp.attrs) == sorted(other.attrs), grp.name
    for k in grp.attrs:
        if k in skip: continue
        x, y = np.asarray(grp.attrs[k]), np.asarray(other.attrs[k])
        assert x.shape == y.shape and x.tobytes() == y.tobytes(), (grp.name, k, x, y)
" || fail "$3: $2 differs from $1"
}

# identical NAME ARGS...: the solve at every rank count gives the 1-rank run's bytes.
identical() {
  local name=$1
  shift
  for n in "${RANKS[@]}"; do
    local rc=0
    run "$n" solve --reproducible --quiet --out "$name-$n.h5" "$@" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "$name: exit $rc at $n ranks: wshare solve $*"
    [ "$n" = 1 ] || same "$name-1.h5" "$name-$n.h5" "$name at $n ranks"
  done
}

for s in gd agd cg lsqr cholesky; do
  identical "a-$s" --data a.h5 --solver "$s" --intercept --rtol 1e-10 --max-iter 400
done
for s in gd cg lsqr cholesky; do
  identical "b-$s" --data b.h5 --solver "$s" --intercept --ridge 0.01 --standardize \
    --poly-degree 2 --rtol 1e-10 --max-iter 400
done
# Ties across outputs (n x q groups: the Gram pass over X~^T X~ and the member lists), and
# the member-list gradient pass forced.
"$PYTHON" "$TESTS_DIR/make_outputs.py" joint.h5 joint 3000 7
identical joint-cholesky --data joint.h5 --solver cholesky --intercept
WSHARE_KERNEL=members identical joint-cg --data joint.h5 --solver cg --intercept --rtol 1e-10
identical learn --data l.h5 --sharing learn --intercept --learn-max-groups 8

# The same at 1 rank in the default mode ran different code; --reproducible is recorded.
py "a = h5py.File('a-cg-1.h5').attrs['config']
assert 'reproducible' in (a.decode() if isinstance(a, bytes) else a)" ||
  fail "the result's config does not record --reproducible"

# Restarts on another rank count end on the uninterrupted run's bytes: cg stopped at
# --max-iter on 3 ranks, resumed on 2; gd checkpointing every 5 iterations, stopped on 2
# ranks, resumed on 7.
restart() { # NAME FROM TO STOP ARGS...
  local name=$1 from=$2 to=$3 stop=$4
  shift 4
  rm -rf "ck-$name"
  local rc=0
  run "$from" solve --reproducible --quiet --checkpoint-dir "ck-$name" --checkpoint-every 5 \
    --max-iter "$stop" --out "$name-part.h5" "$@" || rc=$?
  [ "$rc" = 3 ] || fail "$name: the first part exited $rc, expected 3 (stopped)"
  rc=0
  run "$to" solve --reproducible --checkpoint-dir "ck-$name" --restart auto \
    --max-iter 400 --out "$name-resumed.h5" "$@" >out.txt || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "$name: the resumed part exited $rc"
  grep -q "^restart: resuming from .* at iteration $stop\$" out.txt ||
    fail "$name: did not resume at iteration $stop: $(grep '^restart' out.txt)"
}
restart cg-3to2 3 2 4 --data a.h5 --solver cg --intercept --rtol 1e-10
same a-cg-1.h5 cg-3to2-resumed.h5 "cg restarted 3 -> 2 ranks"
restart gd-2to7 2 7 12 --data a.h5 --solver gd --intercept --rtol 1e-10
restart lsqr-3to2 3 2 4 --data a.h5 --solver lsqr --intercept --rtol 1e-10
same a-gd-1.h5 gd-2to7-resumed.h5 "gd restarted 2 -> 7 ranks"
# A reproducible checkpoint does not continue a default run: the mode is in the fingerprint.
ckpt=$(ls ck-gd-2to7/ckpt-*.h5 | tail -n 1)
expect_error 2 "$ckpt: checkpoint is of a different problem: --reproducible differs (checkpoint 1, now 0)" \
  solve --data a.h5 --solver gd --intercept --restart "$ckpt" --quiet

# qr is refused with the alternatives; auto says what it chose and why.
expect_error 2 "--solver qr cannot give results independent of the number of ranks; with --reproducible use --solver cholesky, lsqr, cg, agd or gd" \
  solve --data a.h5 --solver qr --reproducible --quiet
run 2 solve --data a.h5 --intercept --reproducible --rtol 1e-10 --max-iter 400 --out auto.h5 >out.txt ||
  fail "auto with --reproducible exited $?"
grep -q "^auto: chose cholesky (.*--reproducible: cholesky without the switch to qr" out.txt ||
  fail "auto did not say it kept to cholesky for --reproducible: $(grep '^auto' out.txt)"
same a-cholesky-1.h5 auto.h5 "auto"

# Accuracy: the reproducible cholesky and cg meet numpy's tolerance of the default mode.
for s in cholesky cg; do
  "$PYTHON" "$TESTS_DIR/reference.py" "a-$s-3.h5" a.h5 --intercept --tol 1e-8 ||
    fail "reproducible $s differs from numpy"
done
"$PYTHON" "$TESTS_DIR/reference.py" b-cholesky-4.h5 b.h5 --intercept --ridge 0.01 \
  --poly-degree 2 --tol 1e-8 || fail "reproducible cholesky with ridge and poly differs from numpy"
