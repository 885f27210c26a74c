#!/bin/bash
# wshare gen --pattern conv1d|conv2d: the same file from 1 and 4 ranks; its ties, kernel,
# biases and Y checked with numpy against the convolution written the im2col way
# (tests/conv_reference.py), which recovers the kernel of a noiseless file; the reference's
# comparison of a fitted W, on W's made by numpy; bad options.
source "$(dirname "$0")/common.sh"
ref() { "$PYTHON" "$TESTS_DIR/conv_reference.py" "$@"; }
# shape NAME GEN-OPTIONS...: files NAME-DTYPE-RANKS.h5 from 1 and 4 ranks, identical and
# consistent; a noiseless NAME-quiet.h5 the im2col reference recovers.
shape() {
  local name=$1 dtype seed=0
  shift
  for dtype in f64 f32; do
    seed=$((seed + 1))
    run 1 gen --out "$name-$dtype-1.h5" --rows 301 "$@" --seed "$seed" --dtype "$dtype" >/dev/null
    run 4 gen --out "$name-$dtype-4.h5" --rows 301 "$@" --seed "$seed" --dtype "$dtype" >/dev/null
    h5diff "$name-$dtype-1.h5" "$name-$dtype-4.h5" || fail "gen $* --dtype $dtype differs between 1 and 4 ranks"
    ref check-gen "$name-$dtype-1.h5" || fail "gen $* --dtype $dtype"
  done
  run 2 gen --out "$name-quiet.h5" --rows 400 "$@" --noise 0 --seed 7 >/dev/null
  ref check-gen "$name-quiet.h5" || fail "noiseless gen $*"
  ref selftest "$name-quiet.h5" || fail "im2col on a noiseless $*"
}
shape conv1 --pattern conv1d --cols 19 --channels 2 --filters 4 --kernel 3 --stride 2
shape conv2 --pattern conv2d --height 6 --cols 7 --channels 2 --filters 3 --kernel 3
shape conv2r --pattern conv2d --height 7 --cols 8 --filters 2 --kernel 3,2 --stride 2
py "f = h5py.File('conv1-f64-1.h5'); a = f.attrs
assert f['X'].shape == (301, 38) and f['Y'].shape == (301, 36) and f['groups'].shape == (38, 36)
assert f['w_true'].shape == (24,) and f['b_true'].shape == (4,) and a['outputs'] == 36
assert a['pattern'] == b'conv1d' and f['X'].dtype == np.float64
f = h5py.File('conv2r-f32-1.h5'); assert f['Y'].shape == (301, 2 * 3 * 4) and f['Y'].dtype == np.float32" ||
  fail "conv file layout"

# The comparison of a fitted W: numpy's own im2col fit written as a dense W passes, and a W
# with one kernel entry moved, one tie broken or a structural zero filled is refused.
for data in conv1-f64-1.h5 conv2-f64-1.h5; do
  py "import sys; sys.path.insert(0, '$TESTS_DIR'); import conv_reference as cr
f = h5py.File('$data'); sh = cr.Shape(f.attrs)
X, Y, g = f['X'][:], f['Y'][:], f['groups'][:]
k, b = cr.im2col_fit(X, Y, sh, True)
def write(name, W, b):
    r = h5py.File(name, 'w'); r['w'] = W; r['intercept'] = b
W = cr.dense(g, k); write('good.h5', W, b)
k2 = k.copy(); k2[3] *= 1 + 1e-6; write('moved.h5', cr.dense(g, k2), b)
W2 = W.copy(); i, o = np.argwhere(g == 5)[0]; W2[i, o] += 1e-9; write('untied.h5', W2, b)
W3 = W.copy(); i, o = np.argwhere(g == -2)[0]; W3[i, o] = 1e-300; write('filled.h5', W3, b)
write('icpt.h5', W, b + 1e-6)"
  ref compare good.h5 "$data" --intercept || fail "compare refuses numpy's own fit ($data)"
  for bad in moved untied filled icpt; do
    if ref compare "$bad.h5" "$data" --intercept 2>/dev/null; then
      fail "compare accepts a W with a fault ($bad, $data)"
    fi
  done
done

# Bad options.
expect_error 2 "gen: --kernel applies to --pattern conv1d|conv2d" gen --out x.h5 --rows 5 --cols 4 --kernel 3
expect_error 2 "gen: --groups applies to --pattern random (a convolution's ties are its kernel's)" \
  gen --out x.h5 --rows 5 --cols 4 --pattern conv1d --groups 2
expect_error 2 "gen: --height applies to --pattern conv2d" gen --out x.h5 --rows 5 --cols 4 --pattern conv1d --height 3
expect_error 2 "gen: --kernel K,K2 applies to --pattern conv2d (conv1d has a width K only)" \
  gen --out x.h5 --rows 5 --cols 4 --pattern conv1d --kernel 3,2
expect_error 2 "gen: invalid value '3,x' for --kernel (expected K or K,K2, integers >= 1)" \
  gen --out x.h5 --rows 5 --cols 4 --pattern conv2d --kernel 3,x
expect_error 2 "gen: convolution: the 1 x 5 kernel does not fit the 1 x 4 input" \
  gen --out x.h5 --rows 5 --cols 4 --pattern conv1d --kernel 5
expect_error 2 "gen: invalid value 'conv3d' for --pattern (expected random|conv1d|conv2d)" \
  gen --out x.h5 --rows 5 --cols 4 --pattern conv3d

# The picture of the tie pattern (scripts/conv-tie-picture): one line per input, the kernel
# entry or '.' for each output, as /groups says.
"$PYTHON" "$TESTS_DIR/../scripts/conv-tie-picture" conv1-f64-1.h5 >picture.txt || fail "conv-tie-picture"
py "g = h5py.File('conv1-f64-1.h5')['groups'][:]; lines = open('picture.txt').read().splitlines()[1:]
sym = '0123456789abcdefghijklmnopqrstuvwxyz'
assert lines == [''.join(sym[e] if e >= 0 else '.' for e in row) for row in g], lines[:3]" ||
  fail "conv-tie-picture does not show /groups"
