/* The result file (README "File formats"): written by rank 0 (all values are replicated),
 * and read back on every rank.  With q = 1 output the weights are 1-D (n) and the
 * per-output values scalars; with q > 1, /w is n x q and they are arrays of q values. */
#ifndef WSHARE_RESULT_H
#define WSHARE_RESULT_H

#include <stdint.h>

#include "wshare/comm.h"
#include "wshare/features.h"
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
  double read_seconds;     /* slowest rank's time to load its rows */
  int q;                   /* outputs */
  const double *r2, *rmse; /* q each */
  const char *config;
  int poly_degree;
  const WsFeatures *features; /* terms, basis and map of the model columns */
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
  const WsResultLearn *learn; /* NULL unless --sharing learn */
} WsResult;

/* Collective: rank 0 writes path; every rank returns the same status. */
WsErr ws_result_write(const char *path, const WsResult *r, MPI_Comm comm);

/* A result file read back. */
typedef struct {
  int64_t n;         /* weights per output (rows of /w) */
  int64_t outputs;   /* outputs (columns of /w; 1 for a 1-D /w) */
  double *w;         /* n x outputs, row-major, merged, original units */
  double *intercept; /* outputs values (0 when not fitted) */
  char *solver;      /* the solver that produced the answer */
  char *stop_reason;
  char *sharing; /* none, groups, matrix (or learn); "" when absent */
  char *config;  /* the run's effective configuration */
  int64_t iterations;
  int converged;
  double loss, grad_norm;
  double *r2, *rmse; /* outputs values each */
  int64_t rows;
  int ranks;
  int poly_degree;             /* 1 when absent */
  WsFeaturesTerms poly_terms;  /* separate when absent */
  WsFeaturesBasis poly_basis;  /* monomial when absent */
  int poly_cols;               /* raw columns of the map (0 for monomials) */
  double *poly_min, *poly_max; /* the map of each raw column to [-1, 1] (NULL for monomials) */
  int fit_intercept;           /* 0 when absent */
  int64_t learned_groups;      /* K chosen by learned sharing; 0 otherwise */
  WsHistory *history;          /* per iteration (empty for direct solvers) */
} WsResultFile;

/* Collective over comm: every rank reads the result file at path.  A missing or unreadable
 * file, dataset or attribute is an input error naming it; every rank returns the same
 * status, and *out is NULL on failure. */
WsErr ws_result_read(const char *path, MPI_Comm comm, WsResultFile **out);
/* Frees what ws_result_read returned (NULL is ignored) and sets *r to NULL; local. */
void ws_result_destroy(WsResultFile **r);

#endif
