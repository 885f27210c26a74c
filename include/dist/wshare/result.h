/* The result file (README "File formats"), written by rank 0 (all values are replicated). */
#ifndef WSHARE_RESULT_H
#define WSHARE_RESULT_H

#include <stdint.h>

#include "wshare/comm.h"
#include "wshare/history.h"
#include "wshare/sharing.h"

/* Learned sharing's outputs (README "File formats"): the chosen ties and the path. */
typedef struct {
  int k;                      /* learned groups */
  const int64_t *groups;      /* n ids */
  const double *group_values; /* k */
  int path_len;
  const double *path_k, *path_rss, *path_criterion, *path_gain;
  const char *criterion; /* "bic" or "holdout" */
} WsResultLearn;

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
  double read_seconds; /* slowest rank's time to load its rows */
  double r2, rmse;
  const char *config;
  int poly_degree;
  int fit_intercept;
  const WsSharing *sharing;
  const double *w; /* sharing->n weights, original units */
  double intercept;
  const WsHistory *history;
  /* Direct solvers only (has_stats): */
  int has_stats;
  const double *stderr_w;
  double intercept_stderr;
  double residual_sd;
  int rank_deficient;
  const WsResultLearn *learn; /* NULL unless --sharing learn */
} WsResult;

/* Collective: rank 0 writes path; every rank returns the same status. */
WsErr ws_result_write(const char *path, const WsResult *r, MPI_Comm comm);

#endif
