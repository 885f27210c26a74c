#include "wshare/problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/reduce.h"
#include "wshare/rng.h"

WsErr ws_problem_create(MPI_Comm comm, WsDesign *des, WsSharing *sh, double ridge, int intercept,
                        WsTimers *timers, WsProblem **out) {
  WsProblem *p = ws_memory_calloc(1, sizeof *p);
  WS_CALL(ws_comm_agree_alloc(comm, p != NULL));
  *out = p;
  p->comm = comm;
  p->design = des;
  p->sharing = sh;
  p->ridge = ridge;
  p->intercept = intercept;
  p->n = des->n;
  p->literal = !sh->is_projector;
  p->k = p->literal ? des->n : sh->k;
  p->timers = timers;
  size_t k = (size_t)(p->k > 0 ? p->k : 1);
  p->buf = ws_memory_calloc(k + 2 + WS_CONTROL_COUNT, sizeof *p->buf);
  p->precond = ws_memory_calloc(k, sizeof *p->precond);
  p->norm2 = ws_memory_calloc(k, sizeof *p->norm2);
  p->w = ws_memory_calloc((size_t)p->n, sizeof *p->w);
  p->gw = ws_memory_calloc((size_t)p->n, sizeof *p->gw);
  /* Agree before the collective centring, so a failed allocation on one rank stops all. */
  WS_CALL(ws_comm_agree_alloc(comm, p->buf && p->precond && p->norm2 && p->w && p->gw));
  for (int t = 0; t < p->k; t++) {
    p->precond[t] = p->literal ? 1.0 : sh->scale[t];
    p->norm2[t] = p->literal ? 1.0 : ws_sharing_basis_norm2(sh, t);
  }
  if (intercept) {
    WS_CALL(ws_design_centre(des, comm, timers));
    /* Centred columns sum to zero, so the intercept's optimum is the mean response. */
    p->c = des->y_sum / (double)des->part.rows;
  }
  return WS_OK;
}

void ws_problem_destroy(WsProblem **p) {
  if (!p || !*p) return;
  free((*p)->buf);
  free((*p)->precond);
  free((*p)->norm2);
  free((*p)->w);
  free((*p)->gw);
  free(*p);
  *p = NULL;
}

/* The one pass + one allreduce behind both the gradient and the Hessian product: the raw
 * gradient of this rank's rows is mapped to the tied space before the reduction, so the
 * allreduce carries k values, not n. */
static WsErr objective_pass(WsProblem *p, const double *u, int use_y, const double *control_in,
                            double *out, WsEval *ev) {
  int k = p->k;
  double *buf = p->buf;
  ws_problem_expand(p, u, p->w);
  memset(p->gw, 0, (size_t)p->n * sizeof *p->gw);
  double sums[2] = {0.0, 0.0};
  double t0 = ws_timer_now();
  /* The Hessian's direction has no intercept component: it is not a parameter. */
  ws_design_gradient(p->design, p->w, use_y ? p->c : 0.0, use_y, p->gw, sums);
  if (p->literal)
    memcpy(buf, p->gw, (size_t)k * sizeof *buf);
  else
    ws_sharing_reduce(p->sharing, p->gw, buf);
  ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
  buf[k] = sums[0];
  buf[k + 1] = sums[1];
  for (int f = 0; f < WS_CONTROL_COUNT; f++)
    buf[k + 2 + f] = control_in ? control_in[f] : 0.0;
  WS_CALL(ws_reduce_sum(p->comm, buf, k + 2 + WS_CONTROL_COUNT, p->timers));
  double m = (double)p->design->part.rows;
  for (int t = 0; t < k; t++)
    out[t] = buf[t] / m + p->ridge * p->norm2[t] * u[t];
  ev->rss = buf[k];
  ev->loss = buf[k] / (2.0 * m) + 0.5 * p->ridge * ws_problem_weight_norm2(p, u);
  for (int f = 0; f < WS_CONTROL_COUNT; f++)
    ev->control[f] = buf[k + 2 + f];
  return WS_OK;
}

WsErr ws_problem_gradient(WsProblem *p, const double *u, const double *control_in, double *g,
                          WsEval *ev) {
  return objective_pass(p, u, 1, control_in, g, ev);
}

WsErr ws_problem_hessian(WsProblem *p, const double *v, const double *control_in, double *q,
                         WsEval *ev) {
  return objective_pass(p, v, 0, control_in, q, ev);
}

int64_t ws_problem_allreduce_bytes(const WsProblem *p) {
  return (int64_t)(p->k + 2 + WS_CONTROL_COUNT) * (int64_t)sizeof(double);
}

void ws_problem_merge(WsProblem *p, double *u) {
  if (p->literal) ws_sharing_merge(p->sharing, u);
}

void ws_problem_precondition(const WsProblem *p, const double *g, double *out) {
  for (int t = 0; t < p->k; t++)
    out[t] = p->precond[t] * g[t];
}

double ws_problem_projected_norm(WsProblem *p, const double *g, double *work) {
  double s = 0.0;
  if (p->literal) {
    memcpy(work, g, (size_t)p->n * sizeof *g);
    ws_sharing_merge(p->sharing, work);
    for (int j = 0; j < p->n; j++)
      s += work[j] * work[j];
    return sqrt(s);
  }
  /* A g = S diag(a) S^T g, and S^T S is diagonal. */
  const double *a = p->sharing->scale;
  for (int t = 0; t < p->k; t++)
    s += p->norm2[t] * (a[t] * g[t]) * (a[t] * g[t]);
  return sqrt(s);
}

double ws_problem_weight_norm2(const WsProblem *p, const double *u) {
  double s = 0.0;
  for (int t = 0; t < p->k; t++)
    s += p->norm2[t] * u[t] * u[t];
  return s;
}

void ws_problem_expand(const WsProblem *p, const double *u, double *w) {
  if (p->literal)
    memcpy(w, u, (size_t)p->n * sizeof *w);
  else
    ws_sharing_expand(p->sharing, u, w);
}

void ws_problem_tie(const WsProblem *p, const double *w, double *u) {
  if (p->literal) {
    memcpy(u, w, (size_t)p->n * sizeof *u);
    return;
  }
  /* A = S diag(a) S^T with S^T S = diag(a)^-1, so u = diag(a) S^T w gives S u = A w. */
  ws_sharing_reduce(p->sharing, w, u);
  for (int t = 0; t < p->k; t++)
    u[t] *= p->sharing->scale[t];
}

double ws_problem_intercept(const WsProblem *p, const double *w) {
  if (!p->intercept) return 0.0;
  double b = p->c;
  for (int j = 0; j < p->n; j++)
    b -= p->design->mean[j] * w[j];
  return b;
}

void ws_problem_tied_rows(const WsProblem *p, int64_t i0, int64_t rows, double *raw, double *tied) {
  const WsDesign *des = p->design;
  int n = des->n, k = p->sharing->k;
  ws_design_rows(des, i0, rows, raw);
  for (int64_t i = 0; i < rows; i++) {
    double *x = raw + i * n;
    if (des->centred)
      for (int j = 0; j < n; j++)
        x[j] -= des->mean[j];
    ws_sharing_reduce(p->sharing, x, tied + i * k);
  }
}

WsErr ws_problem_standardize(WsProblem *p) {
  WsSharing *sh = p->sharing;
  WS_CHECK(sh->is_projector, WS_ERR_INPUT,
           "--standardize needs sharing none, groups or a projector matrix");
  WsDesign *des = p->design;
  int k = sh->k;
  double *diag = ws_memory_calloc((size_t)k, sizeof *diag);
  double *z = ws_memory_calloc((size_t)WS_SLAB_ROWS * k, sizeof *z);
  if (ws_comm_agree_alloc(p->comm, diag && z)) {
    free(diag);
    free(z);
    return WS_ERR_RUNTIME;
  }
  double t0 = ws_timer_now();
  for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
    int64_t rows = ws_design_slab_rows(des, i0);
    ws_problem_tied_rows(p, i0, rows, des->slab, z);
    for (int64_t i = 0; i < rows * k; i++)
      diag[i % k] += z[i] * z[i];
  }
  ws_timer_add(p->timers, WS_TIME_SETUP, t0);
  WsErr err = ws_reduce_sum(p->comm, diag, k, p->timers);
  double m = (double)des->part.rows;
  for (int t = 0; t < k && !err; t++) {
    double h = diag[t] / m + p->ridge * p->norm2[t];
    /* An all-zero tied column has no curvature: leave it unscaled. */
    p->precond[t] = h > 0.0 ? 1.0 / h : sh->scale[t];
  }
  free(diag);
  free(z);
  return err;
}

WsErr ws_problem_lipschitz(WsProblem *p, double *L) {
  /* Power iteration on diag(sqrt d) H diag(sqrt d), whose spectrum is that of diag(d) H. */
  int k = p->k;
  double *u = ws_memory_calloc((size_t)k, sizeof *u), *v = ws_memory_calloc((size_t)k, sizeof *v);
  if (ws_comm_agree_alloc(p->comm, u && v)) {
    free(u);
    free(v);
    return WS_ERR_RUNTIME;
  }
  double norm = 0.0;
  for (int t = 0; t < k; t++) {
    u[t] = ws_rng_uniform(0x5eed, 1, (uint64_t)t) + 0.5;
    norm += u[t] * u[t];
  }
  double lambda = 0.0, prev = 0.0;
  WsErr err = WS_OK;
  for (int it = 0; it < 50 && !err; it++) {
    norm = sqrt(norm);
    for (int t = 0; t < k; t++)
      u[t] = u[t] / norm * sqrt(p->precond[t]);
    WsEval ev;
    err = ws_problem_hessian(p, u, NULL, v, &ev);
    norm = 0.0;
    for (int t = 0; t < k; t++) {
      u[t] = v[t] * sqrt(p->precond[t]);
      norm += u[t] * u[t];
    }
    lambda = sqrt(norm);
    if (it >= 5 && fabs(lambda - prev) <= 1e-3 * lambda) break;
    prev = lambda;
  }
  free(u);
  free(v);
  WS_CALL(err);
  WS_CHECK(lambda > 0.0 && isfinite(lambda), WS_ERR_RUNTIME,
           "cannot estimate a step: the tied design has no curvature (all-zero columns?)");
  *L = lambda;
  return WS_OK;
}
