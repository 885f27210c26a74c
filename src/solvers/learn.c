/* learn: the solver of learned sharing (wshare/learn.h, README "Learned sharing"), its
 * stages, state fields and outputs.
 *
 * Two routes.  When the Gram matrix of the atoms fits in memory (the usual case), one pass
 * forms it (split into fit and held-out rows for the holdout criterion), and the free fit,
 * every refit of the path and the improvement step come from it without touching X; one more
 * pass scores every model of the path exactly, and one the final fit.  Otherwise the free
 * fit is cg on the starting structure, the importances come from one pass, and each K of the
 * path forms its own merged Gram matrix (K + 1 columns) in one pass. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_impl.h"
#include "solver_impl.h"
#include "wshare/kmeans1d.h"
#include "wshare/learn_pass.h"
#include "wshare/reduce.h"

enum { STAGE_GRAM, STAGE_FREE, STAGE_PATH, STAGE_EXACT, STAGE_FINAL, STAGE_DONE };
enum { ROUTE_GRAM, ROUTE_PASSES };
/* The scalars of the state. */
enum {
  LS_STAGE,
  LS_K_NEXT, /* the next K of the path */
  LS_K_LO,   /* the first K of the path */
  LS_K_HI,   /* the last K of the path (known after the free fit) */
  LS_CHOSEN, /* index of the chosen K in the path */
  LS_YY0,    /* |y - ybar|^2 of the fit (or all) rows and of the held-out rows */
  LS_YY1,
  LS_ROWS0, /* rows of each set */
  LS_ROWS1,
  LS_YBAR,      /* the offset of y in the Gram matrices */
  LS_LIPSCHITZ, /* the step of the improvement step */
  LS_LOSS_FREE, /* loss of the free fit (on the fit rows) */
  LS_RSS_FREE0, /* its exact RSS on the fit (or all) rows and on the held-out rows */
  LS_RSS_FREE1,
  LS_RCOND_FREE, /* reciprocal condition of its scaled Gram matrix */
  LS_LOSS,       /* loss, RSS (all rows) and |A grad| (NaN: not known) of the model in theta */
  LS_RSS,
  LS_GNORM,
  LS_REFINED, /* exact refinement passes of the final fit */
  LS_COUNT
};
/* The columns of a path entry. */
enum {
  PC_K,
  PC_DLOSS,
  PC_GAIN,
  PC_RSS0,
  PC_RSS1,
  PC_CRIT,
  PC_RCOND,
  PC_STEPS,
  PC_DEFICIENT,
  PC_COUNT
};

enum { DEFAULT_MAX_GROUPS = 64, GRAM_MAX_ATOMS = 20000, REFINE_STEPS = 4 };
/* A fit whose scaled Gram matrix is worse conditioned than this is refined with exact
 * passes (as auto's Cholesky route is). */
static const double REFINE_RCOND = 1e-6;

typedef struct {
  WsLearnOptions opt;
  WsLearnAtoms atoms;
  int route, sets, ones, dim, P, k_cap, n_path_max;
  /* State (checkpointed). */
  double scal[LS_COUNT];
  double *gram, *gram_b; /* sets blocks of dim x dim (1 value on the passes route), of dim */
  int64_t gram_len;
  double *free, *free_grad, *importance, *labels, *fits, *path;
  /* Derived from the state, rebuilt after a restore. */
  double *A_fit, *b_fit, *rho;
  int rho_ready;
  double step_loss; /* the loss of what this iteration fitted (reported) */
  WsKmeans1d *dp;
  /* Outputs. */
  int64_t *groups;
  double *group_values, *out_k, *out_rss, *out_crit, *out_gain;
  char reason[256], route_text[256];
} Learn;

static void learn_free(Learn *L) {
  if (!L) return;
  ws_learn_atoms_free(&L->atoms);
  double *bufs[] = {L->gram,  L->gram_b,  L->free,     L->free_grad, L->importance, L->labels,
                    L->fits,  L->path,    L->A_fit,    L->b_fit,     L->rho,        L->group_values,
                    L->out_k, L->out_rss, L->out_crit, L->out_gain};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
    free(bufs[i]);
  free(L->groups);
  ws_kmeans1d_destroy(&L->dp);
  free(L);
}

static void learn_destroy(WsSolver *s) {
  learn_free(s->impl);
  s->impl = NULL;
}

static int k_lo(const Learn *L) {
  return (int)L->scal[LS_K_LO];
}

static int path_len(const Learn *L) {
  return (int)L->scal[LS_K_HI] - k_lo(L) + 1;
}

static double *path_row(const Learn *L, int K) {
  return L->path + (int64_t)(K - k_lo(L)) * PC_COUNT;
}

static void labels_get(const Learn *L, int K, int *labels) {
  const double *src = L->labels + (int64_t)(K - k_lo(L)) * L->P;
  for (int a = 0; a < L->P; a++)
    labels[a] = (int)src[a];
}

static void labels_put(Learn *L, int K, const int *labels) {
  double *dst = L->labels + (int64_t)(K - k_lo(L)) * L->P;
  for (int a = 0; a < L->P; a++)
    dst[a] = labels[a];
}

/* The model's weights w (n) and shift c (the design's convention) of atom coordinates. */
static double to_weights(const Learn *L, const double *theta, double *w) {
  for (int j = 0; j < L->atoms.n; j++)
    w[j] = L->atoms.atom_of[j] >= 0 ? theta[L->atoms.atom_of[j]] : 0.0;
  return L->ones ? L->scal[LS_YBAR] + theta[L->P] : 0.0;
}

/* The Gram system of the fit rows, or of all rows, with the ridge. */
static void system_matrix(const Learn *L, double ridge, int all_rows, double *A, double *b,
                          double *m) {
  int dim = L->dim, both = all_rows && L->sets == 2;
  int64_t block = (int64_t)dim * dim;
  *m = L->scal[LS_ROWS0] + (both ? L->scal[LS_ROWS1] : 0.0);
  for (int64_t i = 0; i < block; i++)
    A[i] = L->gram[i] + (both ? L->gram[block + i] : 0.0);
  for (int a = 0; a < dim; a++)
    b[a] = L->gram_b[a] + (both ? L->gram_b[dim + a] : 0.0);
  for (int a = 0; a < L->P; a++)
    A[a + (int64_t)a * dim] += *m * ridge * L->atoms.size[a];
}

static WsLearnSystem fit_system(const Learn *L) {
  return (WsLearnSystem){.P = L->P,
                         .ones = L->ones,
                         .dim = L->dim,
                         .m = L->scal[LS_ROWS0],
                         .A = L->A_fit,
                         .b = L->b_fit,
                         .loss0 = L->scal[LS_LOSS_FREE]};
}

/* Caches rebuilt from the state: the fit system, the free fit's residual, the k-means. */
static WsErr ensure_derived(WsSolver *s, Learn *L) {
  int stage = (int)L->scal[LS_STAGE], dim = L->dim;
  if (L->route == ROUTE_GRAM && stage >= STAGE_FREE && !L->A_fit) {
    L->A_fit = ws_memory_calloc((size_t)dim * dim, sizeof *L->A_fit);
    L->b_fit = ws_memory_calloc((size_t)dim, sizeof *L->b_fit);
    L->rho = ws_memory_calloc((size_t)dim, sizeof *L->rho);
    WS_CHECK(L->A_fit && L->b_fit && L->rho, WS_ERR_RUNTIME, "%s", ws_error_message());
    double m;
    system_matrix(L, s->prob->ridge, 0, L->A_fit, L->b_fit, &m);
    L->rho_ready = 0;
  }
  if (stage <= STAGE_FREE) return WS_OK;
  if (L->route == ROUTE_GRAM && !L->rho_ready) {
    /* rho = A theta_f - b = Lambda theta_f - Z^T r_f, with Z^T r_f from the exact pass. */
    for (int a = 0; a < dim; a++) {
      double ridge = a < L->P ? L->scal[LS_ROWS0] * s->prob->ridge * L->atoms.size[a] : 0.0;
      L->rho[a] = ridge * L->free[a] + L->free_grad[a];
    }
    L->rho_ready = 1;
  }
  if (!L->dp) {
    int k = L->opt.groups > 0 ? L->opt.groups : L->k_cap;
    WS_CALL(ws_kmeans1d_create(L->P, L->free, L->importance, k, L->opt.zero, &L->dp));
  }
  return WS_OK;
}

/* One exact pass at the fit x (merged coordinates of labels): the gradient of the data term
 * summed by cluster, sum_i (pred_i - y_i) z_i, over all rows (split = 0) or over the fit rows
 * (g) and the held-out rows (g + kd), and the RSS of each set. */
static WsErr exact_gradient(WsSolver *s, Learn *L, const int *labels, int K, const double *x,
                            int split, double *g, double *rss) {
  WsProblem *p = s->prob;
  int n = p->n, kd = K + L->ones, sets = split ? 2 : 1;
  double *theta = ws_memory_calloc((size_t)L->dim, sizeof *theta);
  double *w = ws_memory_calloc((size_t)n, sizeof *w);
  double *gw = ws_memory_calloc((size_t)sets * n, sizeof *gw);
  WsErr err = ws_comm_agree_alloc(p->comm, theta && w && gw);
  double sums[4] = {0.0, 0.0, 0.0, 0.0};
  if (!err) {
    ws_learn_fit_expand(L->P, L->ones, labels, K, x, theta);
    double c = to_weights(L, theta, w);
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
static WsErr exact_residual(WsSolver *s, Learn *L, const int *labels, int K, const double *x,
                            int split, double m, double *r) {
  int kd = K + L->ones;
  double *g = ws_memory_calloc((size_t)2 * kd, sizeof *g), rss[2];
  WsErr err = ws_comm_agree_alloc(s->prob->comm, g != NULL);
  if (!err) err = exact_gradient(s, L, labels, K, x, split, g, rss);
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
static WsErr refine(WsSolver *s, Learn *L, const int *labels, int K, const WsLearnFactor *f,
                    int split, double m, double *x, int *steps) {
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

static WsErr deficient(const Learn *L, const char *what, int column, int ridge) {
  char name[128];
  if (column < L->P)
    ws_learn_atoms_name(&L->atoms, column, name, sizeof name);
  else
    snprintf(name, sizeof name, "the intercept");
  return ws_error_set(WS_ERR_RUNTIME,
                      "learn: %s is rank deficient at %s (numerically dependent on the others or "
                      "all zero)%s",
                      what, name, ridge ? "" : "; add --ridge or remove it");
}

/* Stage: the Gram matrix of the atoms, split by rows for holdout. */
static WsErr stage_gram(WsSolver *s, Learn *L) {
  WsProblem *p = s->prob;
  WsLearnGram g;
  WS_CALL(ws_learn_pass_gram(p->comm, p->design, L->atoms.atom_of, L->P, L->ones, L->sets == 2, 0,
                             p->timers, &g));
  free(L->gram);
  free(L->gram_b);
  L->gram = g.G;
  L->gram_b = g.b;
  L->scal[LS_YY0] = g.yy[0];
  L->scal[LS_YY1] = g.yy[1];
  L->scal[LS_ROWS0] = g.rows[0];
  L->scal[LS_ROWS1] = g.rows[1];
  L->scal[LS_YBAR] = g.ybar;
  /* Until the free fit, theta predicts ybar. */
  if (L->ones) s->theta[p->n] = g.ybar;
  L->scal[LS_RSS] = g.yy[0] + g.yy[1];
  L->step_loss = L->scal[LS_LOSS] = L->scal[LS_RSS] / (2.0 * (g.rows[0] + g.rows[1]));
  return WS_OK;
}

/* Stage, passes route: the free fit by cg on the starting structure and the importances from
 * one pass. */
static WsErr stage_gram_passes(WsSolver *s, Learn *L) {
  WsProblem *p = s->prob;
  WsSharing *sh = NULL;
  WsProblem *fp = NULL;
  WsSolver *cg = NULL;
  WsSolution *sol = NULL;
  WsErr err = ws_comm_agree(
      p->comm, L->opt.start ? ws_sharing_create_groups(p->n, L->opt.start, L->opt.start_name, &sh)
                            : ws_sharing_create_none(p->n, &sh));
  if (!err) err = ws_problem_create(p->comm, p->design, sh, p->ridge, p->intercept, p->timers, &fp);
  if (!err && L->opt.standardize) err = ws_comm_agree(p->comm, ws_problem_standardize(fp));
  if (!err) err = ws_comm_agree(p->comm, ws_solver_create("cg", fp, &s->opt, &cg));
  if (!err) err = ws_comm_agree(p->comm, ws_solution_create(p->n, &sol));
  double *theta0 = ws_memory_calloc((size_t)p->dim, sizeof *theta0);
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
    /* The shift c of the design's convention is ybar + c' in atom coordinates. */
    if (L->ones) L->free[L->P] = cg->theta[p->n] - g.ybar;
    L->scal[LS_LOSS_FREE] = L->step_loss = L->scal[LS_LOSS] = sol->loss;
    L->scal[LS_RSS] = sol->rss;
    L->scal[LS_RCOND_FREE] = 1.0;
    memcpy(s->theta, cg->theta, (size_t)p->dim * sizeof *s->theta);
  }
  ws_learn_pass_gram_free(&g);
  free(theta0);
  ws_solution_destroy(&sol);
  ws_solver_destroy(&cg);
  ws_problem_destroy(&fp);
  ws_sharing_destroy(&sh);
  return err;
}

/* LS_LOSS and LS_RSS of the free fit in theta over all rows (what a run stopped before the
 * final fit reports). */
static void progress(WsSolver *s, Learn *L) {
  double w2 = 0.0, m = L->scal[LS_ROWS0] + L->scal[LS_ROWS1];
  for (int j = 0; j < s->prob->n; j++)
    w2 += s->theta[j] * s->theta[j];
  L->scal[LS_RSS] = L->scal[LS_RSS_FREE0] + L->scal[LS_RSS_FREE1];
  L->scal[LS_LOSS] = L->scal[LS_RSS] / (2.0 * m) + 0.5 * s->prob->ridge * w2;
}

/* Stage: the free fit from the Gram matrix (refined when ill-conditioned), the importances,
 * and the k-means path. */
static WsErr stage_free(WsSolver *s, Learn *L) {
  WsProblem *p = s->prob;
  if (L->route == ROUTE_GRAM) {
    int dim = L->dim;
    WsLearnSystem sys = fit_system(L);
    WsLearnFactor f = {0};
    WsErr err = ws_learn_fit_solve(dim, L->A_fit, L->b_fit, L->free, &f);
    int *identity = ws_memory_calloc((size_t)L->P, sizeof *identity);
    if (!err && !identity) err = WS_ERR_RUNTIME;
    for (int a = 0; !err && a < L->P; a++)
      identity[a] = a;
    if (!err && f.bad >= 0)
      err = deficient(L, "the tied design of the starting structure", f.bad, p->ridge > 0.0);
    int steps = 0;
    if (!err && f.rcond < REFINE_RCOND)
      err = refine(s, L, identity, L->P, &f, L->sets == 2, L->scal[LS_ROWS0], L->free, &steps);
    L->scal[LS_RCOND_FREE] = f.rcond;
    ws_learn_fit_factor_free(&f);
    /* The exact gradient and RSS at the free fit, on each set: every RSS of the path and
     * every loss comparison follows from them and the Gram matrices without cancellation. */
    double rss[2] = {0.0, 0.0};
    if (!err) err = exact_gradient(s, L, identity, L->P, L->free, L->sets == 2, L->free_grad, rss);
    L->scal[LS_RSS_FREE0] = rss[0];
    L->scal[LS_RSS_FREE1] = rss[1];
    free(identity);
    WS_CALL(ws_comm_agree(p->comm, err));
    for (int a = 0; a < L->P; a++)
      L->importance[a] = L->A_fit[a + (int64_t)a * dim] / sys.m;
    double *work = ws_memory_calloc((size_t)(2 * dim), sizeof *work);
    WS_CALL(ws_comm_agree_alloc(p->comm, work != NULL));
    L->scal[LS_LIPSCHITZ] = ws_learn_fit_lipschitz(&sys, work);
    /* The free fit's loss from the Gram matrix (reported; comparisons use differences). */
    double q = 0.0;
    for (int a = 0; a < dim; a++) {
      double Aa = 0.0;
      for (int b = 0; b < dim; b++)
        Aa += L->A_fit[a + (int64_t)b * dim] * L->free[b];
      q += L->free[a] * (Aa - 2.0 * L->b_fit[a]);
    }
    free(work);
    L->scal[LS_LOSS_FREE] = L->step_loss = fmax(L->scal[LS_YY0] + q, 0.0) / (2.0 * sys.m);
    double c = to_weights(L, L->free, s->theta);
    if (L->ones) s->theta[p->n] = c;
    progress(s, L);
  }
  L->scal[LS_STAGE] = STAGE_PATH;
  WS_CALL(ensure_derived(s, L));
  int distinct = (int)ws_kmeans1d_distinct(L->dp);
  int k_hi = L->opt.groups > 0 ? L->opt.groups : L->k_cap;
  if (k_hi > distinct) k_hi = distinct > 0 ? distinct : 1;
  L->scal[LS_K_LO] = L->opt.groups > 0 ? k_hi : 1;
  L->scal[LS_K_HI] = k_hi;
  L->scal[LS_K_NEXT] = k_lo(L);
  return WS_OK;
}

/* Passes route: the refit of labels from their own merged Gram matrix (one pass). */
static WsErr refit_by_pass(WsSolver *s, Learn *L, const int *labels, int K, WsLearnRefit *r,
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
    err = ws_learn_fit_solve(kd, g.G, g.b, x, f);
  }
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

/* Stage: one K of the path. */
static WsErr stage_path(WsSolver *s, Learn *L) {
  int K = (int)L->scal[LS_K_NEXT], P = L->P;
  int *labels = ws_memory_calloc((size_t)P, sizeof *labels);
  WS_CALL(ws_comm_agree_alloc(s->prob->comm, labels != NULL));
  WsErr err = ws_kmeans1d_labels(L->dp, K, labels, NULL, NULL);
  WsLearnRefit r = {.labels = labels, .theta = L->fits + (int64_t)(K - k_lo(L)) * L->dim};
  if (!err && L->route == ROUTE_GRAM) {
    WsLearnSystem sys = fit_system(L);
    err = ws_learn_fit_refit(&sys, L->free, L->rho, L->importance, L->scal[LS_LIPSCHITZ], K,
                             L->opt.zero, 1, &r);
  } else if (!err) {
    double *x = ws_memory_calloc((size_t)K + L->ones, sizeof *x);
    WsLearnFactor f = {0};
    err = x ? refit_by_pass(s, L, labels, K, &r, x, &f) : WS_ERR_RUNTIME;
    ws_learn_fit_factor_free(&f);
    free(x);
  }
  err = ws_comm_agree(s->prob->comm, err);
  if (!err) {
    labels_put(L, K, r.labels);
    double *row = path_row(L, K);
    double loss = L->scal[LS_LOSS_FREE] + r.dloss;
    L->step_loss = loss;
    row[PC_K] = K;
    row[PC_DLOSS] = r.dloss;
    row[PC_GAIN] = r.gain > 0.0 ? r.gain / (loss + r.gain) : 0.0;
    row[PC_RCOND] = r.rcond;
    row[PC_STEPS] = r.steps;
    row[PC_DEFICIENT] = r.deficient;
    L->scal[LS_K_NEXT] = K + 1;
    if (K + 1 > (int)L->scal[LS_K_HI]) L->scal[LS_STAGE] = STAGE_EXACT;
  }
  free(labels);
  return err;
}

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
static double criterion(const Learn *L, const double *row, const double *log_s) {
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
static WsErr gram_rss(const Learn *L, int count, const double *thetas, double *rss) {
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
static WsErr stage_exact(WsSolver *s, Learn *L) {
  WsProblem *p = s->prob;
  int n = p->n, np = path_len(L);
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
      c[t] = to_weights(L, L->fits + (int64_t)t * L->dim, W + (int64_t)t * n);
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

static int compare_values(const void *pa, const void *pb) {
  const double *a = pa, *b = pb; /* (value, cluster) pairs */
  if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
  return (a[1] > b[1]) - (a[1] < b[1]);
}

/* The outputs of the final fit x (K clusters): ids by ascending value, and the path. */
static WsErr build_outputs(Learn *L, const int *labels, int K, const double *x) {
  int n = L->atoms.n, np = path_len(L);
  double *order;
  WS_ALLOC(order, 2 * K);
  int *id_of;
  WS_ALLOC(id_of, K);
  for (int c = 0; c < K; c++) {
    order[2 * c] = x[c];
    order[2 * c + 1] = c;
  }
  qsort(order, (size_t)K, 2 * sizeof *order, compare_values);
  free(L->groups);
  free(L->group_values);
  WS_ALLOC(L->groups, n);
  WS_ALLOC(L->group_values, K);
  for (int r = 0; r < K; r++) {
    id_of[(int)order[2 * r + 1]] = r;
    L->group_values[r] = order[2 * r];
  }
  for (int j = 0; j < n; j++) {
    int a = L->atoms.atom_of[j], c = a >= 0 ? labels[a] : -1;
    L->groups[j] = c >= 0 ? id_of[c] : -2;
  }
  free(order);
  free(id_of);
  double **outs[] = {&L->out_k, &L->out_rss, &L->out_crit, &L->out_gain};
  for (int i = 0; i < 4; i++) {
    free(*outs[i]);
    WS_ALLOC(*outs[i], np);
  }
  int holdout = L->sets == 2;
  for (int t = 0; t < np; t++) {
    const double *row = L->path + (int64_t)t * PC_COUNT;
    L->out_k[t] = row[PC_K];
    L->out_rss[t] = row[PC_RSS0];
    L->out_crit[t] = row[PC_CRIT];
    L->out_gain[t] = row[PC_GAIN];
  }
  int first = k_lo(L), last = (int)L->scal[LS_K_HI];
  if (L->opt.groups > 0 && last < L->opt.groups)
    snprintf(L->reason, sizeof L->reason,
             "fixed by --learn-groups %d, but the free fit has only %d distinct values",
             L->opt.groups, last);
  else if (L->opt.groups > 0)
    snprintf(L->reason, sizeof L->reason, "fixed by --learn-groups %d", L->opt.groups);
  else if (holdout)
    snprintf(L->reason, sizeof L->reason,
             "the smallest loss on the %.0f held-out rows (row mod 10 = 9) over K = %d..%d, the "
             "fits using the other rows",
             L->scal[LS_ROWS1], first, last);
  else
    snprintf(L->reason, sizeof L->reason, "the smallest BIC over K = %d..%d", first, last);
  return WS_OK;
}

/* Stage: the refit of the chosen partition on all rows, refined when ill-conditioned, and
 * the exact objective at it. */
static WsErr stage_final(WsSolver *s, Learn *L) {
  WsProblem *p = s->prob;
  int chosen = (int)L->scal[LS_CHOSEN], K = k_lo(L) + chosen, kd = K + L->ones, dim = L->dim;
  int *labels = ws_memory_calloc((size_t)L->P, sizeof *labels);
  double *x = ws_memory_calloc((size_t)kd, sizeof *x), *theta = L->fits + (int64_t)chosen * dim;
  double *M = ws_memory_calloc((size_t)kd * kd, sizeof *M), *rhs = ws_memory_calloc((size_t)kd, 8);
  double *A = NULL, *b = NULL, m = L->scal[LS_ROWS0];
  if (L->route == ROUTE_GRAM) {
    A = ws_memory_calloc((size_t)dim * dim, sizeof *A);
    b = ws_memory_calloc((size_t)dim, sizeof *b);
  }
  WsErr err =
      ws_comm_agree_alloc(p->comm, labels && x && M && rhs && (L->route != ROUTE_GRAM || (A && b)));
  WsLearnFactor f = {0};
  if (!err) {
    labels_get(L, K, labels);
    if (L->route == ROUTE_GRAM) {
      system_matrix(L, p->ridge, 1, A, b, &m);
      WsLearnSystem sys = {.P = L->P, .ones = L->ones, .dim = dim, .m = m, .A = A, .b = b};
      ws_learn_fit_merge(&sys, labels, K, M, rhs);
      err = ws_learn_fit_solve(kd, M, rhs, x, &f);
    } else {
      WsLearnRefit r = {.labels = labels, .theta = theta};
      err = refit_by_pass(s, L, labels, K, &r, x, &f);
    }
  }
  int steps = 0;
  if (!err && f.bad >= 0) err = deficient(L, "the chosen tied design", f.bad, p->ridge > 0.0);
  if (!err && f.rcond < REFINE_RCOND && f.U) err = refine(s, L, labels, K, &f, 0, m, x, &steps);
  err = ws_comm_agree(p->comm, err);
  if (!err) {
    ws_learn_fit_expand(L->P, L->ones, labels, K, x, theta);
    double c = to_weights(L, theta, s->theta);
    if (L->ones) s->theta[p->n] = c;
    WsEval ev;
    err = ws_problem_gradient(p, s->theta, NULL, s->g, &ev);
    if (!err) {
      /* |A grad| under the learned ties: cluster means of the gradient, nothing for the
       * weights fixed at zero. */
      memset(rhs, 0, (size_t)kd * sizeof *rhs);
      memset(M, 0, (size_t)kd * sizeof *M);
      for (int j = 0; j < p->n; j++) {
        int a = L->atoms.atom_of[j], cl = a >= 0 ? labels[a] : -1;
        if (cl < 0) continue;
        rhs[cl] += s->g[j];
        M[cl] += 1.0;
      }
      double g2 = L->ones ? s->g[p->n] * s->g[p->n] : 0.0;
      for (int cl = 0; cl < K; cl++)
        g2 += M[cl] > 0.0 ? rhs[cl] * rhs[cl] / M[cl] : 0.0;
      L->step_loss = L->scal[LS_LOSS] = ev.loss;
      L->scal[LS_RSS] = ev.rss;
      L->scal[LS_GNORM] = sqrt(g2);
      L->scal[LS_REFINED] = steps;
      err = ws_comm_agree(p->comm, build_outputs(L, labels, K, x));
    }
  }
  if (!err) L->scal[LS_STAGE] = STAGE_DONE;
  ws_learn_fit_factor_free(&f);
  free(labels);
  free(x);
  free(M);
  free(rhs);
  free(A);
  free(b);
  return err;
}

static WsErr learn_start(WsSolver *s) {
  Learn *L = s->impl;
  memset(L->scal, 0, sizeof L->scal);
  L->scal[LS_STAGE] = STAGE_GRAM;
  L->scal[LS_K_LO] = L->opt.groups > 0 ? L->opt.groups : 1;
  L->scal[LS_GNORM] = NAN;
  return WS_OK;
}

static WsErr learn_iterate(WsSolver *s, const double *control_in, WsStepInfo *info) {
  Learn *L = s->impl;
  WsProblem *p = s->prob;
  /* No pass carries the control values in every stage: one reduction of their own. */
  double control[WS_CONTROL_COUNT] = {0};
  if (control_in) memcpy(control, control_in, sizeof control);
  WS_CALL(ws_reduce_sum(p->comm, control, WS_CONTROL_COUNT, p->timers));
  WS_CALL(ensure_derived(s, L));
  L->step_loss = L->scal[LS_LOSS];
  switch ((int)L->scal[LS_STAGE]) {
  case STAGE_GRAM:
    WS_CALL(L->route == ROUTE_GRAM ? stage_gram(s, L) : stage_gram_passes(s, L));
    L->scal[LS_STAGE] = STAGE_FREE;
    break;
  case STAGE_FREE:
    WS_CALL(stage_free(s, L));
    break;
  case STAGE_PATH:
    WS_CALL(stage_path(s, L));
    break;
  case STAGE_EXACT:
    WS_CALL(stage_exact(s, L));
    break;
  case STAGE_FINAL:
    WS_CALL(stage_final(s, L));
    break;
  default:
    return ws_error_set(WS_ERR_RUNTIME, "learn: internal error: stage %g", L->scal[LS_STAGE]);
  }
  info->loss = L->step_loss;
  info->grad_norm = L->scal[LS_GNORM];
  info->rss = L->scal[LS_RSS];
  info->converged = (int)L->scal[LS_STAGE] == STAGE_DONE;
  memcpy(info->control, control, sizeof control);
  return WS_OK;
}

static int learn_state(WsSolver *s, WsStateField *fields, int max) {
  Learn *L = s->impl;
  if (max < 11) return 0;
  int nf = 0, np = L->n_path_max;
  fields[nf++] = (WsStateField){"theta", s->theta, s->prob->dim};
  fields[nf++] = (WsStateField){"common", s->common, WS_S_COUNT};
  fields[nf++] = (WsStateField){"learn", L->scal, LS_COUNT};
  fields[nf++] = (WsStateField){"gram", L->gram, L->gram_len};
  fields[nf++] = (WsStateField){"gram_b", L->gram_b, (int64_t)L->sets * L->dim};
  fields[nf++] = (WsStateField){"free", L->free, L->dim};
  fields[nf++] = (WsStateField){"free_grad", L->free_grad, (int64_t)L->sets * L->dim};
  fields[nf++] = (WsStateField){"importance", L->importance, L->P};
  fields[nf++] = (WsStateField){"labels", L->labels, (int64_t)np * L->P};
  fields[nf++] = (WsStateField){"fits", L->fits, (int64_t)np * L->dim};
  fields[nf++] = (WsStateField){"path", L->path, (int64_t)np * PC_COUNT};
  return nf;
}

static WsErr learn_finish(WsSolver *s, WsSolution *sol) {
  Learn *L = s->impl;
  WsProblem *p = s->prob;
  memcpy(sol->w, s->theta, (size_t)p->n * sizeof *sol->w);
  sol->intercept = ws_problem_intercept(p, s->theta);
  sol->loss = L->scal[LS_LOSS];
  sol->rss = L->scal[LS_RSS];
  sol->grad_norm = L->scal[LS_GNORM];
  sol->has_stats = 0;
  return WS_OK;
}

static void learn_describe(const WsSolver *s, char *text, size_t size) {
  const Learn *L = s->impl;
  char k[64];
  if (L->opt.groups > 0)
    snprintf(k, sizeof k, "K = %d", L->opt.groups);
  else
    snprintf(k, sizeof k, "K = 1..%d by %s", L->k_cap,
             L->opt.criterion == WS_LEARN_HOLDOUT ? "held-out loss" : "BIC");
  snprintf(text, size, "learn, %s%s, %d points to cluster; %s", k,
           L->opt.zero ? " (+ a cluster pinned at 0)" : "", L->P, L->route_text);
}

static const WsSolverOps learn_ops = {
    .name = "learn",
    .start = learn_start,
    .iterate = learn_iterate,
    .state = learn_state,
    .finish = learn_finish,
    .describe = learn_describe,
    .destroy = learn_destroy,
};

/* The route, and the sizes that follow from it. */
static WsErr learn_layout(const WsProblem *p, Learn *L) {
  int64_t m = p->design->part.rows;
  L->dim = L->P + L->ones;
  double bytes = (double)(L->sets + 2) * L->dim * L->dim * sizeof(double);
  int64_t avail = ws_memory_available();
  int fits = L->P <= GRAM_MAX_ATOMS && (avail < 0 || bytes <= 0.5 * (double)avail);
  L->route = fits ? ROUTE_GRAM : ROUTE_PASSES;
  if (fits)
    snprintf(L->route_text, sizeof L->route_text,
             "the %d x %d tied Gram matrix in memory (%.3g MiB), one pass for the whole path",
             L->dim, L->dim, bytes / 1048576.0);
  else
    snprintf(L->route_text, sizeof L->route_text,
             "the %d x %d tied Gram matrix needs %.3g MiB (%.3g MiB available): free fit by cg, "
             "one pass per K",
             L->dim, L->dim, bytes / 1048576.0, avail / 1048576.0);
  WS_CHECK(L->route == ROUTE_GRAM || L->sets == 1, WS_ERR_INPUT,
           "solve: --learn-criterion holdout needs the tied Gram matrix in memory (%.3g MiB, "
           "%.3g MiB available); use bic",
           bytes / 1048576.0, avail / 1048576.0);
  int fit_rows = (int)(m - m / 10);
  WS_CHECK(L->sets == 1 || (m / 10 >= 1 && fit_rows >= L->dim), WS_ERR_INPUT,
           "solve: --learn-criterion holdout needs held-out rows (row mod 10 = 9) and at least "
           "%d fit rows; the data have %lld rows",
           L->dim, (long long)m);
  L->gram_len = L->route == ROUTE_GRAM ? (int64_t)L->sets * L->dim * L->dim : 1;
  return WS_OK;
}

WsErr ws_learn_create(WsProblem *prob, const WsLearnOptions *opt, const WsSolverOptions *sopt,
                      WsSolver **out) {
  *out = NULL;
  WS_CHECK(prob->sharing->kind == WS_SHARING_NONE, WS_ERR_RUNTIME,
           "learn: internal error: the problem must have no sharing of its own");
  Learn *L = ws_memory_calloc(1, sizeof *L);
  WS_CALL(ws_comm_agree_alloc(prob->comm, L != NULL));
  L->opt = *opt;
  WsErr err = ws_comm_agree(prob->comm,
                            ws_learn_atoms_create(prob->n, opt->start, opt->start_name, &L->atoms));
  L->P = L->atoms.P;
  L->ones = prob->intercept;
  L->sets = opt->criterion == WS_LEARN_HOLDOUT && opt->groups == 0 ? 2 : 1;
  if (!err && L->P < 1)
    err = ws_error_set(WS_ERR_INPUT, "%s: no weight is free to share (every id is -2)",
                       opt->start_name);
  int k_max = opt->max_groups > 0 ? opt->max_groups
                                  : (prob->n < DEFAULT_MAX_GROUPS ? prob->n : DEFAULT_MAX_GROUPS);
  L->k_cap = k_max < L->P ? k_max : L->P;
  if (!err && opt->groups > L->P)
    err = ws_error_set(WS_ERR_INPUT,
                       "solve: --learn-groups %d is more than the %d points to cluster (groups "
                       "and free weights of the starting structure)",
                       opt->groups, L->P);
  if (!err) err = learn_layout(prob, L);
  L->n_path_max = opt->groups > 0 ? 1 : L->k_cap;
  if (!err) {
    int np = L->n_path_max, dim = L->dim;
    L->gram = ws_memory_calloc((size_t)L->gram_len, sizeof *L->gram);
    L->gram_b = ws_memory_calloc((size_t)L->sets * dim, sizeof *L->gram_b);
    L->free = ws_memory_calloc((size_t)dim, sizeof *L->free);
    L->free_grad = ws_memory_calloc((size_t)L->sets * dim, sizeof *L->free_grad);
    L->importance = ws_memory_calloc((size_t)L->P, sizeof *L->importance);
    L->labels = ws_memory_calloc((size_t)np * L->P, sizeof *L->labels);
    L->fits = ws_memory_calloc((size_t)np * dim, sizeof *L->fits);
    L->path = ws_memory_calloc((size_t)np * PC_COUNT, sizeof *L->path);
    err = L->gram && L->gram_b && L->free && L->free_grad && L->importance && L->labels &&
                  L->fits && L->path
              ? WS_OK
              : WS_ERR_RUNTIME;
  }
  err = ws_comm_agree(prob->comm, err);
  if (!err) err = ws_solver_create_ops(&learn_ops, "learn", "", prob, sopt, out);
  if (err) {
    ws_solver_destroy(out);
    learn_free(L);
    return err;
  }
  (*out)->impl = L;
  return WS_OK;
}

void ws_learn_fingerprint(const WsSolver *s, char *text, size_t size) {
  const Learn *L = s->impl;
  snprintf(text, size, "learn(groups=%d,max=%d,criterion=%s,zero=%d,start=%016llx,route=%s)",
           L->opt.groups, L->k_cap, L->opt.criterion == WS_LEARN_HOLDOUT ? "holdout" : "bic",
           L->opt.zero, (unsigned long long)L->atoms.checksum,
           L->route == ROUTE_GRAM ? "gram" : "passes");
}

WsErr ws_learn_outputs(const WsSolver *s, WsLearnOutputs *out) {
  WS_CHECK(s->ops == &learn_ops && s->impl, WS_ERR_RUNTIME,
           "internal error: %s is not the learn solver", s->ops->name);
  const Learn *L = s->impl;
  WS_CHECK(L->groups, WS_ERR_RUNTIME, "internal error: learn has not finished");
  int chosen = (int)L->scal[LS_CHOSEN];
  *out = (WsLearnOutputs){.k = k_lo(L) + chosen,
                          .groups = L->groups,
                          .group_values = L->group_values,
                          .path_len = path_len(L),
                          .path_k = L->out_k,
                          .path_rss = L->out_rss,
                          .path_criterion = L->out_crit,
                          .path_gain = L->out_gain,
                          .criterion = L->sets == 2 ? WS_LEARN_HOLDOUT : WS_LEARN_BIC,
                          .chosen = chosen,
                          .reason = L->reason,
                          .route = L->route_text,
                          .improvable = L->route == ROUTE_GRAM};
  return WS_OK;
}
