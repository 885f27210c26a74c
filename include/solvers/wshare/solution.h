/* The answer of a solve: weights in original units and what was measured at them. */
#ifndef WSHARE_SOLUTION_H
#define WSHARE_SOLUTION_H

#include "wshare/memory.h"

typedef struct {
  int n;
  double *w; /* n weights, merged */
  double intercept;
  double loss, grad_norm, rss;
  /* Direct solvers only (has_stats): standard errors under the ties (README "Solvers"). */
  int has_stats;
  double *stderr_w; /* n */
  double intercept_stderr;
  double residual_sd;
  int rank_deficient;
  char warning[512]; /* what the solver wants the user to know ("" if nothing) */
} WsSolution;

/* Local: a solution for n weights, zeroed. */
WsErr ws_solution_create(int n, WsSolution **sol);
/* Frees the solution (NULL is ignored) and sets *sol to NULL. */
void ws_solution_destroy(WsSolution **sol);

#endif
