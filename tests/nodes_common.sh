# shellcheck shell=bash
# Sourced by the multi-node tests after common.sh: an emulated cluster (tests/nodes.sh)
# that is torn down however the test ends.
#
#   nodes_start N [slurm]   skip (exit 77) where namespaces cannot be made, else start N
#                           nodes (and SLURM on them); sets NODES_DIR, NODE_NAMES, HEAD_NODE
#                           and the variables of NODES_DIR/nodes.env (CIDR, ...)
#   on_nodes NP [mpirun options --] ARGS...
#                           wshare ARGS on NP ranks placed on the nodes (one per node, by
#                           the hostfile, unless the options say otherwise), time-bounded
#   same_w A.h5 B.h5 TOL WHAT
#                           /w and /intercept of two results agree to TOL (relative);
#                           TOL 0 means the bytes of /w are equal
#
# A watchdog tears the cluster down and ends the test after WSHARE_NODES_TIMEOUT seconds
# (default 480, below CTest's TIMEOUT), so even a hang leaves nothing behind. Should the
# test be killed outright, the next cluster to start reclaims its slot (tests/nodes.sh).
NODES_SH=$TESTS_DIR/nodes.sh
NODES_DIR=
NODES_WATCHDOG=

nodes_cleanup() {
  local rc=$?
  set +e
  trap '' INT TERM HUP
  if [ -n "$NODES_DIR" ] && [ -e "$NODES_DIR/timed-out" ]; then
    wait "$NODES_WATCHDOG" # it is tearing the cluster down
  elif [ -n "$NODES_WATCHDOG" ]; then
    kill "$NODES_WATCHDOG" 2>/dev/null
  fi
  if [ -n "$NODES_DIR" ]; then
    if [ -e "$NODES_DIR/timed-out" ]; then
      echo "FAIL: not finished within ${WSHARE_NODES_TIMEOUT:-480} s (emulated nodes torn down)" >&2
      rc=1
    fi
    if [ "$rc" != 0 ] && [ -d "$NODES_DIR/slurm/log" ]; then
      cp -r "$NODES_DIR/slurm/log" "$WORK/slurm-logs" 2>/dev/null &&
        echo "SLURM logs copied to $WORK/slurm-logs" >&2
    fi
    "$NODES_SH" down "$NODES_DIR" --rm >/dev/null
  fi
  exit "$rc"
}

nodes_start() {
  local why
  why=$("$NODES_SH" probe) || { echo "SKIP: $why"; exit 77; }
  NODES_DIR=$(mktemp -d /tmp/wsm.XXXXXX) # short: munge's socket path has a length limit
  trap nodes_cleanup EXIT
  trap 'exit 1' INT TERM HUP
  NODES_OWNER=$$ "$NODES_SH" up "$NODES_DIR" "$1" || fail "cannot start $1 emulated nodes"
  if [ "${2:-}" = slurm ]; then
    "$NODES_SH" slurm "$NODES_DIR" || fail "cannot start SLURM on the emulated nodes"
  fi
  # a loop of short sleeps, so that killing the watchdog leaves no sleep behind
  (
    for _ in $(seq 1 "${WSHARE_NODES_TIMEOUT:-480}"); do sleep 1; done
    : > "$NODES_DIR/timed-out"
    "$NODES_SH" down "$NODES_DIR"
    kill -TERM $$
  ) </dev/null >/dev/null 2>&1 &
  NODES_WATCHDOG=$!
  # shellcheck disable=SC1091
  . "$NODES_DIR/nodes.env"
  # shellcheck disable=SC2034 # for the test scripts
  NODE_NAMES=$NODES HEAD_NODE=$HEAD
}

on_nodes() {
  local np=$1 opts=()
  shift
  if [[ " $* " == *" -- "* ]]; then
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
  fi
  timeout -k 5 120 "$NODES_DIR/mpirun-nodes" -np "$np" "${opts[@]}" "$WSHARE" "$@"
}

same_w() {
  py "a, b = h5py.File('$1', 'r'), h5py.File('$2', 'r')
wa, wb = a['w'][:], b['w'][:]
if $3 == 0:
    ok, d = wa.tobytes() == wb.tobytes(), 'bytes differ'
else:
    scale = max(abs(wa).max(), 1e-300)
    d = max(abs(wa - wb).max(), abs(a['intercept'][()] - b['intercept'][()])) / scale
    ok = d <= $3
if not ok:
    print('$4: $1 and $2 differ:', d)
sys.exit(0 if ok else 1)" || fail "$4: results on the nodes and on one host differ"
}
