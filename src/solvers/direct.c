#include "direct.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

WsErr ws_direct_context(WsProblem *p, const char *name, WsDirectCtx *c) {
  *c = (WsDirectCtx){.p = p, .des = p->design, .sh = p->sharing, .comm = p->comm};
  MPI_Comm_rank(c->comm, &c->rank);
  MPI_Comm_size(c->comm, &c->size);
  c->q = p->q;
  c->k = c->sh->per_output ? c->sh->k1 : c->sh->k;
  c->nrhs = c->sh->per_output ? c->q : 1;
  c->stack = c->sh->per_output ? 1 : c->q;
  c->m = c->des->part.rows;
  WS_CHECK(c->sh->is_projector && c->k > 0, WS_ERR_INPUT,
           "%s: the sharing matrix is not a symmetric projector with a nonzero range; only "
           "--solver gd applies",
           name);
  int params = c->k + (p->intercept ? c->stack : 0);
  WS_CHECK(p->ridge > 0.0 || c->m * c->stack >= params, WS_ERR_RUNTIME,
           "%s: the tied design is rank deficient: %lld rows for %d parameters; add --ridge", name,
           (long long)(c->m * c->stack), params);
  return WS_OK;
}

double ws_direct_column_norm2(const WsDirectCtx *c, int t) {
  return ws_sharing_basis_norm2(c->sh, c->sh->per_output ? t * c->q : t);
}

const double *ws_direct_mu_z(const WsDirectCtx *c, const WsFit *fit, int o) {
  return fit->mu_z + (c->sh->per_output ? 0 : (int64_t)o * c->k);
}

void ws_direct_fit_free(WsFit *f) {
  free(f->v);
  free(f->Ginv);
  free(f->lam);
  free(f->mu_z);
  free(f->rss);
  memset(f, 0, sizeof *f);
}

double ws_direct_pow2_scale(double norm) {
  if (!(norm > 0.0) || !isfinite(norm)) return 1.0;
  int e;
  frexp(norm, &e);
  return ldexp(1.0, -e);
}

/* Names tied column t the way the user wrote the sharing. */
static void describe_column(const WsDirectCtx *c, int t, char *buf, size_t size) {
  const WsSharing *sh = c->sh;
  int q = sh->q, full = sh->per_output ? t * q : t; /* the first output's copy */
  if (sh->kind == WS_SHARING_GROUPS && sh->tied_id[full] >= 0) {
    snprintf(buf, size, "tied column %d (group %lld)", t, (long long)sh->tied_id[full]);
  } else if (sh->kind == WS_SHARING_GROUPS) {
    int e = 0;
    while (e < sh->nw - 1 && sh->tied_of[e] != full)
      e++;
    if (q == 1 || sh->per_output)
      snprintf(buf, size, "tied column %d (weight %d, not shared)", t, e / q);
    else
      snprintf(buf, size, "tied column %d (weight (%d, %d), not shared)", t, e / q, e % q);
  } else if (sh->kind == WS_SHARING_NONE) {
    snprintf(buf, size, "tied column %d (weight %d)", t, t);
  } else {
    snprintf(buf, size, "tied column %d (basis vector %d of the sharing matrix)", t, t);
  }
}

WsErr ws_direct_deficient(const WsDirectCtx *c, const char *solver, int t, const char *why,
                          int numerical) {
  char col[128];
  describe_column(c, t, col, sizeof col);
  /* Cholesky squares the condition number: a design it rejects may still suit qr. */
  return ws_error_set(
      WS_ERR_RUNTIME, "%s: the tied design is rank deficient: %s %s; add --ridge or remove it%s",
      solver, col, why, numerical && strcmp(solver, "qr") ? ", or try --solver qr" : "");
}

void ws_direct_params(const WsDirectCtx *c, const WsFit *fit, double *w, double *u, double *b) {
  const WsProblem *p = c->p;
  int q = c->q, nrhs = fit->nrhs;
  memcpy(u, fit->v + (int64_t)fit->off * nrhs, (size_t)c->sh->k * sizeof *u);
  ws_sharing_expand(c->sh, u, w);
  for (int o = 0; o < q; o++) {
    b[o] = 0.0;
    if (!p->intercept) continue;
    /* The intercept columns come first: one shared (v[0][o]) or one per output (v[o][0]). */
    if (fit->off) {
      b[o] = fit->v[o];
      continue;
    }
    /* Centred columns: the intercept is the mean response less the means' share. */
    const double *a = ws_direct_mu_z(c, fit, o);
    const double *v = fit->v + (nrhs > 1 ? o : 0);
    b[o] = c->des->y_sum[o] / (double)c->m;
    for (int t = 0; t < c->k; t++)
      b[o] -= a[t] * v[(int64_t)t * nrhs];
  }
}

WsErr ws_direct_finish(const WsDirectCtx *c, const WsFit *fit, WsSolution *sol) {
  WsProblem *p = c->p;
  int K = c->sh->k;
  double *u = ws_memory_calloc((size_t)K, sizeof *u);
  double *g = ws_memory_calloc((size_t)K, sizeof *g);
  size_t nwork = (size_t)(p->nw > fit->kp ? p->nw : fit->kp) * 2;
  double *work = ws_memory_calloc(nwork, sizeof *work);
  WsErr err = ws_comm_agree_alloc(c->comm, u && g && work);
  if (!err) {
    ws_direct_params(c, fit, sol->w, u, sol->intercept);
    WsEval ev;
    err = ws_problem_gradient(p, u, NULL, g, &ev);
    sol->loss = ev.loss;
    sol->grad_norm = ws_problem_projected_norm(p, g, work);
    memcpy(sol->rss_out, fit->rss ? fit->rss : p->rss_out, (size_t)c->q * sizeof *sol->rss_out);
    sol->rss = 0.0;
    for (int o = 0; o < c->q; o++)
      sol->rss += sol->rss_out[o];
  }
  if (!err) {
    sol->has_stats = 1;
    ws_stats_standard_errors(c, fit, work, sol);
  }
  free(u);
  free(g);
  free(work);
  return err;
}

WsErr ws_direct_solve(WsSolver *s, const char *name, WsDirectFitFn fit_fn, WsSolution *sol) {
  WsDirectCtx c;
  WS_CALL(ws_direct_context(s->prob, name, &c));
  WsFit fit = {0};
  WsErr err = fit_fn(&c, s, &fit, sol);
  if (!err) err = ws_direct_finish(&c, &fit, sol);
  ws_direct_fit_free(&fit);
  return err;
}

/* Flops per second of a DGEMM of order 256 on this rank, the rate the blocked factorizations
 * approach (measured once per factorization: a few milliseconds). */
static double dgemm_rate(void) {
  enum { N = 256 };
  double *a = ws_memory_calloc((size_t)3 * N * N, sizeof *a);
  if (!a) return 0.0;
  for (int i = 0; i < 2 * N * N; i++)
    a[i] = 1.0 / (1 + i % 7);
  double t0 = ws_timer_now();
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, a, N, a + N * N, N, 0.0,
              a + 2 * N * N, N);
  double dt = ws_timer_now() - t0;
  free(a);
  return dt > 0.0 ? 2.0 * N * N * N / dt : 0.0;
}

void ws_direct_factor_begin(const WsDirectCtx *c, const char *phase, double flops, int ranks) {
  WsProgress *pr = c->des->progress;
  if (!pr) return;
  ws_progress_begin(pr, phase);
  /* Below 10^8 flops no machine of interest takes a second: skip the measurement. */
  if (flops < 1e8) return;
  double rate = dgemm_rate() * (ranks > 0 ? ranks : 1);
  char what[128];
  snprintf(what, sizeof what, "%.2g flops at %.3g Gflop/s (measured) on %d rank%s", flops,
           rate * 1e-9, ranks, ranks == 1 ? "" : "s");
  if (rate > 0.0) ws_progress_estimate(pr, flops / rate, what);
}
