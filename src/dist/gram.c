#include "wshare/gram.h"

#include <stdlib.h>
#include <string.h>

#include "wshare/kernels.h"
#include "wshare/reduce.h"

/* Slabs of about 32 MiB of expanded rows: each DSYRK then does enough work per sweep over
 * G, and the scratch stays small. */
enum { GRAM_SLAB_DOUBLES = 1 << 22, GRAM_SLAB_MIN = 64, GRAM_SLAB_MAX = 4096 };

void ws_gram_shape(const WsProblem *p, int *kg, int *nrhs) {
  const WsSharing *sh = p->sharing;
  *kg = sh->per_output ? sh->k1 : sh->k;
  *nrhs = sh->per_output ? p->q : 1;
}

/* Rows i0 .. i0 + rows - 1 of Y - ybar (ybar only with centred columns) into yc. */
static void centred_targets(const WsDesign *des, int64_t i0, int64_t rows, double *yc) {
  int q = des->q;
  double m = (double)des->part.rows;
  for (int64_t i = 0; i < rows; i++)
    for (int o = 0; o < q; o++)
      yc[i * q + o] = des->y[(i0 + i) * q + o] - (des->centred ? des->y_sum[o] / m : 0.0);
}

/* Local pass, per-output ties: upper triangle of Z~^T Z~ and Z~^T (Y - ybar). */
static void accumulate_tied(const WsProblem *p, int64_t slab, double *raw, double *tied, double *yc,
                            double *G, double *ZY) {
  const WsDesign *des = p->design;
  for (int64_t i0 = 0; i0 < des->part.count; i0 += slab) {
    int64_t rows = des->part.count - i0 < slab ? des->part.count - i0 : slab;
    ws_problem_tied_rows(p, i0, rows, raw, tied);
    centred_targets(des, i0, rows, yc);
    ws_kernels_gram_accumulate(rows, p->sharing->k1, p->q, tied, yc, G, ZY);
    ws_progress_update(des->progress, (double)(i0 + rows) / (double)des->part.count, NULL);
  }
}

/* Local pass, ties across outputs: upper triangle of X~^T X~ (n x n) and, per member, the
 * sum of (y_io - ybar_o) x~_ij over rows (gm, nnz). */
static void accumulate_raw(const WsProblem *p, int64_t slab, double *raw, double *yc, double *XtX,
                           double *gm) {
  const WsDesign *des = p->design;
  const WsSharing *sh = p->sharing;
  int n = des->n;
  for (int64_t i0 = 0; i0 < des->part.count; i0 += slab) {
    int64_t rows = des->part.count - i0 < slab ? des->part.count - i0 : slab;
    ws_design_rows(des, i0, rows, raw);
    if (des->centred)
      for (int64_t i = 0; i < rows; i++)
        for (int j = 0; j < n; j++)
          raw[i * n + j] -= des->mean[j];
    centred_targets(des, i0, rows, yc);
    ws_kernels_gram_accumulate(rows, n, 1, raw, NULL, XtX, NULL);
    ws_kernels_members_accumulate(rows, n, p->q, raw, yc, sh->member_start, sh->member_input, gm);
    ws_progress_update(des->progress, (double)(i0 + rows) / (double)des->part.count, NULL);
  }
}

/* Collective: sums the upper triangle of the k x k matrix G over ranks, sent packed in place
 * (packed index j (j + 1) / 2 + i never exceeds i + j k, so a forward sweep reads every
 * entry before overwriting it, and the backward sweep undoes it); then G is made full. */
static WsErr reduce_symmetric(const WsProblem *p, int k, double *G) {
  int64_t pos = 0;
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i <= j; i++)
      G[pos++] = G[i + j * k];
  WS_CALL(ws_reduce_sum(p->comm, G, (int)pos, p->timers));
  for (int64_t j = k - 1; j >= 0; j--)
    for (int64_t i = j; i >= 0; i--)
      G[i + j * k] = G[--pos];
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = j + 1; i < k; i++)
      G[i + j * k] = G[j + i * k];
  return WS_OK;
}

/* Local: G = sum_o S_o^T XtX S_o over the member lists (sum_o nnz_o^2 additions). */
static void assemble(const WsSharing *sh, const double *XtX, double *G) {
  int n = sh->n, k = sh->k;
  const int *start = sh->member_start, *in = sh->member_input, *tied = sh->member_tied;
  for (int o = 0; o < sh->q; o++)
    for (int a = start[o]; a < start[o + 1]; a++)
      for (int b = start[o]; b < start[o + 1]; b++)
        G[tied[a] + (int64_t)tied[b] * k] += XtX[in[a] + (int64_t)in[b] * n];
}

static int64_t slab_rows(const WsDesign *des, int width) {
  int64_t slab = GRAM_SLAB_DOUBLES / (width > 0 ? width : 1);
  slab = slab < GRAM_SLAB_MIN ? GRAM_SLAB_MIN : slab > GRAM_SLAB_MAX ? GRAM_SLAB_MAX : slab;
  if (slab > des->part.count) slab = des->part.count > 0 ? des->part.count : 1;
  return slab;
}

static WsErr gram_tied(WsProblem *p, double *G, double *ZY) {
  const WsDesign *des = p->design;
  int k = p->sharing->k1, n = des->n, q = p->q;
  int64_t slab = slab_rows(des, n > k ? n : k);
  double *raw = ws_memory_calloc((size_t)(slab * n), sizeof *raw);
  double *tied = ws_memory_calloc((size_t)(slab * k), sizeof *tied);
  double *yc = ws_memory_calloc((size_t)(slab * q), sizeof *yc);
  WsErr err = ws_comm_agree_alloc(p->comm, raw && tied && yc);
  if (!err) {
    memset(G, 0, (size_t)k * k * sizeof *G);
    memset(ZY, 0, (size_t)k * q * sizeof *ZY);
    double t0 = ws_timer_now();
    ws_progress_begin(des->progress, "Gram pass");
    accumulate_tied(p, slab, raw, tied, yc, G, ZY);
    ws_progress_done(des->progress);
    ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
    err = reduce_symmetric(p, k, G);
  }
  if (!err) err = ws_reduce_sum(p->comm, ZY, k * q, p->timers);
  free(raw);
  free(tied);
  free(yc);
  return err;
}

static WsErr gram_members(WsProblem *p, double *G, double *ZY) {
  const WsDesign *des = p->design;
  const WsSharing *sh = p->sharing;
  int k = sh->k, n = des->n, q = p->q;
  int64_t slab = slab_rows(des, n);
  double *raw = ws_memory_calloc((size_t)(slab * n), sizeof *raw);
  double *yc = ws_memory_calloc((size_t)(slab * q), sizeof *yc);
  double *XtX = ws_memory_calloc((size_t)n * n, sizeof *XtX);
  double *gm = ws_memory_calloc((size_t)(sh->nnz > 0 ? sh->nnz : 1), sizeof *gm);
  WsErr err = ws_comm_agree_alloc(p->comm, raw && yc && XtX && gm);
  if (!err) {
    double t0 = ws_timer_now();
    ws_progress_begin(des->progress, "Gram pass");
    accumulate_raw(p, slab, raw, yc, XtX, gm);
    ws_progress_done(des->progress);
    memset(ZY, 0, (size_t)k * sizeof *ZY);
    for (int e = 0; e < sh->nnz; e++)
      ZY[sh->member_tied[e]] += gm[e];
    ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
    err = reduce_symmetric(p, n, XtX);
  }
  if (!err) err = ws_reduce_sum(p->comm, ZY, k, p->timers);
  if (!err) {
    double t0 = ws_timer_now();
    memset(G, 0, (size_t)k * k * sizeof *G);
    assemble(sh, XtX, G);
    ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
  }
  free(raw);
  free(yc);
  free(XtX);
  free(gm);
  return err;
}

WsErr ws_gram_compute(WsProblem *p, double *G, double *ZY) {
  return p->sharing->per_output ? gram_tied(p, G, ZY) : gram_members(p, G, ZY);
}
