# Sourced by the test scripts.  Environment (set by tests/CMakeLists.txt):
#   WSHARE   the binary;  NRANKS  ranks for this instance;  WORK  a scratch directory
#   WSHARE_VALGRIND=1  run every wshare under valgrind memcheck (see run)
#   MPIEXEC, MPIEXEC_NUMPROC_FLAG, MPIEXEC_PREFLAGS, MPIEXEC_POSTFLAGS  the launcher (FindMPI)
#   PYTHON   a python3 with numpy and h5py
# Tests print nothing on success; a failure prints one FAIL line (and what led to it).
set -euo pipefail
: "${WSHARE:?}" "${NRANKS:=1}" "${WORK:?}" "${MPIEXEC:=mpiexec}" "${PYTHON:=python3}"
: "${MPIEXEC_NUMPROC_FLAG:=-n}" "${MPIEXEC_PREFLAGS:=}" "${MPIEXEC_POSTFLAGS:=}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# mpirun's kill sequence after a non-zero exit waits ~2 s per run otherwise (CMakeLists.txt).
export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout-0}
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

# launch N PROGRAM ARGS...: PROGRAM on N ranks through the configured launcher.
launch() {
  local n=$1
  shift
  # shellcheck disable=SC2086 # the flags are word lists
  "$MPIEXEC" $MPIEXEC_NUMPROC_FLAG "$n" $MPIEXEC_PREFLAGS "$@" $MPIEXEC_POSTFLAGS
}

# run N ARGS...: wshare on N ranks, bounded in time so a hang fails instead of blocking.
# With WSHARE_VALGRIND=1 every rank runs under valgrind memcheck (exit 99 on any error it
# finds, Open MPI's own noise suppressed by tests/openmpi.supp), with a longer bound.
run() {
  local n=$1
  shift
  local wrap=() limit=120
  if [ "${WSHARE_VALGRIND:-0}" = 1 ]; then
    wrap=(valgrind -q --error-exitcode=99 --leak-check=no --suppressions="$TESTS_DIR/openmpi.supp")
    limit=600
  fi
  timeout -k 5 "$limit" "$MPIEXEC" $MPIEXEC_NUMPROC_FLAG "$n" $MPIEXEC_PREFLAGS "${wrap[@]}" \
    "$WSHARE" "$@" $MPIEXEC_POSTFLAGS
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# snapshot: every file and directory under the work directory (but the logs of the last
# run), each file with its checksum.
snapshot() {
  find . -mindepth 1 ! -name out.txt ! -name err.txt -printf '%y %p\n' | LC_ALL=C sort
  find . -type f ! -name out.txt ! -name err.txt -print0 | LC_ALL=C sort -z | xargs -0 -r md5sum
}

# expect_error CODE MESSAGE ARGS...: wshare must exit CODE and print exactly one error line,
# "wshare: MESSAGE" (the whole line), on stderr, within run's time limit, and leave every
# file here as it was (snapshot).  expect_error_like takes a bash pattern
# instead, for lines that carry a number of the data's (a residual, a checksum).
expect_error() {
  expect_error_as exact "$@"
}
expect_error_like() {
  expect_error_as pattern "$@"
}
expect_error_as() {
  local how=$1 code=$2 text=$3
  shift 3
  local rc=0 before after
  # A failed run changes nothing: every file here (the inputs, any earlier result) keeps its
  # bytes, and no file or directory appears or disappears.
  before=$(snapshot)
  run "$NRANKS" "$@" >out.txt 2>err.txt || rc=$?
  after=$(snapshot)
  [ "$before" = "$after" ] || {
    diff <(echo "$before") <(echo "$after") >&2 || true
    fail "files changed by a failed run: wshare $*"
  }
  [ "$rc" = "$code" ] || { cat err.txt >&2; fail "exit $rc, expected $code: wshare $*"; }
  local lines
  lines=$(grep '^wshare: ' err.txt | grep -v '^wshare: warning: ' || true)
  [ "$(printf '%s\n' "$lines" | grep -c .)" = 1 ] ||
    { cat err.txt >&2; fail "expected one error line: wshare $*"; }
  local ok=0
  if [ "$how" = exact ]; then
    [ "$lines" = "wshare: $text" ] && ok=1
  else
    # shellcheck disable=SC2053 # the pattern is meant to match
    [[ $lines == wshare:\ $text ]] && ok=1
  fi
  [ "$ok" = 1 ] || { cat err.txt >&2; fail "error line is not 'wshare: $text': wshare $*"; }
}

# h5 PYTHON-EXPRESSION-PRINTER: small helper to run python with h5py/numpy loaded.
py() {
  "$PYTHON" -c "import sys, h5py, numpy as np; $1"
}

# Writes a data file from python literals: mkdata FILE 'X=[[..]]' 'y=[..]' ['groups=[..]'].
mkdata() {
  local file=$1
  shift
  local stmts=""
  for kv in "$@"; do
    local k=${kv%%=*} v=${kv#*=}
    local t="np.float64"
    [ "$k" = groups ] && t="np.int64"
    stmts="$stmts f['$k'] = np.array($v, dtype=$t);"
  done
  py "f = h5py.File('$file', 'w'); $stmts"
}
