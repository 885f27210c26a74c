#!/bin/bash
# A full disk while writing a result (solve, predict, gen) or a checkpoint: exit 1, one line
# naming the file and the OS error, the earlier file of that name and the earlier
# checkpoints kept byte for byte, no temporary left (expect_error checks all of it).  The
# disk is a 1 MiB tmpfs mounted here and filled up, where mounting is permitted (root);
# otherwise, or with WSHARE_DISK_FULL=shim, the LD_PRELOAD shim given as $1
# (enospc_preload.c) fails every write under the directory with ENOSPC.
SHIM=${1:?usage: test_disk_full.sh ENOSPC_SHIM.so}
# A mount left by a run that was killed would stop common.sh from clearing WORK.
if [ -n "${WORK:-}" ] && mountpoint -q "$WORK/full" 2>/dev/null; then umount "$WORK/full"; fi
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_illcond.py" data.h5 4000 12 6 3
mkdir full
mode=${WSHARE_DISK_FULL:-tmpfs}
if [ "$mode" = tmpfs ]; then
  if mount -t tmpfs -o size=1m wshare-test "$PWD/full" 2>/dev/null; then
    trap 'umount "$WORK/full" 2>/dev/null || true' EXIT
    trap 'exit 1' TERM INT
  else
    mode=shim
  fi
fi

# Earlier results and checkpoints, written while there is room.
run "$NRANKS" solve --data data.h5 --solver cg --out full/r.h5 --quiet
run "$NRANKS" predict --model full/r.h5 --data data.h5 --out full/p.h5 >/dev/null
run "$NRANKS" gen --out full/g.h5 --rows 100 --cols 3 >/dev/null
rc=0
run "$NRANKS" solve --data data.h5 --solver gd --checkpoint-dir full/ck --checkpoint-every 5 \
  --max-iter 10 --out part.h5 --quiet || rc=$?
[ "$rc" = 3 ] || fail "the run that writes the earlier checkpoints exited $rc, expected 3"
[ "$(ls full/ck)" = "$(printf 'ckpt-00000005.h5\nckpt-00000010.h5')" ] ||
  fail "expected checkpoints 5 and 10, found: $(ls full/ck)"

# Now the disk is full.
if [ "$mode" = tmpfs ]; then
  dd if=/dev/zero of=full/filler bs=4k 2>/dev/null || true
  [ "$(df --output=avail full | tail -1 | tr -d ' ')" = 0 ] || fail "the tmpfs did not fill up"
else
  # ASan must come first among the libraries; the shim is not instrumented and need not be.
  export LD_PRELOAD=$SHIM WSHARE_ENOSPC_DIR=$PWD/full
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
fi
expect_error 1 "cannot write 'full/r.h5': No space left on device" \
  solve --data data.h5 --solver cg --out full/r.h5 --quiet
expect_error 1 "full/p.h5: write of dataset /y_pred failed: No space left on device" \
  predict --model full/r.h5 --data data.h5 --out full/p.h5
expect_error 1 "full/g.h5: write of dataset /X failed: No space left on device" \
  gen --out full/g.h5 --rows 100 --cols 3
expect_error 1 "checkpoint: cannot write 'full/ck/ckpt-00000015.h5': No space left on device" \
  solve --data data.h5 --solver gd --checkpoint-dir full/ck --checkpoint-every 5 --max-iter 20 \
  --restart auto --out part.h5 --quiet

# With room again the same run resumes from checkpoint 10 and writes 15 and 20.
if [ "$mode" = tmpfs ]; then rm full/filler; else unset LD_PRELOAD WSHARE_ENOSPC_DIR; fi
rc=0
run "$NRANKS" solve --data data.h5 --solver gd --checkpoint-dir full/ck --checkpoint-every 5 \
  --max-iter 20 --restart auto --out part.h5 >resume.log || rc=$?
[ "$rc" = 3 ] || fail "resume after the disk was freed exited $rc, expected 3"
grep -q "resuming from full/ck/ckpt-00000010.h5 at iteration 10" resume.log ||
  fail "did not resume from checkpoint 10: $(cat resume.log)"
[ "$(ls full/ck)" = "$(printf 'ckpt-00000015.h5\nckpt-00000020.h5')" ] ||
  fail "expected checkpoints 15 and 20 after the resume, found: $(ls full/ck)"
