/* The answer of a solve: weights in original units and what was measured at them, for q
 * outputs (per-output arrays have q values). */
#ifndef WSHARE_SOLUTION_H
#define WSHARE_SOLUTION_H

#include "wshare/memory.h"

typedef struct {
  int n, q;
  double *w;         /* n x q weights, row-major, merged */
  double *intercept; /* q */
  double loss, grad_norm, rss;
  double *rss_out; /* q: each output's sum of squared residuals */
  /* Direct solvers only (has_stats): standard errors under the ties (README "Solvers"). */
  int has_stats;
  double *stderr_w;         /* n x q */
  double *intercept_stderr; /* q */
  double *residual_sd;      /* q */
  int rank_deficient;
  char warning[512]; /* what the solver wants the user to know ("" if nothing) */
} WsSolution;

/* Local: a solution for n x q weights, zeroed. */
WsErr ws_solution_create(int n, int q, WsSolution **sol);
/* Frees the solution (NULL is ignored) and sets *sol to NULL. */
void ws_solution_destroy(WsSolution **sol);

#endif
