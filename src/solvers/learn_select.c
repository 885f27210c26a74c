/* Scoring the path of learned sharing and choosing K (README "Learned sharing", the
 * criterion). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_state.h"
#include "wshare/learn_pass.h"

/* log B(P, k) = log sum_{j <= k} S(P, j) for k = 0 .. kmax: the number of partitions of P
 * points into at most k blocks, from the Stirling numbers of the second kind by the
 * recurrence S(i, k) = k S(i-1, k) + S(i-1, k-1) in logarithms (every term positive, so
 * nothing cancels). */
static WsErr log_stirling(int P, int kmax, double *out) {
  double *prev;
  WS_ALLOC(prev, kmax + 1);
  for (int k = 0; k <= kmax; k++)
    out[k] = k == 0 ? 0.0 : -INFINITY;
  for (int i = 1; i <= P; i++) {
    memcpy(prev, out, (size_t)(kmax + 1) * sizeof *out);
    out[0] = -INFINITY;
    for (int k = 1; k <= kmax && k <= i; k++) {
      double a = log((double)k) + prev[k], b = prev[k - 1];
      double hi = fmax(a, b), lo = fmin(a, b);
      out[k] = lo == -INFINITY ? hi : hi + log1p(exp(lo - hi));
    }
  }
  free(prev);
  /* Cumulative: the tie patterns with at most k distinct values. */
  for (int k = 2; k <= kmax; k++) {
    double hi = fmax(out[k], out[k - 1]), lo = fmin(out[k], out[k - 1]);
    out[k] = lo == -INFINITY ? hi : hi + log1p(exp(lo - hi));
  }
  return WS_OK;
}

/* The criterion of path entry row.  BIC counts the model space as well (EBIC, Chen and Chen
 * 2008): + 2 log B(P, K), the tie patterns with at most K distinct values (B(P + 1, K + 1)
 * with the pinned-zero cluster), because a partition chosen by search among them fits noise:
 * splitting a cluster of c points by value lowers the RSS by about (2/pi) c sigma^2, far more
 * than the log m of one parameter (README "Learned sharing", the criterion).  B grows with K,
 * so the term never weakens BIC.  Rounding-level residuals count as that level, so that an
 * exactly tied model is not beaten by rounding noise. */
static double criterion(const WsLearnRun *L, const double *row, const double *log_s) {
  if (row[PC_DEFICIENT] != 0.0) return INFINITY;
  double eps2 = 256.0 * DBL_EPSILON * DBL_EPSILON;
  if (L->opt.criterion == WS_LEARN_HOLDOUT && L->sets == 2) {
    double rss = fmax(row[PC_RSS1], eps2 * L->scal[LS_YY1]);
    return rss / (2.0 * L->scal[LS_ROWS1]);
  }
  double m = L->scal[LS_ROWS0], rss = fmax(row[PC_RSS0], eps2 * L->scal[LS_YY0]);
  rss = fmax(rss, DBL_MIN);
  int K = (int)row[PC_K];
  return m * log(rss / m) + (K + L->ones) * log(m) + 2.0 * log_s[K + (L->opt.zero ? 1 : 0)];
}

/* The RSS of atom-coordinate fits theta (count of them) on each set, from the exact pass at
 * the free fit: |r|^2 = RSS_f + 2 e.g + e^T G e with e = theta - theta_f and g the free fit's
 * gradient, so nothing cancels against |y|^2. */
static WsErr gram_rss(const WsLearnRun *L, int count, const double *thetas, double *rss) {
  int dim = L->dim;
  double *e;
  WS_ALLOC(e, dim);
  for (int t = 0; t < count; t++)
    for (int set = 0; set < L->sets; set++) {
      const double *G = L->gram + (int64_t)set * dim * dim, *g = L->free_grad + set * dim;
      for (int a = 0; a < dim; a++)
        e[a] = thetas[(int64_t)t * dim + a] - L->free[a];
      double quad = 0.0, lin = 0.0;
      for (int a = 0; a < dim; a++) {
        double Gea = 0.0;
        for (int b = 0; b < dim; b++)
          Gea += G[a + (int64_t)b * dim] * e[b];
        quad += e[a] * Gea;
        lin += e[a] * g[a];
      }
      rss[t * L->sets + set] = fmax(L->scal[LS_RSS_FREE0 + set] + 2.0 * lin + quad, 0.0);
    }
  free(e);
  return WS_OK;
}

/* Stage: every model of the path scored exactly (from the Gram matrices and the free fit's
 * exact pass, or in one pass on the passes route); K chosen. */
WsErr ws_learn_select_score(WsSolver *s, WsLearnRun *L) {
  WsProblem *p = s->prob;
  int n = p->n, np = ws_learn_state_path_len(L);
  double *W = ws_memory_calloc((size_t)np * n, sizeof *W);
  double *c = ws_memory_calloc((size_t)np, sizeof *c);
  double *rss = ws_memory_calloc((size_t)np * 2, sizeof *rss);
  int k_last = (int)L->scal[LS_K_HI] + 1;
  double *log_s = ws_memory_calloc((size_t)k_last + 1, sizeof *log_s);
  WsErr err = ws_comm_agree_alloc(p->comm, W && c && rss && log_s);
  if (!err) err = log_stirling(L->P + (L->opt.zero ? 1 : 0), k_last, log_s);
  if (!err && L->route == ROUTE_GRAM) {
    err = gram_rss(L, np, L->fits, rss);
  } else if (!err) {
    for (int t = 0; t < np; t++)
      c[t] = ws_learn_state_weights(L, L->fits + (int64_t)t * L->dim, W + (int64_t)t * n);
    err = ws_learn_pass_rss(p->comm, p->design, np, W, c, L->sets == 2, p->timers, rss);
  }
  if (!err) {
    int best = -1;
    double best_crit = INFINITY;
    for (int t = 0; t < np; t++) {
      double *row = L->path + (int64_t)t * PC_COUNT;
      row[PC_RSS0] = rss[t * L->sets];
      row[PC_RSS1] = L->sets == 2 ? rss[t * 2 + 1] : NAN;
      row[PC_CRIT] = L->opt.groups > 0 ? NAN : criterion(L, row, log_s);
      double crit = L->opt.groups > 0 ? (row[PC_DEFICIENT] != 0.0 ? INFINITY : 0.0) : row[PC_CRIT];
      if (crit < best_crit) {
        best_crit = crit;
        best = t;
      }
    }
    if (best < 0)
      err = ws_error_set(WS_ERR_RUNTIME,
                         "learn: every tied refit of the path is rank deficient; add --ridge");
    L->scal[LS_CHOSEN] = best;
    L->scal[LS_STAGE] = STAGE_FINAL;
  }
  free(W);
  free(c);
  free(rss);
  free(log_s);
  return err;
}
