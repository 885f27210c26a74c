#!/bin/bash
# kill -9 of the whole job at random moments, and rank 0 killed halfway through writing a
# checkpoint (WSHARE_FAULT_CHECKPOINT, a test hook): every file with a checkpoint's final
# name is complete, and --restart auto still finishes with the uninterrupted answer.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_illcond.py" big.h5 40000 40 20 4
ARGS=(solve --data big.h5 --solver gd --rtol 1e-9 --quiet --checkpoint-dir ck --checkpoint-every 25)
run "$NRANKS" solve --data big.h5 --solver gd --rtol 1e-9 --quiet --out full.h5

all_complete() {
  py "import glob
files = glob.glob('ck/ckpt-*.h5')
for p in files:
    assert h5py.File(p).attrs['complete'] == 1, p
print(len(files), 'complete checkpoints')" || fail "a checkpoint with its final name is incomplete"
}

# 1. The fault hook: rank 0 dies (SIGKILL) in the middle of its third checkpoint.
rm -rf ck
rc=0
WSHARE_FAULT_CHECKPOINT=3 run "$NRANKS" "${ARGS[@]}" --out part.h5 >fault.log 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "the fault hook did not fire"
ls ck/*.tmp >/dev/null 2>&1 || fail "no torn temporary file left by the fault hook"
all_complete
[ "$(ls ck/ckpt-*.h5 | wc -l)" = 2 ] || fail "expected the two earlier checkpoints"

# 2. kill -9 of every process of the job at three random moments, then finish.
for delay in 0.$((RANDOM % 9 + 1)) 1.$((RANDOM % 9)) 0.$((RANDOM % 5 + 5)); do
  setsid "$MPIEXEC" -n "$NRANKS" "$WSHARE" "${ARGS[@]}" --restart auto --out part.h5 \
    >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  # Every process of the job's session, ranks included, not just mpiexec's group.
  pkill -KILL -s "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do pgrep -s "$pid" >/dev/null || break; sleep 0.1; done
  ! pgrep -s "$pid" >/dev/null || fail "processes of the killed job survive"
  all_complete
done
run "$NRANKS" "${ARGS[@]}" --restart auto --out resumed.h5
py "a, b = h5py.File('full.h5'), h5py.File('resumed.h5')
d = abs(a['w'][:] - b['w'][:]).max() / abs(a['w'][:]).max(); print('after kills', d, file=sys.stderr) if d else None
sys.exit(0 if d == 0 and (a['history/loss'][:] == b['history/loss'][:]).all() else 1)" ||
  fail "answer after kill -9 differs"
