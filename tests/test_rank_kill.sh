#!/bin/bash
# A rank other than 0 killed (SIGKILL) in the middle of the iterations: the whole job ends
# within a bounded time (nothing is left waiting in a collective for the dead rank), every
# checkpoint under its final name is complete, and --restart auto continues from the last
# one to the uninterrupted run's answer, bit for bit.  Run with Open MPI's default kill
# settings: the seconds from the kill to the job's end go to rank-kill-seconds.txt.
source "$(dirname "$0")/common.sh"
unset OMPI_MCA_odls_base_sigkill_timeout
[ "$NRANKS" -ge 2 ] || { echo "needs 2 ranks or more" >&2; exit 77; }
BOUND=60
# Rows enough for a run of a few seconds: the kill must land while it iterates (with 6000
# rows a whole run took 0.8 s, and could end before its victim was found).
"$PYTHON" "$TESTS_DIR/make_illcond.py" big.h5 24000 40 20 4
ARGS=(solve --data big.h5 --solver gd --rtol 1e-8 --checkpoint-dir ck --checkpoint-every 25)
run "$NRANKS" solve --data big.h5 --solver gd --rtol 1e-8 --quiet --out full.h5

# The rank of a process of the job, from the environment its launcher gave it.
rank_of() {
  tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null |
    sed -n 's/^\(OMPI_COMM_WORLD_RANK\|PMIX_RANK\|PMI_RANK\)=//p' | head -1
}

for attempt in 1 2; do
  rm -rf ck
  setsid "$MPIEXEC" $MPIEXEC_NUMPROC_FLAG "$NRANKS" $MPIEXEC_PREFLAGS "$WSHARE" "${ARGS[@]}" \
    --quiet --out part.h5 $MPIEXEC_POSTFLAGS >job.log 2>&1 &
  job=$!
  # Mid-iteration: once a checkpoint exists, a little later.  (A glob, not ls: the run
  # prunes old checkpoints while we look.)
  for _ in $(seq 1 600); do compgen -G 'ck/ckpt-*.h5' >/dev/null && break; sleep 0.1; done
  compgen -G 'ck/ckpt-*.h5' >/dev/null || { kill -KILL -- -"$job" 2>/dev/null || true; fail "no checkpoint within 60 s"; }
  sleep 0.$((RANDOM % 5 + 2))
  victim=$((RANDOM % (NRANKS - 1) + 1))
  pid=""
  for p in $(pgrep -s "$job"); do [ "$(rank_of "$p")" = "$victim" ] && pid=$p; done
  [ -n "$pid" ] || { kill -KILL -- -"$job" 2>/dev/null || true; fail "no process of rank $victim found (the run ended first?)"; }
  t0=$(date +%s.%N)
  kill -KILL "$pid"
  ended=0
  for _ in $(seq 1 $((BOUND * 10))); do
    kill -0 "$job" 2>/dev/null || { ended=1; break; }
    sleep 0.1
  done
  t1=$(date +%s.%N)
  if [ "$ended" = 0 ]; then
    pkill -KILL -s "$job" || true
    fail "the job was still running $BOUND s after rank $victim was killed"
  fi
  rc=0
  wait "$job" || rc=$?
  [ "$rc" != 0 ] || fail "the job whose rank $victim was killed exited 0"
  for _ in $(seq 1 50); do pgrep -s "$job" >/dev/null || break; sleep 0.1; done
  ! pgrep -s "$job" >/dev/null || fail "processes of the job survive the killed rank $victim"
  echo "attempt $attempt: rank $victim of $NRANKS killed, job ended after $("$PYTHON" -c "print('%.2f' % ($t1 - $t0))") s, exit $rc" >>rank-kill-seconds.txt
  py "import glob
for p in glob.glob('ck/ckpt-*.h5'):
    assert h5py.File(p).attrs['complete'] == 1, p" || fail "a checkpoint with its final name is incomplete"
  run "$NRANKS" "${ARGS[@]}" --restart auto --out resumed.h5 >resume.log
  grep -q "^restart: resuming from ck/ckpt-" resume.log || fail "the resume did not start from a checkpoint"
  py "a, b = h5py.File('full.h5'), h5py.File('resumed.h5')
sys.exit(0 if (a['w'][:] == b['w'][:]).all() and (a['history/loss'][:] == b['history/loss'][:]).all() else 1)" ||
    fail "the answer after rank $victim was killed differs from the uninterrupted run's"
done
