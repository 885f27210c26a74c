#!/bin/bash
# README "Tutorial": every ```sh block between <!-- tutorial --> and <!-- /tutorial --> runs
# as written, in order, in one directory (build/wshare and scripts/ are links to this build
# and to the repository's scripts), each under `bash -euo pipefail`; then its results are
# checked: the fit against numpy's tied solution, the predictions against X w + b, the
# picture is a PNG, the SLURM job's weights equal the same cg run's bit for bit, and the
# resumed run stopped at --max-time and then equals an uninterrupted run bit for bit.
# SLURM: the suite's private cluster on loopback (tests/slurm_cluster.sh); where it cannot
# start (no slurm-wlm/munge, not root), `sbatch` is replaced by a local stand-in that runs
# the job script with bash, as the script allows outside SLURM (said on stderr).
# Arguments: the source directory.
source "$(dirname "$0")/common.sh"
ROOT=$1
README=$ROOT/README.md

awk '/^<!-- tutorial -->$/ { on = 1; next } /^<!-- \/tutorial -->$/ { on = 0 } on' "$README" \
  >tutorial.md
awk 'BEGIN { n = 0 } /^```sh$/ { n++; f = sprintf("block-%d.sh", n); printf "" >f; inb = 1; next }
     inb && /^```$/ { inb = 0; close(f); next } inb { print >>f }' tutorial.md
blocks=$(ls block-*.sh 2>/dev/null | wc -l)
[ "$blocks" -ge 6 ] || fail "README.md: $blocks sh blocks in the tutorial section, expected 6 or more"

mkdir -p build
ln -sf "$WSHARE" build/wshare
ln -sfn "$ROOT/scripts" scripts

CDIR=
cleanup() {
  local rc=$?
  if [ -n "$CDIR" ]; then
    "$TESTS_DIR/slurm_cluster.sh" stop "$CDIR" >/dev/null 2>&1 || true
    rm -rf "$CDIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
for v in $(env | sed -n 's/^\(\(SLURM\|SBATCH\|SRUN\|SALLOC\)_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
CDIR=$(mktemp -d /tmp/wst.XXXXXX) # short: munge's socket path limit
if out=$("$TESTS_DIR/slurm_cluster.sh" start "$CDIR" 2>&1); then
  export SLURM_CONF=$CDIR/etc/slurm.conf
else
  echo "tutorial: no private SLURM cluster ($(echo "$out" | tail -n 1)); sbatch runs the job script locally" >&2
  rm -rf "$CDIR"
  CDIR=
  mkdir -p local-bin
  # The stand-in: --ntasks=N gives the ranks, the output goes where #SBATCH --output says.
  cat >local-bin/sbatch <<'EOS'
#!/bin/bash
np=1
for a in "$@"; do case $a in --ntasks=*) np=${a#--ntasks=} ;; esac; done
WSHARE_NP=$np bash "${@: -1}" >"wshare-local.out" 2>&1
EOS
  chmod +x local-bin/sbatch
  export PATH=$PWD/local-bin:$PATH
fi

for ((i = 1; i <= blocks; i++)); do
  timeout -k 5 400 bash -euo pipefail "block-$i.sh" >"block-$i.log" 2>&1 ||
    { cat "block-$i.log" >&2; fail "README tutorial block $i failed: $(head -n 1 "block-$i.sh")"; }
done

# What the blocks made.
"$PYTHON" "$TESTS_DIR/reference.py" fit.h5 data.h5 --intercept --tol 1e-8 >ref.txt 2>&1 ||
  { cat ref.txt >&2; fail "tutorial fit.h5 differs from numpy's tied solution"; }
py "
f = h5py.File('data.h5'); X = f['X'][:]; r = h5py.File('fit.h5')
p = h5py.File('pred.h5')['y_pred'][:]
e = np.abs(p - (X @ r['w'][:] + r['intercept'][()])).max()
assert X.shape == (200000, 64) and e < 1e-10, e" || fail "tutorial predictions are not X w + b"
[ "$(head -c 8 convergence.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  fail "tutorial convergence.png is not a PNG"
py "
a, b = h5py.File('fit-slurm.h5'), h5py.File('fit-cg.h5')
assert a.attrs['converged'] == 1 and (a['w'][:] == b['w'][:]).all()" ||
  fail "the tutorial's SLURM job did not give the cg run's weights"
ls ckpt/ckpt-*.h5 >/dev/null 2>&1 || fail "the tutorial's stopped run wrote no checkpoint"
grep -q "stopped with exit code 3" "block-$blocks.log" || fail "the tutorial's run did not stop at --max-time"
grep -q "^restart: resuming from ckpt/ckpt-" "block-$blocks.log" || fail "the tutorial's run did not resume"
run 2 solve --data small.h5 --solver gd --step 0.01 --quiet --out small-ref.h5
py "
a, b = h5py.File('small-fit.h5'), h5py.File('small-ref.h5')
assert h5py.File('small-part.h5').attrs['converged'] == 0
assert a.attrs['converged'] == 1 and (a['w'][:] == b['w'][:]).all()" ||
  fail "the tutorial's resumed run differs from an uninterrupted one"
exit 0
