#!/bin/bash
# A restart may use another number of ranks: 2 -> 1, 2 -> 4 and 4 -> 3 finish within
# 1e-12 (relative) of the uninterrupted run.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_illcond.py" p.h5 3001 24 10 3
for s in gd cg; do
  run 2 solve --data p.h5 --solver "$s" --rtol 1e-12 --intercept --quiet --out full.h5
  for pair in 2:1 2:4 4:3; do
    a=${pair%:*} b=${pair#*:}
    rm -rf ck
    run "$a" solve --data p.h5 --solver "$s" --rtol 1e-12 --intercept --quiet --max-iter 8 \
      --checkpoint-dir ck --out part.h5 || [ $? = 3 ] || fail "$s on $a ranks"
    run "$b" solve --data p.h5 --solver "$s" --rtol 1e-12 --intercept --quiet \
      --checkpoint-dir ck --restart auto --out resumed.h5
    py "a, b = h5py.File('full.h5'), h5py.File('resumed.h5')
d = abs(a['w'][:] - b['w'][:]).max() / abs(a['w'][:]).max()
e = abs(a['intercept'][()] - b['intercept'][()]) / max(abs(a['intercept'][()]), abs(a['w'][:]).max())
assert b.attrs['ranks'] == $b and len(b['history/loss']) == b.attrs['iterations']
print('$s $pair', d, e); sys.exit(0 if max(d, e) <= 1e-12 else 1)" || fail "$s restart $pair"
  done
done
