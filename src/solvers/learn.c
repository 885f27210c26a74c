/* learn: the solver of learned sharing (wshare/learn.h, README "Learned sharing"), its
 * stages, state fields and outputs.
 *
 * Two routes.  When the Gram matrix of the atoms fits in memory (the usual case), one pass
 * forms it (split into fit and held-out rows for the holdout criterion), and the free fit,
 * every refit of the path, its RSS and the improvement step come from it and one exact pass
 * at the free fit, without touching X again; one more pass checks the final fit.  Otherwise
 * (learn_passes.c) the free fit is cg on the starting structure, the importances come from
 * one pass, and each K of the path forms its own merged Gram matrix in one pass. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_state.h"
#include "wshare/learn_pass.h"
#include "wshare/reduce.h"

enum { DEFAULT_MAX_GROUPS = 64, GRAM_MAX_ATOMS = 20000 };
/* A fit whose scaled Gram matrix is worse conditioned than this is refined with exact
 * passes (as auto's Cholesky route is). */
static const double REFINE_RCOND = 1e-6;

static void learn_free(WsLearnRun *L) {
  if (!L) return;
  ws_learn_atoms_free(&L->atoms);
  double *bufs[] = {L->model,        L->gram,  L->gram_b,  L->free,     L->free_grad, L->importance,
                    L->labels,       L->fits,  L->path,    L->A_fit,    L->b_fit,     L->rho,
                    L->group_values, L->out_k, L->out_rss, L->out_crit, L->out_gain};
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

static double *path_row(const WsLearnRun *L, int K) {
  return L->path + (int64_t)(K - ws_learn_state_k_lo(L)) * PC_COUNT;
}

static void labels_get(const WsLearnRun *L, int K, int *labels) {
  const double *src = L->labels + (int64_t)(K - ws_learn_state_k_lo(L)) * L->P;
  for (int a = 0; a < L->P; a++)
    labels[a] = (int)src[a];
}

static void labels_put(WsLearnRun *L, int K, const int *labels) {
  double *dst = L->labels + (int64_t)(K - ws_learn_state_k_lo(L)) * L->P;
  for (int a = 0; a < L->P; a++)
    dst[a] = labels[a];
}

/* The Gram system of the fit rows, or of all rows, with the ridge. */
static void system_matrix(const WsLearnRun *L, double ridge, int all_rows, double *A, double *b,
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

static WsLearnSystem fit_system(const WsLearnRun *L) {
  return (WsLearnSystem){.P = L->P,
                         .ones = L->ones,
                         .dim = L->dim,
                         .m = L->scal[LS_ROWS0],
                         .A = L->A_fit,
                         .b = L->b_fit,
                         .loss0 = L->scal[LS_LOSS_FREE]};
}

/* Caches rebuilt from the state: the fit system, the free fit's residual, the k-means. */
static WsErr ensure_derived(WsSolver *s, WsLearnRun *L) {
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

static WsErr deficient(const WsLearnRun *L, const char *what, int column, int ridge) {
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
static WsErr stage_gram(WsSolver *s, WsLearnRun *L) {
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
  if (L->ones) L->model[p->n] = g.ybar;
  L->scal[LS_RSS] = g.yy[0] + g.yy[1];
  L->step_loss = L->scal[LS_LOSS] = L->scal[LS_RSS] / (2.0 * (g.rows[0] + g.rows[1]));
  return WS_OK;
}

/* LS_LOSS and LS_RSS of the free fit in theta over all rows (what a run stopped before the
 * final fit reports). */
static void progress(WsSolver *s, WsLearnRun *L) {
  double w2 = 0.0, m = L->scal[LS_ROWS0] + L->scal[LS_ROWS1];
  for (int j = 0; j < s->prob->n; j++)
    w2 += L->model[j] * L->model[j];
  L->scal[LS_RSS] = L->scal[LS_RSS_FREE0] + L->scal[LS_RSS_FREE1];
  L->scal[LS_LOSS] = L->scal[LS_RSS] / (2.0 * m) + 0.5 * s->prob->ridge * w2;
}

/* Stage: the free fit from the Gram matrix (refined when ill-conditioned), the importances,
 * and the k-means path. */
static WsErr stage_free(WsSolver *s, WsLearnRun *L) {
  WsProblem *p = s->prob;
  if (L->route == ROUTE_GRAM) {
    int dim = L->dim;
    WsLearnSystem sys = fit_system(L);
    WsLearnFactor f = {0};
    WsErr err = ws_learn_fit_solve(dim, L->A_fit, L->b_fit, L->free, &f);
    err = ws_comm_agree(p->comm, err);
    if (!err) err = ws_learn_passes_share(p->comm, L->free, dim, &f);
    int *identity = ws_memory_calloc((size_t)L->P, sizeof *identity);
    if (!err && !identity) err = WS_ERR_RUNTIME;
    for (int a = 0; !err && a < L->P; a++)
      identity[a] = a;
    if (!err && f.bad >= 0)
      err = deficient(L, "the tied design of the starting structure", f.bad, p->ridge > 0.0);
    int steps = 0;
    if (!err && f.rcond < REFINE_RCOND)
      err = ws_learn_passes_refine(s, L, identity, L->P, &f, L->sets == 2, L->scal[LS_ROWS0],
                                   L->free, &steps);
    if (!err) err = ws_learn_passes_share(p->comm, L->free, dim, &f);
    L->scal[LS_RCOND_FREE] = f.rcond;
    ws_learn_fit_factor_free(&f);
    /* The exact gradient and RSS at the free fit, on each set: every RSS of the path and
     * every loss comparison follows from them and the Gram matrices without cancellation. */
    double rss[2] = {0.0, 0.0};
    if (!err)
      err =
          ws_learn_passes_gradient(s, L, identity, L->P, L->free, L->sets == 2, L->free_grad, rss);
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
    L->model[p->n] = ws_learn_state_weights(L, L->free, L->model);
    progress(s, L);
  }
  L->scal[LS_STAGE] = STAGE_PATH;
  WS_CALL(ensure_derived(s, L));
  int distinct = (int)ws_kmeans1d_distinct(L->dp);
  int k_hi = L->opt.groups > 0 ? L->opt.groups : L->k_cap;
  if (k_hi > distinct) k_hi = distinct > 0 ? distinct : 1;
  L->scal[LS_K_LO] = L->opt.groups > 0 ? k_hi : 1;
  L->scal[LS_K_HI] = k_hi;
  L->scal[LS_K_NEXT] = ws_learn_state_k_lo(L);
  return WS_OK;
}

/* Stage: one K of the path. */
static WsErr stage_path(WsSolver *s, WsLearnRun *L) {
  int K = (int)L->scal[LS_K_NEXT], P = L->P;
  int *labels = ws_memory_calloc((size_t)P, sizeof *labels);
  WS_CALL(ws_comm_agree_alloc(s->prob->comm, labels != NULL));
  WsErr err = ws_kmeans1d_labels(L->dp, K, labels, NULL, NULL);
  WsLearnRefit r = {.labels = labels,
                    .theta = L->fits + (int64_t)(K - ws_learn_state_k_lo(L)) * L->dim};
  if (!err && L->route == ROUTE_GRAM) {
    WsLearnSystem sys = fit_system(L);
    err = ws_learn_fit_refit(&sys, L->free, L->rho, L->importance, L->scal[LS_LIPSCHITZ], K,
                             L->opt.zero, 1, &r);
  } else if (!err) {
    double *x = ws_memory_calloc((size_t)K + L->ones, sizeof *x);
    WsLearnFactor f = {0};
    err = x ? ws_learn_passes_refit(s, L, labels, K, &r, x, &f) : WS_ERR_RUNTIME;
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
    /* Every rank keeps rank 0's labels and fit of this K. */
    MPI_Comm comm = s->prob->comm;
    int64_t t = K - ws_learn_state_k_lo(L);
    WS_MPI(MPI_Bcast(L->labels + t * P, P, MPI_DOUBLE, 0, comm));
    WS_MPI(MPI_Bcast(L->fits + t * L->dim, L->dim, MPI_DOUBLE, 0, comm));
    WS_MPI(MPI_Bcast(row, PC_COUNT, MPI_DOUBLE, 0, comm));
    L->step_loss = L->scal[LS_LOSS_FREE] + row[PC_DLOSS];
  }
  free(labels);
  return err;
}

static int compare_values(const void *pa, const void *pb) {
  const double *a = pa, *b = pb; /* (value, cluster) pairs */
  if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
  return (a[1] > b[1]) - (a[1] < b[1]);
}

/* The outputs of the final fit x (K clusters): ids by ascending value, and the path. */
static WsErr build_outputs(WsLearnRun *L, const int *labels, int K, const double *x) {
  int n = L->atoms.n, np = ws_learn_state_path_len(L);
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
  int first = ws_learn_state_k_lo(L), last = (int)L->scal[LS_K_HI];
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
static WsErr stage_final(WsSolver *s, WsLearnRun *L) {
  WsProblem *p = s->prob;
  int chosen = (int)L->scal[LS_CHOSEN], K = ws_learn_state_k_lo(L) + chosen, kd = K + L->ones,
      dim = L->dim;
  int *labels = ws_memory_calloc((size_t)L->P, sizeof *labels);
  double *x = ws_memory_calloc((size_t)kd, sizeof *x), *theta = L->fits + (int64_t)chosen * dim;
  double *M = ws_memory_calloc((size_t)kd * kd, sizeof *M);
  double *rhs = ws_memory_calloc((size_t)kd, sizeof *rhs);
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
      err = ws_learn_passes_refit(s, L, labels, K, &r, x, &f);
    }
  }
  int steps = 0;
  err = ws_comm_agree(p->comm, err);
  if (!err) err = ws_learn_passes_share(p->comm, x, kd, &f);
  if (!err && f.bad >= 0) err = deficient(L, "the chosen tied design", f.bad, p->ridge > 0.0);
  if (!err && f.rcond < REFINE_RCOND && f.U)
    err = ws_learn_passes_refine(s, L, labels, K, &f, 0, m, x, &steps);
  if (!err) err = ws_learn_passes_share(p->comm, x, kd, &f);
  err = ws_comm_agree(p->comm, err);
  if (!err) {
    ws_learn_fit_expand(L->P, L->ones, labels, K, x, theta);
    double c = L->model[p->n] = ws_learn_state_weights(L, theta, L->model), sums[2] = {0, 0};
    double *g = ws_memory_calloc((size_t)p->n, sizeof *g);
    err = ws_comm_agree_alloc(p->comm, g != NULL);
    if (!err) err = ws_learn_pass_gradient(p->comm, p->design, L->model, c, 0, p->timers, g, sums);
    if (!err) {
      /* The objective and its gradient at the final fit, from the exact pass. */
      double w2 = 0.0;
      for (int j = 0; j < p->n; j++) {
        g[j] = g[j] / m + p->ridge * L->model[j];
        w2 += L->model[j] * L->model[j];
      }
      /* |A grad| under the learned ties: cluster means of the gradient, nothing for the
       * weights fixed at zero. */
      memset(rhs, 0, (size_t)kd * sizeof *rhs);
      memset(M, 0, (size_t)kd * sizeof *M);
      for (int j = 0; j < p->n; j++) {
        int a = L->atoms.atom_of[j], cl = a >= 0 ? labels[a] : -1;
        if (cl < 0) continue;
        rhs[cl] += g[j];
        M[cl] += 1.0;
      }
      double gc = L->ones ? sums[1] / m : 0.0, g2 = gc * gc;
      for (int cl = 0; cl < K; cl++)
        g2 += M[cl] > 0.0 ? rhs[cl] * rhs[cl] / M[cl] : 0.0;
      L->scal[LS_RSS] = sums[0];
      L->step_loss = L->scal[LS_LOSS] = sums[0] / (2.0 * m) + 0.5 * p->ridge * w2;
      L->scal[LS_GNORM] = sqrt(g2);
      L->scal[LS_REFINED] = steps;
      err = ws_comm_agree(p->comm, build_outputs(L, labels, K, x));
    }
    free(g);
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

/* Rough shares of the stages in the time of a run, for its progress lines: the passes
 * (Gram, scoring, final refit) and the path, one K at a time. */
static double stage_fraction(const WsLearnRun *L) {
  switch ((int)L->scal[LS_STAGE]) {
  case STAGE_FREE:
    return 0.2;
  case STAGE_PATH: {
    double lo = L->scal[LS_K_LO], hi = L->scal[LS_K_HI];
    return 0.3 + 0.4 * (hi > lo ? (L->scal[LS_K_NEXT] - lo) / (hi - lo + 1.0) : 0.0);
  }
  case STAGE_EXACT:
    return 0.7;
  case STAGE_FINAL:
    return 0.8;
  case STAGE_DONE:
    return 1.0;
  default:
    return 0.01;
  }
}

static WsErr learn_start(WsSolver *s) {
  WsLearnRun *L = s->impl;
  memset(L->scal, 0, sizeof L->scal);
  L->scal[LS_STAGE] = STAGE_GRAM;
  L->scal[LS_K_LO] = L->opt.groups > 0 ? L->opt.groups : 1;
  L->scal[LS_GNORM] = NAN;
  return WS_OK;
}

static WsErr learn_iterate(WsSolver *s, const double *control_in, WsStepInfo *info) {
  WsLearnRun *L = s->impl;
  WsProblem *p = s->prob;
  /* No pass carries the control values in every stage: one reduction of their own. */
  double control[WS_CONTROL_COUNT] = {0};
  if (control_in) memcpy(control, control_in, sizeof control);
  WS_CALL(ws_reduce_sum(p->comm, control, WS_CONTROL_COUNT, p->timers));
  WS_CALL(ensure_derived(s, L));
  L->step_loss = L->scal[LS_LOSS];
  switch ((int)L->scal[LS_STAGE]) {
  case STAGE_GRAM:
    WS_CALL(L->route == ROUTE_GRAM ? stage_gram(s, L) : ws_learn_passes_free_fit(s, L));
    L->scal[LS_STAGE] = STAGE_FREE;
    break;
  case STAGE_FREE:
    WS_CALL(stage_free(s, L));
    break;
  case STAGE_PATH:
    WS_CALL(stage_path(s, L));
    break;
  case STAGE_EXACT:
    WS_CALL(ws_learn_select_score(s, L));
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
  info->fraction = stage_fraction(L);
  return WS_OK;
}

static int learn_state(WsSolver *s, WsStateField *fields, int max) {
  WsLearnRun *L = s->impl;
  if (max < 11) return 0;
  int nf = 0, np = L->n_path_max;
  fields[nf++] = (WsStateField){.name = "model", .data = L->model, .len = (int64_t)s->prob->n + 1};
  fields[nf++] = (WsStateField){.name = "common", .data = s->common, .len = WS_S_COUNT};
  fields[nf++] = (WsStateField){.name = "learn", .data = L->scal, .len = LS_COUNT};
  fields[nf++] = (WsStateField){.name = "gram", .data = L->gram, .len = L->gram_len};
  fields[nf++] =
      (WsStateField){.name = "gram_b", .data = L->gram_b, .len = (int64_t)L->sets * L->dim};
  fields[nf++] = (WsStateField){.name = "free", .data = L->free, .len = L->dim};
  fields[nf++] =
      (WsStateField){.name = "free_grad", .data = L->free_grad, .len = (int64_t)L->sets * L->dim};
  fields[nf++] = (WsStateField){.name = "importance", .data = L->importance, .len = L->P};
  fields[nf++] = (WsStateField){.name = "labels", .data = L->labels, .len = (int64_t)np * L->P};
  fields[nf++] = (WsStateField){.name = "fits", .data = L->fits, .len = (int64_t)np * L->dim};
  fields[nf++] = (WsStateField){.name = "path", .data = L->path, .len = (int64_t)np * PC_COUNT};
  return nf;
}

static WsErr learn_finish(WsSolver *s, WsSolution *sol) {
  WsLearnRun *L = s->impl;
  WsProblem *p = s->prob;
  memcpy(sol->w, L->model, (size_t)p->n * sizeof *sol->w);
  sol->intercept[0] = ws_learn_state_intercept(L, p->design, L->model);
  sol->loss = L->scal[LS_LOSS];
  sol->rss = sol->rss_out[0] = L->scal[LS_RSS];
  sol->grad_norm = L->scal[LS_GNORM];
  sol->has_stats = 0;
  return WS_OK;
}

static void learn_describe(const WsSolver *s, char *text, size_t size) {
  const WsLearnRun *L = s->impl;
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
static WsErr learn_layout(const WsProblem *p, WsLearnRun *L) {
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
  WsLearnRun *L = ws_memory_calloc(1, sizeof *L);
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
    L->model = ws_memory_calloc((size_t)prob->n + 1, sizeof *L->model);
    L->free = ws_memory_calloc((size_t)dim, sizeof *L->free);
    L->free_grad = ws_memory_calloc((size_t)L->sets * dim, sizeof *L->free_grad);
    L->importance = ws_memory_calloc((size_t)L->P, sizeof *L->importance);
    L->labels = ws_memory_calloc((size_t)np * L->P, sizeof *L->labels);
    L->fits = ws_memory_calloc((size_t)np * dim, sizeof *L->fits);
    L->path = ws_memory_calloc((size_t)np * PC_COUNT, sizeof *L->path);
    err = L->model && L->gram && L->gram_b && L->free && L->free_grad && L->importance &&
                  L->labels && L->fits && L->path
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
  const WsLearnRun *L = s->impl;
  snprintf(text, size, "learn(groups=%d,max=%d,criterion=%s,zero=%d,start=%016llx,route=%s)",
           L->opt.groups, L->k_cap, L->opt.criterion == WS_LEARN_HOLDOUT ? "holdout" : "bic",
           L->opt.zero, (unsigned long long)L->atoms.checksum,
           L->route == ROUTE_GRAM ? "gram" : "passes");
}

WsErr ws_learn_outputs(const WsSolver *s, WsLearnOutputs *out) {
  WS_CHECK(s->ops == &learn_ops && s->impl, WS_ERR_RUNTIME,
           "internal error: %s is not the learn solver", s->ops->name);
  const WsLearnRun *L = s->impl;
  WS_CHECK(L->groups, WS_ERR_RUNTIME, "internal error: learn has not finished");
  int chosen = (int)L->scal[LS_CHOSEN];
  *out = (WsLearnOutputs){.k = ws_learn_state_k_lo(L) + chosen,
                          .groups = L->groups,
                          .group_values = L->group_values,
                          .path_len = ws_learn_state_path_len(L),
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
