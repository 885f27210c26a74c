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
  p->dim = des->n + (intercept ? 1 : 0);
  p->timers = timers;
  p->buf = ws_memory_calloc((size_t)(p->dim + 2 + WS_CONTROL_COUNT), sizeof *p->buf);
  p->precond = ws_memory_calloc((size_t)(sh->k > 0 ? sh->k : 1), sizeof *p->precond);
  /* Agree before the collective centring, so a failed allocation on one rank stops all. */
  WS_CALL(ws_comm_agree_alloc(comm, p->buf && p->precond));
  if (sh->k > 0) memcpy(p->precond, sh->scale, (size_t)sh->k * sizeof *sh->scale);
  if (intercept) WS_CALL(ws_design_centre(des, comm, timers));
  return WS_OK;
}

void ws_problem_destroy(WsProblem **p) {
  if (!p || !*p) return;
  free((*p)->buf);
  free((*p)->precond);
  free(*p);
  *p = NULL;
}

/* The one pass + one allreduce behind both the gradient and the Hessian product. */
static WsErr objective_pass(WsProblem *p, const double *theta, int use_y, const double *control_in,
                            double *out, WsEval *ev) {
  int n = p->n, dim = p->dim;
  double *buf = p->buf;
  memset(buf, 0, (size_t)(dim + 2) * sizeof *buf);
  for (int f = 0; f < WS_CONTROL_COUNT; f++)
    buf[dim + 2 + f] = control_in ? control_in[f] : 0.0;
  double c = p->intercept ? theta[n] : 0.0;
  double t0 = ws_timer_now();
  ws_design_gradient(p->design, theta, c, use_y, buf, buf + dim);
  ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
  WS_CALL(ws_reduce_sum(p->comm, buf, dim + 2 + WS_CONTROL_COUNT, p->timers));
  double m = (double)p->design->part.rows;
  double wnorm2 = 0.0;
  for (int j = 0; j < n; j++) {
    out[j] = buf[j] / m + p->ridge * theta[j];
    wnorm2 += theta[j] * theta[j];
  }
  if (p->intercept) out[n] = buf[dim + 1] / m;
  ev->rss = buf[dim];
  ev->loss = buf[dim] / (2.0 * m) + 0.5 * p->ridge * wnorm2;
  for (int f = 0; f < WS_CONTROL_COUNT; f++)
    ev->control[f] = buf[dim + 2 + f];
  return WS_OK;
}

WsErr ws_problem_gradient(WsProblem *p, const double *theta, const double *control_in, double *g,
                          WsEval *ev) {
  return objective_pass(p, theta, 1, control_in, g, ev);
}

WsErr ws_problem_hessian(WsProblem *p, const double *v, const double *control_in, double *q,
                         WsEval *ev) {
  return objective_pass(p, v, 0, control_in, q, ev);
}

void ws_problem_merge(WsProblem *p, double *theta) {
  ws_sharing_merge(p->sharing, theta);
}

void ws_problem_precondition(WsProblem *p, const double *g, double *out) {
  if (p->sharing->kind == WS_SHARING_MATRIX && !p->sharing->is_projector)
    memcpy(out, g, (size_t)p->n * sizeof *g); /* the literal iteration: plain gradient */
  else
    ws_sharing_precondition(p->sharing, p->precond, g, out);
  if (p->intercept) out[p->n] = g[p->n];
}

double ws_problem_projected_norm(WsProblem *p, const double *g, double *work) {
  memcpy(work, g, (size_t)p->dim * sizeof *g);
  ws_sharing_merge(p->sharing, work);
  double s = 0.0;
  for (int j = 0; j < p->dim; j++)
    s += work[j] * work[j];
  return sqrt(s);
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
    double h = diag[t] / m + p->ridge * ws_sharing_basis_norm2(sh, t);
    /* An all-zero tied column has no curvature: leave it unscaled. */
    p->precond[t] = h > 0.0 ? 1.0 / h : sh->scale[t];
  }
  free(diag);
  free(z);
  return err;
}

WsErr ws_problem_lipschitz(WsProblem *p, double *L) {
  WsSharing *sh = p->sharing;
  /* Power iteration on diag(sqrt d) S^T H S diag(sqrt d), whose spectrum is that of M H on
   * the tied space; without a basis (non-projector A) on H itself. */
  int basis = sh->is_projector;
  int k = basis ? sh->k : p->n;
  int ku = k + (p->intercept ? 1 : 0);
  double *u = ws_memory_calloc((size_t)ku, sizeof *u),
         *v = ws_memory_calloc((size_t)p->dim, sizeof *v);
  double *q = ws_memory_calloc((size_t)p->dim, sizeof *q);
  if (ws_comm_agree_alloc(p->comm, u && v && q)) {
    free(u);
    free(v);
    free(q);
    return WS_ERR_RUNTIME;
  }
  double norm = 0.0;
  for (int t = 0; t < ku; t++) {
    u[t] = ws_rng_uniform(0x5eed, 1, (uint64_t)t) + 0.5;
    norm += u[t] * u[t];
  }
  double lambda = 0.0, prev = 0.0;
  WsErr err = WS_OK;
  for (int it = 0; it < 50 && !err; it++) {
    norm = sqrt(norm);
    for (int t = 0; t < ku; t++)
      u[t] /= norm;
    for (int t = 0; t < k; t++)
      u[t] *= basis ? sqrt(p->precond[t]) : 1.0;
    if (basis)
      ws_sharing_expand(sh, u, v);
    else
      memcpy(v, u, (size_t)p->n * sizeof *v);
    if (p->intercept) v[p->n] = u[k];
    WsEval ev;
    err = ws_problem_hessian(p, v, NULL, q, &ev);
    if (basis)
      ws_sharing_reduce(sh, q, u);
    else
      memcpy(u, q, (size_t)p->n * sizeof *u);
    norm = 0.0;
    for (int t = 0; t < k; t++) {
      u[t] *= basis ? sqrt(p->precond[t]) : 1.0;
      norm += u[t] * u[t];
    }
    if (p->intercept) {
      u[k] = q[p->n];
      norm += u[k] * u[k];
    }
    lambda = sqrt(norm);
    if (it >= 5 && fabs(lambda - prev) <= 1e-3 * lambda) break;
    prev = lambda;
  }
  free(u);
  free(v);
  free(q);
  WS_CALL(err);
  WS_CHECK(lambda > 0.0 && isfinite(lambda), WS_ERR_RUNTIME,
           "cannot estimate a step: the tied design has no curvature (all-zero columns?)");
  *L = lambda;
  return WS_OK;
}

double ws_problem_intercept(const WsProblem *p, const double *theta) {
  if (!p->intercept) return 0.0;
  double b = theta[p->n];
  for (int j = 0; j < p->n; j++)
    b -= p->design->mean[j] * theta[j];
  return b;
}
