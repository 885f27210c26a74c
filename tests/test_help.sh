#!/bin/bash
# --help of every subcommand lists every option of its table (wshare_doc options) with its
# default (or "(required)") and ends with two worked examples, which run as printed; the
# generated man page documents every option, and the bash completion completes the
# subcommands, every option and the choices of an option's value.
# Arguments: wshare_doc, the generated wshare.1, the generated bash completion.
source "$(dirname "$0")/common.sh"
DOC=$1 MAN=$2 COMPLETION=$3
"$DOC" options >options.txt
[ "$(wc -l <options.txt)" -ge 30 ] || fail "wshare_doc options lists $(wc -l <options.txt) options"
commands=$(cut -d' ' -f1 options.txt | uniq)
for c in $commands info; do
  run 1 "$c" --help >"help-$c.txt" || fail "wshare $c --help exits non-zero"
done

# Every option: a line "  --name" and, on it or its continuation lines, its default.
while read -r c opt; do
  awk -v opt="$opt" '
    $1 == opt { inside = 1; text = $0; next }
    inside && /^  *--/ { exit }
    inside && /^ / { text = text $0; next }
    inside { exit }
    END { if (!inside) exit 2; if (text !~ /\[default: [^]]+\]|\(required\)/) exit 3 }' \
    "help-$c.txt" || fail "wshare $c --help: $opt missing or without its default (awk $?)"
done <options.txt

# The last lines: "examples:", then two pairs of "  # what" and "  command".
examples=()
for c in $commands info; do
  tail -n 5 "help-$c.txt" >tail.txt
  [ "$(head -n 1 tail.txt)" = "examples:" ] || fail "wshare $c --help does not end with examples"
  [ "$(grep -c '^  # ' tail.txt)" = 2 ] || fail "wshare $c --help: not two commented examples"
  while read -r line; do examples+=("$line"); done < <(sed -n '3p;5p' tail.txt)
done
# Each example runs as printed, in order (gen's files feed solve, predict and info), with
# "mpirun -n N wshare" and "wshare" put through this suite's launcher.
for e in "${examples[@]}"; do
  n=1 args=$e
  if [[ $e =~ ^mpirun\ -n\ ([0-9]+)\ wshare\ (.*)$ ]]; then
    n=${BASH_REMATCH[1]} args=${BASH_REMATCH[2]}
  elif [[ $e =~ ^wshare\ (.*)$ ]]; then
    args=${BASH_REMATCH[1]}
  else
    fail "example is not a wshare command: $e"
  fi
  # shellcheck disable=SC2086 # the example is a word list
  run "$n" $args >example.txt 2>&1 || { cat example.txt >&2; fail "example failed: $e"; }
done
py "r = h5py.File('fit.h5'); assert r.attrs['converged'] == 1" || fail "example fit did not converge"

# The man page: a .TP entry for every option of every command.
while read -r c opt; do
  grep -q "^\.B ${opt//-/\\\\-}\( \|$\)" "$MAN" || fail "wshare.1 lacks $c $opt"
done <options.txt
if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
  [ -z "$warnings" ] || fail "groff warns about wshare.1: $warnings"
fi

# The completion, as bash calls it: COMP_WORDS and COMP_CWORD in, COMPREPLY out.
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _wshare
           printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@"
}
[ "$(complete_words wshare so)" = solve ] || fail "completion of 'wshare so'"
[ "$(complete_words wshare solve --solver ch)" = cholesky ] || fail "completion of --solver ch"
[ "$(complete_words wshare gen --dtype "" | sort | tr '\n' ' ')" = "f32 f64 " ] ||
  fail "completion of gen --dtype"
[ -z "$(complete_words wshare gen --rows "")" ] || fail "a number completes to something"
touch some-file.h5
# The words are taken whole before grep looks at them: grep -q stops reading at the first
# match, and under pipefail the writer's SIGPIPE would fail the check.
words=$(complete_words wshare predict --model s)
grep -qx some-file.h5 <<<"$words" || fail "--model completes no file"
while read -r c opt; do
  words=$(complete_words wshare "$c" "$opt")
  grep -qx -- "$opt" <<<"$words" || fail "completion lacks $c $opt"
done <options.txt
