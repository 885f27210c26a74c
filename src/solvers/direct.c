#include "direct.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

WsErr ws_direct_context(WsProblem *p, const char *name, WsDirectCtx *c) {
  *c = (WsDirectCtx){.p = p, .des = p->design, .sh = p->sharing, .comm = p->comm};
  MPI_Comm_rank(c->comm, &c->rank);
  MPI_Comm_size(c->comm, &c->size);
  c->k = c->sh->k;
  c->m = c->des->part.rows;
  WS_CHECK(c->sh->is_projector && c->k > 0, WS_ERR_INPUT,
           "%s: the sharing matrix is not a symmetric projector with a nonzero range; only "
           "--solver gd applies",
           name);
  int params = c->k + (p->intercept ? 1 : 0);
  WS_CHECK(p->ridge > 0.0 || c->m >= params, WS_ERR_RUNTIME,
           "%s: the tied design is rank deficient: %lld rows for %d parameters; add --ridge", name,
           (long long)c->m, params);
  return WS_OK;
}

void ws_direct_fit_free(WsFit *f) {
  free(f->v);
  free(f->Ginv);
  free(f->lam);
  free(f->mu_z);
  memset(f, 0, sizeof *f);
}

double ws_direct_pow2_scale(double norm) {
  if (!(norm > 0.0) || !isfinite(norm)) return 1.0;
  int e;
  frexp(norm, &e);
  return ldexp(1.0, -e);
}

/* Names tied column t the way the user wrote the sharing. */
static void describe_column(const WsSharing *sh, int t, char *buf, size_t size) {
  if (sh->kind == WS_SHARING_GROUPS && sh->tied_id[t] >= 0) {
    snprintf(buf, size, "tied column %d (group %lld)", t, (long long)sh->tied_id[t]);
  } else if (sh->kind == WS_SHARING_GROUPS) {
    int j = 0;
    while (j < sh->n - 1 && sh->tied_of[j] != t)
      j++;
    snprintf(buf, size, "tied column %d (weight %d, not shared)", t, j);
  } else if (sh->kind == WS_SHARING_NONE) {
    snprintf(buf, size, "tied column %d (weight %d)", t, t);
  } else {
    snprintf(buf, size, "tied column %d (basis vector %d of the sharing matrix)", t, t);
  }
}

WsErr ws_direct_deficient(const WsDirectCtx *c, const char *solver, int t, const char *why,
                          int numerical) {
  char col[128];
  describe_column(c->sh, t, col, sizeof col);
  /* Cholesky squares the condition number: a design it rejects may still suit qr. */
  return ws_error_set(
      WS_ERR_RUNTIME, "%s: the tied design is rank deficient: %s %s; add --ridge or remove it%s",
      solver, col, why, numerical && strcmp(solver, "qr") ? ", or try --solver qr" : "");
}

double ws_direct_params(const WsDirectCtx *c, const WsFit *fit, double *w, double *u) {
  const WsProblem *p = c->p;
  memcpy(u, fit->v + fit->off, (size_t)c->k * sizeof *u);
  ws_sharing_expand(c->sh, u, w);
  if (!p->intercept) return 0.0;
  if (fit->off) return fit->v[0];
  /* Centred columns: the intercept is the mean response less the means' share. */
  double b = c->des->y_sum / (double)c->m;
  for (int t = 0; t < c->k; t++)
    b -= fit->mu_z[t] * fit->v[t];
  return b;
}

WsErr ws_direct_finish(const WsDirectCtx *c, const WsFit *fit, WsSolution *sol) {
  WsProblem *p = c->p;
  double *u = ws_memory_calloc((size_t)c->k, sizeof *u);
  double *g = ws_memory_calloc((size_t)c->k, sizeof *g);
  size_t nwork = (size_t)(p->n > fit->kp ? p->n : fit->kp) * 2;
  double *work = ws_memory_calloc(nwork, sizeof *work);
  WsErr err = ws_comm_agree_alloc(c->comm, u && g && work);
  if (!err) {
    sol->intercept = ws_direct_params(c, fit, sol->w, u);
    WsEval ev;
    err = ws_problem_gradient(p, u, NULL, g, &ev);
    sol->loss = ev.loss;
    sol->grad_norm = ws_problem_projected_norm(p, g, work);
    sol->rss = fit->rss >= 0.0 ? fit->rss : ev.rss;
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
