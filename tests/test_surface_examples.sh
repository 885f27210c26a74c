#!/bin/bash
# The polynomial-surface examples inputs/surface.ini and inputs/symmetric-surface.ini run
# as documented at the top of each (data from scripts/make-surface-data, at a reduced
# number of rows) and agree with numpy on the same design (tests/poly_reference.py), with
# the model read from the INI file itself; ties exact; predict reproduces the fit.
source "$(dirname "$0")/common.sh"
ROOT=$TESTS_DIR/..
# ini_flags FILE: poly_reference flags for the file's model.
ini_flags() {
  "$PYTHON" -c "import configparser, sys
c = configparser.ConfigParser(inline_comment_prefixes=(';',)); c.read(sys.argv[1]); s = c['solve']
print('--poly-degree', s['poly-degree'], '--poly-terms', s.get('poly-terms', 'separate'),
      '--poly-basis', s.get('poly-basis', 'monomial'),
      '--intercept' if s.getboolean('intercept', False) else '')" "$1"
}
"$PYTHON" "$ROOT/scripts/make-surface-data" surface.h5 --rows 3000 --seed 1
"$PYTHON" "$ROOT/scripts/make-surface-data" symmetric-surface.h5 --rows 3000 --seed 2 \
  --symmetric --degree 8
for ex in surface symmetric-surface; do
  run "$NRANKS" solve "$ROOT/inputs/$ex.ini" --quiet || fail "inputs/$ex.ini does not run"
  groups=()
  [ "$ex" = symmetric-surface ] && groups=(--groups "$ex.h5:/groups")
  # shellcheck disable=SC2046 # the flags are a word list
  "$PYTHON" "$TESTS_DIR/poly_reference.py" fit "$ex-fit.h5" "$ex.h5" $(ini_flags "$ROOT/inputs/$ex.ini") \
    "${groups[@]}" || fail "inputs/$ex.ini differs from numpy"
  run "$NRANKS" predict --model "$ex-fit.h5" --data "$ex.h5" --out "$ex-pred.h5" --quiet ||
    fail "predict with the $ex model"
  py "r = h5py.File('$ex-fit.h5'); p = h5py.File('$ex-pred.h5')
assert abs(p.attrs['rmse'] - r.attrs['rmse']) <= 1e-9 * r.attrs['rmse'], (p.attrs['rmse'], r.attrs['rmse'])
assert r.attrs['r2'] > 0.99, r.attrs['r2']" || fail "the $ex fit: predict's rmse or the fit's r2"
done
py "g = h5py.File('symmetric-surface.h5')['groups'][:]; w = h5py.File('symmetric-surface-fit.h5')['w'][:]
assert len(g) == 44 and len(set(g[g >= 0])) == 20 and (g == -1).sum() == 4
assert all(np.ptp(w[g == i]) == 0 for i in set(g[g >= 0]))" || fail "symmetric ties"
