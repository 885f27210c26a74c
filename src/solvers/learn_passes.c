/* The exact passes of learned sharing (README "Learned sharing"), and the route taken when the
 * Gram matrix of the atoms does not fit in memory: the free fit by cg on the starting
 * structure, the importances from one pass, each K refitted from its own merged Gram matrix. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_state.h"
#include "wshare/learn_pass.h"

enum { REFINE_STEPS = 4 };

WsErr ws_learn_passes_share(MPI_Comm comm, double *x, int len, WsLearnFactor *f) {
  double verdict[2] = {f->rcond, f->bad};
  WS_MPI(MPI_Bcast(verdict, 2, MPI_DOUBLE, 0, comm));
  f->rcond = verdict[0];
  f->bad = (int)verdict[1];
  if (x) WS_MPI(MPI_Bcast(x, len, MPI_DOUBLE, 0, comm));
  return WS_OK;
}

/* One exact pass at the fit x (merged coordinates of labels): the gradient of the data term
 * summed by cluster, sum_i (pred_i - y_i) z_i, over all rows (split = 0) or over the fit rows
 * (g) and the held-out rows (g + kd), and the RSS of each set. */
WsErr ws_learn_passes_gradient(WsSolver *s, WsLearnRun *L, const int *labels, int K,
                               const double *x, int split, double *g, double *rss) {
  WsProblem *p = s->prob;
  int n = p->n, kd = K + L->ones, sets = split ? 2 : 1;
  double *theta = ws_memory_calloc((size_t)L->dim, sizeof *theta);
  double *w = ws_memory_calloc((size_t)n, sizeof *w);
  double *gw = ws_memory_calloc((size_t)sets * n, sizeof *gw);
  WsErr err = ws_comm_agree_alloc(p->comm, theta && w && gw);
  double sums[4] = {0.0, 0.0, 0.0, 0.0};
  if (!err) {
    ws_learn_fit_expand(L->P, L->ones, labels, K, x, theta);
    double c = ws_learn_state_weights(L, theta, w);
    err = ws_learn_pass_gradient(p->comm, p->design, w, c, split, p->timers, gw, sums);
  }
  for (int set = 0; !err && set < sets; set++) {
    double *gs = g + (int64_t)set * kd;
    memset(gs, 0, (size_t)kd * sizeof *gs);
    for (int j = 0; j < n; j++) {
      int a = L->atoms.atom_of[j], c = a >= 0 ? labels[a] : -1;
      if (c >= 0) gs[c] += gw[(int64_t)set * n + j];
    }
    if (L->ones) gs[K] = sums[2 * set + 1];
    rss[set] = sums[2 * set];
  }
  free(theta);
  free(w);
  free(gw);
  return err;
}

/* The merged residual r = M x - rhs of a fit on the rows of block 0 (the fit rows when split,
 * else all rows) from one exact pass: the cluster gradients plus the ridge. */
static WsErr exact_residual(WsSolver *s, WsLearnRun *L, const int *labels, int K, const double *x,
                            int split, double m, double *r) {
  int kd = K + L->ones;
  double *g = ws_memory_calloc((size_t)2 * kd, sizeof *g), rss[2];
  WsErr err = ws_comm_agree_alloc(s->prob->comm, g != NULL);
  if (!err) err = ws_learn_passes_gradient(s, L, labels, K, x, split, g, rss);
  for (int c = 0; !err && c < kd; c++) {
    double size = 0.0;
    for (int a = 0; c < K && a < L->P; a++)
      size += labels[a] == c ? L->atoms.size[a] : 0.0;
    r[c] = g[c] + m * s->prob->ridge * size * x[c];
  }
  free(g);
  return err;
}

/* Iterative refinement with exact residuals (the Gram matrix squares the condition). */
WsErr ws_learn_passes_refine(WsSolver *s, WsLearnRun *L, const int *labels, int K,
                             const WsLearnFactor *f, int split, double m, double *x, int *steps) {
  int kd = K + L->ones;
  double *r = ws_memory_calloc((size_t)kd, sizeof *r),
         *dx = ws_memory_calloc((size_t)kd, sizeof *dx);
  WsErr err = ws_comm_agree_alloc(s->prob->comm, r && dx);
  for (*steps = 0; !err && *steps < REFINE_STEPS; ++*steps) {
    err = exact_residual(s, L, labels, K, x, split, m, r);
    if (err) break;
    ws_learn_fit_correct(f, r, dx);
    double dmax = 0.0, xmax = 0.0;
    for (int c = 0; c < kd; c++) {
      x[c] -= dx[c];
      dmax = fmax(dmax, fabs(dx[c]));
      xmax = fmax(xmax, fabs(x[c]));
    }
    if (dmax <= 4.0 * DBL_EPSILON * xmax) break;
  }
  free(r);
  free(dx);
  return err;
}

/* Stage, passes route: the free fit by cg on the starting structure and the importances from
 * one pass. */
WsErr ws_learn_passes_free_fit(WsSolver *s, WsLearnRun *L) {
  WsProblem *p = s->prob;
  WsSharing *sh = NULL;
  WsProblem *fp = NULL;
  WsSolver *cg = NULL;
  WsSolution *sol = NULL;
  WsErr err =
      ws_comm_agree(p->comm, L->opt.start ? ws_sharing_create_groups(p->n, 1, 1, L->opt.start,
                                                                     L->opt.start_name, &sh)
                                          : ws_sharing_create_none(p->n, 1, &sh));
  if (!err) err = ws_problem_create(p->comm, p->design, sh, p->ridge, p->intercept, p->timers, &fp);
  if (!err && L->opt.standardize) err = ws_comm_agree(p->comm, ws_problem_standardize(fp));
  if (!err) err = ws_comm_agree(p->comm, ws_solver_create("cg", fp, &s->opt, &cg));
  if (!err) err = ws_comm_agree(p->comm, ws_solution_create(p->n, 1, &sol));
  /* Zeros for the start, as many as any solver's parameters can be. */
  double *theta0 = ws_memory_calloc((size_t)p->n + 1, sizeof *theta0);
  if (!err) err = ws_comm_agree_alloc(p->comm, theta0 != NULL);
  if (!err) err = ws_solver_start(cg, theta0);
  WsStepInfo info = {0};
  for (int64_t it = 0; !err && !info.converged && it < L->opt.max_iter; it++) {
    err = ws_solver_iterate(cg, NULL, &info);
    if (!err && info.diverged)
      err = ws_error_set(WS_ERR_RUNTIME, "learn: the free fit (cg) diverged at iteration %lld",
                         (long long)it + 1);
  }
  if (!err && !info.converged)
    err = ws_error_set(WS_ERR_RUNTIME,
                       "learn: the free fit (cg) did not converge in %lld iterations; raise "
                       "--max-iter or add --ridge",
                       (long long)L->opt.max_iter);
  if (!err) err = ws_solver_finish(cg, sol);
  WsLearnGram g = {0};
  if (!err)
    err = ws_learn_pass_gram(p->comm, p->design, L->atoms.atom_of, L->P, L->ones, 0, 1, p->timers,
                             &g);
  if (!err) {
    L->scal[LS_YY0] = g.yy[0];
    L->scal[LS_ROWS0] = g.rows[0];
    L->scal[LS_YBAR] = g.ybar;
    for (int a = 0; a < L->P; a++) {
      L->free[a] = sol->w[L->atoms.first[a]];
      L->importance[a] = (g.G[a] + g.rows[0] * p->ridge * L->atoms.size[a]) / g.rows[0];
    }
    /* The model from the solution alone: the shift c = b + mu.w of the design's convention,
     * ybar + c' in atom coordinates. */
    memcpy(L->model, sol->w, (size_t)p->n * sizeof *sol->w);
    L->model[p->n] = sol->intercept[0];
    for (int j = 0; L->ones && p->design->centred && j < p->n; j++)
      L->model[p->n] += p->design->mean[j] * sol->w[j];
    if (L->ones) L->free[L->P] = L->model[p->n] - g.ybar;
    L->scal[LS_LOSS_FREE] = L->step_loss = L->scal[LS_LOSS] = sol->loss;
    L->scal[LS_RSS] = sol->rss;
    L->scal[LS_RCOND_FREE] = 1.0;
  }
  ws_learn_pass_gram_free(&g);
  free(theta0);
  ws_solution_destroy(&sol);
  ws_solver_destroy(&cg);
  ws_problem_destroy(&fp);
  ws_sharing_destroy(&sh);
  return err;
}

/* Passes route: the refit of labels from their own merged Gram matrix (one pass). */
WsErr ws_learn_passes_refit(WsSolver *s, WsLearnRun *L, const int *labels, int K, WsLearnRefit *r,
                            double *x, WsLearnFactor *f) {
  WsProblem *p = s->prob;
  int n = p->n, kd = K + L->ones;
  int *map = ws_memory_calloc((size_t)n, sizeof *map);
  WsErr err = ws_comm_agree_alloc(p->comm, map != NULL);
  for (int j = 0; !err && j < n; j++) {
    int a = L->atoms.atom_of[j];
    map[j] = a >= 0 && labels[a] >= 0 ? labels[a] : -1;
  }
  WsLearnGram g = {0};
  if (!err) err = ws_learn_pass_gram(p->comm, p->design, map, K, L->ones, 0, 0, p->timers, &g);
  if (!err) {
    for (int a = 0; a < L->P; a++)
      if (labels[a] >= 0)
        g.G[labels[a] + (int64_t)labels[a] * kd] += g.rows[0] * p->ridge * L->atoms.size[a];
    err = ws_comm_agree(p->comm, ws_learn_fit_solve(kd, g.G, g.b, x, f));
  }
  if (!err) err = ws_learn_passes_share(p->comm, x, kd, f);
  r->deficient = !err && f->bad >= 0;
  r->rcond = f->rcond;
  r->steps = 0;
  r->gain = 0.0;
  if (!err && !r->deficient) {
    ws_learn_fit_expand(L->P, L->ones, labels, K, x, r->theta);
    double q = 0.0;
    for (int c = 0; c < kd; c++) {
      double Mx = 0.0;
      for (int d = 0; d < kd; d++)
        Mx += g.G[c + (int64_t)d * kd] * x[d];
      q += x[c] * (Mx - 2.0 * g.b[c]);
    }
    r->dloss = fmax(g.yy[0] + q, 0.0) / (2.0 * g.rows[0]) - L->scal[LS_LOSS_FREE];
  }
  ws_learn_pass_gram_free(&g);
  free(map);
  return err;
}
