#!/bin/bash
# Truncated checkpoints, checkpoints of another data file or another ridge: skipped with a
# warning under --restart auto (truncated), refused with a message naming what differs.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_illcond.py" p.h5 2000 18 20 5
"$PYTHON" "$TESTS_DIR/make_illcond.py" q.h5 2000 18 20 6
ARGS=(--solver gd --rtol 1e-10 --checkpoint-dir ck)  # not --quiet: warnings are checked
run "$NRANKS" solve --data p.h5 "${ARGS[@]}" --max-iter 10 --checkpoint-every 5 --out a.h5 || [ $? = 3 ]
newest=ck/ckpt-00000010.h5
[ -f "$newest" ] && [ -f ck/ckpt-00000005.h5 ] || fail "checkpoints not written"

# A truncated newest checkpoint: --restart PATH refuses it, auto skips it with a warning.
cp "$newest" saved.h5
truncate -s $(($(stat -c %s "$newest") / 2)) "$newest"
expect_error 2 "checkpoint '$newest' cannot be opened (truncated or corrupt)" solve --data p.h5 "${ARGS[@]}" --restart "$newest"
run "$NRANKS" solve --data p.h5 "${ARGS[@]}" --restart auto --max-iter 12 --out b.h5 2>err.txt || [ $? = 3 ]
grep -q "warning: skipping checkpoint '$newest'" err.txt || fail "no warning naming the torn file"
py "h = h5py.File('b.h5'); assert h.attrs['iterations'] == 12 and len(h['history/loss']) == 12" ||
  fail "auto did not resume from the older checkpoint"

# Another data file, another ridge, another solver: refused, saying what differs.
cp saved.h5 good.h5
expect_error_like 2 "good.h5: checkpoint is of a different problem: checksum of y \(different data\) differs \(checkpoint *, now *\)" solve --data q.h5 "${ARGS[@]}" --restart good.h5
expect_error 2 "good.h5: checkpoint is of a different problem: --ridge differs (checkpoint 0, now 0.5)" solve --data p.h5 "${ARGS[@]}" \
  --ridge 0.5 --restart good.h5
expect_error 2 "good.h5: checkpoint is of a different problem: --solver differs (checkpoint gd, now cg)" solve --data p.h5 --solver cg \
  --checkpoint-dir ck --restart good.h5
expect_error 2 "checkpoint 'missing.h5' not found" solve --data p.h5 "${ARGS[@]}" --restart missing.h5
