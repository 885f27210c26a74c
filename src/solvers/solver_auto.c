/* auto (README "Solvers", auto's cost model): the choice between a direct and an iterative
 * solve (lsqr: the same one pass per iteration as cg, but its error grows with the condition
 * number of the tied design rather than of the normal equations, its square) with its reason, and,
 * on the direct route, the switch from cholesky to qr when the tied Gram matrix is too
 * ill-conditioned for Cholesky to keep full accuracy. */
#include <stdio.h>

#include "direct.h"

/* A direct solve is taken only up to this many tied columns (a replicated k x k Gram). */
enum { AUTO_DIRECT_MAX_K = 20000 };
/* An iterative solve is estimated at this many passes (about sqrt of a moderate condition
 * number). */
static const double AUTO_CG_PASSES = 100.0;

const WsSolverOps *ws_solver_auto_choose(const WsProblem *p, char *why, size_t size) {
  const WsSharing *sh = p->sharing;
  if (!sh->is_projector) {
    snprintf(why, size, "the sharing matrix is not a projector: only gd applies");
    return &ws_solver_gd_ops;
  }
  int ranks = 1;
  MPI_Comm_size(p->comm, &ranks);
  double m = (double)p->design->part.rows, n = p->n, q = p->q;
  double k = (sh->per_output ? sh->k1 : sh->k) + (p->intercept ? 1 : 0);
  /* Direct, per-output ties: one pass forming tied rows (m n) plus the Gram update (m k^2 / P
   * per rank), the extra right-hand sides (m k (q - 1) / P) and a k^3/3 factorization.
   * Ties across outputs: X~^T X~ (m n^2 / P), the right-hand side over the member lists
   * (m nnz / P), the assembly (about nnz^2 / q) and the K^3/3 factorization.  cg:
   * AUTO_CG_PASSES passes of 2 m n q / P, or 2 m nnz / P over the member lists (lsqr's pass
   * is cg's). */
  double direct =
      sh->per_output ? m * n / ranks + m * k * k / ranks + m * k * (q - 1) / ranks + k * k * k / 3.0
                     : m * n / ranks + m * n * n / ranks + m * sh->nnz / ranks +
                           (double)sh->nnz * sh->nnz / q + k * k * k / 3.0;
  double pass = p->sparse ? (double)sh->nnz : n * q;
  double iterative = AUTO_CG_PASSES * 2.0 * m * pass / ranks;
  if (direct <= iterative && k <= AUTO_DIRECT_MAX_K) {
    /* qr's result depends on the number of ranks, so a reproducible run keeps to cholesky
     * (refined when ill-conditioned) rather than switching. */
    int repro = p->design->reproducible;
    snprintf(why, size, "%.0f tied columns: Gram solve ~%.2g flops/rank vs lsqr ~%.2g%s", k, direct,
             iterative,
             repro ? "; --reproducible: cholesky without the switch to qr, which is not "
                     "reproducible"
                   : "");
    return repro ? &ws_solver_cholesky_ops : &ws_solver_auto_direct_ops;
  }
  snprintf(why, size,
           "%.0f tied columns: lsqr ~%.2g flops/rank beats a direct solve ~%.2g%s; lsqr rather "
           "than cg, whose normal equations square the condition number%s",
           k, iterative, direct, k > AUTO_DIRECT_MAX_K ? " (too many for a replicated Gram)" : "",
           p->design->reproducible ? "; --reproducible: lsqr is reproducible" : "");
  return &ws_solver_lsqr_ops;
}

/* Cholesky, unless its scaled Gram matrix is too ill-conditioned: then qr. */
static WsErr auto_direct_fit(const WsDirectCtx *c, WsSolver *s, WsFit *fit, WsSolution *sol) {
  int use_qr = 0;
  WS_CALL(ws_solver_cholesky_fit(c, 1, fit, sol->warning, sizeof sol->warning, &use_qr));
  s->used = use_qr ? "qr" : "cholesky";
  if (!use_qr) return ws_solver_cholesky_refine(c, fit);
  ws_direct_fit_free(fit);
  return ws_solver_qr_fit(c, fit);
}

static WsErr auto_direct_solve(WsSolver *s, WsSolution *sol) {
  return ws_direct_solve(s, "cholesky", auto_direct_fit, sol);
}

/* Named cholesky: that is what auto chose, until the Gram matrix says otherwise. */
const WsSolverOps ws_solver_auto_direct_ops = {
    .name = "cholesky",
    .needs_projector = 1,
    .solve = auto_direct_solve,
};
