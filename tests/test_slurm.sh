#!/bin/bash
# Real-SLURM test of scripts/wshare.sbatch: a running gd solve is signalled (SIGUSR1 to the
# batch shell, as --signal=B:USR1@N would), checkpoints and exits 4, the job requeues itself,
# resumes with --restart auto and converges to the same /w as an uninterrupted run.
#
#   tests/test_slurm.sh WSHARE_BINARY WORKDIR
#
# Exit: 0 pass, 1 fail, 2 usage, 77 skipped (no usable SLURM/munge/h5py here).
# Needs: tests/slurm_cluster.sh (private cluster on 127.0.0.1), mpirun, a python3 with h5py
# and numpy ($PYTHON). WORKDIR keeps data, logs and results for inspection.
#
# Problem size: small data (default 20000 x 20, 5 groups); the run time is set with the gd
# step instead: step = 1/(F*L), L = largest eigenvalue of the tied Hessian computed here, F
# calibrated from a first reference run so that the solve takes ~WSHARE_TEST_TARGET seconds.
# Environment knobs (all optional):
#   WSHARE_TEST_NP (2) ranks; WSHARE_TEST_ROWS / _COLS / _GROUPS / _SEED problem;
#   WSHARE_TEST_RTOL (1e-10); WSHARE_TEST_TARGET (10) seconds of solve wanted;
#   WSHARE_TEST_STEP_FACTOR fixes F (skips calibration); WSHARE_TEST_JOB_TIMEOUT (240) s;
#   WSHARE_TEST_KEEP=1 keeps the cluster directory; WSHARE_TEST_PYTHON ($PYTHON).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 WSHARE_BINARY WORKDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CLUSTER_SH=$HERE/slurm_cluster.sh
JOB_SCRIPT=$ROOT/scripts/wshare.sbatch
mkdir -p "$2"
WORK=$(cd "$2" && pwd)
WSHARE=$1
case $WSHARE in /*) ;; *) WSHARE=$(cd "$(dirname "$WSHARE")" && pwd)/$(basename "$WSHARE") ;; esac

NP=${WSHARE_TEST_NP:-2}
ROWS=${WSHARE_TEST_ROWS:-20000}
COLS=${WSHARE_TEST_COLS:-20}
NGROUPS=${WSHARE_TEST_GROUPS:-5}
SEED=${WSHARE_TEST_SEED:-7}
RTOL=${WSHARE_TEST_RTOL:-1e-10}
TARGET=${WSHARE_TEST_TARGET:-10}
JOB_TIMEOUT=${WSHARE_TEST_JOB_TIMEOUT:-240}
PY=${WSHARE_TEST_PYTHON:-${PYTHON:-python3}}

# Run as if outside any SLURM job: a caller inside a real cluster's job must not leak its
# SLURM_*/SBATCH_*/SRUN_* settings into our private cluster (or into mpirun's host detection).
for v in $(env | sed -n 's/^\(\(SLURM\|SBATCH\|SRUN\|SALLOC\)_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

T_START=$(date +%s)
rm -f "$WORK/test.log"
elapsed() { echo $(( $(date +%s) - T_START )); }
# Progress goes to WORKDIR/test.log, shown only when the test fails (silent on success).
log() { echo "[test_slurm +$(elapsed)s] $*" >>"$WORK/test.log"; }
fail() {
  [ -f "$WORK/test.log" ] && cat "$WORK/test.log" >&2
  echo "FAIL: $*" >&2
  if [ -n "${JOBLOG:-}" ] && [ -f "$JOBLOG" ]; then
    echo "---- last lines of the job log $JOBLOG ----" >&2; tail -n 40 "$JOBLOG" >&2
  fi
  exit 1
}
skip() { echo "SKIP: $*"; exit 77; }

[ -x "$WSHARE" ] || fail "wshare binary '$WSHARE' is not executable"
[ -f "$JOB_SCRIPT" ] || fail "missing $JOB_SCRIPT"
command -v mpirun >/dev/null 2>&1 || skip "mpirun not found"
"$PY" -c 'import h5py, numpy' 2>/dev/null || skip "$PY cannot import h5py and numpy"

MPI_EXTRA=
SB_EXTRA=()
# (before OMP_NUM_THREADS is set: GNU nproc obeys it)
if [ "$NP" -gt "$(nproc)" ]; then MPI_EXTRA=--oversubscribe; SB_EXTRA=(--overcommit); fi
# Open MPI refuses root without these; one BLAS thread per rank on a small machine.
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# ---- cluster: private, on loopback, always stopped on exit --------------------------------
CDIR=$(mktemp -d /tmp/wsl.XXXXXX)      # short: munge socket path limit
JOBID=
cleanup() {
  local rc=$?
  set +e
  if [ -n "$JOBID" ]; then timeout 10 scancel "$JOBID" >/dev/null 2>&1; fi
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -d "$CDIR/log" ]; then
    mkdir -p "$WORK/slurm-logs" && cp -r "$CDIR/log/." "$WORK/slurm-logs/" 2>/dev/null
    echo "slurm daemon logs copied to $WORK/slurm-logs" >&2
  fi
  "$CLUSTER_SH" stop "$CDIR" >/dev/null 2>&1
  [ "${WSHARE_TEST_KEEP:-0}" = 1 ] || rm -rf "$CDIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if ! out=$("$CLUSTER_SH" start "$CDIR" 2>&1); then
  skip "$(echo "$out" | tail -n 1)"
fi
log "$out"
export SLURM_CONF=$CDIR/etc/slurm.conf

# ---- problem and reference ---------------------------------------------------------------
cd "$WORK"
rm -rf ckpt result.h5 ref.h5 ref-*.log job-*.out
DATA=$WORK/data.h5
log "gen: $ROWS x $COLS, $NGROUPS groups, seed $SEED, $NP ranks"
timeout 120 mpirun -n "$NP" $MPI_EXTRA "$WSHARE" gen --out "$DATA" --rows "$ROWS" --cols "$COLS" \
  --groups "$NGROUPS" --seed "$SEED" > gen.log 2>&1 || fail "wshare gen failed: $(tail -n 3 gen.log)"

# L = largest eigenvalue of P (X^T X / m) P, P the group-averaging projector: the gd step
# 1/(F L) is then stable for any F >= 1 and makes the solve ~F times longer than step 1/L.
L=$("$PY" - "$DATA" <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
X = f["X"][...].astype(np.float64); m, n = X.shape
H = X.T @ X / m
if "groups" in f:
    g = f["groups"][...].ravel(); P = np.zeros((n, n))
    for i in range(n):
        if g[i] < 0: P[i, i] = 1.0
    for gid in np.unique(g[g >= 0]):
        idx = np.flatnonzero(g == gid); P[np.ix_(idx, idx)] = 1.0 / len(idx)
    H = P @ H @ P
print(repr(float(np.linalg.eigvalsh(H).max())))
EOF
) || fail "cannot compute the Lipschitz constant of $DATA"

# attribute / timing readers for result files
attr() { "$PY" -c 'import sys,h5py; a=h5py.File(sys.argv[1],"r").attrs.get(sys.argv[2]); print("" if a is None else (a.decode() if isinstance(a, bytes) else a))' "$1" "$2" 2>/dev/null || true; }
sec_per_iter() {   # from /history/seconds if present, else wall_seconds / iterations
  "$PY" - "$1" <<'EOF' 2>/dev/null || true
import sys, h5py
f = h5py.File(sys.argv[1], "r"); it = int(f.attrs.get("iterations", 0))
s = f["history/seconds"][...].ravel() if "history/seconds" in f else []
v = 0.0
if len(s) > 10:
    d = s[1:] - s[:-1]
    v = float(s[-1] - s[0]) / (len(s) - 1) if (d >= 0).all() else float(s.mean())  # cumulative or per-iteration
if v <= 0 and it > 0 and "wall_seconds" in f.attrs: v = float(f.attrs["wall_seconds"]) / it
if v > 0: print(repr(v))
EOF
}

SOLVE_ARGS=
reference() {   # $1 = F; sets SOLVE_ARGS, REF_SECONDS
  local step rc t0
  step=$("$PY" -c "import sys; print(repr(1.0 / ($1 * float(sys.argv[1]))))" "$L")
  SOLVE_ARGS="--data $DATA --solver gd --step $step --rtol $RTOL --max-iter 2000000"
  log "reference: mpirun -n $NP wshare solve $SOLVE_ARGS --out ref.h5"
  t0=$(date +%s%N)
  rc=0; timeout 180 mpirun -n "$NP" $MPI_EXTRA "$WSHARE" solve $SOLVE_ARGS --out "$WORK/ref.h5" \
    > "ref-F$1.log" 2>&1 || rc=$?
  REF_SECONDS=$("$PY" -c "print('%.2f' % (($(date +%s%N) - $t0) / 1e9))")
  [ "$rc" = 0 ] || fail "reference solve (F=$1) exited $rc (3 = not converged): $(tail -n 3 "ref-F$1.log")"
  log "reference (F=$1) converged in ${REF_SECONDS}s, $(attr ref.h5 iterations) iterations"
}

if [ -n "${WSHARE_TEST_STEP_FACTOR:-}" ]; then
  F=$WSHARE_TEST_STEP_FACTOR
  reference "$F"
else
  # round 1 (step 1/(200 L): enough iterations to time one) measures the cost of an
  # iteration; round 2 aims at TARGET seconds; round 3 corrects a poor first estimate
  F=200
  for round in 1 2 3; do
    reference "$F"
    ok=$("$PY" -c "print(int($REF_SECONDS >= 0.6 * $TARGET))")
    [ "$ok" = 1 ] || [ "$round" = 3 ] && break
    spi=$(sec_per_iter ref.h5); its=$(attr ref.h5 iterations)
    F=$("$PY" - "$F" "$REF_SECONDS" "${spi:-0}" "${its:-0}" "$TARGET" <<'EOF'
import sys, math
F, T, spi, its, target = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
if spi > 0 and its > 0:      # iterations grow ~ linearly with F
    new = F * (target / (spi * its))
else:                        # only the wall time is known (it includes start-up: overshoot)
    new = F * target / max(T, 0.2)
print(int(min(max(math.ceil(new), 2 * F), 100000 * F)))
EOF
)
  done
fi
# the job must still be running when signalled: ~1/8 of the solve plus signal latency
[ "$("$PY" -c "print(int($REF_SECONDS >= 2.5))")" = 1 ] \
  || fail "reference solve too short to be interrupted (${REF_SECONDS}s; set WSHARE_TEST_TARGET/_STEP_FACTOR)"
ITERS=$(attr ref.h5 iterations)

# ---- the SLURM job ------------------------------------------------------------------------
# periodic checkpoints show the solver is iterating (signal handlers in place) before we signal
EVERY=
case $ITERS in ''|*[!0-9]*) ;; *) [ "$ITERS" -ge 16 ] && EVERY=$(( ITERS / 8 )) ;; esac
JOB_ARGS="$SOLVE_ARGS --out $WORK/result.h5${EVERY:+ --checkpoint-every $EVERY}"
export WSHARE WSHARE_ARGS="$JOB_ARGS" WSHARE_CKPT_DIR=$WORK/ckpt WSHARE_NP=$NP \
       WSHARE_LAUNCHER=mpirun WSHARE_LAUNCHER_ARGS="$MPI_EXTRA" WSHARE_MAX_REQUEUES=3
# --time: long enough that the script's own --signal=B:USR1@180 never fires during the test
JOBID=$(sbatch --parsable --job-name=wshare-test --chdir="$WORK" --output="$WORK/job-%j.out" \
        --ntasks="$NP" "${SB_EXTRA[@]}" --time=20 "$JOB_SCRIPT") || fail "sbatch failed"
JOBID=${JOBID%%;*}
JOBLOG=$WORK/job-$JOBID.out
T_SUBMIT=$(date +%s)
log "submitted job $JOBID (log $JOBLOG)"

job_field() {  # JobState, Restarts, ExitCode ... of our job
  timeout 10 scontrol -o show job "$JOBID" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}
waited() { echo $(( $(date +%s) - T_SUBMIT )); }

# 1. the batch script has installed its traps and started the solver
until grep -q '^wshare: solver started' "$JOBLOG" 2>/dev/null; do
  [ "$(waited)" -lt 60 ] || fail "job $JOBID did not start the solver within 60 s (state $(job_field JobState))"
  case $(job_field JobState) in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY)
    fail "job $JOBID ended before the solver started: $(job_field JobState)" ;; esac
  sleep 0.2
done
# 2. the solver is iterating: first periodic checkpoint, or (without iteration count) a delay
T0=$(date +%s)
if [ -n "$EVERY" ]; then
  until ls "$WORK"/ckpt/ckpt-[0-9]*.h5 >/dev/null 2>&1; do
    grep -q '^wshare: solver exited' "$JOBLOG" && fail "solver exited before its first checkpoint (expected every $EVERY iterations)"
    [ $(( $(date +%s) - T0 )) -lt 90 ] || fail "no checkpoint in $WORK/ckpt after 90 s (--checkpoint-every $EVERY)"
    sleep 0.2
  done
  log "first checkpoint: $(ls "$WORK"/ckpt | head -n 1)"
else
  sleep 3
fi
grep -q '^wshare: solver exited' "$JOBLOG" && fail "solver finished before it could be signalled (make it slower: WSHARE_TEST_TARGET)"
# 3. what --signal=B:USR1@N does at the time limit, now: SIGUSR1 to the batch shell only
log "scancel --signal=USR1 --batch $JOBID"
timeout 10 scancel --signal=USR1 --batch "$JOBID" || fail "scancel --signal=USR1 --batch $JOBID failed"

# 4. requeue, resume, finish (bounded)
state=
while :; do
  state=$(job_field JobState)
  case $state in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED|SPECIAL_EXIT) break ;; esac
  [ "$(waited)" -lt "$JOB_TIMEOUT" ] || fail "job $JOBID not finished after ${JOB_TIMEOUT}s (state ${state:-unknown})"
  sleep 0.5
done
RESTARTS=$(job_field Restarts)
log "job $JOBID: $state, exit $(job_field ExitCode), restarts $RESTARTS, $(waited)s after submit"
JOBID_DONE=$JOBID; JOBID=        # finished: nothing to cancel on exit

# ---- checks --------------------------------------------------------------------------------
[ "$state" = COMPLETED ] || fail "job $JOBID_DONE ended $state, expected COMPLETED"
[ "${RESTARTS:-0}" -ge 1 ] || fail "job $JOBID_DONE was never requeued (Restarts=${RESTARTS:-?}); did the solve end before the signal?"
grep -q '^wshare: solver exited with code 4' "$JOBLOG" || fail "log has no solver exit code 4 (checkpoint after signal)"
grep -q "^wshare: checkpointed, requeueing job $JOBID_DONE" "$JOBLOG" || fail "log has no requeue line"
grep -q '^wshare: resuming (restart count 1)' "$JOBLOG" || fail "log has no resume line"
grep -q '^wshare: solved' "$JOBLOG" || fail "log has no 'solved' line"
[ -f "$WORK/result.h5" ] || fail "no result file $WORK/result.h5"

cmp_out=$("$PY" - "$WORK/ref.h5" "$WORK/result.h5" <<'EOF'
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1], "r"); b = h5py.File(sys.argv[2], "r")
wa, wb = a["w"][...], b["w"][...]
if wa.shape != wb.shape:
    print("shape of /w differs: %s vs %s" % (wa.shape, wb.shape)); sys.exit(1)
ia, ib = a.attrs.get("iterations"), b.attrs.get("iterations")
extra = "" if ia is None or ib is None else ", iterations %s vs %s" % (ia, ib)
if wa.dtype == wb.dtype and wa.tobytes() == wb.tobytes():
    print("/w bitwise identical (n=%d%s)" % (wa.size, extra)); sys.exit(0)
rel = np.max(np.abs(wa - wb)) / max(np.max(np.abs(wa)), 1e-300)
if rel <= 1e-12:
    print("/w equal within %.3g relative, not bitwise (n=%d%s)" % (rel, wa.size, extra)); sys.exit(0)
print("/w differs: max relative difference %.3g (n=%d%s)" % (rel, wa.size, extra)); sys.exit(1)
EOF
) || fail "resumed result differs from the reference: $cmp_out"
log "$cmp_out"
log "PASS: signal -> checkpoint (exit 4) -> requeue -> resume (restart 1) -> same /w; total $(elapsed)s"
exit 0
