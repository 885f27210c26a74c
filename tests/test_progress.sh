#!/bin/bash
# Progress lines (README "Progress"): gen, reading X, the Gram pass, the factorizations (a
# start line with the flops the test computes itself), the iterations of cg and of learned
# sharing, and predict each print a fraction done and the time left; plain lines when stdout
# is a file, lines rewritten with `\r` under a pseudo-terminal (script(1)), none with --quiet
# and none for phases under the 1 s interval.  WSHARE_PROGRESS_INTERVAL=0 (the test hook)
# makes every update print, so small problems show them.
source "$(dirname "$0")/common.sh"
export WSHARE_PROGRESS_INTERVAL=0
line='[0-9]+% done, [0-9.]+ (s|min [0-9]+ s) elapsed, about ([0-9.]+ s|[0-9]+ min [0-9]+ s|\?) left'

# expect FILE PHASE: FILE has a progress line of PHASE and its "done" line; done FILE PHASE:
# the latter only.
expect() {
  grep -Eq "^  $2.*: $line\$" "$1" || { cat "$1" >&2; fail "no progress line of '$2' in $1"; }
  done_line "$@"
}
done_line() {
  grep -Eq "^  $2: 100% done in [0-9.]+ " "$1" || { cat "$1" >&2; fail "no done line of '$2'"; }
}

run "$NRANKS" gen --out d.h5 --rows 20000 --cols 24 --groups 6 >gen.txt
expect gen.txt generate
run "$NRANKS" solve --data d.h5 --solver cg --rtol 1e-10 --out f.h5 >cg.txt
expect cg.txt "read X"
expect cg.txt cg
grep -q $'\r' cg.txt && fail "carriage returns in progress written to a file"
# The last iteration converged: all of the way down to the target.
last=$(grep -E '^  cg iter ' cg.txt | tail -n 1)
[[ $last =~ ": 100% done, " ]] || fail "converged cg's last line is not 100%: $last"
[ "$(grep -cE '^  cg iter ' cg.txt)" = "$(py "print(h5py.File('f.h5').attrs['iterations'])")" ] ||
  fail "not one line per iteration at interval 0"

run "$NRANKS" solve --data d.h5 --sharing learn --out l.h5 >learn.txt
expect learn.txt learn
expect learn.txt "Gram pass"
last=$(grep -E '^  learn iter ' learn.txt | tail -n 1)
[[ $last =~ ": 100% done, " ]] || fail "learn's last stage is not 100%: $last"

run "$NRANKS" predict --model f.h5 --data d.h5 --out p.h5 >predict.txt
expect predict.txt predict

# The factorizations: the start line states the flops (k^3 for Cholesky's factor and
# inverse, 2 m k^2 - 2 k^3 / 3 for Householder QR).
m=3000 k=500
run "$NRANKS" gen --out wide.h5 --rows $m --cols $k --quiet
run "$NRANKS" solve --data wide.h5 --solver cholesky --out c.h5 >chol.txt
expect chol.txt "Gram pass"
# The flops as printed ("%.2g"), escaped for grep -E.
flops_re() { printf '%.2g' "$(py "print($1)")" | sed 's/[.+]/\\&/g'; }
flops=$(flops_re "$k ** 3")
grep -Eq "^  factor \(LAPACK Cholesky\): started, $flops flops at [0-9.e+]+ Gflop/s \(measured\) on 1 rank, 0% done, about [0-9.]+ .* left \(estimated\)$" chol.txt ||
  { cat chol.txt >&2; fail "no Cholesky start line with $flops flops"; }
done_line chol.txt "factor \(LAPACK Cholesky\)"
run "$NRANKS" solve --data wide.h5 --solver qr --out q.h5 >qr.txt
flops=$(flops_re "2 * $m * $k ** 2 - 2 * $k ** 3 / 3")
grep -Eq "^  factor \(ScaLAPACK QR\): started, $flops flops at .* on $NRANKS ranks?, 0% done, about .* left \(estimated\)$" qr.txt ||
  { cat qr.txt >&2; fail "no QR start line with $flops flops"; }
done_line qr.txt "factor \(ScaLAPACK QR\)"

# --quiet: nothing at all on stdout.
run "$NRANKS" gen --out q.h5 --rows 2000 --cols 8 --quiet >quiet.txt
run "$NRANKS" solve --data d.h5 --solver cg --quiet --out f2.h5 >>quiet.txt
run "$NRANKS" solve --data wide.h5 --solver cholesky --quiet --out c2.h5 >>quiet.txt
run "$NRANKS" predict --model f.h5 --data d.h5 --out p2.h5 --quiet >>quiet.txt
[ -s quiet.txt ] && { cat quiet.txt >&2; fail "--quiet printed"; }

# A pseudo-terminal: updates rewrite one line (\r, then clear to the end of the line), and
# "done" ends it with a newline.
cmd=$(printf '%q ' timeout -k 5 120 "$MPIEXEC" $MPIEXEC_NUMPROC_FLAG "$NRANKS" $MPIEXEC_PREFLAGS \
  "$WSHARE" solve --data d.h5 --solver cg --rtol 1e-10 --out f3.h5 $MPIEXEC_POSTFLAGS)
script -qec "$cmd" /dev/null >tty.txt </dev/null || { cat tty.txt >&2; fail "solve under script failed"; }
grep -Eq $'\r  cg iter 2 .*% done, .* left\e\\[K\r  cg iter 3 ' tty.txt ||
  { cat -v tty.txt >&2; fail "no in-place updates on a terminal"; }
# (The terminal turns the newline into \r\n.)
grep -Eq $'\r  cg: 100% done in [0-9.]+ s\e\\[K\r?$' tty.txt ||
  { cat -v tty.txt >&2; fail "the terminal line is not ended by done"; }

# The default interval: a run whose phases all take well under a second prints none.
unset WSHARE_PROGRESS_INTERVAL
run "$NRANKS" gen --out s.h5 --rows 500 --cols 4 >small.txt
run "$NRANKS" solve --data s.h5 --solver cg --out s-fit.h5 >>small.txt
grep -q '% done' small.txt && { cat small.txt >&2; fail "progress lines from a short run"; }
exit 0
