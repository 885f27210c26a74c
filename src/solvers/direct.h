/* Private: what the direct solvers (cholesky, qr, auto's direct route) share.  Both fit
 * the tied parameters v with the inverse of the regularized Gram matrix, and both end in
 * the same place (ws_direct_finish): weights w = S v, the intercept, the objective at the
 * solution, and standard errors (stats.c).  Every decision that ends a run is agreed on by
 * all ranks. */
#ifndef WSHARE_DIRECT_H
#define WSHARE_DIRECT_H

#include <stddef.h>

#include "solver_impl.h"

/* The problem as the direct solvers see it.  With per-output ties (q = 1, none, groups given
 * per input) every output is a regression on the same tied design Z = X S1 (k1 columns):
 * one Gram matrix or factorization serves q right-hand sides.  With ties across outputs
 * (n x q groups) the outputs are one regression on the stacked tied design, a row per
 * (data row, output) and K columns, with one right-hand side. */
typedef struct {
  WsProblem *p;
  const WsDesign *des;
  const WsSharing *sh;
  MPI_Comm comm;
  int rank, size;
  int k;     /* columns of the tied design: k1, or K across outputs */
  int q;     /* outputs */
  int nrhs;  /* right-hand sides: q, or 1 across outputs */
  int stack; /* rows of the (stacked) tied design per data row: 1, or q across outputs */
  int64_t m;
} WsDirectCtx;

/* A fit: parameters v (kp x nrhs, row-major: kp = off + k columns, the off intercept columns
 * first: 1 shared by all right-hand sides, or q in the stacked design) and the inverse of the
 * regularized Gram matrix G = Z^T Z + Lambda. */
typedef struct {
  int off, kp, nrhs;
  double *v;
  double *Ginv; /* kp x kp, full, original units */
  double *lam;  /* kp: the ridge diagonal Lambda (0 for the intercepts) */
  double *mu_z; /* the centred Cholesky fit: S_o^T mu, k values (one for all outputs) or q x k
                 * across outputs; else NULL */
  double *rss;  /* q: each output's RSS from the fit, or NULL: from the objective pass */
  double rcond; /* Cholesky: reciprocal condition of the scaled Gram matrix (else 1) */
} WsFit;

/* Collective: the context of solver name on p, refusing problems no direct solver takes
 * (a sharing matrix that is not a projector, fewer rows than parameters without ridge). */
WsErr ws_direct_context(WsProblem *p, const char *name, WsDirectCtx *c);
void ws_direct_fit_free(WsFit *f);
/* A power of two s with norm * s in [0.5, 1): scaling by it is exact. */
double ws_direct_pow2_scale(double norm);
/* The rank-deficiency error for tied column t, named the way the user wrote the sharing;
 * numerical: the dependence is numerical, not exact (Cholesky then suggests qr). */
WsErr ws_direct_deficient(const WsDirectCtx *c, const char *solver, int t, const char *why,
                          int numerical);
/* Local: the problem's tied parameters u (all K) of a fit, its weights w (n x q) and the
 * intercepts b (q) in original units. */
void ws_direct_params(const WsDirectCtx *c, const WsFit *fit, double *w, double *u, double *b);
/* Local: the diagonal of S^T S for column t of the tied design. */
double ws_direct_column_norm2(const WsDirectCtx *c, int t);
/* Local: S_o^T mu for output o (k values: the same for every output with per-output ties). */
const double *ws_direct_mu_z(const WsDirectCtx *c, const WsFit *fit, int o);
/* Local: begins the progress phase of a factorization that reports nothing as it runs
 * (LAPACK, ScaLAPACK): on the rank that reports (rank 0), prints a start line with its time
 * estimated from flops, split over ranks, and this machine's measured DGEMM rate.  End it
 * with ws_progress_done(c->des->progress). */
void ws_direct_factor_begin(const WsDirectCtx *c, const char *phase, double flops, int ranks);
/* Collective (one objective pass): the solution of a fit, with its statistics. */
WsErr ws_direct_finish(const WsDirectCtx *c, const WsFit *fit, WsSolution *sol);
/* A direct solver's fit: fills fit for the context; may write sol->warning and set
 * s->used (auto's switch). */
typedef WsErr (*WsDirectFitFn)(const WsDirectCtx *c, WsSolver *s, WsFit *fit, WsSolution *sol);
/* Collective: the whole direct solve of s as solver name: context, fit, finish. */
WsErr ws_direct_solve(WsSolver *s, const char *name, WsDirectFitFn fit_fn, WsSolution *sol);

/* stats.c, local: standard errors of every weight and of the intercepts, and the residual
 * standard deviations, from the fit and sol->rss_out; work holds 2 fit->kp doubles. */
void ws_stats_standard_errors(const WsDirectCtx *c, const WsFit *fit, double *work,
                              WsSolution *sol);

/* The fits, used by their solvers and by auto.  Collective. */
/* is_auto: refuse (set *use_qr, leave the fit empty) rather than lose digits when the
 * scaled Gram matrix is ill-conditioned; the reason goes to warning. */
WsErr ws_solver_cholesky_fit(const WsDirectCtx *c, int is_auto, WsFit *fit, char *warning,
                             size_t warning_size, int *use_qr);
/* Refines a Cholesky fit with exact gradients when its Gram matrix is ill-conditioned
 * (otherwise returns at once). */
WsErr ws_solver_cholesky_refine(const WsDirectCtx *c, WsFit *fit);
WsErr ws_solver_qr_fit(const WsDirectCtx *c, WsFit *fit);

#endif
