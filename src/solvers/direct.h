/* Private: what the direct solvers (cholesky, qr, auto's direct route) share.  Both fit
 * the tied parameters v with the inverse of the regularized Gram matrix, and both end in
 * the same place (ws_direct_finish): weights w = S v, the intercept, the objective at the
 * solution, and standard errors (stats.c).  Every decision that ends a run is agreed on by
 * all ranks. */
#ifndef WSHARE_DIRECT_H
#define WSHARE_DIRECT_H

#include <stddef.h>

#include "solver_impl.h"

/* The problem as the direct solvers see it. */
typedef struct {
  WsProblem *p;
  const WsDesign *des;
  const WsSharing *sh;
  MPI_Comm comm;
  int rank, size;
  int k; /* tied columns */
  int64_t m;
} WsDirectCtx;

/* A fit: parameters v (kp = off + k values, the intercept first when off = 1) and the
 * inverse of the regularized Gram matrix G = Z^T Z + Lambda. */
typedef struct {
  int off, kp;
  double *v;
  double *Ginv; /* kp x kp, full, original units */
  double *lam;  /* kp: the ridge diagonal Lambda (0 for the intercept) */
  double *mu_z; /* k: S^T mu for the centred Cholesky fit, else NULL */
  double rss;   /* < 0: take it from the objective pass */
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
/* Local: the problem's tied parameters u (k) of a fit and its weights w (n); returns the
 * intercept b in original units. */
double ws_direct_params(const WsDirectCtx *c, const WsFit *fit, double *w, double *u);
/* Collective (one objective pass): the solution of a fit, with its statistics. */
WsErr ws_direct_finish(const WsDirectCtx *c, const WsFit *fit, WsSolution *sol);
/* A direct solver's fit: fills fit for the context; may write sol->warning and set
 * s->used (auto's switch). */
typedef WsErr (*WsDirectFitFn)(const WsDirectCtx *c, WsSolver *s, WsFit *fit, WsSolution *sol);
/* Collective: the whole direct solve of s as solver name: context, fit, finish. */
WsErr ws_direct_solve(WsSolver *s, const char *name, WsDirectFitFn fit_fn, WsSolution *sol);

/* stats.c, local: standard errors of every weight and of the intercept, and the residual
 * standard deviation, from the fit and sol->rss; work holds 2 fit->kp doubles. */
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
