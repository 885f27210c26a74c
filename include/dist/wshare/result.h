/* The result file (README "File formats"), written by rank 0 (all values are replicated).
 * With q = 1 output the weights are 1-D (n) and the per-output values scalars; with q > 1,
 * /w is n x q and they are arrays of q values. */
#ifndef WSHARE_RESULT_H
#define WSHARE_RESULT_H

#include <stdint.h>

#include "wshare/comm.h"
#include "wshare/history.h"
#include "wshare/sharing.h"

typedef struct {
  const char *solver;
  int64_t iterations;
  int converged;
  const char *stop_reason;
  double loss, grad_norm, rtol;
  int ranks;
  int64_t rows;
  int cols;
  double wall_seconds;
  double read_seconds;     /* slowest rank's time to load its rows */
  int q;                   /* outputs */
  const double *r2, *rmse; /* q each */
  const char *config;
  int poly_degree;
  int fit_intercept;
  const WsSharing *sharing;
  const double *w;         /* n x q weights, row-major, original units */
  const double *intercept; /* q */
  const WsHistory *history;
  /* Direct solvers only (has_stats): */
  int has_stats;
  const double *stderr_w;         /* n x q */
  const double *intercept_stderr; /* q */
  const double *residual_sd;      /* q */
  int rank_deficient;
} WsResult;

/* Collective: rank 0 writes path; every rank returns the same status. */
WsErr ws_result_write(const char *path, const WsResult *r, MPI_Comm comm);

#endif
