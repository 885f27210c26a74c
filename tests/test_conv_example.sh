#!/bin/bash
# The convolution example inputs/conv1d.ini (README "Models") runs as documented at its top:
# the data come from the gen command written there (at 400 rows instead of 5000), the solve
# reads only the INI file, and the fitted kernel and per-output intercepts equal numpy's
# least-squares solution of the same layer written the convolution way (im2col,
# tests/conv_reference.py) to 1e-8; the kernel is close to the one gen drew (/w_true).
source "$(dirname "$0")/common.sh"
ini=$TESTS_DIR/../inputs/conv1d.ini
# The documented gen command, without its launcher, at a reduced number of rows.
gen_line=$(sed -n 's/^; Data[^:]*: *mpirun -n [0-9]* [^ ]*wshare gen //p' "$ini")
[ -n "$gen_line" ] || fail "inputs/conv1d.ini: no '; Data: mpirun -n P wshare gen ...' line"
# shellcheck disable=SC2086 # the documented options are a word list
set -- $gen_line
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = --rows ]; then args+=(--rows 400); shift 2; else args+=("$1"); shift; fi
done
run "$NRANKS" gen "${args[@]}" >/dev/null || fail "the gen command of inputs/conv1d.ini: ${args[*]}"
[ -f conv1d.h5 ] || fail "the gen command of inputs/conv1d.ini does not write conv1d.h5"
run "$NRANKS" solve "$ini" --quiet || fail "inputs/conv1d.ini does not run"
"$PYTHON" "$TESTS_DIR/conv_reference.py" compare conv1d-fit.h5 conv1d.h5 --intercept --tol 1e-8 ||
  fail "inputs/conv1d.ini: the kernel differs from im2col"
py "g = h5py.File('conv1d.h5')['groups'][:]; w = h5py.File('conv1d-fit.h5')['w'][:]
t = h5py.File('conv1d.h5')['w_true'][:]
assert g.shape == (128, 960) and w.shape == g.shape, (g.shape, w.shape)
k = np.array([w[g == e][0] for e in range(72)])
assert np.abs(k - t).max() < 0.05 * np.abs(t).max(), np.abs(k - t).max()" ||
  fail "inputs/conv1d.ini: shape, or the kernel is far from /w_true"
