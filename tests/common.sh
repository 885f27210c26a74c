# Sourced by the test scripts.  Environment (set by tests/CMakeLists.txt):
#   WSHARE   the binary;  NRANKS  ranks for this instance;  WORK  a scratch directory
#   MPIEXEC  launcher;    PYTHON  a python3 with numpy and h5py
set -euo pipefail
: "${WSHARE:?}" "${NRANKS:=1}" "${WORK:?}" "${MPIEXEC:=mpiexec}" "${PYTHON:=/usr/bin/python3}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export OMPI_MCA_rmaps_base_oversubscribe=1
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

# run N ARGS...: wshare on N ranks, bounded in time so a hang fails instead of blocking.
run() {
  local n=$1
  shift
  timeout -k 5 120 "$MPIEXEC" -n "$n" "$WSHARE" "$@"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_error CODE TEXT ARGS...: wshare must exit CODE and print TEXT on stderr once.
expect_error() {
  local code=$1 text=$2
  shift 2
  local rc=0
  run "$NRANKS" "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" = "$code" ] || { cat err.txt >&2; fail "exit $rc, expected $code: wshare $*"; }
  grep -qF -- "$text" err.txt || { cat err.txt >&2; fail "message lacks '$text': wshare $*"; }
  local lines
  lines=$(grep '^wshare: ' err.txt | grep -vc '^wshare: warning: ' || true)
  [ "$lines" = 1 ] || { cat err.txt >&2; fail "expected one error line, got $lines: wshare $*"; }
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
