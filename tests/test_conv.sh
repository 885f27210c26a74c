#!/bin/bash
# Convolutions as shared weights (README "Models"): wshare solves the dense layer of a
# conv1d (2 channels, 4 filters, stride 2) and a conv2d (3 x 3 kernel) problem of
# `wshare gen --pattern` with several outputs, n x q ties and fixed zeros, and its kernel
# and per-output intercepts equal numpy's least-squares solution of the same problem
# written the convolution way (im2col, tests/conv_reference.py), to 1e-8.
source "$(dirname "$0")/common.sh"
ref() { "$PYTHON" "$TESTS_DIR/conv_reference.py" "$@"; }
run 2 gen --out conv1d.h5 --rows 600 --pattern conv1d --cols 24 --channels 2 --filters 4 \
  --kernel 3 --stride 2 --seed 3 >/dev/null
run 2 gen --out conv2d.h5 --rows 400 --pattern conv2d --height 6 --cols 7 --channels 2 \
  --filters 3 --kernel 3 --seed 4 >/dev/null
for data in conv1d.h5 conv2d.h5; do
  for s in auto qr cholesky cg gd; do
    run "$NRANKS" solve --data "$data" --y /Y --intercept --solver "$s" --rtol 1e-12 \
      --max-iter 100000 --out fit.h5 --quiet || fail "solve $data --solver $s"
    ref compare fit.h5 "$data" --intercept --tol 1e-8 || fail "$data, $s: kernel differs from im2col"
  done
  run "$NRANKS" solve --data "$data" --y /Y --solver qr --out fit.h5 --quiet ||
    fail "solve $data without intercept"
  ref compare fit.h5 "$data" --tol 1e-8 || fail "$data without intercept differs from im2col"
done
