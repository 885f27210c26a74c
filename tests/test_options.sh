#!/bin/bash
# Bad command lines: unknown commands and options, missing values, and a negative and a NaN
# value for every numeric option of solve and gen (predict has none): exit 2, one whole
# error line naming the option and the value and saying what was expected, no file
# changed (expect_error).
source "$(dirname "$0")/common.sh"
mkdata ok.h5 'X=[[1,2],[2,3],[3,4],[4,4],[5,1],[6,0]]' 'y=[1,2,3,4,5,6]' 'groups=[0,0]'
run "$NRANKS" solve --data ok.h5 --solver gd --out model.h5 --quiet

expect_error 2 "unknown command 'frobnicate'" frobnicate
expect_error 2 "solve: unknown option '--frobnicate' (see wshare solve --help)" solve --data ok.h5 --frobnicate 3
expect_error 2 "solve: option --data is required" solve --X /X
expect_error 2 "gen: option --rows is required" gen --out g.h5 --cols 3
expect_error 2 "predict: option --out is required" predict --model model.h5 --data ok.h5
expect_error 2 "solve: option --rtol needs a value (R)" solve --data ok.h5 --rtol
expect_error 2 "solve: option --out needs a value (FILE), found option '--quiet'" solve --data ok.h5 --out --quiet
expect_error 2 "gen: option --rows needs a value (M)" gen --out g.h5 --cols 3 --rows
expect_error 2 "solve: option --intercept takes no value" solve --data ok.h5 --intercept=yes
printf '[solve]\n' >empty.ini
expect_error 2 "solve: unexpected argument 'extra' (only one CONFIG.ini may be given)" solve empty.ini extra --data ok.h5
expect_error 2 "predict: unexpected argument 'extra' (predict takes only options)" \
  predict --model model.h5 --data ok.h5 --out p.h5 extra
expect_error 2 "gen: unexpected argument 'extra' (gen takes only options)" gen --out g.h5 --rows 3 --cols 2 extra
expect_error 2 "solve: invalid value 'newton' for --solver (expected auto|gd|agd|cg|lsqr|qr|cholesky)" solve --data ok.h5 --solver newton
expect_error 2 "solve: invalid value 'diagonal' for --sharing (expected none|groups|matrix|learn)" solve --data ok.h5 --sharing diagonal
expect_error 2 "solve: invalid value 'ones' for --init (expected zeros, uniform, normal or FILE:DATASET)" solve --data ok.h5 --init ones
expect_error 2 "gen: invalid value 'f16' for --dtype (expected f64|f32)" gen --out g.h5 --rows 3 --cols 2 --dtype f16
expect_error 2 "solve: invalid value 'abc' for --rtol (expected a number >= 0)" solve --data ok.h5 --rtol abc
expect_error 2 "solve: invalid value '1e-3x' for --atol (expected a number >= 0)" solve --data ok.h5 --atol 1e-3x
expect_error 2 "gen: --groups 3 needs at least that many shared weights (have 2)" gen --out g.h5 --rows 3 --cols 2 --groups 3

# Every numeric option, negative and NaN.  What is expected follows each option's range.
numeric() {
  # numeric COMMAND OPTION EXPECTED ARGS...: -1 and nan for OPTION are both refused.
  local cmd=$1 opt=$2 expected=$3
  shift 3
  for v in -1 nan; do
    expect_error 2 "$cmd: invalid value '$v' for --$opt ($expected)" "$cmd" "$@" "--$opt=$v"
  done
}
S=(--data ok.h5 --solver gd --out r.h5)
numeric solve step "expected auto or a number > 0" "${S[@]}"
numeric solve rtol "expected a number >= 0" "${S[@]}"
numeric solve atol "expected a number >= 0" "${S[@]}"
numeric solve max-iter "expected an integer >= 1" "${S[@]}"
numeric solve max-time "expected a number > 0" "${S[@]}"
numeric solve ridge "expected a number >= 0" "${S[@]}"
numeric solve poly-degree "expected an integer from 1 to 64" "${S[@]}"
numeric solve seed "expected an integer >= 0" "${S[@]}"
numeric solve checkpoint-every "expected an integer >= 0" "${S[@]}"
numeric solve checkpoint-seconds "expected a number >= 0" "${S[@]}"
numeric solve checkpoint-keep "expected an integer >= 1" "${S[@]}"
G=(--out g.h5 --rows 3 --cols 2)
numeric gen rows "expected an integer >= 1" "${G[@]}"
numeric gen cols "expected an integer from 1 to 2147483647" "${G[@]}"
numeric gen groups "expected an integer >= 1" "${G[@]}"
numeric gen unshared "expected a number from 0 to 1" "${G[@]}"
numeric gen noise "expected a number >= 0" "${G[@]}"
numeric gen seed "expected an integer >= 0" "${G[@]}"
# Out of range on the other side, and infinity.
expect_error 2 "solve: invalid value '65' for --poly-degree (expected an integer from 1 to 64)" solve "${S[@]}" --poly-degree 65
expect_error 2 "gen: invalid value '1.5' for --unshared (expected a number from 0 to 1)" gen "${G[@]}" --unshared 1.5
expect_error 2 "solve: invalid value 'inf' for --ridge (expected a number >= 0)" solve "${S[@]}" --ridge inf
expect_error 2 "solve: invalid value '0' for --step (expected auto or a number > 0)" solve "${S[@]}" --step 0
# The same value from a config file is refused the same way.
printf '[solve]\nrtol = -1\n' >neg.ini
expect_error 2 "solve: invalid value '-1' for --rtol (expected a number >= 0)" solve neg.ini "${S[@]}"
