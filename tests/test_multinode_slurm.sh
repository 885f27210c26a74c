#!/bin/bash
# scripts/wshare.sbatch on a SLURM cluster of three emulated nodes (tests/nodes.sh: one
# slurmd per node, slurmctld on the head node, a munged of its own). Two jobs run side by
# side, one launching wshare with srun --mpi=pmix, one with mpirun. Each starts on 3 nodes
# (one rank per node), is signalled as --signal=B:USR1 would do (scancel --signal=USR1
# --batch), checkpoints, exits 4 and requeues itself; while it waits in the queue the test
# shrinks it to 2 nodes (scontrol update NumNodes=2 NumTasks=2), and the resumed run ends
# with the uninterrupted run's weights (1e-12 relative; the restart changes the rank
# count, hence the summation order).
source "$(dirname "$0")/common.sh"
source "$TESTS_DIR/nodes_common.sh"
JOB_SCRIPT=$(dirname "$TESTS_DIR")/scripts/wshare.sbatch
for v in $(env | sed -n 's/^\(\(SLURM\|SBATCH\|SRUN\|SALLOC\)_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
for b in munged slurmctld slurmd sbatch; do
  command -v "$b" >/dev/null 2>&1 || { echo "SKIP: $b not found (slurm-wlm, munge)"; exit 77; }
done
nodes_start 3 slurm
ON_HEAD=$NODES_DIR/slurm/on-head

# gd on a problem with spread-out column scales: some 10^4 iterations of ~0.2 ms each, so
# the signal, sent after the first of 20 periodic checkpoints, finds the solver running
"$PYTHON" "$TESTS_DIR/make_illcond.py" p.h5 3001 24 30 3
ARGS="--data $WORK/p.h5 --solver gd --rtol 1e-12 --intercept --max-iter 200000 --quiet"
# shellcheck disable=SC2086
run 3 solve $ARGS --out full.h5
ITERS=$(py "print(h5py.File('full.h5', 'r').attrs['iterations'])")
[ "$ITERS" -ge 2000 ] || fail "the reference converged in $ITERS iterations: too few to interrupt"

job_field() { # JOB FIELD: a field of scontrol show job
  timeout 10 "$ON_HEAD" scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
log_has() { grep -q "$2" "$WORK/job-$1.out" 2>/dev/null; }
done_state() {
  case $1 in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) return 0 ;; esac
  return 1
}

# Every rank's MPI traffic stays on the nodes' subnet, TCP only (what mpirun-nodes does);
# the job inherits this environment from sbatch.
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=tcp,self OMPI_MCA_btl_tcp_if_include=$CIDR \
  OMPI_MCA_oob_tcp_if_include=$CIDR OMPI_MCA_mpi_yield_when_idle=1
declare -A JOB
for launcher in srun mpirun; do
  largs=
  # every node sees the same two cores: binding would pin each node's rank to core 0
  [ "$launcher" = srun ] || largs="--bind-to none --display-map"
  JOB[$launcher]=$(WSHARE="$WSHARE" WSHARE_LAUNCHER=$launcher WSHARE_LAUNCHER_ARGS="$largs" \
    WSHARE_ARGS="$ARGS --checkpoint-every $((ITERS / 20)) --out $WORK/result-$launcher.h5" \
    WSHARE_CKPT_DIR=$WORK/ck-$launcher WSHARE_MAX_REQUEUES=3 \
    "$ON_HEAD" sbatch --parsable --job-name="wshare-$launcher" --chdir="$WORK" \
    --output="$WORK/job-%j.out" -N 3 --ntasks=3 --ntasks-per-node=1 --time=10 "$JOB_SCRIPT") ||
    fail "sbatch ($launcher) failed"
  # The second job is submitted once the first one's ranks are up (its first checkpoint is
  # written), so the two jobs run side by side but their launches do not coincide: two MPI
  # launches at the same moment on the same emulated nodes (one shared /tmp, two shared
  # cores) once crashed a rank half a second after its launch (a jump to address 0 in
  # start-up; not reproduced in 3 runs alone or beside another test).
  [ "$launcher" = mpirun ] && break
  t0=$SECONDS
  until ls "$WORK/ck-$launcher"/ckpt-*.h5 >/dev/null 2>&1; do
    ! done_state "$(job_field "${JOB[$launcher]}" JobState)" ||
      fail "job ${JOB[$launcher]} ($launcher) ended before its first checkpoint"
    [ $((SECONDS - t0)) -lt 120 ] || fail "job ${JOB[$launcher]} ($launcher): no checkpoint within 120 s"
    sleep 0.2
  done
done

# wait_all WHAT SECONDS CONDITION: poll until CONDITION LAUNCHER JOBID JOBSTATE has held for
# every job; the jobs are polled in turn, so each is acted on as soon as it is ready
wait_all() {
  local what=$1 limit=$2 t0=$SECONDS l state pending="srun mpirun" left
  shift 2
  while [ -n "$pending" ]; do
    left=
    for l in $pending; do
      state=$(job_field "${JOB[$l]}" JobState)
      "$@" "$l" "${JOB[$l]}" "$state" && continue
      left="$left $l"
      ! done_state "$state" || fail "job ${JOB[$l]} ($l) ended $state before $what"
      [ $((SECONDS - t0)) -lt "$limit" ] ||
        fail "job ${JOB[$l]} ($l): $what not seen within $limit s (state $state)"
    done
    pending=${left# }
    [ -z "$pending" ] || sleep 0.2
  done
}

# 1. running on 3 nodes and iterating (a periodic checkpoint exists): signal the batch shell
signal_when_iterating() {
  log_has "$2" '^wshare: solver started' && ls "$WORK/ck-$1"/ckpt-*.h5 >/dev/null 2>&1 || return 1
  [ "$(job_field "$2" NumNodes)" = 3 ] || fail "job $2 ($1) runs on $(job_field "$2" NodeList), not 3 nodes"
  timeout 10 "$ON_HEAD" scancel --signal=USR1 --batch "$2" || fail "scancel --signal=USR1 --batch $2"
}
wait_all "a checkpoint of the running solver" 120 signal_when_iterating

# 2. requeued (pending again): hold it, make it 2 nodes and 2 tasks, release it
shrink_when_requeued() {
  [ "$3" = PENDING ] && [ "$(job_field "$2" Restarts)" = 1 ] || return 1
  timeout 10 "$ON_HEAD" scontrol hold "$2" &&
    timeout 10 "$ON_HEAD" scontrol update JobId="$2" NumNodes=2 NumTasks=2 &&
    timeout 10 "$ON_HEAD" scontrol release "$2" || fail "cannot resize the requeued job $2 ($1)"
}
wait_all "the requeue" 120 shrink_when_requeued

# 3. resumed on 2 nodes and finished
finished() { done_state "$3"; }
wait_all "the end of the job" 240 finished

for l in srun mpirun; do
  j=${JOB[$l]}
  what="job $j ($l)"
  [ "$(job_field "$j" JobState)" = COMPLETED ] ||
    { tail -n 30 "$WORK/job-$j.out" >&2; fail "$what ended $(job_field "$j" JobState), expected COMPLETED"; }
  [ "$(job_field "$j" NumNodes)" = 2 ] || fail "$what finished on $(job_field "$j" NodeList), not 2 nodes"
  for line in ', 3 ranks, checkpoints' 'solver exited with code 4' "checkpointed, requeueing job $j" \
    'resuming (restart count 1)' ', 2 ranks, checkpoints' '^wshare: solved'; do
    log_has "$j" "$line" || { tail -n 30 "$WORK/job-$j.out" >&2; fail "$what: no '$line' in its log"; }
  done
  if [ "$l" = mpirun ]; then # mpirun's map: 3 nodes with one rank each, then 2
    maps=$(grep -c 'Data for node:' "$WORK/job-$j.out" || true)
    [ "$maps" = 5 ] || fail "$what: mpirun mapped to $maps nodes in all, expected 3 + 2"
  fi
  py "b = h5py.File('result-$l.h5', 'r'); assert b.attrs['ranks'] == 2 and abs(int(b.attrs['iterations']) - $ITERS) <= 1" ||
    fail "$what: the result is not the 2-rank continuation of the $ITERS-iteration run"
  same_w "result-$l.h5" full.h5 1e-12 "$what, 3 nodes then 2"
done
