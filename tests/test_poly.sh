#!/bin/bash
# Polynomial surfaces (README "Models"): --poly-terms total and the Legendre and Chebyshev
# bases against numpy (tests/poly_reference.py); interpolation on Padua points; NIST Filip
# with Legendre and cholesky, and monomials refused by cholesky; a symmetric surface tied
# from a groups file; predict with the fit's map on new points; restart; bad input.
source "$(dirname "$0")/common.sh"
N=$NRANKS
ref() { "$PYTHON" "$TESTS_DIR/poly_reference.py" "$@"; }
make_surface() { "$PYTHON" "$TESTS_DIR/../scripts/make-surface-data" "$@"; }
TOTAL4=(--poly-degree 4 --poly-terms total)

# A surface of degree 4 in x, z (14 terms) against numpy lstsq on the same design, in
# every basis and with three solvers; separate powers in a basis too.
make_surface surf.h5 --rows 3000 --noise 0.01 --seed 3
for basis in monomial legendre chebyshev; do
  for s in qr cholesky cg; do
    run "$N" solve --data surf.h5 "${TOTAL4[@]}" --poly-basis "$basis" --intercept --solver "$s" \
      --rtol 1e-12 --out s.h5 --quiet || fail "solve degree 4 surface, $basis, $s"
    ref fit s.h5 surf.h5 "${TOTAL4[@]}" --poly-basis "$basis" --intercept ||
      fail "degree 4 surface, $basis, $s differs from numpy"
  done
done
run "$N" solve --data surf.h5 --poly-degree 3 --poly-basis chebyshev --solver cg --rtol 1e-12 \
  --out s.h5 --quiet || fail "solve separate chebyshev"
ref fit s.h5 surf.h5 --poly-degree 3 --poly-basis chebyshev || fail "separate chebyshev differs"

# Interpolation: the 28 Padua points of degree 6 (a subset of a Chebyshev-Lobatto grid,
# unisolvent for total degree 6) on [2, 5] x [-3, 1]; 27 terms and the intercept reproduce
# the data at those points.
py "n = 6
P = np.array([(np.cos(j * np.pi / n), np.cos(k * np.pi / (n + 1)))
              for j in range(n + 1) for k in range(n + 2) if (j + k) % 2 == 0])
x, z = 3.5 + 1.5 * P[:, 0], -1.0 + 2.0 * P[:, 1]
f = h5py.File('padua.h5', 'w'); f['X'] = np.column_stack([x, z])
f['y'] = np.exp(0.3 * x) * np.sin(z) + x * z"
for s in qr cholesky; do
  run "$N" solve --data padua.h5 --poly-degree 6 --poly-terms total --poly-basis chebyshev \
    --intercept --solver "$s" --out pad.h5 --quiet || fail "interpolation solve ($s)"
  run "$N" predict --model pad.h5 --data padua.h5 --out padp.h5 --quiet || fail "predict padua"
  py "y = h5py.File('padua.h5')['y'][:]; p = h5py.File('padp.h5')['y_pred'][:]
assert len(h5py.File('pad.h5')['w']) == 27
e = np.abs(p - y).max() / np.abs(y).max()
assert e <= 1e-10, e" || fail "the degree 6 Chebyshev interpolant does not reproduce the data ($s)"
done

# NIST Filip (degree 10): in the Legendre basis cholesky reaches the certified residual SD;
# with monomials the scaled Gram matrix is numerically singular (cond ~1e19: it breaks
# down, or its reciprocal condition is below k eps, depending on the summation order) and
# cholesky refuses.
"$PYTHON" "$TESTS_DIR/nist_to_h5.py" "$TESTS_DIR/data/nist/Filip.dat" filip.h5
FILIP=(--data filip.h5 --poly-degree 10 --intercept --solver cholesky)
run "$N" solve "${FILIP[@]}" --poly-basis legendre --out filip-fit.h5 --quiet ||
  fail "Filip, legendre, cholesky"
py "import math; r = h5py.File('filip-fit.h5').attrs; c = h5py.File('filip.h5').attrs
lre = lambda e, c: 15.0 if e == c else -math.log10(abs(e - c) / abs(c))
assert lre(r['residual_sd'], c['cert_residual_sd']) >= 10, (r['residual_sd'], c['cert_residual_sd'])
assert lre(r['r2'], c['cert_r2']) >= 10, r['r2']" || fail "Filip in the Legendre basis: LRE < 10"
expect_error_like 1 "cholesky: the tied design is rank deficient: tied column * is numerically dependent on the others (*); add --ridge or remove it, or try --solver qr" \
  solve "${FILIP[@]}" --out filip-mono.h5

# A symmetric surface: the coefficients of x^a z^b and x^b z^a tied by a groups dataset in
# another file, against numpy on the tied design (the mirrored points give x and z the
# same map, so the ties are a symmetry in the Legendre basis too).
make_surface sym.h5 --rows 2000 --noise 0.01 --seed 5 --symmetric --degree 4
py "g = h5py.File('sym.h5')['groups'][:]; h5py.File('ties.h5', 'w')['ties'] = g
assert len(g) == 14 and (g == -1).sum() == 2"
for basis in monomial legendre; do
  run "$N" solve --data sym.h5 "${TOTAL4[@]}" --poly-basis "$basis" --intercept --solver qr \
    --sharing groups --sharing-file ties.h5 --sharing-dataset /ties --out sym-fit.h5 --quiet ||
    fail "symmetric surface ($basis)"
  ref fit sym-fit.h5 sym.h5 "${TOTAL4[@]}" --poly-basis "$basis" --intercept --groups ties.h5:/ties ||
    fail "symmetric surface ($basis) differs from numpy"
  py "g = h5py.File('ties.h5')['ties'][:]; w = h5py.File('sym-fit.h5')['w'][:]
assert all(np.ptp(w[g == i]) == 0 for i in set(g[g >= 0])), w" || fail "ties not exact ($basis)"
done

# predict on new points, partly outside the fitted range, uses the fit's map.
py "rng = np.random.default_rng(8); f = h5py.File('new.h5', 'w')
f['X'] = np.column_stack([rng.uniform(-0.2, 1.3, 500), rng.uniform(0.1, 0.7, 500)])"
for basis in legendre chebyshev monomial; do
  run "$N" solve --data surf.h5 --poly-degree 5 --poly-terms total --poly-basis "$basis" \
    --intercept --solver qr --out s.h5 --quiet || fail "fit for predict ($basis)"
  run "$N" predict --model s.h5 --data new.h5 --out p.h5 --quiet || fail "predict ($basis)"
  ref predict p.h5 s.h5 new.h5 || fail "predict on new points ($basis)"
done

# A stopped and resumed run (the map is computed again from the data) ends bitwise where
# an uninterrupted one does; a checkpoint of another basis is refused.
CG=(--data surf.h5 "${TOTAL4[@]}" --poly-basis legendre --solver cg --rtol 1e-12 --quiet)
run "$N" solve "${CG[@]}" --out whole.h5
rc=0
# (mpirun's notice of the exit code 3 goes to part.log, shown if that code is not 3)
run "$N" solve "${CG[@]}" --max-iter 5 --checkpoint-dir ck --out part.h5 >part.log 2>&1 || rc=$?
[ "$rc" = 3 ] || { cat part.log >&2; fail "--max-iter 5: exit $rc, expected 3"; }
run "$N" solve "${CG[@]}" --checkpoint-dir ck --restart auto --out resumed.h5
h5diff whole.h5 resumed.h5 /w || fail "resumed legendre run differs from the uninterrupted one"
expect_error 2 "ck/ckpt-00000005.h5: checkpoint is of a different problem: --poly-basis differs (checkpoint legendre, now chebyshev)" \
  solve --data surf.h5 "${TOTAL4[@]}" --poly-basis chebyshev --solver cg --restart ck/ckpt-00000005.h5

# Bad input.
expect_error 2 "solve: invalid value 'hermite' for --poly-basis (expected monomial|legendre|chebyshev)" \
  solve --data surf.h5 --poly-basis hermite
expect_error 2 "solve: invalid value 'all' for --poly-terms (expected separate|total)" \
  solve --data surf.h5 --poly-terms all
py "f = h5py.File('surf3.h5', 'w'); f['X'] = np.ones((5, 2)); f['y'] = np.ones(5)
f['groups'] = np.zeros(3, dtype=np.int64)
f = h5py.File('wide.h5', 'w'); f['X'] = np.ones((2, 3000)); f['y'] = np.ones(2)
f = h5py.File('three.h5', 'w'); f['X'] = np.ones((4, 3))"
expect_error 2 "surf3.h5: /groups has 3 entries, expected 14 (one per model column: the monomials of degree 1 to 4 in the 2 columns of /X)" \
  solve --data surf3.h5 "${TOTAL4[@]}"
expect_error 2 "--poly-terms total: 3000 columns to degree 10 give more than 2147483647 model columns" \
  solve --data wide.h5 --poly-degree 10 --poly-terms total
run "$N" solve --data surf.h5 "${TOTAL4[@]}" --poly-basis legendre --solver qr --out m.h5 --quiet
expect_error 2 "three.h5: /X has 3 columns but the model maps 2 columns to [-1, 1] (/poly/min)" \
  predict --model m.h5 --data three.h5 --out never.h5
py "f = h5py.File('m.h5', 'r+'); del f.attrs['poly_basis']; f.attrs['poly_basis'] = np.bytes_('hermite')"
expect_error 2 "m.h5: attribute poly_basis is 'hermite', which this wshare does not know (expected monomial|legendre|chebyshev)" \
  predict --model m.h5 --data surf.h5 --out never.h5
