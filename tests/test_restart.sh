#!/bin/bash
# A run stopped by --max-iter or by a signal and resumed with --restart auto ends with the
# same weights and history, bit for bit, as an uninterrupted run (same rank count).
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_illcond.py" p.h5 4000 24 30 1
ARGS=(--data p.h5 --rtol 1e-10 --intercept --quiet)

same() { # A.h5 B.h5 WHAT: /w, /intercept and the loss/grad-norm history bitwise equal
  py "a, b = h5py.File('$1'), h5py.File('$2')
for k in ('w', 'intercept', 'history/loss', 'history/grad_norm'):
    x, y = np.asarray(a[k][()]), np.asarray(b[k][()])
    assert x.shape == y.shape and (x == y).all(), (k, x.shape, y.shape)
assert a.attrs['iterations'] == b.attrs['iterations']" || fail "$3: resumed run differs"
}

for s in gd agd cg; do
  run "$NRANKS" solve "${ARGS[@]}" --solver "$s" --out full.h5
  iters=$(py "print(h5py.File('full.h5').attrs['iterations'])")
  [ "$iters" -gt 10 ] || fail "$s converged in $iters iterations: too few to interrupt"
  rm -rf ck
  rc=0
  run "$NRANKS" solve "${ARGS[@]}" --solver "$s" --max-iter $((iters / 2)) --checkpoint-dir ck \
    --out part.h5 || rc=$?
  [ "$rc" = 3 ] || fail "$s --max-iter: exit $rc, expected 3"
  py "a = h5py.File('part.h5').attrs; assert a['stop_reason'] in ('max-iter', b'max-iter') and a['converged'] == 0" ||
    fail "$s: stop_reason"
  run "$NRANKS" solve "${ARGS[@]}" --solver "$s" --checkpoint-dir ck --restart auto --out resumed.h5
  same full.h5 resumed.h5 "$s after --max-iter"
done

# A real signal mid-run: USR1 to mpirun, which forwards it to every rank.
"$PYTHON" "$TESTS_DIR/make_illcond.py" big.h5 40000 40 20 2
run "$NRANKS" solve --data big.h5 --solver gd --rtol 1e-9 --quiet --out full.h5
rm -rf ck
timeout -k 5 120 "$MPIEXEC" -n "$NRANKS" "$WSHARE" solve --data big.h5 --solver gd --rtol 1e-9 \
  --monitor --checkpoint-dir ck --out part.h5 >run.log 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q "iter *20 " run.log && break; sleep 0.05; done
# Signal mpirun itself (timeout, its parent, would die of USR1 rather than forward it).
kill -USR1 "$(pgrep -P "$pid" | head -n 1)"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 4 ] || { cat run.log >&2; fail "signal: exit $rc, expected 4"; }
ls ck/ckpt-*.h5 >/dev/null || fail "signal: no checkpoint written"
run "$NRANKS" solve --data big.h5 --solver gd --rtol 1e-9 --checkpoint-dir ck --restart auto \
  --out resumed.h5 >resume.log
grep -q "resuming from ck/ckpt-" resume.log || fail "resume not reported"
same full.h5 resumed.h5 "gd after SIGUSR1"

# --max-time stops with exit 3 after writing a result and a checkpoint; time-based
# checkpoints (--checkpoint-seconds) are pruned to --checkpoint-keep; the resume matches.
rm -rf ck
rc=0
run "$NRANKS" solve --data big.h5 --solver gd --rtol 1e-9 --quiet --max-time 1 \
  --checkpoint-dir ck --checkpoint-every 10 --checkpoint-keep 3 --out part.h5 || rc=$?
[ "$rc" = 3 ] || fail "--max-time: exit $rc, expected 3"
py "a = h5py.File('part.h5').attrs; assert a['stop_reason'] in ('max-time', b'max-time')" ||
  fail "--max-time: stop_reason"
# Checkpoints at 10, 20, ... below the last iteration and one at the stop, kept to 3: how
# many iterations fit in the time depends on the machine (a loaded one, a sanitizer build).
kept=$(py "it = int(h5py.File('part.h5').attrs['iterations']); print(min(3, (it - 1) // 10 + 1))")
[ "$(ls ck/ckpt-*.h5 | wc -l)" = "$kept" ] ||
  fail "expected $kept checkpoints (--checkpoint-keep 3): $(ls ck)"
run "$NRANKS" solve --data big.h5 --solver gd --rtol 1e-9 --checkpoint-dir ck --restart auto \
  --quiet --out resumed.h5
same full.h5 resumed.h5 "gd after --max-time"

# Time-based checkpoints: every 10 ms over 300 iterations leaves several.
rm -rf ck
run "$NRANKS" solve --data big.h5 --solver gd --quiet --max-iter 300 --checkpoint-dir ck \
  --checkpoint-seconds 0.01 --checkpoint-keep 1000 --out part.h5 || [ $? = 3 ]
[ "$(ls ck/ckpt-*.h5 | wc -l)" -ge 3 ] || fail "--checkpoint-seconds wrote $(ls ck | wc -l) files"
