#!/bin/bash
# Results at 1, 2 and 4 ranks agree with each other to 1e-12 (relative).
source "$(dirname "$0")/common.sh"
run 1 gen --out a.h5 --rows 333 --cols 10 --groups 3 --unshared 0.3 --seed 5 >/dev/null
for s in gd agd cg; do
  for n in 1 2 4; do
    run "$n" solve --data a.h5 --solver "$s" --intercept --ridge 0.01 --rtol 1e-12 \
      --out "r$n.h5" --quiet
  done
  py "w = [h5py.File(f'r{n}.h5')['w'][:] for n in (1, 2, 4)]
d = max(abs(w[0] - x).max() for x in w) / abs(w[0]).max(); print('$s', d, file=sys.stderr) if d > 1e-12 else None
sys.exit(0 if d <= 1e-12 else 1)" || fail "$s: ranks disagree"
done
