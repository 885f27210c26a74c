/* Direct solvers of the tied problem (SPEC §2): `cholesky` (tied Gram matrix accumulated
 * slab by slab with DSYRK, factored with LAPACK on every rank when small, ScaLAPACK
 * PDPOTRF/PDPOTRS on a process grid when large) and `qr` (ScaLAPACK PDGEQRF on the
 * distributed tied design, refined in double-double).  Both give the statistics of SPEC §3.
 * Collective. */
#ifndef WSHARE_SOLVER_DIRECT_H
#define WSHARE_SOLVER_DIRECT_H

#include "wshare/objective.h"

typedef struct {
  double *stderr_w;        /* n: standard error of each weight under the ties */
  double intercept;        /* b in original units (0 without an intercept) */
  double intercept_stderr; /* 0 without an intercept */
  double residual_sd;      /* sqrt(RSS / (m - parameters)) */
  double rss;              /* residual sum of squares */
  double loss;             /* the objective L at the solution */
  double grad_norm;        /* |A grad L| at the solution */
  int rank_deficient;      /* 1: see warning */
  char warning[512];       /* why rank_deficient, or what auto changed */
  const char *used;        /* the solver that produced the answer ("qr" or "cholesky") */
} WsDirectStats;

/* name: "qr", "cholesky", or "auto-direct" (cholesky, switching to qr when the scaled Gram
 * matrix is too ill-conditioned for Cholesky to keep full accuracy).  w gets n weights. */
WsErr ws_direct_solve(const char *name, const WsProblem *p, double *w, WsDirectStats *stats);
void ws_direct_stats_free(WsDirectStats *stats);

#endif
