/* The result file of SPEC §3, written by rank 0 (all values are replicated). */
#ifndef WSHARE_RESULT_H
#define WSHARE_RESULT_H

#include <stdint.h>

#include "wshare/error.h"
#include "wshare/sharing.h"

/* Per-iteration history: loss, |A grad L| and cumulative seconds. */
typedef struct {
  int64_t len, cap;
  double *loss, *grad_norm, *seconds;
} WsHistory;

WsErr ws_history_append(WsHistory *h, double loss, double grad_norm, double seconds);
/* Makes room for len entries and sets the length (for restoring from a checkpoint). */
WsErr ws_history_resize(WsHistory *h, int64_t len);
void ws_history_free(WsHistory *h);

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
} WsResult;

/* Collective: rank 0 writes path; every rank returns the same status. */
WsErr ws_result_write(const char *path, const WsResult *r, MPI_Comm comm);

#endif
