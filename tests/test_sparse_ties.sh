#!/bin/bash
# Sparse ties (README "Solvers", the dense/sparse rule): a 1-D convolution written as a dense
# layer, 40 inputs x 19 outputs tied to 4 kernel entries, 90% of the weights fixed at zero.
# Every solver matches numpy's solution of the stacked problem (1e-8 at rtol 1e-12), the
# iterative passes run over the member lists (the header says so), the fixed weights are
# exactly 0, and forcing the dense pass (WSHARE_KERNEL=dense) gives the same iterates.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_outputs.py" conv.h5 conv 300 7
for s in gd agd cg qr cholesky auto; do
  for opt in "" --intercept "--intercept --standardize"; do
    ref=()
    case "$opt" in *intercept*) ref+=(--intercept) ;; esac
    run "$NRANKS" solve --data conv.h5 --solver "$s" $opt --rtol 1e-12 --max-iter 100000 \
      --out r.h5 >out.txt || fail "$s $opt on conv.h5 exited $?"
    "$PYTHON" "$TESTS_DIR/reference.py" r.h5 conv.h5 "${ref[@]}" --tol 1e-8 || fail "$s $opt"
    py "r, g = h5py.File('r.h5'), h5py.File('conv.h5')['groups'][:]
assert (r['w'][:][g == -2] == 0).all()" || fail "$s $opt: a fixed weight is not 0"
  done
done
grep -q "member-list passes" out.txt || fail "the sparse ties did not select the member-list pass"
for s in gd cg; do
  run "$NRANKS" solve --data conv.h5 --solver "$s" --intercept --rtol 1e-12 --out m.h5 --quiet
  WSHARE_KERNEL=dense run "$NRANKS" solve --data conv.h5 --solver "$s" --intercept --rtol 1e-12 \
    --out d.h5 --quiet
  py "a, b = h5py.File('m.h5'), h5py.File('d.h5')
assert a.attrs['iterations'] == b.attrs['iterations']
d = abs(a['w'][:] - b['w'][:]).max() / abs(a['w'][:]).max(); assert d <= 1e-12, d" ||
    fail "$s: the member-list and the dense pass differ"
done
