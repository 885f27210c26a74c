/* Direct solvers of the tied problem: Cholesky on the tied Gram matrix and QR of the tied
 * design refined in double-double.  Both end in the same place (finish): weights w = S v,
 * the intercept, the objective at the solution, and standard errors from the inverse of
 * the (regularized) Gram matrix.  Every decision that ends a run is agreed on by all ranks. */
#include "wshare/solver_direct.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/ddouble.h"
#include "wshare/kernels.h"
#include "wshare/reduce.h"
#include "wshare/scalapack_grid.h"

/* Replicated LAPACK up to this many tied columns (k^3/3 flops on every rank is cheaper than
 * the grid's communication); ScaLAPACK on a square grid beyond.  Overridable at compile
 * time so that tests can run either path on any problem. */
#ifndef WS_DIRECT_LAPACK_MAX_K
#define WS_DIRECT_LAPACK_MAX_K 2000
#endif
enum { LAPACK_MAX_K = WS_DIRECT_LAPACK_MAX_K, GRID_NB = 64, QR_NB_MAX = 64, QR_MAX_STEPS = 10 };
/* auto-direct leaves Cholesky below this reciprocal condition of the scaled Gram matrix:
 * forming Z^T Z squares the condition, so digits would be lost that qr keeps. */
static const double AUTO_RCOND_MIN = 1e-10;
/* Below this reciprocal condition of the scaled Gram matrix, a Cholesky solution has lost
 * more than six digits to the squared condition: it is refined with exact gradients. */
static const double CHOLESKY_REFINE_RCOND = 1e-6;
enum { CHOLESKY_REFINE_STEPS = 4 };
/* Refinement stops when a correction no longer moves the solution in double. */
static const double REFINE_TOL = 1e-17;

typedef struct {
  const WsProblem *p;
  const WsDesign *des;
  const WsSharing *sh;
  MPI_Comm comm;
  int rank, size;
  int k; /* tied columns */
  int64_t m;
} Ctx;

/* What a solver hands to finish(): parameters v (kp = off + k values, the intercept first
 * when off = 1) and the inverse of the regularized Gram matrix G = Z^T Z + Lambda. */
typedef struct {
  int off, kp;
  double *v;
  double *Ginv; /* kp x kp, full, original units */
  double *lam;  /* kp: the ridge diagonal Lambda (0 for the intercept) */
  double *mu_z; /* k: S^T mu for the centred Cholesky fit, else NULL */
  double rss;   /* < 0: take it from the objective pass */
  double rcond; /* Cholesky: reciprocal condition of the scaled Gram matrix (else 1) */
} Fit;

static void fit_free(Fit *f) {
  free(f->v);
  free(f->Ginv);
  free(f->lam);
  free(f->mu_z);
}

/* A power of two s with norm * s in [0.5, 1): scaling by it is exact. */
static double pow2_scale(double norm) {
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

/* numerical: the dependence is numerical, not exact (Cholesky then suggests qr). */
static WsErr deficient(const Ctx *c, const char *solver, int t, const char *why, int numerical) {
  char col[128];
  describe_column(c->sh, t, col, sizeof col);
  /* Cholesky squares the condition number: a design it rejects may still suit qr. */
  return ws_error_set(
      WS_ERR_RUNTIME, "%s: the tied design is rank deficient: %s %s; add --ridge or remove it%s",
      solver, col, why, numerical && strcmp(solver, "qr") ? ", or try --solver qr" : "");
}

/* ---------------------------------------------------------------------------------------
 * Cholesky: G = Z~^T Z~ (centred tied columns) accumulated slab by slab, never storing X S. */

typedef struct {
  double *G, *zy, *D, *udiag; /* k x k column-major; k; k; k */
  double *raw, *tied, *yc;    /* slab x n, slab x k, slab */
  int64_t slab;
} Gram;

static void gram_free(Gram *g) {
  free(g->G);
  free(g->zy);
  free(g->D);
  free(g->udiag);
  free(g->raw);
  free(g->tied);
  free(g->yc);
}

/* Local pass: upper triangle of Z~^T Z~ and Z~^T (y - ybar) over this rank's rows. */
static void gram_accumulate(const Ctx *c, Gram *g) {
  const WsDesign *des = c->des;
  double ybar = des->centred ? des->y_sum / (double)c->m : 0.0;
  for (int64_t i0 = 0; i0 < des->part.count; i0 += g->slab) {
    int64_t rows = des->part.count - i0 < g->slab ? des->part.count - i0 : g->slab;
    ws_problem_tied_rows(c->p, i0, rows, g->raw, g->tied);
    for (int64_t i = 0; i < rows; i++)
      g->yc[i] = des->y[i0 + i] - ybar;
    ws_kernel_gram_accumulate(rows, c->k, g->tied, g->yc, g->G, g->zy);
  }
}

/* Collective: sums G and Z^T y over ranks.  Only the upper triangle is sent, packed in place
 * (packed index j (j + 1) / 2 + i never exceeds i + j k, so a forward sweep reads every
 * entry before overwriting it, and the backward sweep undoes it); then G is made full. */
static WsErr gram_reduce(const Ctx *c, Gram *g) {
  int k = c->k;
  double *G = g->G;
  int64_t pos = 0;
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i <= j; i++)
      G[pos++] = G[i + j * k];
  WS_CALL(ws_reduce_sum(c->comm, G, (int)pos, c->p->timers));
  WS_CALL(ws_reduce_sum(c->comm, g->zy, k, c->p->timers));
  for (int64_t j = k - 1; j >= 0; j--)
    for (int64_t i = j; i >= 0; i--)
      G[i + j * k] = G[--pos];
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = j + 1; i < k; i++)
      G[i + j * k] = G[j + i * k];
  return WS_OK;
}

/* Factors Gs (upper used) with LAPACK; info > 0: not positive definite at column info - 1.
 * When rcond >= rcond_min, solves Gs x = b in b and leaves Gs^-1 in Gs's upper triangle. */
static void factor_local(int k, double *Gs, double anorm, double rcond_min, double *b, int *info,
                         double *rcond, double *udiag) {
  *info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', k, Gs, k);
  if (*info != 0) return;
  for (int j = 0; j < k; j++)
    udiag[j] = Gs[j + (int64_t)j * k];
  *info = LAPACKE_dpocon(LAPACK_COL_MAJOR, 'U', k, Gs, k, anorm, rcond);
  if (*info != 0 || *rcond < rcond_min) return;
  *info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', k, 1, Gs, k, b, k);
  if (*info == 0) *info = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'U', k, Gs, k);
}

/* Collective.  *use_qr is set (auto-direct only) when the Gram matrix is too ill-conditioned
 * for Cholesky; the fit is then left empty. */
static WsErr cholesky_fit(const Ctx *c, int is_auto, Fit *fit, WsDirectStats *st, int *use_qr) {
  const WsProblem *p = c->p;
  const WsDesign *des = c->des;
  int k = c->k, n = des->n;
  /* MPI and ScaLAPACK count the k x k replicated matrix in int. */
  WS_CHECK(k <= 46340, WS_ERR_INPUT,
           "cholesky: %d tied columns are too many for a replicated Gram matrix; use --solver cg",
           k);
  Gram g = {0};
  /* Slabs of about 32 MiB: each DSYRK then does enough work per sweep over G. */
  g.slab = (1 << 22) / (n > k ? n : k);
  g.slab = g.slab < 64 ? 64 : g.slab > 4096 ? 4096 : g.slab;
  if (g.slab > des->part.count) g.slab = des->part.count > 0 ? des->part.count : 1;
  g.G = ws_calloc((size_t)k * k, sizeof *g.G);
  g.zy = ws_calloc((size_t)k, sizeof *g.zy);
  g.D = ws_calloc((size_t)k, sizeof *g.D);
  g.udiag = ws_calloc((size_t)k, sizeof *g.udiag);
  g.raw = ws_calloc((size_t)(g.slab * n), sizeof *g.raw);
  g.tied = ws_calloc((size_t)(g.slab * k), sizeof *g.tied);
  g.yc = ws_calloc((size_t)g.slab, sizeof *g.yc);
  fit->off = 0;
  fit->kp = k;
  fit->rss = -1.0;
  fit->v = ws_calloc((size_t)k, sizeof *fit->v);
  fit->lam = ws_calloc((size_t)k, sizeof *fit->lam);
  fit->mu_z = des->centred ? ws_calloc((size_t)k, sizeof *fit->mu_z) : NULL;
  WsErr err = ws_alloc_agree(c->comm, g.G && g.zy && g.D && g.udiag && g.raw && g.tied && g.yc &&
                                          fit->v && fit->lam && (fit->mu_z || !des->centred));
  if (err) goto done;

  double t0 = ws_now();
  gram_accumulate(c, &g);
  ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
  err = gram_reduce(c, &g);
  if (err) goto done;

  t0 = ws_now();
  WsErr local = WS_OK;
  for (int t = 0; t < k && !local; t++)
    if (g.G[t + (int64_t)t * k] <= 0.0 && p->ridge <= 0.0)
      local = deficient(c, "cholesky", t,
                        des->centred ? "is all zero after centring (a constant column only "
                                       "repeats the intercept)"
                                     : "is all zero",
                        0);
  err = ws_error_agree(c->comm, local);
  if (err) goto done;
  /* Ridge: the penalty (lambda/2)|S v|^2 adds m lambda S^T S, diagonal for every sharing. */
  for (int t = 0; t < k; t++) {
    fit->lam[t] = (double)c->m * p->ridge * ws_sharing_basis_norm2(c->sh, t);
    g.G[t + (int64_t)t * k] += fit->lam[t];
    g.D[t] = pow2_scale(sqrt(g.G[t + (int64_t)t * k]));
  }
  /* Jacobi scaling by powers of two: exact, and it makes rcond measure the columns'
   * dependence rather than their units. */
  for (int j = 0; j < k; j++) {
    for (int i = 0; i < k; i++)
      g.G[i + (int64_t)j * k] *= g.D[i] * g.D[j];
    g.zy[j] *= g.D[j];
  }
  double anorm = LAPACKE_dlansy(LAPACK_COL_MAJOR, '1', 'U', k, g.G, k);
  double rcond_min = is_auto ? AUTO_RCOND_MIN : k * DBL_EPSILON, rcond = 0.0;
  int info = 0;
  if (k <= LAPACK_MAX_K)
    factor_local(k, g.G, anorm, rcond_min, g.zy, &info, &rcond, g.udiag);
  else
    err =
        ws_grid_cholesky(c->comm, k, GRID_NB, g.G, anorm, rcond_min, g.zy, &info, &rcond, g.udiag);
  ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
  if (err) goto done;
  /* Replicated inputs give replicated decisions; the reduction only guards against ranks
   * whose allreduce results differ in the last bit. */
  int bad = info != 0 || !(rcond >= rcond_min);
  WS_MPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, c->comm));
  if (bad && is_auto) {
    if (info > 0)
      snprintf(st->warning, sizeof st->warning,
               "auto: the tied Gram matrix is not numerically positive definite (Cholesky "
               "breaks down at tied column %d); used qr",
               info - 1);
    else
      snprintf(st->warning, sizeof st->warning,
               "auto: the tied Gram matrix is ill-conditioned (rcond %.1e); used qr", rcond);
    *use_qr = 1;
    goto done;
  }
  if (bad) {
    char why[160];
    int t = info > 0 ? info - 1 : 0;
    if (info > 0) {
      snprintf(why, sizeof why,
               "is numerically dependent on the others (Cholesky breaks down "
               "there)");
    } else {
      /* The smallest pivot of the scaled factor marks the column the others explain best. */
      for (int j = 1; j < k; j++)
        if (fabs(g.udiag[j]) < fabs(g.udiag[t])) t = j;
      snprintf(why, sizeof why,
               "is numerically dependent on the others (reciprocal condition %.1e of the "
               "scaled Gram matrix)",
               rcond);
    }
    err = ws_error_agree(
        c->comm, info < 0 ? ws_error_set(WS_ERR_RUNTIME, "cholesky: LAPACK failed (info %d)", info)
                          : deficient(c, "cholesky", t, why, 1));
    goto done;
  }
  if (!is_auto && rcond < AUTO_RCOND_MIN)
    snprintf(st->warning, sizeof st->warning,
             "cholesky: the tied Gram matrix is ill-conditioned (rcond %.1e): up to %.0f digits "
             "of the weights may be lost; --solver qr keeps them",
             rcond, -log10(rcond));
  fit->rcond = rcond;
  for (int t = 0; t < k; t++)
    fit->v[t] = g.D[t] * g.zy[t];
  /* One answer for all ranks, whatever the last bits of their replicated solves. */
  WS_MPI(MPI_Bcast(fit->v, k, MPI_DOUBLE, 0, c->comm));
  for (int j = 0; j < k; j++)
    for (int i = 0; i <= j; i++) {
      double v = g.G[i + (int64_t)j * k] * g.D[i] * g.D[j];
      g.G[i + (int64_t)j * k] = g.G[j + (int64_t)i * k] = v;
    }
  fit->Ginv = g.G;
  g.G = NULL;
  if (des->centred) ws_sharing_reduce(c->sh, des->mean, fit->mu_z);
done:
  gram_free(&g);
  return err;
}

/* ---------------------------------------------------------------------------------------
 * QR: PDGEQRF of the tied design Zq = [1, X S] (uncentred, columns scaled by powers of two)
 * on a P x 1 grid whose row blocks are the row partition, then Bjorck's refinement of the
 * augmented system [I Zq; Zq^T 0][r; x] = [y; 0] with residuals in double-double. */

typedef struct {
  const Ctx *c;
  WsGrid grid;
  int kp, off;
  int64_t M, mb, mloc, lld; /* rows incl. ridge rows, row block, local rows, leading dim. */
  int desc[9], descc[9];
  double *A, *tau, *work;
  int lwork;
  double *D;    /* kp power-of-two column scales */
  double *cr;   /* kp: the ridge row entry sqrt(m lambda |s_t|^2) of each column, scaled */
  double *R;    /* kp x kp replicated triangular factor */
  WsDD *z, *pw; /* one tied row (kp) and one expanded row (n) in double-double */
  double *raw;  /* n_raw */
  double *x, *dx, *h, *d1, *gv; /* kp */
  double *r, *f, *C;            /* mloc */
  WsDD *gdd, *all;              /* kp + 1 local partial sums; size x (kp + 1) gathered */
} Qr;

static void qr_free(Qr *q) {
  double *bufs[] = {q->A,  q->tau, q->work, q->D,  q->cr, q->R, q->raw, q->x,
                    q->dx, q->h,   q->d1,   q->gv, q->r,  q->f, q->C};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
    free(bufs[i]);
  free(q->z);
  free(q->pw);
  free(q->gdd);
  free(q->all);
  ws_grid_destroy(&q->grid);
}

/* Tied row of local data row i in double-double: powers formed by repeated dd products of
 * the stored x, summed per tied column, times the column scales. */
static void qr_tied_row(Qr *q, int64_t i) {
  const WsDesign *des = q->c->des;
  const WsSharing *sh = q->c->sh;
  int n_raw = des->n_raw, deg = des->degree, n = des->n, k = q->c->k, off = q->off;
  int f32 = des->dtype == WS_DTYPE_F32;
  ws_kernel_to_f64(n_raw, ws_design_raw_row(des, i), f32, q->raw);
  for (int j = 0; j < n_raw; j++)
    ws_dd_powers(q->raw[j], deg, q->pw + (size_t)j * deg);
  WsDD *z = q->z;
  if (off) z[0] = ws_dd_from(1.0);
  if (sh->kind == WS_SHARING_NONE) {
    memcpy(z + off, q->pw, (size_t)n * sizeof *z);
  } else if (sh->kind == WS_SHARING_GROUPS) {
    for (int t = 0; t < k; t++)
      z[off + t] = ws_dd_from(0.0);
    for (int j = 0; j < n; j++)
      z[off + sh->tied_of[j]] = ws_dd_add(z[off + sh->tied_of[j]], q->pw[j]);
  } else {
    for (int t = 0; t < k; t++) {
      WsDD s = ws_dd_from(0.0);
      for (int j = 0; j < n; j++)
        s = ws_dd_add(s, ws_dd_mul_d(q->pw[j], sh->basis[(size_t)j * k + t]));
      z[off + t] = s;
    }
  }
  for (int t = 0; t < q->kp; t++) {
    z[t].hi *= q->D[t];
    z[t].lo *= q->D[t];
  }
}

static int64_t qr_global_row(const Qr *q, int64_t li) {
  return ws_grid_global_index(li, q->mb, q->c->rank, q->c->size);
}

/* Collective: Zq into A (data rows, then the ridge rows m.. m+k-1 wherever the block-cyclic
 * layout puts them), its columns scaled by powers of two near their inverse norms. */
static WsErr qr_build(Qr *q) {
  const Ctx *c = q->c;
  int kp = q->kp, off = q->off;
  int64_t count = c->des->part.count;
  double t0 = ws_now();
  for (int64_t li = 0; li < count; li++) {
    qr_tied_row(q, li);
    for (int t = 0; t < kp; t++)
      q->A[li + t * q->lld] = q->z[t].hi;
  }
  for (int64_t li = count; li < q->mloc; li++) {
    int t = (int)(qr_global_row(q, li) - c->m);
    q->A[li + (off + t) * q->lld] = q->cr[off + t];
  }
  double *norm2 = q->gv;
  for (int t = 0; t < kp; t++) {
    double s = 0.0;
    for (int64_t li = 0; li < q->mloc; li++)
      s += q->A[li + t * q->lld] * q->A[li + t * q->lld];
    norm2[t] = s;
  }
  ws_timer_add(c->p->timers, WS_TIME_COMPUTE, t0);
  WS_CALL(ws_reduce_sum(c->comm, norm2, kp, c->p->timers));
  WsErr local = WS_OK;
  for (int t = off; t < kp && !local; t++)
    if (norm2[t] == 0.0) local = deficient(c, "qr", t - off, "is all zero", 0);
  WS_CALL(ws_error_agree(c->comm, local));
  for (int t = 0; t < kp; t++) {
    q->D[t] = pow2_scale(sqrt(norm2[t]));
    q->cr[t] *= q->D[t];
    for (int64_t li = 0; li < q->mloc; li++)
      q->A[li + t * q->lld] *= q->D[t];
  }
  return WS_OK;
}

/* Collective: f = y - r - Zq x (local rows), gv = -Zq^T r and *rss = |y - Zq x|^2 over the
 * data rows, all evaluated in double-double; the per-rank partial sums are combined in rank
 * order so every rank gets the same bits. */
static WsErr qr_residuals(Qr *q, double *rss) {
  const Ctx *c = q->c;
  int kp = q->kp, off = q->off;
  int64_t count = c->des->part.count;
  double t0 = ws_now();
  for (int t = 0; t <= kp; t++)
    q->gdd[t] = ws_dd_from(0.0);
  for (int64_t li = 0; li < count; li++) {
    qr_tied_row(q, li);
    WsDD s = ws_dd_from(c->des->y[li]);
    for (int t = 0; t < kp; t++)
      s = ws_dd_add(s, ws_dd_neg(ws_dd_mul_d(q->z[t], q->x[t])));
    q->gdd[kp] = ws_dd_add(q->gdd[kp], ws_dd_mul(s, s));
    q->f[li] = ws_dd_add_d(s, -q->r[li]).hi;
    for (int t = 0; t < kp; t++)
      q->gdd[t] = ws_dd_add(q->gdd[t], ws_dd_mul_d(q->z[t], -q->r[li]));
  }
  for (int64_t li = count; li < q->mloc; li++) {
    int t = off + (int)(qr_global_row(q, li) - c->m);
    WsDD s = ws_dd_neg(ws_dd_two_prod(q->cr[t], q->x[t]));
    q->f[li] = ws_dd_add_d(s, -q->r[li]).hi;
    q->gdd[t] = ws_dd_add(q->gdd[t], ws_dd_two_prod(q->cr[t], -q->r[li]));
  }
  t0 = ws_timer_add(c->p->timers, WS_TIME_COMPUTE, t0);
  WS_MPI(
      MPI_Allgather(q->gdd, 2 * (kp + 1), MPI_DOUBLE, q->all, 2 * (kp + 1), MPI_DOUBLE, c->comm));
  ws_timer_add(c->p->timers, WS_TIME_ALLREDUCE, t0);
  for (int t = 0; t <= kp; t++) {
    WsDD s = ws_dd_from(0.0);
    for (int r = 0; r < c->size; r++)
      s = ws_dd_add(s, q->all[(size_t)r * (kp + 1) + t]);
    if (t < kp)
      q->gv[t] = s.hi;
    else
      *rss = s.hi;
  }
  return WS_OK;
}

/* Collective: C <- Q C or Q^T C (trans "N" or "T"). */
static WsErr qr_apply_q(Qr *q, const char *trans) {
  int M = (int)q->M, one = 1, info;
  pdormqr_("L", trans, &M, &one, &q->kp, q->A, &one, &one, q->desc, q->tau, q->C, &one, &one,
           q->descc, q->work, &q->lwork, &info, 1, 1);
  return ws_error_agree(
      q->c->comm,
      info == 0 ? WS_OK : ws_error_set(WS_ERR_RUNTIME, "qr: PDORMQR failed (info %d)", info));
}

/* Collective: one correction of the augmented system with residuals f, g = gv:
 * h = R^-T g, d = Q^T f, dx = R^-1 (d1 - h), dr = Q [h; d2]. */
static WsErr qr_correct(Qr *q) {
  int kp = q->kp;
  double t0 = ws_now();
  memcpy(q->h, q->gv, (size_t)kp * sizeof *q->h);
  cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, kp, q->R, kp, q->h, 1);
  memcpy(q->C, q->f, (size_t)q->mloc * sizeof *q->C);
  WS_CALL(qr_apply_q(q, "T"));
  memset(q->d1, 0, (size_t)kp * sizeof *q->d1);
  for (int64_t li = 0; li < q->mloc; li++) {
    int64_t gi = qr_global_row(q, li);
    if (gi < kp) {
      q->d1[gi] = q->C[li];
      q->C[li] = q->h[gi];
    }
  }
  ws_timer_add(q->c->p->timers, WS_TIME_COMPUTE, t0);
  WS_CALL(ws_reduce_sum(q->c->comm, q->d1, kp, q->c->p->timers));
  t0 = ws_now();
  for (int t = 0; t < kp; t++)
    q->dx[t] = q->d1[t] - q->h[t];
  cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, kp, q->R, kp, q->dx, 1);
  WS_CALL(qr_apply_q(q, "N"));
  for (int t = 0; t < kp; t++)
    q->x[t] += q->dx[t];
  for (int64_t li = 0; li < q->mloc; li++)
    q->r[li] += q->C[li];
  ws_timer_add(q->c->p->timers, WS_TIME_COMPUTE, t0);
  return WS_OK;
}

static WsErr qr_alloc(Qr *q) {
  const Ctx *c = q->c;
  int kp = q->kp;
  size_t mloc = (size_t)(q->mloc > 0 ? q->mloc : 1);
  q->A = ws_calloc((size_t)q->lld * kp, sizeof *q->A);
  q->tau = ws_calloc((size_t)kp, sizeof *q->tau);
  q->D = ws_calloc((size_t)kp, sizeof *q->D);
  q->cr = ws_calloc((size_t)kp, sizeof *q->cr);
  q->R = ws_calloc((size_t)kp * kp, sizeof *q->R);
  q->z = ws_calloc((size_t)kp, sizeof *q->z);
  q->pw = ws_calloc((size_t)c->des->n, sizeof *q->pw);
  q->raw = ws_calloc((size_t)c->des->n_raw, sizeof *q->raw);
  double **kbufs[] = {&q->x, &q->dx, &q->h, &q->d1, &q->gv};
  for (size_t i = 0; i < sizeof kbufs / sizeof *kbufs; i++)
    *kbufs[i] = ws_calloc((size_t)kp, sizeof(double));
  q->r = ws_calloc(mloc, sizeof *q->r);
  q->f = ws_calloc(mloc, sizeof *q->f);
  q->C = ws_calloc(mloc, sizeof *q->C);
  q->gdd = ws_calloc((size_t)kp + 1, sizeof *q->gdd);
  q->all = ws_calloc((size_t)c->size * (kp + 1), sizeof *q->all);
  int ok = q->A && q->tau && q->D && q->cr && q->R && q->z && q->pw && q->raw && q->x && q->dx &&
           q->h && q->d1 && q->gv && q->r && q->f && q->C && q->gdd && q->all;
  return ws_alloc_agree(c->comm, ok);
}

/* Collective: PDGEQRF of A and the replicated R, with workspace for it and PDORMQR. */
static WsErr qr_factor(Qr *q) {
  const Ctx *c = q->c;
  int kp = q->kp, M = (int)q->M, one = 1, info = 0, lwork = -1;
  /* With one process column the local layout does not depend on NB, so NB is free to be
   * the blocking that keeps PDGEQRF in Level-3 BLAS. */
  int nb = kp < QR_NB_MAX ? kp : QR_NB_MAX;
  WS_CALL(
      ws_error_agree(c->comm, ws_grid_descriptor(&q->grid, q->M, kp, q->mb, nb, q->lld, q->desc)));
  WS_CALL(
      ws_error_agree(c->comm, ws_grid_descriptor(&q->grid, q->M, 1, q->mb, 1, q->lld, q->descc)));
  double wq[3] = {0.0, 0.0, 0.0};
  pdgeqrf_(&M, &kp, q->A, &one, &one, q->desc, q->tau, &wq[0], &lwork, &info);
  pdormqr_("L", "T", &M, &one, &kp, q->A, &one, &one, q->desc, q->tau, q->C, &one, &one, q->descc,
           &wq[1], &lwork, &info, 1, 1);
  pdormqr_("L", "N", &M, &one, &kp, q->A, &one, &one, q->desc, q->tau, q->C, &one, &one, q->descc,
           &wq[2], &lwork, &info, 1, 1);
  q->lwork = (int)fmax(wq[0], fmax(wq[1], wq[2])) + 1;
  q->work = ws_calloc((size_t)q->lwork, sizeof *q->work);
  WS_CALL(ws_alloc_agree(c->comm, q->work != NULL));
  double t0 = ws_now();
  pdgeqrf_(&M, &kp, q->A, &one, &one, q->desc, q->tau, q->work, &q->lwork, &info);
  ws_timer_add(c->p->timers, WS_TIME_COMPUTE, t0);
  WS_CALL(ws_error_agree(
      c->comm,
      info == 0 ? WS_OK : ws_error_set(WS_ERR_RUNTIME, "qr: PDGEQRF failed (info %d)", info)));
  /* R is the upper triangle of the first kp global rows, wherever they live. */
  for (int64_t li = 0; li < q->mloc; li++) {
    int64_t gi = qr_global_row(q, li);
    if (gi < kp)
      for (int t = (int)gi; t < kp; t++)
        q->R[gi + (int64_t)t * kp] = q->A[li + t * q->lld];
  }
  return ws_reduce_sum(c->comm, q->R, kp * kp, c->p->timers);
}

/* Collective. */
static WsErr qr_fit(const Ctx *c, Fit *fit) {
  const WsProblem *p = c->p;
  Qr q = {.c = c, .grid = {.ctx = -1}};
  q.off = p->intercept ? 1 : 0;
  q.kp = c->k + q.off;
  q.mb = c->des->part.block;
  q.M = c->m + (p->ridge > 0.0 ? c->k : 0);
  q.mloc = ws_grid_local_count(q.M, q.mb, c->rank, c->size);
  q.lld = q.mloc > 1 ? q.mloc : 1;
  int kp = q.kp, off = q.off;
  WsErr err = ws_error_agree(c->comm, ws_grid_create(c->comm, c->size, 1, &q.grid));
  if (!err) err = qr_alloc(&q);
  if (err) goto done;
  for (int t = 0; t < kp; t++) {
    q.D[t] = 1.0;
    q.cr[t] =
        t < off ? 0.0 : sqrt((double)c->m * p->ridge * ws_sharing_basis_norm2(c->sh, t - off));
  }
  err = qr_build(&q);
  if (!err) err = qr_factor(&q);
  if (err) goto done;
  memset(q.gv, 0, (size_t)kp * sizeof *q.gv); /* held the column norms */

  /* |R_jj| bounds the distance of scaled column j from the span of the columns before it. */
  double rmax = 0.0;
  for (int t = 0; t < kp; t++)
    rmax = fmax(rmax, fabs(q.R[t + (int64_t)t * kp]));
  WsErr local = WS_OK;
  for (int t = off; t < kp && !local; t++) {
    double rjj = fabs(q.R[t + (int64_t)t * kp]);
    if (rjj <= kp * DBL_EPSILON * rmax) {
      char why[128];
      snprintf(why, sizeof why, "is numerically dependent on the others (|R_jj| = %.1e max |R_ii|)",
               rjj / rmax);
      local = deficient(c, "qr", t - off, why, 1);
    }
  }
  err = ws_error_agree(c->comm, local);
  if (err) goto done;

  /* Start from x = 0, r = 0: the first correction is the plain QR solution and its
   * residual Q [0; d2]; later ones use double-double residuals of the current pair. */
  double rss = 0.0, prev = INFINITY;
  for (int64_t li = 0; li < c->des->part.count; li++)
    q.f[li] = c->des->y[li];
  for (int step = 0;; step++) {
    err = qr_correct(&q);
    if (err) goto done;
    /* Converged when every component moved by at most its rounding level (or the whole
     * correction is below REFINE_TOL): further steps only flip last bits. */
    double nx = cblas_dnrm2(kp, q.x, 1), ndx = cblas_dnrm2(kp, q.dx, 1);
    int stop = ndx <= REFINE_TOL * nx || step + 1 >= QR_MAX_STEPS || (step >= 3 && ndx >= prev);
    int settled = 1;
    for (int t = 0; t < kp; t++)
      settled &= fabs(q.dx[t]) <= DBL_EPSILON * fabs(q.x[t]);
    stop |= settled;
    err = qr_residuals(&q, &rss);
    if (err) goto done;
    /* x is replicated bit for bit, but a rank leaving the loop alone would hang the others. */
    WS_MPI(MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, c->comm));
    if (stop) break; /* the pass just made gives the RSS at the final x */
    prev = ndx;
  }

  fit->off = off;
  fit->kp = kp;
  fit->rss = rss;
  fit->v = ws_calloc((size_t)kp, sizeof *fit->v);
  fit->lam = ws_calloc((size_t)kp, sizeof *fit->lam);
  fit->Ginv = ws_calloc((size_t)kp * kp, sizeof *fit->Ginv);
  err = ws_alloc_agree(c->comm, fit->v && fit->lam && fit->Ginv);
  if (err) goto done;
  for (int t = 0; t < kp; t++) {
    fit->v[t] = q.D[t] * q.x[t];
    fit->lam[t] = t < off ? 0.0 : (double)c->m * p->ridge * ws_sharing_basis_norm2(c->sh, t - off);
  }
  /* R^T R = D G D, so DPOTRI on R gives (D G D)^-1; undo the scaling. */
  memcpy(fit->Ginv, q.R, (size_t)kp * kp * sizeof *q.R);
  LAPACKE_dpotri(LAPACK_COL_MAJOR, 'U', kp, fit->Ginv, kp);
  for (int j = 0; j < kp; j++)
    for (int i = 0; i <= j; i++) {
      double v = fit->Ginv[i + (int64_t)j * kp] * q.D[i] * q.D[j];
      fit->Ginv[i + (int64_t)j * kp] = fit->Ginv[j + (int64_t)i * kp] = v;
    }
done:
  qr_free(&q);
  return err;
}

/* ---------------------------------------------------------------------------------------
 * Statistics.  With ridge the covariance is the sandwich G^-1 (Z^T Z) G^-1 = G^-1 -
 * G^-1 Lambda G^-1 (Lambda diagonal); without, G^-1.  Both times sigma^2. */

/* a^T Cov a / sigma^2 for a = e_i. */
static double unit_variance(const Fit *f, int i) {
  const double *col = f->Ginv + (int64_t)i * f->kp;
  double v = col[i];
  for (int s = 0; s < f->kp; s++)
    v -= f->lam[s] * col[s] * col[s];
  return v > 0.0 ? v : 0.0;
}

/* a^T Cov a / sigma^2 for a general a (kp); u is scratch (kp). */
static double vector_variance(const Fit *f, const double *a, double *u) {
  cblas_dsymv(CblasColMajor, CblasUpper, f->kp, 1.0, f->Ginv, f->kp, a, 1, 0.0, u, 1);
  double v = 0.0;
  for (int s = 0; s < f->kp; s++)
    v += a[s] * u[s] - f->lam[s] * u[s] * u[s];
  return v > 0.0 ? v : 0.0;
}

/* The objective's parameters theta = (w, c) of a fit; returns the intercept b. */
static double fit_theta(const Ctx *c, const Fit *fit, double *w, double *theta) {
  const WsProblem *p = c->p;
  const WsDesign *des = c->des;
  int n = p->n;
  ws_sharing_expand(c->sh, fit->v + fit->off, w);
  double b = 0.0;
  if (fit->off) {
    b = fit->v[0];
  } else if (fit->mu_z) {
    /* Centred columns: the intercept is the mean response less the means' share. */
    b = des->y_sum / (double)c->m;
    for (int t = 0; t < c->k; t++)
      b -= fit->mu_z[t] * fit->v[t];
  }
  memcpy(theta, w, (size_t)n * sizeof *w);
  if (p->intercept) {
    double shift = b;
    if (des->centred)
      for (int j = 0; j < n; j++)
        shift += des->mean[j] * w[j];
    theta[n] = shift;
  }
  return p->intercept ? b : 0.0;
}

/* Collective: iterative refinement of a Cholesky solution whose Gram matrix is
 * ill-conditioned.  Each step is one pass: the exact gradient gives the normal equations'
 * residual m S^T grad_w L = G v - Z^T y, and v -= G^-1 (that), with the factor's inverse. */
static WsErr cholesky_refine(const Ctx *c, Fit *fit, double *w) {
  const WsProblem *p = c->p;
  int k = c->k;
  double *theta = ws_calloc((size_t)p->dim, sizeof *theta);
  double *g = ws_calloc((size_t)p->dim, sizeof *g);
  double *r = ws_calloc((size_t)k, sizeof *r);
  WsErr err = ws_alloc_agree(c->comm, theta && g && r);
  for (int step = 0; step < CHOLESKY_REFINE_STEPS && !err; step++) {
    fit_theta(c, fit, w, theta);
    WsEval ev;
    err = ws_objective_gradient(p, theta, NULL, g, &ev);
    if (err) break;
    ws_sharing_reduce(c->sh, g, r);
    double dmax = 0.0, vmax = 0.0;
    for (int i = 0; i < k; i++) {
      double d = 0.0;
      for (int j = 0; j < k; j++)
        d += fit->Ginv[i + (int64_t)j * k] * r[j];
      d *= (double)c->m;
      fit->v[i] -= d;
      dmax = fmax(dmax, fabs(d));
      vmax = fmax(vmax, fabs(fit->v[i]));
    }
    if (dmax <= 4.0 * DBL_EPSILON * vmax) break;
  }
  free(theta);
  free(g);
  free(r);
  return err;
}

/* Collective (one objective pass): weights, intercept, loss, gradient norm, standard errors. */
static WsErr finish(const Ctx *c, const Fit *fit, double *w, WsDirectStats *st) {
  const WsProblem *p = c->p;
  const WsSharing *sh = c->sh;
  int n = p->n, k = c->k, off = fit->off, kp = fit->kp;
  double *theta = ws_calloc((size_t)p->dim, sizeof *theta);
  double *g = ws_calloc((size_t)p->dim, sizeof *g);
  double *work = ws_calloc((size_t)(p->dim > kp ? p->dim : kp) * 2, sizeof *work);
  WsErr err = ws_alloc_agree(c->comm, theta && g && work);
  if (!err) {
    st->intercept = fit_theta(c, fit, w, theta);
    WsEval ev;
    err = ws_objective_gradient(p, theta, NULL, g, &ev);
    st->loss = ev.loss;
    st->grad_norm = ws_problem_projected_norm(p, g, work);
    st->rss = fit->rss >= 0.0 ? fit->rss : ev.rss;
  }
  if (!err) {
    int params = k + (p->intercept ? 1 : 0);
    double sigma2 = c->m > params ? st->rss / (double)(c->m - params) : NAN;
    st->residual_sd = sqrt(sigma2);
    double *a = work, *u = work + kp;
    for (int j = 0; j < n; j++) {
      double var;
      if (sh->kind == WS_SHARING_MATRIX) {
        memset(a, 0, (size_t)kp * sizeof *a);
        for (int t = 0; t < k; t++)
          a[off + t] = sh->basis[(size_t)j * k + t];
        var = vector_variance(fit, a, u);
      } else {
        var = unit_variance(fit, off + (sh->kind == WS_SHARING_GROUPS ? sh->tied_of[j] : j));
      }
      st->stderr_w[j] = sqrt(sigma2 * var);
    }
    if (off)
      st->intercept_stderr = sqrt(sigma2 * unit_variance(fit, 0));
    else if (fit->mu_z)
      st->intercept_stderr =
          sqrt(sigma2 / (double)c->m + sigma2 * vector_variance(fit, fit->mu_z, u));
  }
  free(theta);
  free(g);
  free(work);
  return err;
}

WsErr ws_direct_solve(const char *name, const WsProblem *p, double *w, WsDirectStats *st) {
  Ctx c = {.p = p, .des = p->design, .sh = p->sharing, .comm = p->comm};
  MPI_Comm_rank(c.comm, &c.rank);
  MPI_Comm_size(c.comm, &c.size);
  c.k = c.sh->k;
  c.m = c.des->part.rows;
  int is_qr = strcmp(name, "qr") == 0, is_auto = strcmp(name, "auto-direct") == 0;
  WS_CHECK(is_qr || is_auto || strcmp(name, "cholesky") == 0, WS_ERR_INPUT,
           "unknown direct solver '%s' (qr, cholesky or auto-direct)", name);
  WS_CHECK(c.sh->is_projector && c.k > 0, WS_ERR_INPUT,
           "%s: the sharing matrix is not a symmetric projector with a nonzero range; only "
           "--solver gd applies",
           name);
  int params = c.k + (p->intercept ? 1 : 0);
  WS_CHECK(p->ridge > 0.0 || c.m >= params, WS_ERR_RUNTIME,
           "%s: the tied design is rank deficient: %lld rows for %d parameters; add --ridge",
           is_auto ? "cholesky" : name, (long long)c.m, params);
  st->stderr_w = ws_calloc((size_t)p->n, sizeof *st->stderr_w);
  WS_CALL(ws_alloc_agree(c.comm, st->stderr_w != NULL));
  Fit fit = {0};
  WsErr err = WS_OK;
  if (!is_qr) err = cholesky_fit(&c, is_auto, &fit, st, &is_qr);
  if (!err && is_qr) {
    fit_free(&fit);
    memset(&fit, 0, sizeof fit);
    err = qr_fit(&c, &fit);
  }
  st->used = is_qr ? "qr" : "cholesky";
  if (!err && !is_qr && fit.rcond < CHOLESKY_REFINE_RCOND) err = cholesky_refine(&c, &fit, w);
  if (!err) err = finish(&c, &fit, w, st);
  fit_free(&fit);
  return err;
}

void ws_direct_stats_free(WsDirectStats *stats) {
  free(stats->stderr_w);
  stats->stderr_w = NULL;
}
