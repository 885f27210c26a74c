/* qr: ScaLAPACK PDGEQRF of the tied design Zq = [1, X S] (uncentred, columns scaled by
 * powers of two) on a P x 1 grid whose row blocks are the row partition, then Bjorck's
 * refinement of the augmented system [I Zq; Zq^T 0][r; x] = [y; 0] with residuals,
 * Zq^T r and polynomial powers in double-double (README "Solvers", accuracy of qr). */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"
#include "wshare/ddouble.h"
#include "wshare/grid.h"
#include "wshare/kernels.h"
#include "wshare/reduce.h"

enum { QR_NB_MAX = 64, QR_MAX_STEPS = 10 };
/* Refinement stops when a correction no longer moves the solution in double. */
static const double REFINE_TOL = 1e-17;

typedef struct {
  const WsDirectCtx *c;
  WsGrid *grid;
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
  const char *src =
      (const char *)des->X + (size_t)i * n_raw * (f32 ? sizeof(float) : sizeof(double));
  ws_kernels_to_f64(n_raw, src, f32, q->raw);
  for (int j = 0; j < n_raw; j++)
    ws_ddouble_powers(q->raw[j], deg, q->pw + (size_t)j * deg);
  WsDD *z = q->z;
  if (off) z[0] = ws_ddouble_from(1.0);
  if (sh->kind == WS_SHARING_NONE) {
    memcpy(z + off, q->pw, (size_t)n * sizeof *z);
  } else if (sh->kind == WS_SHARING_GROUPS) {
    for (int t = 0; t < k; t++)
      z[off + t] = ws_ddouble_from(0.0);
    for (int j = 0; j < n; j++)
      z[off + sh->tied_of[j]] = ws_ddouble_add(z[off + sh->tied_of[j]], q->pw[j]);
  } else {
    for (int t = 0; t < k; t++) {
      WsDD s = ws_ddouble_from(0.0);
      for (int j = 0; j < n; j++)
        s = ws_ddouble_add(s, ws_ddouble_mul_d(q->pw[j], sh->basis[(size_t)j * k + t]));
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
  const WsDirectCtx *c = q->c;
  int kp = q->kp, off = q->off;
  int64_t count = c->des->part.count;
  double t0 = ws_timer_now();
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

/* Collective: f = y - r - Zq x (local rows), gv = -Zq^T r and *rss = |y - Zq x|^2 over the
 * data rows, all evaluated in double-double; the per-rank partial sums are combined in rank
 * order so every rank gets the same bits. */
static WsErr qr_residuals(Qr *q, double *rss) {
  const WsDirectCtx *c = q->c;
  int kp = q->kp, off = q->off;
  int64_t count = c->des->part.count;
  double t0 = ws_timer_now();
  for (int t = 0; t <= kp; t++)
    q->gdd[t] = ws_ddouble_from(0.0);
  for (int64_t li = 0; li < count; li++) {
    qr_tied_row(q, li);
    WsDD s = ws_ddouble_from(c->des->y[li]);
    for (int t = 0; t < kp; t++)
      s = ws_ddouble_add(s, ws_ddouble_neg(ws_ddouble_mul_d(q->z[t], q->x[t])));
    q->gdd[kp] = ws_ddouble_add(q->gdd[kp], ws_ddouble_mul(s, s));
    q->f[li] = ws_ddouble_add_d(s, -q->r[li]).hi;
    for (int t = 0; t < kp; t++)
      q->gdd[t] = ws_ddouble_add(q->gdd[t], ws_ddouble_mul_d(q->z[t], -q->r[li]));
  }
  for (int64_t li = count; li < q->mloc; li++) {
    int t = off + (int)(qr_global_row(q, li) - c->m);
    WsDD s = ws_ddouble_neg(ws_ddouble_two_prod(q->cr[t], q->x[t]));
    q->f[li] = ws_ddouble_add_d(s, -q->r[li]).hi;
    q->gdd[t] = ws_ddouble_add(q->gdd[t], ws_ddouble_two_prod(q->cr[t], -q->r[li]));
  }
  t0 = ws_timer_add(c->p->timers, WS_TIME_COMPUTE, t0);
  WS_MPI(
      MPI_Allgather(q->gdd, 2 * (kp + 1), MPI_DOUBLE, q->all, 2 * (kp + 1), MPI_DOUBLE, c->comm));
  ws_timer_add(c->p->timers, WS_TIME_ALLREDUCE, t0);
  for (int t = 0; t <= kp; t++) {
    WsDD s = ws_ddouble_from(0.0);
    for (int r = 0; r < c->size; r++)
      s = ws_ddouble_add(s, q->all[(size_t)r * (kp + 1) + t]);
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
  return ws_comm_agree(
      q->c->comm,
      info == 0 ? WS_OK : ws_error_set(WS_ERR_RUNTIME, "qr: PDORMQR failed (info %d)", info));
}

/* Collective: one correction of the augmented system with residuals f, g = gv:
 * h = R^-T g, d = Q^T f, dx = R^-1 (d1 - h), dr = Q [h; d2]. */
static WsErr qr_correct(Qr *q) {
  int kp = q->kp;
  double t0 = ws_timer_now();
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
  t0 = ws_timer_now();
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
  const WsDirectCtx *c = q->c;
  int kp = q->kp;
  size_t mloc = (size_t)(q->mloc > 0 ? q->mloc : 1);
  q->A = ws_memory_calloc((size_t)q->lld * kp, sizeof *q->A);
  q->tau = ws_memory_calloc((size_t)kp, sizeof *q->tau);
  q->D = ws_memory_calloc((size_t)kp, sizeof *q->D);
  q->cr = ws_memory_calloc((size_t)kp, sizeof *q->cr);
  q->R = ws_memory_calloc((size_t)kp * kp, sizeof *q->R);
  q->z = ws_memory_calloc((size_t)kp, sizeof *q->z);
  q->pw = ws_memory_calloc((size_t)c->des->n, sizeof *q->pw);
  q->raw = ws_memory_calloc((size_t)c->des->n_raw, sizeof *q->raw);
  double **kbufs[] = {&q->x, &q->dx, &q->h, &q->d1, &q->gv};
  for (size_t i = 0; i < sizeof kbufs / sizeof *kbufs; i++)
    *kbufs[i] = ws_memory_calloc((size_t)kp, sizeof(double));
  q->r = ws_memory_calloc(mloc, sizeof *q->r);
  q->f = ws_memory_calloc(mloc, sizeof *q->f);
  q->C = ws_memory_calloc(mloc, sizeof *q->C);
  q->gdd = ws_memory_calloc((size_t)kp + 1, sizeof *q->gdd);
  q->all = ws_memory_calloc((size_t)c->size * (kp + 1), sizeof *q->all);
  int ok = q->A && q->tau && q->D && q->cr && q->R && q->z && q->pw && q->raw && q->x && q->dx &&
           q->h && q->d1 && q->gv && q->r && q->f && q->C && q->gdd && q->all;
  return ws_comm_agree_alloc(c->comm, ok);
}

/* Collective: PDGEQRF of A and the replicated R, with workspace for it and PDORMQR. */
static WsErr qr_factor(Qr *q) {
  const WsDirectCtx *c = q->c;
  int kp = q->kp, M = (int)q->M, one = 1, info = 0, lwork = -1;
  /* With one process column the local layout does not depend on NB, so NB is free to be
   * the blocking that keeps PDGEQRF in Level-3 BLAS. */
  int nb = kp < QR_NB_MAX ? kp : QR_NB_MAX;
  WS_CALL(
      ws_comm_agree(c->comm, ws_grid_descriptor(q->grid, q->M, kp, q->mb, nb, q->lld, q->desc)));
  WS_CALL(ws_comm_agree(c->comm, ws_grid_descriptor(q->grid, q->M, 1, q->mb, 1, q->lld, q->descc)));
  double wq[3] = {0.0, 0.0, 0.0};
  int qinfo[3] = {0, 0, 0};
  pdgeqrf_(&M, &kp, q->A, &one, &one, q->desc, q->tau, &wq[0], &lwork, &qinfo[0]);
  pdormqr_("L", "T", &M, &one, &kp, q->A, &one, &one, q->desc, q->tau, q->C, &one, &one, q->descc,
           &wq[1], &lwork, &qinfo[1], 1, 1);
  pdormqr_("L", "N", &M, &one, &kp, q->A, &one, &one, q->desc, q->tau, q->C, &one, &one, q->descc,
           &wq[2], &lwork, &qinfo[2], 1, 1);
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
  pdgeqrf_(&M, &kp, q->A, &one, &one, q->desc, q->tau, q->work, &q->lwork, &info);
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
  q.off = p->intercept ? 1 : 0;
  q.kp = c->k + q.off;
  q.mb = c->des->part.block;
  q.M = c->m + (p->ridge > 0.0 ? c->k : 0);
  q.mloc = ws_grid_local_count(q.M, q.mb, c->rank, c->size);
  q.lld = q.mloc > 1 ? q.mloc : 1;
  int kp = q.kp, off = q.off;
  WsErr err = ws_comm_agree(c->comm, ws_grid_create(c->comm, c->size, 1, &q.grid));
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
      local = ws_direct_deficient(c, "qr", t - off, why, 1);
    }
  }
  err = ws_comm_agree(c->comm, local);
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
  fit->v = ws_memory_calloc((size_t)kp, sizeof *fit->v);
  fit->lam = ws_memory_calloc((size_t)kp, sizeof *fit->lam);
  fit->Ginv = ws_memory_calloc((size_t)kp * kp, sizeof *fit->Ginv);
  err = ws_comm_agree_alloc(c->comm, fit->v && fit->lam && fit->Ginv);
  if (err) goto done;
  for (int t = 0; t < kp; t++) {
    fit->v[t] = q.D[t] * q.x[t];
    fit->lam[t] = t < off ? 0.0 : (double)c->m * p->ridge * ws_sharing_basis_norm2(c->sh, t - off);
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
