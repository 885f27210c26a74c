#!/bin/bash
# Bad input files, paths and sizes: the documented exit code and one whole error line from
# rank 0, never a hang (run() bounds each call), every file here unchanged afterwards
# (expect_error checks it).  Bad option values are in test_options.sh.
source "$(dirname "$0")/common.sh"
mkdata ok.h5 'X=[[1,2],[2,3],[3,4],[4,4],[5,1],[6,0]]' 'y=[1,2,3,4,5,6]' 'groups=[0,0]'
mkdata rows.h5 'X=[[1,2],[2,3],[3,4]]' 'y=[1,2]'
mkdata len.h5 'X=[[1,2],[2,3],[3,4]]' 'y=[1,2,3]' 'groups=[0,0,1]'
mkdata ids.h5 'X=[[1,2,3,4,5,6]]*8' 'y=[1]*8' 'groups=[0,-2,-1,0,1,-3]'
mkdata cols3.h5 'X=[[1,2,3],[2,3,1],[3,4,4]]' 'y=[1,2,3]'
py "f = h5py.File('float.h5', 'w'); f['X'] = np.ones((3, 2)); f['y'] = np.ones(3); f['groups'] = np.zeros(2)"
py "f = h5py.File('a.h5', 'w'); f['X'] = np.ones((3, 2)); f['y'] = np.ones(3); f['A'] = np.eye(3)[:, :2]"
py "f = h5py.File('nonproj.h5', 'w'); f['X'] = np.arange(6.0).reshape(3, 2); f['y'] = np.ones(3); f['A'] = [[1.0, 0.5], [0.0, 1.0]]"
py "f = h5py.File('anan.h5', 'w'); f['X'] = np.ones((3, 2)); f['y'] = np.ones(3); A = np.eye(2); A[1, 0] = np.nan; f['A'] = A"
# The bad value sits in the last row, held by the last rank.
py "f = h5py.File('nan.h5', 'w'); X = np.ones((6, 2)); X[5, 1] = np.nan; f['X'] = X; f['y'] = np.ones(6)"
py "f = h5py.File('inf.h5', 'w'); f['X'] = np.ones((6, 2)); y = np.ones(6); y[4] = np.inf; f['y'] = y"
py "f = h5py.File('x1d.h5', 'w'); f['X'] = np.ones(6); f['y'] = np.ones(6)"
py "f = h5py.File('x3d.h5', 'w'); f['X'] = np.ones((6, 2, 2)); f['y'] = np.ones(6)"
py "f = h5py.File('xstr.h5', 'w'); f['X'] = np.array([[b'ab', b'cd']] * 6); f['y'] = np.ones(6)"
py "f = h5py.File('xcmp.h5', 'w'); f['X'] = np.zeros((6, 2), dtype=[('a', 'f8'), ('b', 'i4')]); f['y'] = np.ones(6)"
py "f = h5py.File('ystr.h5', 'w'); f['X'] = np.ones((6, 2)); f['y'] = np.array([b'a'] * 6)"
py "f = h5py.File('rows0.h5', 'w'); f['X'] = np.ones((0, 2)); f['y'] = np.ones(0)"
py "f = h5py.File('cols0.h5', 'w'); f['X'] = np.ones((6, 0)); f['y'] = np.ones(6)"
py "f = h5py.File('xgroup.h5', 'w'); f.create_group('X'); f['y'] = np.ones(6)"
py "f = h5py.File('gneg.h5', 'w'); f['X'] = np.ones((6, 3)); f['y'] = np.ones(6); f['groups'] = np.array([0, -3, 1])"
py "f = h5py.File('gempty.h5', 'w'); f['X'] = np.ones((6, 2)); f['y'] = np.ones(6); f['groups'] = np.zeros(0, dtype=np.int64)"
py "f = h5py.File('gstr.h5', 'w'); f['X'] = np.ones((6, 2)); f['y'] = np.ones(6); f['groups'] = np.array([b'a', b'b'])"
# A file cut in half: the HDF5 signature is there, the rest is not.
py "b = open('ok.h5', 'rb').read(); open('trunc.h5', 'wb').write(b[:len(b) // 2])"
TRUNC_HAVE=$(stat -c %s trunc.h5)
TRUNC_FULL=$(stat -c %s ok.h5)
echo "not hdf5" >text.h5
mkdir adir
echo "a file" >afile
printf '[solve]\nfrobnicate = 3\n' >bad.ini
printf '[solve\nrtol = 1e-3\n' >syntax.ini
# An earlier result, for the outputs that must not replace an input.
run "$NRANKS" solve --data ok.h5 --solver gd --out model.h5 --quiet
ln -s ok.h5 link.h5
mkdir ck && cp ok.h5 ck/ckpt-00000005.h5

# Files that are not what they should be.
expect_error 2 "cannot open file 'missing.h5': No such file or directory" solve --data missing.h5
expect_error 2 "cannot open file 'text.h5': not an HDF5 file" solve --data text.h5
expect_error 2 "cannot open file 'adir': is a directory (expected an HDF5 file)" solve --data adir
expect_error 2 "cannot open file 'trunc.h5': truncated ($TRUNC_HAVE bytes, HDF5 recorded $TRUNC_FULL)" \
  solve --data trunc.h5
expect_error 2 "cannot open file 'missing.h5': No such file or directory" \
  solve --data ok.h5 --sharing-file missing.h5
expect_error 2 "cannot open file 'trunc.h5': truncated ($TRUNC_HAVE bytes, HDF5 recorded $TRUNC_FULL)" \
  info trunc.h5
expect_error 2 "info: expected one FILE argument, found 0" info

# Datasets of the wrong shape, type or content.
expect_error 2 "ok.h5: dataset /Z not found" solve --data ok.h5 --X /Z
expect_error 2 "ok.h5: dataset /nope/y not found" solve --data ok.h5 --y /nope/y
expect_error 2 "rows.h5: /X has 3 rows but /y has 2 (is X stored transposed? see --X-layout)" solve --data rows.h5
expect_error 2 "len.h5: /groups has 3 entries, expected 2 (one per model column: 2 columns of /X x poly degree 1)" solve --data len.h5
expect_error 2 "float.h5: /groups must be an integer dataset (found float)" solve --data float.h5
expect_error 2 "ids.h5: /groups: group id -3 of weight 5 is invalid (ids are >= 0, -1 for not shared, -2 for fixed at zero)" solve --data ids.h5
expect_error 2 "a.h5: /A must be 2 x 2 (one row and column per model column), found 3 x 2" solve --data a.h5 --sharing matrix
expect_error 2 "xgroup.h5: /X is not a dataset (a group or another object)" solve --data xgroup.h5
expect_error 2 "x1d.h5: dataset /X must be 2-D (rows x columns), found 1-D" solve --data x1d.h5
expect_error 2 "x3d.h5: dataset /X has 3 dimensions (1 or 2 expected)" solve --data x3d.h5
expect_error 2 "xstr.h5: dataset /X must hold integers or floats (found a string type)" solve --data xstr.h5
expect_error 2 "xcmp.h5: dataset /X must hold integers or floats (found a compound type)" \
  solve --data xcmp.h5
expect_error 2 "ystr.h5: dataset /y must hold integers or floats (found a string type)" \
  solve --data ystr.h5
expect_error 2 "rows0.h5: dataset /X has no rows" solve --data rows0.h5
expect_error 2 "cols0.h5: dataset /X has no columns" solve --data cols0.h5
expect_error 2 "nan.h5: dataset /X has a non-finite value (NaN or Inf) in row 5" solve --data nan.h5
expect_error 2 "inf.h5: dataset /y has a non-finite value (NaN or Inf) in row 4" solve --data inf.h5

# Sharing structures.
expect_error 2 "len.h5: /groups has 3 entries, expected 2 (one per model column: 2 columns of /X x poly degree 1)" solve --data len.h5
expect_error 2 "gempty.h5: /groups has 0 entries, expected 2 (one per model column: 2 columns of /X x poly degree 1)" solve --data gempty.h5
expect_error 2 "float.h5: /groups must be an integer dataset (found float)" solve --data float.h5
expect_error 2 "gstr.h5: /groups must be an integer dataset (found string)" solve --data gstr.h5
expect_error 2 "gneg.h5: /groups: group id -3 of weight 1 is invalid (ids are >= 0, -1 for not shared, -2 for fixed at zero)" solve --data gneg.h5
expect_error 2 "a.h5: /A must be 2 x 2 (one row and column per model column), found 3 x 2" \
  solve --data a.h5 --sharing matrix
expect_error 2 "anan.h5: /A has a non-finite entry at (1, 0)" solve --data anan.h5 --sharing matrix
expect_error 2 "--solver cg needs a sharing matrix that is a symmetric projector (A = A^T = A^2); this one is not: use --solver gd" \
  solve --data nonproj.h5 --sharing matrix --solver cg

# Config files, restart and initial-weight files.
expect_error 2 "bad.ini: unknown key 'frobnicate' (keys are the solve option names)" solve bad.ini --data ok.h5
expect_error 2 "syntax.ini: line 1: syntax error" solve syntax.ini --data ok.h5
expect_error 2 "cannot open config file 'missing.ini': No such file or directory" \
  solve missing.ini --data ok.h5
expect_error 2 "'ok.h5' is not a wshare checkpoint (no fingerprint)" \
  solve --data ok.h5 --solver gd --restart ok.h5 --out r.h5
expect_error 2 "checkpoint 'missing.h5' not found" solve --data ok.h5 --solver gd --restart missing.h5 --out r.h5
expect_error 2 "solve: --restart auto needs --checkpoint-dir" solve --data ok.h5 --restart auto
expect_error 2 "ok.h5: /y must have 2 values for --init, found 6" \
  solve --data ok.h5 --solver gd --init ok.h5:/y --out r.h5

# Outputs that would replace an input, or could not be written: refused before any work.
expect_error 2 "solve: --out 'ok.h5' is the same file as --data 'ok.h5'; an output never replaces an input" \
  solve --data ok.h5 --out ok.h5
expect_error 2 "solve: --out './ok.h5' is the same file as --data 'link.h5'; an output never replaces an input" \
  solve --data link.h5 --out ./ok.h5
expect_error 2 "solve: --out 'model.h5' is the same file as --init 'model.h5'; an output never replaces an input" \
  solve --data ok.h5 --solver gd --init model.h5:/w --out model.h5
expect_error 2 "solve: --out 'cols3.h5' is the same file as --sharing-file 'cols3.h5'; an output never replaces an input" \
  solve --data ok.h5 --sharing-file cols3.h5 --out cols3.h5
expect_error 2 "predict: --out 'model.h5' is the same file as --model 'model.h5'; an output never replaces an input" \
  predict --model model.h5 --data ok.h5 --out model.h5
expect_error 2 "predict: --out 'ok.h5' is the same file as --data 'ok.h5'; an output never replaces an input" \
  predict --model model.h5 --data ok.h5 --out ok.h5
expect_error 2 "solve: --out 'nodir/r.h5': directory 'nodir' does not exist" solve --data ok.h5 --out nodir/r.h5
expect_error 2 "predict: --out 'nodir/p.h5': directory 'nodir' does not exist" \
  predict --model model.h5 --data ok.h5 --out nodir/p.h5
expect_error 2 "gen: --out 'nodir/g.h5': directory 'nodir' does not exist" \
  gen --out nodir/g.h5 --rows 4 --cols 2
expect_error 2 "solve: --out 'afile/r.h5': 'afile' is not a directory" solve --data ok.h5 --out afile/r.h5
expect_error 2 "solve: --out 'adir' is a directory (expected a file name)" solve --data ok.h5 --out adir
expect_error 2 "solve: --out '/dev/null' exists and is not a regular file (a device, fifo or socket)" \
  solve --data ok.h5 --out /dev/null
expect_error 2 "solve: --checkpoint-dir 'afile' is not a directory" \
  solve --data ok.h5 --solver gd --checkpoint-dir afile --out r.h5
expect_error 2 "solve: --checkpoint-dir 'nodir/ck': directory 'nodir' does not exist" \
  solve --data ok.h5 --solver gd --checkpoint-dir nodir/ck --out r.h5
expect_error 2 "solve: --data 'ck/ckpt-00000005.h5' lies in --checkpoint-dir 'ck' under a checkpoint's name, where checkpoints are replaced and pruned; use another name or directory" \
  solve --data ck/ckpt-00000005.h5 --solver gd --checkpoint-dir ck --out r.h5
expect_error 2 "solve: --out 'ck/ckpt-00000009.h5' lies in --checkpoint-dir 'ck' under a checkpoint's name, where checkpoints are replaced and pruned; use another name or directory" \
  solve --data ok.h5 --solver gd --checkpoint-dir ck --out ck/ckpt-00000009.h5

# predict on data that does not fit the model.
expect_error 2 "cols3.h5: /X gives 3 model columns but the model model.h5 has 2 weights" \
  predict --model model.h5 --data cols3.h5 --out p.h5
expect_error 2 "ok.h5 is not a wshare result (it has no dataset /w)" \
  predict --model ok.h5 --data ok.h5 --out p.h5

# Too large for memory (README "Errors and exit codes", the memory rule): the limit is the
# node's, shared by its ranks; X read through HDF5 is allocated and counted, X mapped from
# the file is page cache and is not.  The expected line follows the README's rule.
py "f = h5py.File('mem.h5', 'w'); f['X'] = np.ones((20000, 10)); f['y'] = np.ones(20000)"
LIMIT=800000
memory_line() {
  # memory_line M N LIMIT: the refusal of a solve of an M x N float64 X read into memory.
  py "import math
m, n, limit, p = $1, $2, $3, $NRANKS
fixed = [('row scratch', 65 * n * 8), ('sharing', 4 * n * 8), ('solver vectors', 11 * (n + 1) * 8)]
need = lambda q: (n * 8 + 8) * math.ceil(m / q) + sum(b for _, b in fixed)
budget = limit // p
fit = next(q for q in range(1, m + 1) if need(q) <= budget)
parts = [('X rows', n * 8 * math.ceil(m / p)), ('y', 8 * math.ceil(m / p))] + fixed
print('solve: mem.h5: too large for memory: %d bytes needed per rank (%s), %d available per rank '
      '(%d on the node, shared by %d rank%s); %d ranks or more would fit, at %d per node' % (
      need(p), ', '.join('%s %d' % q for q in parts), budget, limit, p, '' if p == 1 else 's',
      fit, p))"
}
WSHARE_IO=hdf5 WSHARE_MEMORY_LIMIT=$LIMIT expect_error 2 "$(memory_line 20000 10 $LIMIT)" \
  solve --data mem.h5 --out r.h5
# Mapped rows only warn that they will be re-read from disk, and the solve goes on.
WSHARE_MEMORY_LIMIT=$LIMIT run "$NRANKS" solve --data mem.h5 --solver cg --out r.h5 >out.txt 2>err.txt ||
  { cat err.txt >&2; fail "a solve whose mapped rows exceed the limit was refused"; }
[ "$(grep -c "^wshare: warning: solve: mem.h5: the rows of X mapped from the file" err.txt)" = 1 ] ||
  { cat err.txt >&2; fail "no single warning about mapped rows beyond the limit"; }
rm -f r.h5
# gen holds its whole block of X before writing it.
GEN_LINE=$(py "import math
m, n, limit, p = 100000, 10, 4000000, $NRANKS
need = lambda q: (n * 8 + 8) * math.ceil(m / q) + 3 * n * 8
budget = limit // p
fit = next(q for q in range(1, m + 1) if need(q) <= budget)
print('gen: g.h5: too large for memory: %d bytes needed per rank (X rows %d, y %d, weights and ids %d), '
      '%d available per rank (%d on the node, shared by %d rank%s); %d ranks or more would fit, at %d per node' % (
      need(p), n * 8 * math.ceil(m / p), 8 * math.ceil(m / p), 3 * n * 8, budget, limit, p,
      '' if p == 1 else 's', fit, p))")
WSHARE_MEMORY_LIMIT=4000000 expect_error 2 "$GEN_LINE" gen --out g.h5 --rows 100000 --cols 10
# A replicated Gram matrix larger than a rank may have: no rank count helps.
py "f = h5py.File('wide.h5', 'w'); f['X'] = np.ones((20, 1500)); f['y'] = np.ones(20)"
GRAM=$(py "k = 1500; slab = min(4096, max(64, (1 << 22) // k))
print('row scratch %d, sharing %d, Gram matrix %d, Gram pass slabs %d, tied vectors %d' % (
      65 * k * 8, 4 * k * 8, k * k * 8, slab * (2 * k + 1) * 8, 6 * k * 8))")
NEED=$(py "k = 1500; slab = min(4096, max(64, (1 << 22) // k)); import math
print(8 * math.ceil(20 / $NRANKS) + 65 * k * 8 + 4 * k * 8 + k * k * 8 + slab * (2 * k + 1) * 8 + 6 * k * 8)")
BUDGET=$((8000000 / NRANKS))
RANKS_WORD=$([ "$NRANKS" = 1 ] && echo rank || echo ranks)
WSHARE_MEMORY_LIMIT=8000000 expect_error 2 "solve: wide.h5 with --solver cholesky: too large for memory: $NEED bytes needed per rank (y $((8 * ((20 + NRANKS - 1) / NRANKS))), $GRAM), $BUDGET available per rank (8000000 on the node, shared by $NRANKS $RANKS_WORD); no rank count fits: every rank holds $GRAM whatever the number of ranks" \
  solve --data wide.h5 --solver cholesky --sharing none --out r.h5

# A sharing matrix that is not a projector only warns, and gd runs its literal iteration.
run "$NRANKS" solve --data nonproj.h5 --sharing matrix --solver gd --max-iter 50 --out r.h5 \
  >out.txt 2>err.txt || true
grep -q "is not a symmetric projector" err.txt || fail "no warning for a non-projector matrix"
[ "$(grep -c warning err.txt)" = 1 ] || fail "warning printed more than once"
# --quiet means errors only: the same run prints no warning.
run "$NRANKS" solve --data nonproj.h5 --sharing matrix --solver gd --max-iter 50 --quiet \
  --out r.h5 >out.txt 2>err.txt || true
! grep -q "^wshare: " err.txt || fail "--quiet printed: $(cat err.txt)"
