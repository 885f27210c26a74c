#!/bin/bash
# Users' files (README "Input files"): the same values written by h5py (chunked with gzip,
# 7 x 3 chunks splitting the columns, shuffle, fletcher32, unallocated chunks, compact,
# float16, int8 one-hot, uint16, big-endian float64 and int64), netCDF4 (unlimited rows),
# PyTables (CArray, EArray) and stored transposed (--X-layout columns).  Each is solved with
# cg and cholesky: /w must be bitwise equal to the solve of a plain contiguous copy holding
# the same values in wshare's memory type, and within 1e-8 of numpy (reference.py); rank 0
# must have read X by the expected method, and WSHARE_IO=hdf5 must give the same bits.
# Bad inputs: exit 2 with one clear line, no hang.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$TESTS_DIR/make_inputs.py" . >files.txt

# solve RESULT DATA LAYOUT SOLVER [OPTIONS...]: the log is kept in RESULT.log.
solve() {
  local out=$1 data=$2 layout=$3 solver=$4 rc=0
  shift 4
  run "$NRANKS" solve --data "$data" --X-layout "$layout" --solver "$solver" --rtol 1e-12 \
    --max-iter 100000 --out "$out" "$@" </dev/null >"$out.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$out.log" >&2; fail "solve $data --solver $solver $* exited $rc"; }
}

# The one-hot columns of the int8 set sum to 1: no intercept there.
options() { [ "$1" = plain_i8.h5 ] || echo --intercept; }

: >pairs.txt
for solver in cg cholesky; do
  for plain in plain_f64.h5 plain_f32.h5 plain_f16.h5 plain_i8.h5 plain_u16.h5 plain_i64.h5; do
    solve "$solver-$plain" "$plain" rows "$solver" $(options "$plain")
    "$PYTHON" "$TESTS_DIR/reference.py" "$solver-$plain" "$plain" $(options "$plain") --tol 1e-8 ||
      fail "$solver on $plain differs from numpy"
  done
  while read -r name plain method layout; do
    solve "$solver-$name" "$name" "$layout" "$solver" $(options "$plain")
    grep -q "(rank 0 $method it)" "$solver-$name.log" ||
      fail "$name: X not read by the $method method: $(grep '^input:' "$solver-$name.log")"
    echo "$solver-$name $solver-$plain" >>pairs.txt
    if [ "$solver" = cholesky ] && [ "$layout" = rows ]; then
      "$PYTHON" "$TESTS_DIR/reference.py" "$solver-$name" "$name" $(options "$plain") --tol 1e-8 ||
        fail "$solver on $name differs from numpy"
    fi
    if [ "$solver" = cg ]; then # every file again through HDF5's own reading
      WSHARE_IO=hdf5 solve "hdf5-$name" "$name" "$layout" cg $(options "$plain")
      grep -q "(rank 0 hdf5 it)" "hdf5-$name.log" || fail "WSHARE_IO=hdf5 not honoured for $name"
      echo "hdf5-$name $solver-$plain" >>pairs.txt
    fi
  done <files.txt
done

# predict reads X too: the transposed file predicts the same bits as the plain one.
run "$NRANKS" predict --model cholesky-plain_f64.h5 --data plain_f64.h5 --out p-rows.h5 --quiet
run "$NRANKS" predict --model cholesky-plain_f64.h5 --data a_colsgz.h5 --X-layout columns \
  --out p-cols.h5 --quiet
echo "p-cols.h5 p-rows.h5 /y_pred" >>pairs.txt

py "
bad = []
for line in open('pairs.txt'):
    a, b, *name = line.split()
    for d in name or ['/w', '/intercept']:
        x, y = h5py.File(a, 'r')[d][()], h5py.File(b, 'r')[d][()]
        if np.asarray(x).tobytes() != np.asarray(y).tobytes():
            bad.append(f'{a} vs {b}: {d} differs by {np.max(np.abs(x - y)):.3g}')
if bad:
    sys.exit('FAIL: not bitwise equal: ' + '; '.join(bad))
" || exit 1

# Bad inputs.
expect_error 2 "solve: invalid value 'diagonal' for --X-layout (expected rows|columns)" \
  solve --data plain_f64.h5 --X-layout diagonal
expect_error 2 "plain_f64.h5: /X has 10 rows but /y has 301 (is X stored as rows? see --X-layout)" \
  solve --data plain_f64.h5 --X-layout columns
expect_error 2 "a_cols.h5: /X has 10 rows but /y has 301 (is X stored transposed? see --X-layout)" \
  solve --data a_cols.h5
py "f = h5py.File('bool.h5', 'w'); f['X'] = np.ones((5, 2), bool); f['y'] = np.ones(5)
g = h5py.File('cube.h5', 'w'); g['X'] = np.ones((5, 2, 2)); g['y'] = np.ones(5)
h = h5py.File('lzf.h5', 'w'); h.create_dataset('X', data=np.ones((50, 2)), compression='lzf')
h['y'] = np.ones(50)"
expect_error 2 "bool.h5: dataset /X must hold integers or floats (found an enum, e.g. numpy bool: store it as uint8)" solve --data bool.h5
expect_error 2 "cube.h5: dataset /X has 3 dimensions (1 or 2 expected)" solve --data cube.h5
expect_error 2 "lzf.h5: dataset /X uses HDF5 filter 32000 (lzf), which this HDF5 cannot decode (is its plugin on HDF5_PLUGIN_PATH?)" \
  solve --data lzf.h5
# A corrupt gzip chunk in the last rows: only the last rank sees it, all stop together.
py "f = h5py.File('a_gzip.h5', 'r+'); d = f['X']
d.id.write_direct_chunk((300, 0), b'not a zlib stream at all' * 10)"
expect_error 2 "a_gzip.h5: dataset /X: the gzip chunk at (300, 0) does not inflate (corrupt file?)" \
  solve --data a_gzip.h5
