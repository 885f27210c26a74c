#!/bin/bash
# --sharing learn stopped after every stage (--max-time) and resumed with --restart auto: each
# run does one more stage (the Gram pass, the free fit and the finished K of the path are not
# redone), and the end equals an uninterrupted run bit for bit; a resume at another rank count
# agrees to rounding.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/learn_data.py" p.h5 --rows 5000 --cols 40 --values 4 --noise 0.3 \
  --intercept 1 --seed 7
ARGS=(solve --data p.h5 --sharing learn --intercept --learn-max-groups 6 --learn-criterion holdout)
run "$NRANKS" "${ARGS[@]}" --out full.h5 --quiet
stages=$(py "print(h5py.File('full.h5').attrs['iterations'])")
[ "$stages" -ge 9 ] || fail "expected at least 9 stages, found $stages"

same() { # A.h5 B.h5 TOL: weights, labels, path and history equal (TOL 0: bitwise)
  py "a, b = h5py.File('$1'), h5py.File('$2')
for k in ('w', 'intercept', 'groups', 'learn/k', 'learn/rss', 'learn/criterion', 'history/loss'):
    x, y = np.asarray(a[k][()], float), np.asarray(b[k][()], float)
    assert x.shape == y.shape, k
    assert np.abs(x - y).max(initial=0) <= $3 * np.abs(x).max(initial=1), (k, x, y)
assert a.attrs['iterations'] == b.attrs['iterations']"
}

rm -rf ck
for i in $(seq 1 "$stages"); do
  rc=0
  run "$NRANKS" "${ARGS[@]}" --max-time 1e-9 --checkpoint-dir ck --restart auto --out part.h5 \
    >run.log 2>&1 || rc=$?
  done_so_far=$(py "print(h5py.File('part.h5').attrs['iterations'])")
  [ "$done_so_far" = "$i" ] || fail "run $i ended after stage $done_so_far"
  if [ "$i" -gt 1 ]; then
    grep -q "^restart: resuming from ck/ckpt-0*$((i - 1)).h5 at iteration $((i - 1))$" run.log ||
      { cat run.log >&2; fail "run $i did not resume where run $((i - 1)) stopped"; }
  fi
  if [ "$i" -lt "$stages" ]; then
    [ "$rc" = 3 ] || { cat run.log >&2; fail "run $i: exit $rc, expected 3"; }
  else
    [ "$rc" = 0 ] || { cat run.log >&2; fail "last run: exit $rc, expected 0"; }
  fi
done
same full.h5 part.h5 0 || fail "resumed stage by stage: differs from the uninterrupted run"

# Stopped in the middle of the path at NRANKS, finished at another rank count.
other=$((NRANKS == 1 ? 2 : 1))
rm -rf ck
run "$NRANKS" "${ARGS[@]}" --max-iter 5 --checkpoint-dir ck --out part.h5 --quiet || [ $? = 3 ] ||
  fail "--max-iter 5 did not stop with exit 3"
run "$other" "${ARGS[@]}" --checkpoint-dir ck --restart auto --out part.h5 >run.log
grep -q "^restart: resuming from ck/ckpt-00000005.h5 at iteration 5$" run.log ||
  fail "no resume at iteration 5"
same full.h5 part.h5 1e-10 || fail "resumed at $other ranks: differs"
# A checkpoint of another learn setting is refused.
expect_error_like 2 "ck/ckpt-00000005.h5: checkpoint is of a different problem: --solver differs *" \
  "${ARGS[@]}" --learn-zero --checkpoint-dir ck --restart ck/ckpt-00000005.h5 --out x.h5
