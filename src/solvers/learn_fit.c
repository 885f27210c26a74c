/* The tied refits of learned sharing from a Gram matrix in atom coordinates: merging the
 * system by a partition (P^T A P for the 0/1 partition matrix P), the Jacobi-scaled Cholesky
 * solve, the loss relative to the free fit, and the improvement step (README "Learned
 * sharing", the method). */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"
#include "learn_impl.h"
#include "wshare/kmeans1d.h"

/* The improvement step stops after this many kept steps (it usually stops after one). */
enum { IMPROVE_MAX_STEPS = 20, LIPSCHITZ_ITERATIONS = 60 };

void ws_learn_fit_merge(const WsLearnSystem *sys, const int *labels, int K, double *M,
                        double *rhs) {
  int P = sys->P, dim = sys->dim, kd = K + sys->ones;
  memset(M, 0, (size_t)kd * kd * sizeof *M);
  memset(rhs, 0, (size_t)kd * sizeof *rhs);
  for (int b = 0; b < dim; b++) {
    int cb = b < P ? labels[b] : K;
    if (cb < 0) continue;
    const double *col = sys->A + (int64_t)b * dim;
    double *out = M + (int64_t)cb * kd;
    for (int a = 0; a < dim; a++) {
      int ca = a < P ? labels[a] : K;
      if (ca >= 0) out[ca] += col[a];
    }
    rhs[cb] += sys->b[b];
  }
}

void ws_learn_fit_factor_free(WsLearnFactor *f) {
  free(f->U);
  free(f->D);
  f->U = f->D = NULL;
}

WsErr ws_learn_fit_solve(int kd, const double *M, const double *rhs, double *x, WsLearnFactor *f) {
  ws_learn_fit_factor_free(f);
  f->kd = kd;
  f->bad = -1;
  f->rcond = 0.0;
  WS_ALLOC(f->U, (size_t)kd * kd);
  WS_ALLOC(f->D, kd);
  for (int c = 0; c < kd; c++) {
    double d = M[c + (int64_t)c * kd];
    if (!(d > 0.0)) {
      f->bad = c;
      return WS_OK;
    }
    f->D[c] = ws_direct_pow2_scale(sqrt(d));
  }
  /* Scaling by powers of two is exact; it makes rcond measure dependence, not units. */
  for (int j = 0; j < kd; j++)
    for (int i = 0; i < kd; i++)
      f->U[i + (int64_t)j * kd] = M[i + (int64_t)j * kd] * f->D[i] * f->D[j];
  double anorm = LAPACKE_dlansy(LAPACK_COL_MAJOR, '1', 'U', kd, f->U, kd);
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', kd, f->U, kd);
  if (info > 0) {
    f->bad = (int)info - 1;
    return WS_OK;
  }
  WS_CHECK(info == 0, WS_ERR_RUNTIME, "learn: LAPACK dpotrf failed (info %d)", (int)info);
  info = LAPACKE_dpocon(LAPACK_COL_MAJOR, 'U', kd, f->U, kd, anorm, &f->rcond);
  WS_CHECK(info == 0, WS_ERR_RUNTIME, "learn: LAPACK dpocon failed (info %d)", (int)info);
  if (!(f->rcond >= kd * DBL_EPSILON)) {
    /* The smallest pivot marks the column the others explain best. */
    int worst = 0;
    for (int c = 1; c < kd; c++)
      if (fabs(f->U[c + (int64_t)c * kd]) < fabs(f->U[worst + (int64_t)worst * kd])) worst = c;
    f->bad = worst;
    return WS_OK;
  }
  ws_learn_fit_correct(f, rhs, x);
  return WS_OK;
}

void ws_learn_fit_correct(const WsLearnFactor *f, const double *r, double *dx) {
  for (int c = 0; c < f->kd; c++)
    dx[c] = f->D[c] * r[c];
  LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', f->kd, 1, f->U, f->kd, dx, f->kd);
  for (int c = 0; c < f->kd; c++)
    dx[c] *= f->D[c];
}

void ws_learn_fit_expand(int P, int ones, const int *labels, int K, const double *x,
                         double *theta) {
  for (int a = 0; a < P; a++)
    theta[a] = labels[a] >= 0 ? x[labels[a]] : 0.0;
  if (ones) theta[P] = x[K];
}

double ws_learn_fit_delta_loss(const WsLearnSystem *sys, const double *theta_f, const double *rho,
                               const double *theta, double *work) {
  int dim = sys->dim;
  double *e = work, *Ae = work + dim;
  for (int a = 0; a < dim; a++)
    e[a] = theta[a] - theta_f[a];
  cblas_dsymv(CblasColMajor, CblasUpper, dim, 1.0, sys->A, dim, e, 1, 0.0, Ae, 1);
  double quad = 0.0, lin = 0.0;
  for (int a = 0; a < dim; a++) {
    quad += e[a] * Ae[a];
    lin += e[a] * rho[a];
  }
  return (quad + 2.0 * lin) / (2.0 * sys->m);
}

double ws_learn_fit_lipschitz(const WsLearnSystem *sys, double *work) {
  int P = sys->P, dim = sys->dim;
  double *v = work, *w = work + P;
  for (int a = 0; a < P; a++)
    v[a] = 1.0 / sqrt((double)P);
  double lambda = 1.0, prev = 0.0;
  for (int it = 0; it < LIPSCHITZ_ITERATIONS; it++) {
    double norm = 0.0;
    for (int a = 0; a < P; a++) {
      double s = 0.0, daa = sys->A[a + (int64_t)a * dim];
      for (int b = 0; b < P; b++) {
        double dbb = sys->A[b + (int64_t)b * dim];
        s += sys->A[a + (int64_t)b * dim] * v[b] / sqrt(daa * dbb);
      }
      w[a] = s;
      norm += s * s;
    }
    lambda = sqrt(norm);
    if (!(lambda > 0.0)) return 1.0;
    for (int a = 0; a < P; a++)
      v[a] = w[a] / lambda;
    if (it >= 5 && fabs(lambda - prev) <= 1e-4 * lambda) break;
    prev = lambda;
  }
  /* A little above the estimate: power iteration approaches the top from below. */
  return 1.02 * lambda;
}

/* 1 when labels a and b describe the same partition (cluster names may differ). */
static int same_partition(int P, const int *a, const int *b, int K, int *map) {
  for (int c = 0; c < K; c++)
    map[c] = -1;
  for (int i = 0; i < P; i++) {
    if ((a[i] < 0) != (b[i] < 0)) return 0;
    if (a[i] < 0) continue;
    if (map[a[i]] < 0) map[a[i]] = b[i];
    if (map[a[i]] != b[i]) return 0;
  }
  return 1;
}

typedef struct {
  double *M, *rhs, *x, *work, *theta, *grad, *u;
  int *labels, *map;
  WsLearnFactor f;
} Scratch;

static void scratch_free(Scratch *w) {
  free(w->M);
  free(w->rhs);
  free(w->x);
  free(w->work);
  free(w->theta);
  free(w->grad);
  free(w->u);
  free(w->labels);
  free(w->map);
  ws_learn_fit_factor_free(&w->f);
}

/* Refit of labels into theta; *ok = 0 when the merged system is singular. */
static WsErr refit_once(const WsLearnSystem *sys, const double *theta_f, const double *rho,
                        const int *labels, int K, Scratch *w, double *theta, double *dloss,
                        double *rcond, int *ok) {
  int kd = K + sys->ones;
  ws_learn_fit_merge(sys, labels, K, w->M, w->rhs);
  WS_CALL(ws_learn_fit_solve(kd, w->M, w->rhs, w->x, &w->f));
  *ok = w->f.bad < 0;
  *rcond = w->f.rcond;
  if (!*ok) return WS_OK;
  ws_learn_fit_expand(sys->P, sys->ones, labels, K, w->x, theta);
  *dloss = ws_learn_fit_delta_loss(sys, theta_f, rho, theta, w->work);
  return WS_OK;
}

/* One projected-gradient candidate: re-cluster theta - D^-1 grad / L_s into K clusters. */
static WsErr project(const WsLearnSystem *sys, const double *h, double lipschitz, int K,
                     int pin_zero, const double *theta, Scratch *w, int *used) {
  int P = sys->P, dim = sys->dim;
  cblas_dsymv(CblasColMajor, CblasUpper, dim, 1.0, sys->A, dim, theta, 1, 0.0, w->grad, 1);
  for (int a = 0; a < P; a++) {
    double daa = sys->A[a + (int64_t)a * dim];
    w->u[a] = theta[a] - (w->grad[a] - sys->b[a]) / (daa * lipschitz);
  }
  WsKmeans1d *dp = NULL;
  WS_CALL(ws_kmeans1d_create(P, w->u, h, K, pin_zero, &dp));
  WsErr err = ws_kmeans1d_labels(dp, K, w->labels, NULL, used);
  ws_kmeans1d_destroy(&dp);
  return err;
}

WsErr ws_learn_fit_refit(const WsLearnSystem *sys, const double *theta_f, const double *rho,
                         const double *h, double lipschitz, int K, int pin_zero, int improve,
                         WsLearnRefit *r) {
  int P = sys->P, dim = sys->dim, kd = K + sys->ones;
  Scratch w = {0};
  w.M = ws_memory_calloc((size_t)kd * kd, sizeof *w.M);
  w.rhs = ws_memory_calloc((size_t)kd, sizeof *w.rhs);
  w.x = ws_memory_calloc((size_t)kd, sizeof *w.x);
  w.work = ws_memory_calloc((size_t)dim * 2, sizeof *w.work);
  w.theta = ws_memory_calloc((size_t)dim, sizeof *w.theta);
  w.grad = ws_memory_calloc((size_t)dim, sizeof *w.grad);
  w.u = ws_memory_calloc((size_t)P, sizeof *w.u);
  w.labels = ws_memory_calloc((size_t)P, sizeof *w.labels);
  w.map = ws_memory_calloc((size_t)kd, sizeof *w.map);
  WsErr err = w.M && w.rhs && w.x && w.work && w.theta && w.grad && w.u && w.labels && w.map
                  ? WS_OK
                  : WS_ERR_RUNTIME;
  r->steps = 0;
  r->gain = 0.0;
  int ok = 0;
  if (!err)
    err = refit_once(sys, theta_f, rho, r->labels, K, &w, r->theta, &r->dloss, &r->rcond, &ok);
  r->deficient = !ok;
  for (int step = 0; !err && ok && improve && step < IMPROVE_MAX_STEPS; step++) {
    int used = 0;
    err = project(sys, h, lipschitz, K, pin_zero, r->theta, &w, &used);
    if (err || used < K || same_partition(P, r->labels, w.labels, K, w.map)) break;
    double dloss = 0.0, rcond = 0.0;
    int ok2 = 0;
    err = refit_once(sys, theta_f, rho, w.labels, K, &w, w.theta, &dloss, &rcond, &ok2);
    /* Kept only when it pays: a decrease beyond the rounding of the losses compared. */
    double tol = 1e-12 * (fabs(r->dloss) + fabs(sys->loss0));
    if (err || !ok2 || !(dloss < r->dloss - tol)) break;
    r->gain += r->dloss - dloss;
    r->dloss = dloss;
    r->rcond = rcond;
    r->steps++;
    memcpy(r->labels, w.labels, (size_t)P * sizeof *w.labels);
    memcpy(r->theta, w.theta, (size_t)dim * sizeof *w.theta);
  }
  scratch_free(&w);
  return err;
}
