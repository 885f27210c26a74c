#!/bin/bash
# Checkpoint and restart with several outputs: a run stopped at --max-iter and resumed at the
# same rank count ends with the uninterrupted run's /w, /intercept and history bit for bit;
# resumed on another rank count, within 1e-12.  A checkpoint of a problem with another
# number of outputs is refused, naming it.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_outputs.py" per.h5 per 3001 8
"$PYTHON" "$TESTS_DIR/make_outputs.py" conv.h5 conv 2001 9
other=$((NRANKS % 4 + 1))
for data in per.h5 conv.h5; do
  for s in gd agd cg; do
    ARGS=(solve --data "$data" --solver "$s" --intercept --rtol 1e-11 --quiet)
    run "$NRANKS" "${ARGS[@]}" --out full.h5
    iters=$(py "print(h5py.File('full.h5').attrs['iterations'])")
    [ "$iters" -ge 4 ] || fail "$s on $data converged in $iters iterations: too few to interrupt"
    for ranks in "$NRANKS" "$other"; do
      rm -rf ck
      rc=0
      run "$NRANKS" "${ARGS[@]}" --max-iter $((iters / 2)) --checkpoint-dir ck --out part.h5 || rc=$?
      [ "$rc" = 3 ] || fail "$s on $data --max-iter: exit $rc, expected 3"
      run "$ranks" "${ARGS[@]}" --checkpoint-dir ck --restart auto --out resumed.h5
      py "a, b = h5py.File('full.h5'), h5py.File('resumed.h5')
tol = 0 if $ranks == $NRANKS else 1e-12
for k in ('w', 'intercept') + (('history/loss', 'history/grad_norm') if tol == 0 else ()):
    x, y = np.asarray(a[k][()]), np.asarray(b[k][()])
    assert x.shape == y.shape, k
    assert np.abs(x - y).max() <= tol * np.abs(x).max(), (k, np.abs(x - y).max())
if tol == 0: assert a.attrs['iterations'] == b.attrs['iterations']" ||
        fail "$s on $data: resumed on $ranks ranks differs"
    done
  done
done
# The same X and ties with two outputs instead of three: the checkpoint is refused.
py "d = h5py.File('per.h5'); f = h5py.File('two.h5', 'w'); f['X'] = d['X'][:]; f['Y'] = d['Y'][:, :2]
f['groups'] = d['groups'][:]"
rm -rf ck
run "$NRANKS" solve --data per.h5 --solver gd --intercept --quiet --max-iter 3 --checkpoint-dir ck \
  --out part.h5 || [ $? = 3 ]
expect_error_like 2 "ck/ckpt-00000003.h5: checkpoint is of a different problem: number of outputs differs (checkpoint 3, now 2)" \
  solve --data two.h5 --solver gd --intercept --checkpoint-dir ck --restart auto --out r.h5
