/* cholesky: the tied Gram matrix from one pass (wshare/gram.h), scaled by powers of two,
 * factored with LAPACK on every rank when small and with ScaLAPACK PDPOTRF/PDPOTRS on a
 * near-square grid when large; refined with exact gradients when it is ill-conditioned
 * (README "Solvers"). */
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"
#include "wshare/gram.h"
#include "wshare/grid.h"

/* The replicated LAPACK path's limit (solver_impl.h) and the grid's block size. */
enum { LAPACK_MAX_K = WS_DIRECT_LAPACK_MAX_K, GRID_NB = 64 };
/* auto leaves Cholesky below this reciprocal condition of the scaled Gram matrix: forming
 * Z^T Z squares the condition, so digits would be lost that qr keeps. */
static const double AUTO_RCOND_MIN = 1e-10;
/* Below this reciprocal condition of the scaled Gram matrix, a Cholesky solution has lost
 * more than six digits to the squared condition: it is refined with exact gradients. */
static const double CHOLESKY_REFINE_RCOND = 1e-6;
enum { CHOLESKY_REFINE_STEPS = 4 };

/* The factorization's buffers. */
typedef struct {
  double *G, *zy, *D, *udiag; /* k x k column-major; k x nrhs column-major; k; k */
} Factor;

static void factor_free(Factor *g) {
  free(g->G);
  free(g->zy);
  free(g->D);
  free(g->udiag);
}

/* Factors Gs (upper used) with LAPACK; info > 0: not positive definite at column info - 1.
 * When rcond >= rcond_min, solves Gs X = B in b (k x nrhs) and leaves Gs^-1 in Gs's upper
 * triangle. */
static void factor_local(int k, int nrhs, double *Gs, double anorm, double rcond_min, double *b,
                         int *info, double *rcond, double *udiag) {
  *info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', k, Gs, k);
  if (*info != 0) return;
  for (int j = 0; j < k; j++)
    udiag[j] = Gs[j + (int64_t)j * k];
  *info = LAPACKE_dpocon(LAPACK_COL_MAJOR, 'U', k, Gs, k, anorm, rcond);
  if (*info != 0 || *rcond < rcond_min) return;
  *info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', k, nrhs, Gs, k, b, k);
  if (*info == 0) *info = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'U', k, Gs, k);
}

/* Local: S_o^T mu for every output (q x k), or once for per-output ties (k). */
static void tied_means(const WsDirectCtx *c, double *mu_z) {
  const WsSharing *sh = c->sh;
  const double *mean = c->des->mean;
  if (sh->per_output) {
    ws_sharing_reduce_inputs(sh, mean, mu_z);
    return;
  }
  memset(mu_z, 0, (size_t)c->q * c->k * sizeof *mu_z);
  for (int o = 0; o < c->q; o++)
    for (int e = sh->member_start[o]; e < sh->member_start[o + 1]; e++)
      mu_z[(int64_t)o * c->k + sh->member_tied[e]] += mean[sh->member_input[e]];
}

WsErr ws_solver_cholesky_fit(const WsDirectCtx *c, int is_auto, WsFit *fit, char *warning,
                             size_t warning_size, int *use_qr) {
  WsProblem *p = c->p;
  const WsDesign *des = c->des;
  int k = c->k, nrhs = c->nrhs;
  /* MPI and ScaLAPACK count the k x k replicated matrix in int. */
  WS_CHECK(k <= 46340, WS_ERR_INPUT,
           "cholesky: %d tied columns are too many for a replicated Gram matrix; use --solver cg",
           k);
  Factor g = {0};
  g.G = ws_memory_calloc((size_t)k * k, sizeof *g.G);
  g.zy = ws_memory_calloc((size_t)k * nrhs, sizeof *g.zy);
  g.D = ws_memory_calloc((size_t)k, sizeof *g.D);
  g.udiag = ws_memory_calloc((size_t)k, sizeof *g.udiag);
  fit->off = 0;
  fit->kp = k;
  fit->nrhs = nrhs;
  fit->v = ws_memory_calloc((size_t)k * nrhs, sizeof *fit->v);
  fit->lam = ws_memory_calloc((size_t)k, sizeof *fit->lam);
  size_t nmu = (size_t)k * (c->sh->per_output ? 1 : c->q);
  fit->mu_z = des->centred ? ws_memory_calloc(nmu, sizeof *fit->mu_z) : NULL;
  WsErr err = ws_comm_agree_alloc(c->comm, g.G && g.zy && g.D && g.udiag && fit->v && fit->lam &&
                                               (fit->mu_z || !des->centred));
  if (!err) err = ws_gram_compute(p, g.G, g.zy);
  if (err) goto done;

  double t0 = ws_timer_now();
  WsErr local = WS_OK;
  for (int t = 0; t < k && !local; t++)
    if (g.G[t + (int64_t)t * k] <= 0.0 && p->ridge <= 0.0)
      local =
          ws_direct_deficient(c, "cholesky", t,
                              des->centred ? "is all zero after centring (a constant column only "
                                             "repeats the intercept)"
                                           : "is all zero",
                              0);
  err = ws_comm_agree(c->comm, local);
  if (err) goto done;
  /* Ridge: the penalty (lambda/2)|S v|^2 adds m lambda S^T S, diagonal for every sharing. */
  for (int t = 0; t < k; t++) {
    fit->lam[t] = (double)c->m * p->ridge * ws_direct_column_norm2(c, t);
    g.G[t + (int64_t)t * k] += fit->lam[t];
    g.D[t] = ws_direct_pow2_scale(sqrt(g.G[t + (int64_t)t * k]));
  }
  /* Jacobi scaling by powers of two: exact, and it makes rcond measure the columns'
   * dependence rather than their units. */
  for (int j = 0; j < k; j++) {
    for (int i = 0; i < k; i++)
      g.G[i + (int64_t)j * k] *= g.D[i] * g.D[j];
    for (int r = 0; r < nrhs; r++)
      g.zy[j + (int64_t)r * k] *= g.D[j];
  }
  double anorm = LAPACKE_dlansy(LAPACK_COL_MAJOR, '1', 'U', k, g.G, k);
  double rcond_min = is_auto ? AUTO_RCOND_MIN : k * DBL_EPSILON, rcond = 0.0;
  int info = 0;
  /* DPOTRF k^3 / 3 and DPOTRI 2 k^3 / 3; LAPACK runs replicated on every rank.  The grid's
   * factorization depends on the number of ranks; reproducible runs factor the replicated
   * matrix on every rank whatever its size. */
  int grid = k > LAPACK_MAX_K && !des->reproducible;
  ws_direct_factor_begin(c, grid ? "factor (ScaLAPACK Cholesky)" : "factor (LAPACK Cholesky)",
                         (double)k * k * k, grid ? c->size : 1);
  if (!grid)
    factor_local(k, nrhs, g.G, anorm, rcond_min, g.zy, &info, &rcond, g.udiag);
  else
    err = ws_grid_cholesky(c->comm, k, nrhs, GRID_NB, g.G, anorm, rcond_min, g.zy, &info, &rcond,
                           g.udiag);
  ws_progress_done(des->progress);
  ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
  if (err) goto done;
  /* Replicated inputs give replicated decisions; the reduction only guards against ranks
   * whose allreduce results differ in the last bit. */
  int bad = info != 0 || !(rcond >= rcond_min);
  WS_MPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, c->comm));
  if (bad && is_auto) {
    if (info > 0)
      snprintf(warning, warning_size,
               "auto: the tied Gram matrix is not numerically positive definite (Cholesky "
               "breaks down at tied column %d); used qr",
               info - 1);
    else
      snprintf(warning, warning_size,
               "auto: the tied Gram matrix is ill-conditioned (rcond %.1e); used qr", rcond);
    *use_qr = 1;
    goto done;
  }
  if (bad) {
    char why[160];
    int t = info > 0 ? info - 1 : 0;
    if (info > 0) {
      snprintf(why, sizeof why,
               "is numerically dependent on the others (Cholesky breaks down "
               "there)");
    } else {
      /* The smallest pivot of the scaled factor marks the column the others explain best. */
      for (int j = 1; j < k; j++)
        if (fabs(g.udiag[j]) < fabs(g.udiag[t])) t = j;
      snprintf(why, sizeof why,
               "is numerically dependent on the others (reciprocal condition %.1e of the "
               "scaled Gram matrix)",
               rcond);
    }
    err = ws_comm_agree(
        c->comm, info < 0 ? ws_error_set(WS_ERR_RUNTIME, "cholesky: LAPACK failed (info %d)", info)
                          : ws_direct_deficient(c, "cholesky", t, why, 1));
    goto done;
  }
  if (!is_auto && rcond < AUTO_RCOND_MIN)
    snprintf(warning, warning_size,
             "cholesky: the tied Gram matrix is ill-conditioned (rcond %.1e): up to %.0f digits "
             "of the weights may be lost; --solver qr keeps them",
             rcond, -log10(rcond));
  fit->rcond = rcond;
  for (int t = 0; t < k; t++)
    for (int r = 0; r < nrhs; r++)
      fit->v[(int64_t)t * nrhs + r] = g.D[t] * g.zy[t + (int64_t)r * k];
  /* One answer for all ranks, whatever the last bits of their replicated solves. */
  WS_MPI(MPI_Bcast(fit->v, k * nrhs, MPI_DOUBLE, 0, c->comm));
  for (int j = 0; j < k; j++)
    for (int i = 0; i <= j; i++) {
      double v = g.G[i + (int64_t)j * k] * g.D[i] * g.D[j];
      g.G[i + (int64_t)j * k] = g.G[j + (int64_t)i * k] = v;
    }
  fit->Ginv = g.G;
  g.G = NULL;
  if (des->centred) tied_means(c, fit->mu_z);
done:
  factor_free(&g);
  return err;
}

/* Each refinement step is one pass: the exact tied gradient gives the normal equations'
 * residual m grad_u L = G v - Z^T y, and v -= G^-1 (that), with the factor's inverse. */
WsErr ws_solver_cholesky_refine(const WsDirectCtx *c, WsFit *fit) {
  if (fit->rcond >= CHOLESKY_REFINE_RCOND) return WS_OK;
  WsProblem *p = c->p;
  int k = c->k, nrhs = fit->nrhs, K = c->sh->k;
  double *u = ws_memory_calloc((size_t)K, sizeof *u);
  double *r = ws_memory_calloc((size_t)K, sizeof *r);
  double *w = ws_memory_calloc((size_t)p->nw, sizeof *w);
  double *b = ws_memory_calloc((size_t)c->q, sizeof *b);
  WsErr err = ws_comm_agree_alloc(c->comm, u && r && w && b);
  for (int step = 0; step < CHOLESKY_REFINE_STEPS && !err; step++) {
    ws_direct_params(c, fit, w, u, b);
    WsEval ev;
    err = ws_problem_gradient(p, u, NULL, r, &ev);
    if (err) break;
    /* The tied gradient has v's layout (k x nrhs, row-major). */
    double dmax = 0.0, vmax = 0.0;
    for (int i = 0; i < k; i++)
      for (int o = 0; o < nrhs; o++) {
        double d = 0.0;
        for (int j = 0; j < k; j++)
          d += fit->Ginv[i + (int64_t)j * k] * r[(int64_t)j * nrhs + o];
        d *= (double)c->m;
        double *v = &fit->v[(int64_t)i * nrhs + o];
        *v -= d;
        dmax = fmax(dmax, fabs(d));
        vmax = fmax(vmax, fabs(*v));
      }
    if (dmax <= 4.0 * DBL_EPSILON * vmax) break;
  }
  free(u);
  free(r);
  free(w);
  free(b);
  return err;
}

static WsErr cholesky_fit(const WsDirectCtx *c, WsSolver *s, WsFit *fit, WsSolution *sol) {
  (void)s;
  WS_CALL(ws_solver_cholesky_fit(c, 0, fit, sol->warning, sizeof sol->warning, NULL));
  return ws_solver_cholesky_refine(c, fit);
}

static WsErr cholesky_solve(WsSolver *s, WsSolution *sol) {
  return ws_direct_solve(s, "cholesky", cholesky_fit, sol);
}

const WsSolverOps ws_solver_cholesky_ops = {
    .name = "cholesky",
    .needs_projector = 1,
    .solve = cholesky_solve,
};
