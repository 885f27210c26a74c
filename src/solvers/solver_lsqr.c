/* lsqr: Paige and Saunders' LSQR (ACM TOMS 8, 1982) on the tied design, column-scaled
 * (README "Solvers", lsqr).  In the scaled unknowns y (u = u0 + D y) it solves
 *   min | [Z D; E] y - [y~ - Z u0; -E D^-1 u0] |,   E = diag(sqrt(m lambda |s_t|^2)) D,
 * which is 2m L(u): the ridge is the damping block E (diagonal, replicated on every rank), and
 * D is the merge's scaling d^(1/2) (the columns of Z D are X~ times an orthonormal basis of the
 * ties) or, with --standardize, the inverse square root of the tied Hessian's diagonal (unit
 * columns).  The intercept is in closed form (the problem centres the columns).
 *
 * Each iteration is one fused pass over this rank's rows: p <- Z D v - alpha u and Z^T p come
 * out of the same sweep (wshare/problem.h, ws_problem_bidiag), with one allreduce of k + q +
 * control values.  The rows of p (this rank's m_local x q values) are kept unnormalized
 * (p = beta u), so normalizing costs nothing until the next pass scales them by alpha / beta.
 * They are state: a checkpoint saves them row-partitioned (wshare/state.h).
 *
 * Outputs with per-output ties are independent problems: each runs its own LSQR recurrences
 * and stopping rules ("blocks") on the shared passes, and a block that has stopped no longer
 * moves (its direction is zero in later passes).  Ties across outputs couple them: one block.
 *
 * Up to LSQR_REORTH_MAX_K tied columns each new v is reorthogonalized against the earlier
 * ones (they are replicated k-vectors: no communication), which keeps LSQR near its exact-
 * arithmetic iteration count on ill-conditioned designs.
 *
 * Stopping (README "Solvers"): LSQR's rules with atol = btol = --rtol and conlim = 1 / --rtol,
 * for every block; or the estimated |A grad L| <= --atol.  The gradient in the history is
 * LSQR's own estimate, A^T r = (phibar alpha c) v, mapped back to the tied parameters; the
 * result's is computed exactly by one more pass. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solver_impl.h"

enum { LS_V, LS_W, LS_TAIL, LS_N_VECTORS }; /* v, w, damping rows of p */
enum { LS_STARTED, LS_STORED };             /* the start pass is done; basis vectors kept */
/* v is reorthogonalized against every earlier v (one-sided reorthogonalization, Simon and Zha
 * 2000) up to this many tied columns, a replicated k x k basis of at most 32 MB: in floating
 * point the v_i lose their orthogonality as soon as a singular value has converged, and LSQR
 * then needs many times k iterations on an ill-conditioned design (972 for 64 tied columns of
 * condition 2e4, scipy's count; README "Solvers"); kept orthogonal, it ends near k. */
enum { LSQR_REORTH_MAX_K = WS_LSQR_REORTH_MAX_K };
/* Per block: alpha, beta, rhobar, phibar, |B|_F^2, |D_k|_F^2 (for cond), |b|, the stop
 * reason (0 = running, else LSQR's istop) and |A^T r| (the gradient's estimate). */
enum {
  B_ALPHA,
  B_BETA,
  B_RHOBAR,
  B_PHIBAR,
  B_ANORM2,
  B_DDNORM,
  B_BNORM,
  B_STOP,
  B_ARNORM,
  /* the paper's estimate of |x| (the second rotation): sum z^2, z, cs2, sn2 */
  B_XXNORM,
  B_Z,
  B_CS2,
  B_SN2,
  B_N
};

typedef struct {
  int nb;        /* blocks: q with per-output ties, else 1 */
  double *rows;  /* this rank's rows of p (part.count x q) */
  double *blk;   /* nb x B_N scalars */
  double *d, *e; /* column scaling D and damping E (k) */
  double *zt;    /* scratch: Z^T p (k) */
  double *ss;    /* scratch: |p[:, o]|^2 (q) */
  double *sum;   /* scratch: per block sums (nb) */
  /* scratch per block (nb each): beta, the previous alpha, rho, phi / rho, -theta / rho, |x|^2 */
  double *beta, *alpha_prev, *rho, *step, *wcoef, *xx;
  int64_t kmax;  /* basis vectors kept (k, or 0 past LSQR_REORTH_MAX_K) */
  double *basis; /* the v_i so far, k each (kmax x k) */
} Lsqr;

static int block_of_tied(const Lsqr *L, int t) {
  return L->nb > 1 ? t % L->nb : 0;
}

static void lsqr_destroy(WsSolver *s) {
  Lsqr *L = s->impl;
  if (!L) return;
  free(L->rows);
  free(L->blk);
  free(L->d);
  free(L->e);
  free(L->zt);
  free(L->ss);
  free(L->sum);
  free(L->beta);
  free(L->basis);
  free(L);
  s->impl = NULL;
}

/* The scaling follows the preconditioner, which --standardize sets before the start or a
 * checkpoint restores; so it is computed at every pass's need from precond (cheap, k). */
static void lsqr_scaling(WsSolver *s) {
  Lsqr *L = s->impl;
  WsProblem *p = s->prob;
  double m = (double)p->design->part.rows;
  for (int t = 0; t < p->k; t++) {
    L->d[t] = sqrt(p->precond[t]);
    L->e[t] = sqrt(m * p->ridge * p->norm2[t]) * L->d[t];
  }
}

static WsErr lsqr_alloc(WsSolver *s) {
  if (s->impl) return WS_OK;
  WsProblem *p = s->prob;
  Lsqr *L = ws_memory_calloc(1, sizeof *L);
  WS_CALL(ws_comm_agree_alloc(p->comm, L != NULL));
  s->impl = L;
  L->nb = p->sharing->per_output ? p->q : 1;
  size_t k = (size_t)(p->k > 0 ? p->k : 1), q = (size_t)p->q;
  size_t rows = (size_t)(p->design->part.count > 0 ? p->design->part.count : 1) * q;
  L->rows = ws_memory_calloc(rows, sizeof *L->rows);
  L->blk = ws_memory_calloc((size_t)L->nb * B_N, sizeof *L->blk);
  L->d = ws_memory_calloc(k, sizeof *L->d);
  L->e = ws_memory_calloc(k, sizeof *L->e);
  L->zt = ws_memory_calloc(k, sizeof *L->zt);
  L->ss = ws_memory_calloc(q, sizeof *L->ss);
  L->sum = ws_memory_calloc((size_t)L->nb, sizeof *L->sum);
  L->beta = ws_memory_calloc((size_t)L->nb * 6, sizeof *L->beta);
  L->kmax = p->k <= LSQR_REORTH_MAX_K ? p->k : 0;
  L->basis = ws_memory_calloc((size_t)(L->kmax > 0 ? L->kmax * p->k : 1), sizeof *L->basis);
  WS_CALL(ws_comm_agree_alloc(p->comm, L->rows && L->blk && L->d && L->e && L->zt && L->ss &&
                                           L->sum && L->beta && L->basis));
  double **scratch[] = {&L->alpha_prev, &L->rho, &L->step, &L->wcoef, &L->xx};
  for (int i = 0; i < 5; i++)
    *scratch[i] = L->beta + (i + 1) * L->nb;
  return WS_OK;
}

/* beta_b = |p_b| over the rows (ss, summed over ranks) and the damping rows. */
static void block_beta(const WsSolver *s, Lsqr *L) {
  const WsProblem *p = s->prob;
  const double *tail = s->vec[LS_TAIL];
  memset(L->sum, 0, (size_t)L->nb * sizeof *L->sum);
  for (int o = 0; o < p->q; o++)
    L->sum[L->nb > 1 ? o : 0] += L->ss[o];
  for (int t = 0; t < p->k; t++)
    L->sum[block_of_tied(L, t)] += tail[t] * tail[t];
}

/* v <- v - V (V^T v), block by block, twice (modified Gram-Schmidt; "twice is enough"), for the
 * running blocks; the blocks' parts of the kept v_i are orthonormal each. */
static void reorthogonalize(WsSolver *s, Lsqr *L) {
  const WsProblem *p = s->prob;
  double *v = s->vec[LS_V], *coef = L->xx;
  int64_t stored = (int64_t)s->scalar[LS_STORED];
  for (int pass = 0; pass < 2; pass++)
    for (int64_t j = 0; j < stored; j++) {
      const double *vj = L->basis + j * p->k;
      memset(coef, 0, (size_t)L->nb * sizeof *coef);
      for (int t = 0; t < p->k; t++)
        coef[block_of_tied(L, t)] += vj[t] * v[t];
      for (int t = 0; t < p->k; t++) {
        int b = block_of_tied(L, t);
        if (L->blk[b * B_N + B_STOP] == 0.0) v[t] -= coef[b] * vj[t];
      }
    }
}

/* v <- (D Z^T p + E tail) / beta - beta v for the running blocks, then alpha = |v|, v / alpha
 * (alpha 0: v = 0, the least-squares solution is reached). */
static void next_v(WsSolver *s, Lsqr *L, const double *beta) {
  const WsProblem *p = s->prob;
  double *v = s->vec[LS_V];
  const double *tail = s->vec[LS_TAIL];
  memset(L->sum, 0, (size_t)L->nb * sizeof *L->sum);
  for (int t = 0; t < p->k; t++) {
    int b = block_of_tied(L, t);
    double *B = L->blk + b * B_N;
    if (B[B_STOP] > 0.0) continue;
    double bt = beta[b];
    v[t] = bt > 0.0 ? (L->d[t] * L->zt[t] + L->e[t] * tail[t]) / bt - bt * v[t] : 0.0;
  }
  reorthogonalize(s, L);
  for (int t = 0; t < p->k; t++) {
    int b = block_of_tied(L, t);
    if (L->blk[b * B_N + B_STOP] == 0.0) L->sum[b] += v[t] * v[t];
  }
  for (int b = 0; b < L->nb; b++)
    if (L->blk[b * B_N + B_STOP] == 0.0) L->blk[b * B_N + B_ALPHA] = sqrt(L->sum[b]);
  for (int t = 0; t < p->k; t++) {
    const double *B = L->blk + block_of_tied(L, t) * B_N;
    if (B[B_STOP] == 0.0) v[t] = B[B_ALPHA] > 0.0 ? v[t] / B[B_ALPHA] : 0.0;
  }
  int64_t stored = (int64_t)s->scalar[LS_STORED];
  if (stored < L->kmax) {
    memcpy(L->basis + stored * p->k, v, (size_t)p->k * sizeof *v);
    s->scalar[LS_STORED] = (double)(stored + 1);
  }
}

/* What the iteration reports: the loss |r|^2 / 2m from LSQR's |r| estimates, and |A grad L|
 * from the estimate grad_u L = -(|A^T r| / m) D^-1 v (its sign does not matter to the norm). */
static void lsqr_report(WsSolver *s, const double *control, WsStepInfo *info) {
  WsProblem *p = s->prob;
  Lsqr *L = s->impl;
  double m = (double)p->design->part.rows, rr = 0.0;
  int running = 0;
  for (int b = 0; b < L->nb; b++) {
    const double *B = L->blk + b * B_N;
    rr += B[B_PHIBAR] * B[B_PHIBAR];
    running += B[B_STOP] == 0.0;
  }
  const double *v = s->vec[LS_V];
  for (int t = 0; t < p->k; t++) {
    const double *B = L->blk + block_of_tied(L, t) * B_N;
    s->g[t] = L->d[t] > 0.0 ? B[B_ARNORM] / m * v[t] / L->d[t] : 0.0;
  }
  WsEval ev;
  ev.loss = rr / (2.0 * m);
  ev.rss = 2.0 * m * (ev.loss - 0.5 * p->ridge * ws_problem_weight_norm2(p, s->u));
  memcpy(ev.control, control, sizeof ev.control);
  double gnorm = ws_problem_projected_norm(p, s->g, s->work);
  ws_solver_judge(s, &ev, gnorm, info);
  info->converged = running == 0 || (s->opt.atol > 0.0 && gnorm <= s->opt.atol);
  /* The point reached was not evaluated by a pass: finish evaluates it exactly. */
  s->evaluated = 0;
}

/* beta_1 u_1 = b - A x_0 and alpha_1 v_1 = A^T u_1: the first pass. */
static WsErr lsqr_first(WsSolver *s, const double *control_in, WsStepInfo *info) {
  WsProblem *p = s->prob;
  Lsqr *L = s->impl;
  int k = p->k;
  double control[WS_CONTROL_COUNT], *tail = s->vec[LS_TAIL];
  lsqr_scaling(s);
  WS_CALL(ws_problem_bidiag(p, s->u, L->rows, control_in, 1, L->zt, L->ss, control));
  for (int t = 0; t < k; t++) {
    /* -E D^-1 u0 */
    tail[t] = L->d[t] > 0.0 ? -L->e[t] * s->u[t] / L->d[t] : 0.0;
    s->vec[LS_V][t] = 0.0;
  }
  block_beta(s, L);
  double *bb = L->beta;
  for (int b = 0; b < L->nb; b++)
    bb[b] = sqrt(L->sum[b]);
  next_v(s, L, bb);
  for (int b = 0; b < L->nb; b++) {
    double *B = L->blk + b * B_N, alpha = B[B_ALPHA];
    B[B_BETA] = bb[b];
    B[B_RHOBAR] = alpha;
    B[B_PHIBAR] = bb[b];
    B[B_BNORM] = bb[b];
    B[B_ARNORM] = alpha * bb[b];
    B[B_CS2] = -1.0;
    /* b = A x0 already, or A^T r0 = 0: x0 solves it. */
    if (B[B_ARNORM] == 0.0) B[B_STOP] = bb[b] == 0.0 ? 1.0 : 2.0;
  }
  memcpy(s->vec[LS_W], s->vec[LS_V], (size_t)k * sizeof *s->vec[LS_W]);
  s->scalar[LS_STARTED] = 1.0;
  lsqr_report(s, control, info);
  return WS_OK;
}

/* LSQR's tests for block B after an update (the stop reason, or 0). */
static double block_stop(const WsSolver *s, const double *B, double xnorm) {
  double rtol = s->opt.rtol, conlim = rtol > 0.0 ? 1.0 / rtol : INFINITY;
  double anorm = sqrt(B[B_ANORM2]), acond = anorm * sqrt(B[B_DDNORM]);
  double rnorm = B[B_PHIBAR], bnorm = B[B_BNORM];
  double test1 = rnorm / bnorm;
  double test2 = B[B_ARNORM] / (anorm * rnorm + DBL_EPSILON);
  double test3 = 1.0 / (acond + DBL_EPSILON);
  double t1 = test1 / (1.0 + anorm * xnorm / bnorm);
  double bound = rtol + rtol * anorm * xnorm / bnorm;
  if (test1 <= bound) return 1.0; /* a compatible system: |r| small */
  if (test2 <= rtol) return 2.0;  /* least squares: |A^T r| / (|A| |r|) small */
  if (test3 <= 1.0 / conlim) return 3.0;
  if (1.0 + t1 <= 1.0) return 4.0; /* the same three at machine precision */
  if (1.0 + test2 <= 1.0) return 5.0;
  if (1.0 + test3 <= 1.0) return 6.0;
  return 0.0;
}

static WsErr lsqr_iterate(WsSolver *s, const double *control_in, WsStepInfo *info) {
  WS_CALL(lsqr_alloc(s));
  if (s->scalar[LS_STARTED] == 0.0) return lsqr_first(s, control_in, info);
  WsProblem *p = s->prob;
  Lsqr *L = s->impl;
  int k = p->k, q = p->q;
  double *v = s->vec[LS_V], *w = s->vec[LS_W], *tail = s->vec[LS_TAIL];
  double control[WS_CONTROL_COUNT];
  lsqr_scaling(s);
  /* p <- Z D v - alpha u = Z D v - (alpha / beta) p; a stopped block's rows become 0. */
  int64_t count = p->design->part.count;
  for (int o = 0; o < q; o++) {
    const double *B = L->blk + (L->nb > 1 ? o : 0) * B_N;
    double f = B[B_STOP] == 0.0 ? B[B_ALPHA] / B[B_BETA] : 0.0;
    for (int64_t i = 0; i < count; i++)
      L->rows[i * q + o] *= f;
  }
  for (int t = 0; t < k; t++) {
    const double *B = L->blk + block_of_tied(L, t) * B_N;
    int run = B[B_STOP] == 0.0;
    s->work[t] = run ? L->d[t] * v[t] : 0.0;
    if (run) tail[t] = L->e[t] * v[t] - B[B_ALPHA] / B[B_BETA] * tail[t];
  }
  WS_CALL(ws_problem_bidiag(p, s->work, L->rows, control_in, 0, L->zt, L->ss, control));
  block_beta(s, L);
  double *beta = L->beta, *rho = L->rho, *step = L->step, *wcoef = L->wcoef, *xx = L->xx;
  for (int b = 0; b < L->nb; b++) {
    beta[b] = sqrt(L->sum[b]);
    L->alpha_prev[b] = L->blk[b * B_N + B_ALPHA];
  }
  next_v(s, L, beta);
  /* The plane rotation that eliminates beta, per running block; then x and w. */
  for (int b = 0; b < L->nb; b++) {
    double *B = L->blk + b * B_N;
    if (B[B_STOP] > 0.0) continue;
    double alpha = B[B_ALPHA];
    B[B_ANORM2] += L->alpha_prev[b] * L->alpha_prev[b] + beta[b] * beta[b];
    rho[b] = hypot(B[B_RHOBAR], beta[b]);
    double cs = rho[b] > 0.0 ? B[B_RHOBAR] / rho[b] : 1.0;
    double sn = rho[b] > 0.0 ? beta[b] / rho[b] : 0.0;
    double theta = sn * alpha, phi = cs * B[B_PHIBAR];
    B[B_RHOBAR] = -cs * alpha;
    B[B_PHIBAR] = sn * B[B_PHIBAR];
    B[B_ARNORM] = alpha * fabs(cs) * B[B_PHIBAR];
    B[B_BETA] = beta[b];
    step[b] = rho[b] > 0.0 ? phi / rho[b] : 0.0;
    wcoef[b] = rho[b] > 0.0 ? -theta / rho[b] : 0.0;
    /* |x| as the paper estimates it (the stopping rule's, not the computed x's norm). */
    double delta = B[B_SN2] * rho[b], gambar = -B[B_CS2] * rho[b];
    double rhs = phi - delta * B[B_Z], zbar = gambar != 0.0 ? rhs / gambar : 0.0;
    xx[b] = B[B_XXNORM] + zbar * zbar;
    double gamma = hypot(gambar, theta);
    B[B_CS2] = gamma > 0.0 ? gambar / gamma : 1.0;
    B[B_SN2] = gamma > 0.0 ? theta / gamma : 0.0;
    B[B_Z] = gamma > 0.0 ? rhs / gamma : 0.0;
    B[B_XXNORM] += B[B_Z] * B[B_Z];
  }
  for (int t = 0; t < k; t++) {
    int b = block_of_tied(L, t);
    double *B = L->blk + b * B_N;
    if (B[B_STOP] == 0.0) {
      double dk = rho[b] > 0.0 ? w[t] / rho[b] : 0.0;
      B[B_DDNORM] += dk * dk;
      s->u[t] += L->d[t] * step[b] * w[t];
      w[t] = v[t] + wcoef[b] * w[t];
    }
  }
  for (int b = 0; b < L->nb; b++) {
    double *B = L->blk + b * B_N;
    if (B[B_STOP] > 0.0) continue;
    B[B_STOP] = block_stop(s, B, sqrt(xx[b]));
    if (B[B_STOP] == 3.0 || B[B_STOP] == 6.0)
      ws_comm_warn(p->comm,
                   "lsqr: the tied design's estimated condition number %.3g exceeds 1/rtol = "
                   "%.3g%s; the answer may be inaccurate: use --solver qr",
                   sqrt(B[B_ANORM2] * B[B_DDNORM]), 1.0 / s->opt.rtol,
                   L->nb > 1 ? " (one output)" : "");
  }
  lsqr_report(s, control, info);
  return WS_OK;
}

/* The common fields, the per-block scalars and this rank's rows of p, row-partitioned. */
static int lsqr_state(WsSolver *s, WsStateField *fields, int max) {
  if (lsqr_alloc(s) != WS_OK || max < 3) return 0;
  Lsqr *L = s->impl;
  int nf = ws_solver_common_state(s, fields, max - 3);
  if (nf == 0) return 0;
  const WsDesign *des = s->prob->design;
  fields[nf++] = (WsStateField){.name = "blocks", .data = L->blk, .len = (int64_t)L->nb * B_N};
  fields[nf++] = (WsStateField){
      .name = "basis", .data = L->basis, .len = L->kmax > 0 ? L->kmax * s->prob->k : 1};
  fields[nf++] = (WsStateField){.name = "rows",
                                .data = L->rows,
                                .len = des->part.count * s->prob->q,
                                .part = &des->part,
                                .width = s->prob->q};
  return nf;
}

static void lsqr_describe(const WsSolver *s, char *text, size_t size) {
  const Lsqr *L = s->impl;
  snprintf(text, size, "lsqr, atol = btol = rtol %g, conlim %g, atol %g on |A grad L|%s",
           s->opt.rtol, s->opt.rtol > 0.0 ? 1.0 / s->opt.rtol : INFINITY, s->opt.atol,
           L && L->nb > 1 ? ", outputs solved independently" : "");
}

static void lsqr_advice(const WsSolver *s, char *text, size_t size) {
  (void)s;
  snprintf(text, size, "check the data's scale, or use --solver qr");
}

const WsSolverOps ws_solver_lsqr_ops = {
    .name = "lsqr",
    .needs_projector = 1,
    .n_vectors = LS_N_VECTORS,
    .vector_names = {"v", "w", "tail"},
    .n_scalars = 2,
    .scalar_names = {"started", "stored"},
    .iterate = lsqr_iterate,
    .advice = lsqr_advice,
    .state = lsqr_state,
    .describe = lsqr_describe,
    .destroy = lsqr_destroy,
};
