/* qr: ScaLAPACK PDGEQRF of the tied design Zq = [1, X S] (uncentred, columns scaled by
 * powers of two) on a P x 1 grid whose row blocks are the row partition, then Bjorck's
 * refinement of the augmented system [I Zq; Zq^T 0][r; x] = [y; 0] with residuals,
 * Zq^T r and polynomial features in double-double (README "Solvers", accuracy of qr).
 * Several outputs with the same ties share the factorization (q right-hand sides); ties
 * across outputs factor the stacked design, a row per (data row, output) with an intercept
 * column per output: exact, but m q rows of K columns, so costly for large q. */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"
#include "wshare/ddouble.h"
#include "wshare/features.h"
#include "wshare/grid.h"
#include "wshare/kernels.h"
#include "wshare/reduce.h"

enum { QR_MAX_STEPS = 10 };
/* Refinement stops when a correction no longer moves the solution in double. */
static const double REFINE_TOL = 1e-17;

/* The tied design has sq rows per data row (1, or q stacked outputs when ties cross
 * outputs) and nrhs right-hand sides (q outputs sharing one design, or 1 when stacked).
 * Column-major local blocks: A is mloc x kp, and x, dx, h, d1, gv are kp x nrhs, r, f, C
 * mloc x nrhs (leading dimension lld). */
typedef struct {
  const WsDirectCtx *c;
  WsGrid *grid;
  int kp, off, sq, nrhs;
  int64_t M, mb, mloc, lld; /* rows incl. ridge rows, row block, local rows, leading dim. */
  int desc[9], descc[9];
  double *A, *tau, *work;
  int lwork;
  double *D;    /* kp power-of-two column scales */
  double *cr;   /* kp: the ridge row entry sqrt(m lambda |s_t|^2) of each column, scaled */
  double *R;    /* kp x kp replicated triangular factor */
  WsDD *z, *pw; /* one tied row (kp) and one expanded row (n) in double-double */
  WsDD *tab;    /* n_raw x (degree + 1): the basis values of one row */
  double *raw;  /* n_raw */
  double *x, *dx, *h, *d1, *gv; /* kp x nrhs */
  double *r, *f, *C;            /* lld x nrhs */
  double *rss;                  /* q: each output's RSS */
  WsDD *gdd, *all;              /* kp nrhs + q local partial sums; size x that gathered */
} Qr;

static void qr_free(Qr *q) {
  double *bufs[] = {q->A,  q->tau, q->work, q->D,  q->cr, q->R, q->raw, q->x,
                    q->dx, q->h,   q->d1,   q->gv, q->r,  q->f, q->C};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
    free(bufs[i]);
  free(q->z);
  free(q->pw);
  free(q->tab);
  free(q->gdd);
  free(q->all);
  ws_grid_destroy(&q->grid);
}

/* The model columns of local data row i in double-double, formed from the stored x
 * (products of powers, or recurrences of the basis; wshare/features.h). */
static void qr_row_powers(Qr *q, int64_t i) {
  const WsDesign *des = q->c->des;
  int f32 = des->dtype == WS_DTYPE_F32;
  ws_kernels_to_f64(des->n_raw, ws_design_raw_row(des, i), f32, q->raw);
  ws_features_expand_dd(des->features, q->raw, q->tab, q->pw);
}

/* Tied row s (0, or the output s of the stacked design) of the data row whose powers are in
 * q->pw: the intercept columns, the powers summed per tied column, times the column scales. */
static void qr_tied_row(Qr *q, int s) {
  const WsSharing *sh = q->c->sh;
  int n = q->c->des->n, k = q->c->k, off = q->off;
  WsDD *z = q->z;
  for (int t = 0; t < off; t++)
    z[t] = ws_ddouble_from(off == 1 || t == s ? 1.0 : 0.0);
  if (sh->kind == WS_SHARING_NONE) {
    memcpy(z + off, q->pw, (size_t)n * sizeof *z);
  } else if (sh->kind == WS_SHARING_GROUPS) {
    for (int t = 0; t < k; t++)
      z[off + t] = ws_ddouble_from(0.0);
    if (q->sq == 1) {
      for (int j = 0; j < n; j++) {
        int t = ws_sharing_input_column(sh, j);
        if (t >= 0) z[off + t] = ws_ddouble_add(z[off + t], q->pw[j]);
      }
    } else {
      for (int e = sh->member_start[s]; e < sh->member_start[s + 1]; e++) {
        int t = off + sh->member_tied[e];
        z[t] = ws_ddouble_add(z[t], q->pw[sh->member_input[e]]);
      }
    }
  } else {
    for (int t = 0; t < k; t++) {
      WsDD acc = ws_ddouble_from(0.0);
      for (int j = 0; j < n; j++)
        acc = ws_ddouble_add(acc, ws_ddouble_mul_d(q->pw[j], sh->basis[(size_t)j * k + t]));
      z[off + t] = acc;
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

/* Rows of the (stacked) data: local rows below this are data, the rest ridge rows. */
static int64_t qr_data_rows(const Qr *q) {
  return q->c->des->part.count * q->sq;
}

/* The target of row s of local data row li for right-hand side rr. */
static double qr_target(const Qr *q, int64_t li, int s, int rr) {
  return q->c->des->y[li * q->c->q + (q->sq > 1 ? s : rr)];
}

/* Collective: Zq into A (data rows, then the ridge rows wherever the block-cyclic layout puts
 * them), its columns scaled by powers of two near their inverse norms. */
static WsErr qr_build(Qr *q) {
  const WsDirectCtx *c = q->c;
  int kp = q->kp, off = q->off;
  int64_t count = c->des->part.count, data = qr_data_rows(q);
  double t0 = ws_timer_now();
  for (int64_t li = 0; li < count; li++) {
    qr_row_powers(q, li);
    for (int s = 0; s < q->sq; s++) {
      qr_tied_row(q, s);
      for (int t = 0; t < kp; t++)
        q->A[li * q->sq + s + t * q->lld] = q->z[t].hi;
    }
  }
  for (int64_t li = data; li < q->mloc; li++) {
    int t = (int)(qr_global_row(q, li) - c->m * q->sq);
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
    if (norm2[t] == 0.0) local = ws_direct_deficient(c, "qr", t - off, "is all zero", 0);
  WS_CALL(ws_comm_agree(c->comm, local));
  for (int t = 0; t < kp; t++) {
    q->D[t] = ws_direct_pow2_scale(sqrt(norm2[t]));
    q->cr[t] *= q->D[t];
    for (int64_t li = 0; li < q->mloc; li++)
      q->A[li + t * q->lld] *= q->D[t];
  }
  return WS_OK;
}

/* Collective: f = y - r - Zq x (local rows), gv = -Zq^T r and rss (each output's
 * |y - Zq x|^2 over the data rows), all evaluated in double-double; the per-rank partial
 * sums are combined in rank order so every rank gets the same bits. */
static WsErr qr_residuals(Qr *q) {
  const WsDirectCtx *c = q->c;
  int kp = q->kp, off = q->off, nrhs = q->nrhs, nq = c->q, nsum = kp * nrhs + nq;
  int64_t count = c->des->part.count, data = qr_data_rows(q), lld = q->lld;
  double t0 = ws_timer_now();
  WsDD *gdd = q->gdd, *rss = q->gdd + kp * nrhs;
  for (int t = 0; t < nsum; t++)
    gdd[t] = ws_ddouble_from(0.0);
  for (int64_t li = 0; li < count; li++) {
    qr_row_powers(q, li);
    for (int s = 0; s < q->sq; s++) {
      qr_tied_row(q, s);
      int64_t row = li * q->sq + s;
      for (int rr = 0; rr < nrhs; rr++) {
        const double *x = q->x + (int64_t)rr * kp;
        double rv = q->r[row + rr * lld];
        WsDD e = ws_ddouble_from(qr_target(q, li, s, rr));
        for (int t = 0; t < kp; t++)
          e = ws_ddouble_add(e, ws_ddouble_neg(ws_ddouble_mul_d(q->z[t], x[t])));
        int out = q->sq > 1 ? s : rr;
        rss[out] = ws_ddouble_add(rss[out], ws_ddouble_mul(e, e));
        q->f[row + rr * lld] = ws_ddouble_add_d(e, -rv).hi;
        for (int t = 0; t < kp; t++)
          gdd[t + rr * kp] = ws_ddouble_add(gdd[t + rr * kp], ws_ddouble_mul_d(q->z[t], -rv));
      }
    }
  }
  for (int64_t li = data; li < q->mloc; li++) {
    int t = off + (int)(qr_global_row(q, li) - c->m * q->sq);
    for (int rr = 0; rr < nrhs; rr++) {
      double rv = q->r[li + rr * lld];
      WsDD e = ws_ddouble_neg(ws_ddouble_two_prod(q->cr[t], q->x[t + rr * kp]));
      q->f[li + rr * lld] = ws_ddouble_add_d(e, -rv).hi;
      gdd[t + rr * kp] = ws_ddouble_add(gdd[t + rr * kp], ws_ddouble_two_prod(q->cr[t], -rv));
    }
  }
  t0 = ws_timer_add(c->p->timers, WS_TIME_COMPUTE, t0);
  WS_MPI(MPI_Allgather(gdd, 2 * nsum, MPI_DOUBLE, q->all, 2 * nsum, MPI_DOUBLE, c->comm));
  ws_timer_add(c->p->timers, WS_TIME_ALLREDUCE, t0);
  for (int t = 0; t < nsum; t++) {
    WsDD acc = ws_ddouble_from(0.0);
    for (int r = 0; r < c->size; r++)
      acc = ws_ddouble_add(acc, q->all[(size_t)r * nsum + t]);
    if (t < kp * nrhs)
      q->gv[t] = acc.hi;
    else
      q->rss[t - kp * nrhs] = acc.hi;
  }
  return WS_OK;
}

/* Collective: C <- Q C or Q^T C (trans "N" or "T"). */
static WsErr qr_apply_q(Qr *q, const char *trans) {
  int M = (int)q->M, one = 1, info;
  pdormqr_("L", trans, &M, &q->nrhs, &q->kp, q->A, &one, &one, q->desc, q->tau, q->C, &one, &one,
           q->descc, q->work, &q->lwork, &info, 1, 1);
  return ws_comm_agree(
      q->c->comm,
      info == 0 ? WS_OK : ws_error_set(WS_ERR_RUNTIME, "qr: PDORMQR failed (info %d)", info));
}

/* Collective: one correction of the augmented system with residuals f, g = gv (every
 * right-hand side at once): h = R^-T g, d = Q^T f, dx = R^-1 (d1 - h), dr = Q [h; d2]. */
static WsErr qr_correct(Qr *q) {
  int kp = q->kp, nrhs = q->nrhs;
  int64_t lld = q->lld;
  double t0 = ws_timer_now();
  memcpy(q->h, q->gv, (size_t)kp * nrhs * sizeof *q->h);
  cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, kp, nrhs, 1.0, q->R,
              kp, q->h, kp);
  memcpy(q->C, q->f, (size_t)lld * nrhs * sizeof *q->C);
  WS_CALL(qr_apply_q(q, "T"));
  memset(q->d1, 0, (size_t)kp * nrhs * sizeof *q->d1);
  for (int64_t li = 0; li < q->mloc; li++) {
    int64_t gi = qr_global_row(q, li);
    if (gi >= kp) continue;
    for (int rr = 0; rr < nrhs; rr++) {
      q->d1[gi + rr * kp] = q->C[li + rr * lld];
      q->C[li + rr * lld] = q->h[gi + rr * kp];
    }
  }
  ws_timer_add(q->c->p->timers, WS_TIME_COMPUTE, t0);
  WS_CALL(ws_reduce_sum(q->c->comm, q->d1, kp * nrhs, q->c->p->timers));
  t0 = ws_timer_now();
  for (int t = 0; t < kp * nrhs; t++)
    q->dx[t] = q->d1[t] - q->h[t];
  cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, kp, nrhs, 1.0, q->R,
              kp, q->dx, kp);
  WS_CALL(qr_apply_q(q, "N"));
  for (int t = 0; t < kp * nrhs; t++)
    q->x[t] += q->dx[t];
  for (int64_t i = 0; i < lld * nrhs; i++)
    q->r[i] += q->C[i];
  ws_timer_add(q->c->p->timers, WS_TIME_COMPUTE, t0);
  return WS_OK;
}

static WsErr qr_alloc(Qr *q) {
  const WsDirectCtx *c = q->c;
  int kp = q->kp, nrhs = q->nrhs, nsum = kp * nrhs + c->q;
  size_t local = (size_t)q->lld * nrhs;
  q->A = ws_memory_calloc((size_t)q->lld * kp, sizeof *q->A);
  q->tau = ws_memory_calloc((size_t)kp, sizeof *q->tau);
  q->D = ws_memory_calloc((size_t)kp, sizeof *q->D);
  q->cr = ws_memory_calloc((size_t)kp, sizeof *q->cr);
  q->R = ws_memory_calloc((size_t)kp * kp, sizeof *q->R);
  q->z = ws_memory_calloc((size_t)kp, sizeof *q->z);
  q->pw = ws_memory_calloc((size_t)c->des->n, sizeof *q->pw);
  q->raw = ws_memory_calloc((size_t)c->des->n_raw, sizeof *q->raw);
  q->tab = ws_memory_calloc((size_t)c->des->n_raw * (c->des->degree + 1), sizeof *q->tab);
  double **kbufs[] = {&q->x, &q->dx, &q->h, &q->d1, &q->gv};
  for (size_t i = 0; i < sizeof kbufs / sizeof *kbufs; i++)
    *kbufs[i] = ws_memory_calloc((size_t)kp * nrhs, sizeof(double));
  q->r = ws_memory_calloc(local, sizeof *q->r);
  q->f = ws_memory_calloc(local, sizeof *q->f);
  q->C = ws_memory_calloc(local, sizeof *q->C);
  q->gdd = ws_memory_calloc((size_t)nsum, sizeof *q->gdd);
  q->all = ws_memory_calloc((size_t)c->size * nsum, sizeof *q->all);
  int ok = q->A && q->tau && q->D && q->cr && q->R && q->z && q->pw && q->tab && q->raw && q->x &&
           q->dx && q->h && q->d1 && q->gv && q->r && q->f && q->C && q->gdd && q->all;
  return ws_comm_agree_alloc(c->comm, ok);
}

/* Collective: PDGEQRF of A and the replicated R, with workspace for it and PDORMQR. */
static WsErr qr_factor(Qr *q) {
  const WsDirectCtx *c = q->c;
  int kp = q->kp, M = (int)q->M, one = 1, info = 0, lwork = -1;
  /* With one process column the local layout does not depend on NB, so NB is free to be
   * the blocking that keeps PDGEQRF in Level-3 BLAS. */
  int nb = kp < WS_QR_NB_MAX ? kp : WS_QR_NB_MAX;
  WS_CALL(
      ws_comm_agree(c->comm, ws_grid_descriptor(q->grid, q->M, kp, q->mb, nb, q->lld, q->desc)));
  WS_CALL(ws_comm_agree(
      c->comm, ws_grid_descriptor(q->grid, q->M, q->nrhs, q->mb, q->nrhs, q->lld, q->descc)));
  double wq[3] = {0.0, 0.0, 0.0};
  int qinfo[3] = {0, 0, 0};
  pdgeqrf_(&M, &kp, q->A, &one, &one, q->desc, q->tau, &wq[0], &lwork, &qinfo[0]);
  pdormqr_("L", "T", &M, &q->nrhs, &kp, q->A, &one, &one, q->desc, q->tau, q->C, &one, &one,
           q->descc, &wq[1], &lwork, &qinfo[1], 1, 1);
  pdormqr_("L", "N", &M, &q->nrhs, &kp, q->A, &one, &one, q->desc, q->tau, q->C, &one, &one,
           q->descc, &wq[2], &lwork, &qinfo[2], 1, 1);
  /* A workspace query that fails reports a bad argument: say which routine refused. */
  static const char *const queried[3] = {"PDGEQRF", "PDORMQR (Q^T)", "PDORMQR (Q)"};
  WsErr local = WS_OK;
  for (int i = 0; i < 3 && !local; i++)
    if (qinfo[i] != 0)
      local = ws_error_set(WS_ERR_RUNTIME, "qr: the workspace query of %s failed (info %d)",
                           queried[i], qinfo[i]);
  WS_CALL(ws_comm_agree(c->comm, local));
  q->lwork = (int)fmax(wq[0], fmax(wq[1], wq[2])) + 1;
  q->work = ws_memory_calloc((size_t)q->lwork, sizeof *q->work);
  WS_CALL(ws_comm_agree_alloc(c->comm, q->work != NULL));
  double t0 = ws_timer_now();
  /* Householder QR of an M x kp matrix: 2 M kp^2 - 2 kp^3 / 3 flops. */
  ws_direct_factor_begin(c, "factor (ScaLAPACK QR)",
                         2.0 * (double)M * kp * kp - 2.0 * (double)kp * kp * kp / 3.0, c->size);
  pdgeqrf_(&M, &kp, q->A, &one, &one, q->desc, q->tau, q->work, &q->lwork, &info);
  ws_progress_done(c->des->progress);
  ws_timer_add(c->p->timers, WS_TIME_COMPUTE, t0);
  WS_CALL(ws_comm_agree(
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
WsErr ws_solver_qr_fit(const WsDirectCtx *c, WsFit *fit) {
  WsProblem *p = c->p;
  Qr q = {.c = c};
  q.sq = c->stack;
  q.nrhs = c->nrhs;
  q.off = p->intercept ? q.sq : 0;
  q.kp = c->k + q.off;
  q.mb = c->des->part.block * q.sq;
  q.M = c->m * q.sq + (p->ridge > 0.0 ? c->k : 0);
  q.mloc = ws_grid_local_count(q.M, q.mb, c->rank, c->size);
  q.lld = q.mloc > 1 ? q.mloc : 1;
  int kp = q.kp, off = q.off, nrhs = q.nrhs;
  WsErr err = ws_comm_agree(c->comm, ws_grid_create(c->comm, c->size, 1, &q.grid));
  if (!err) err = qr_alloc(&q);
  if (err) goto done;
  for (int t = 0; t < kp; t++) {
    q.D[t] = 1.0;
    q.cr[t] = t < off ? 0.0 : sqrt((double)c->m * p->ridge * ws_direct_column_norm2(c, t - off));
  }
  err = qr_build(&q);
  if (!err) err = qr_factor(&q);
  if (err) goto done;
  memset(q.gv, 0, (size_t)kp * nrhs * sizeof *q.gv); /* held the column norms */

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
      local = ws_direct_deficient(c, "qr", t - off, why, 1);
    }
  }
  err = ws_comm_agree(c->comm, local);
  if (err) goto done;

  fit->rss = ws_memory_calloc((size_t)c->q, sizeof *fit->rss);
  err = ws_comm_agree_alloc(c->comm, fit->rss != NULL);
  if (err) goto done;
  q.rss = fit->rss;
  /* Start from x = 0, r = 0: the first correction is the plain QR solution and its
   * residual Q [0; d2]; later ones use double-double residuals of the current pair. */
  double prev = INFINITY;
  for (int64_t li = 0; li < c->des->part.count; li++)
    for (int s = 0; s < q.sq; s++)
      for (int rr = 0; rr < nrhs; rr++)
        q.f[li * q.sq + s + rr * q.lld] = qr_target(&q, li, s, rr);
  for (int step = 0;; step++) {
    err = qr_correct(&q);
    if (err) goto done;
    /* Converged when every component moved by at most its rounding level (or the whole
     * correction is below REFINE_TOL): further steps only flip last bits. */
    double nx = cblas_dnrm2(kp * nrhs, q.x, 1), ndx = cblas_dnrm2(kp * nrhs, q.dx, 1);
    int stop = ndx <= REFINE_TOL * nx || step + 1 >= QR_MAX_STEPS || (step >= 3 && ndx >= prev);
    int settled = 1;
    for (int t = 0; t < kp * nrhs; t++)
      settled &= fabs(q.dx[t]) <= DBL_EPSILON * fabs(q.x[t]);
    stop |= settled;
    err = qr_residuals(&q);
    if (err) goto done;
    /* x is replicated bit for bit, but a rank leaving the loop alone would hang the others. */
    WS_MPI(MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, c->comm));
    if (stop) break; /* the pass just made gives the RSS at the final x */
    prev = ndx;
  }

  fit->off = off;
  fit->kp = kp;
  fit->nrhs = nrhs;
  fit->v = ws_memory_calloc((size_t)kp * nrhs, sizeof *fit->v);
  fit->lam = ws_memory_calloc((size_t)kp, sizeof *fit->lam);
  fit->Ginv = ws_memory_calloc((size_t)kp * kp, sizeof *fit->Ginv);
  err = ws_comm_agree_alloc(c->comm, fit->v && fit->lam && fit->Ginv);
  if (err) goto done;
  for (int t = 0; t < kp; t++) {
    for (int rr = 0; rr < nrhs; rr++)
      fit->v[(int64_t)t * nrhs + rr] = q.D[t] * q.x[t + (int64_t)rr * kp];
    fit->lam[t] = t < off ? 0.0 : (double)c->m * p->ridge * ws_direct_column_norm2(c, t - off);
  }
  /* R^T R = D G D, so DPOTRI on R gives (D G D)^-1; undo the scaling. */
  memcpy(fit->Ginv, q.R, (size_t)kp * kp * sizeof *q.R);
  lapack_int info = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'U', kp, fit->Ginv, kp);
  err = ws_comm_agree(
      c->comm, info == 0
                   ? WS_OK
                   : ws_error_set(WS_ERR_RUNTIME, "qr: LAPACK dpotri failed (info %d)", (int)info));
  if (err) goto done;
  for (int j = 0; j < kp; j++)
    for (int i = 0; i <= j; i++) {
      double v = fit->Ginv[i + (int64_t)j * kp] * q.D[i] * q.D[j];
      fit->Ginv[i + (int64_t)j * kp] = fit->Ginv[j + (int64_t)i * kp] = v;
    }
done:
  qr_free(&q);
  return err;
}

static WsErr qr_fit(const WsDirectCtx *c, WsSolver *s, WsFit *fit, WsSolution *sol) {
  (void)s;
  (void)sol;
  return ws_solver_qr_fit(c, fit);
}

static WsErr qr_solve(WsSolver *s, WsSolution *sol) {
  return ws_direct_solve(s, "qr", qr_fit, sol);
}

const WsSolverOps ws_solver_qr_ops = {
    .name = "qr",
    .needs_projector = 1,
    .solve = qr_solve,
};
