#!/bin/bash
# scripts/plot: a history picture of gd, agd and cg runs (one line per run, in three
# colours), a learned-sharing picture and a conv tie-pattern picture (files in those layouts
# made by tests/plot_fixtures.py); each PNG is written, of a real size, with many colours;
# the kind follows from the file; bad files are refused with exit 2 and one line.
# Argument: scripts/plot.
source "$(dirname "$0")/common.sh"
PLOT=$1
plot() { "$PYTHON" "$PLOT" "$@"; }

# check_png FILE MIN_COLOURS [COLOURS]: FILE is a PNG of at least 20 kB with at least
# MIN_COLOURS distinct colours, among them (within 8/255) each of COLOURS, a Python list of
# (r, g, b) in 0..255.
check_png() {
  local file=$1 least=$2 want=${3:-[]}
  [ -f "$file" ] || fail "$file not written"
  py "import matplotlib.image as mi, os
img = mi.imread('$file'); assert img.ndim == 3, img.shape
assert os.path.getsize('$file') >= 20000, os.path.getsize('$file')
px = (img[..., :3] * 255).round().reshape(-1, 3)
colours = np.unique(px, axis=0)
assert len(colours) >= $least, len(colours)
for want in $want:
    assert (np.abs(px - np.array(want)).max(axis=1) <= 8).any(), ('missing colour', want)" ||
    fail "$file is not the picture expected"
}

run "$NRANKS" gen --out d.h5 --rows 3000 --cols 16 --groups 4 --noise 0.5 --seed 2 >/dev/null
for s in gd agd cg; do
  run "$NRANKS" solve --data d.h5 --solver "$s" --rtol 1e-10 --out "r-$s.h5" --quiet
done
run "$NRANKS" solve --data d.h5 --solver qr --out r-qr.h5 --quiet
# Three runs and a direct solve (no history: noted, not drawn); tab10's first three colours.
plot r-gd.h5 r-agd.h5 r-cg.h5 r-qr.h5 >out.txt 2>err.txt || { cat err.txt >&2; fail "history"; }
grep -qx "plot: r-qr.h5: no iterations (a direct solve); not drawn" err.txt || fail "qr not noted"
grep -qx "plot: wrote r-gd-history.png" out.txt || fail "history: $(cat out.txt)"
check_png r-gd-history.png 20 "[(31, 119, 180), (255, 127, 14), (44, 160, 44)]"

"$PYTHON" "$TESTS_DIR/plot_fixtures.py" learn d.h5 learned.h5 8
plot --out learn.png learned.h5 >/dev/null || fail "learn"
check_png learn.png 20

"$PYTHON" "$TESTS_DIR/plot_fixtures.py" conv conv.h5 20 2 3 4 2
plot conv.h5 >out.txt || fail "pattern"
grep -qx "plot: wrote conv-pattern.png" out.txt || fail "pattern kind not recognised"
# Blank (white) where weights are fixed at zero, and many id colours.
check_png conv-pattern.png 20 "[(255, 255, 255)]"

# Refusals: exit 2 and a last line (the only one, but for notes of skipped files) saying why.
expect_plot_error() {
  local text=$1 rc=0
  shift
  plot "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" = 2 ] || fail "plot $*: exit $rc, expected 2"
  [ "$(tail -n 1 err.txt)" = "plot: $text" ] || fail "plot $*: '$(cat err.txt)', expected 'plot: $text'"
}
expect_plot_error "d.h5: neither a result (/history), a learned-sharing result (/learn/k) nor a file with an n x q /groups; give --kind" d.h5
expect_plot_error "--kind learn draws one file; got 2" --kind learn learned.h5 learned.h5
expect_plot_error "r-gd.h5: dataset /learn/k not found" --kind learn r-gd.h5
expect_plot_error "nothing.h5: no such file" nothing.h5
expect_plot_error "no file has an iteration history (direct solvers have none)" --out x.png r-qr.h5
[ "$(wc -l <err.txt)" = 2 ] || fail "plot r-qr.h5: $(cat err.txt)"
