#include "wshare/gram.h"

#include <stdlib.h>
#include <string.h>

#include "wshare/kernels.h"
#include "wshare/pass_sum.h"

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

/* A Gram pass: the problem, its scratch and the Gram matrix being formed (k x k, the upper
 * triangle used); a pass adds its packed upper triangle and then its right-hand sides. */
typedef struct {
  const WsProblem *p;
  int64_t slab;
  double *raw, *tied, *yc, *G, *gm;
} GramPass;

/* out[j (j + 1) / 2 + i] += G[i + j k] for i <= j: the upper triangle, packed by columns. */
static void pack_add(int k, const double *G, double *out) {
  int64_t pos = 0;
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i <= j; i++)
      out[pos++] += G[i + j * k];
}

/* G (k x k, full) from its packed upper triangle. */
static void unpack(int k, const double *packed, double *G) {
  int64_t pos = 0;
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i <= j; i++, pos++)
      G[i + j * k] = G[j + i * k] = packed[pos];
}

/* Local rows [i0, i0 + rows), per-output ties: upper triangle of Z~^T Z~ and Z~^T (Y - ybar)
 * (k1 x q, column-major) added to out.  A pass of wshare/pass_sum.h. */
static void accumulate_tied(void *ctx, int64_t i0, int64_t rows, double *out) {
  const GramPass *g = ctx;
  const WsProblem *p = g->p;
  int k = p->sharing->k1, q = p->q;
  int64_t packed = (int64_t)k * (k + 1) / 2;
  memset(g->G, 0, (size_t)k * k * sizeof *g->G);
  for (int64_t s0 = i0; s0 < i0 + rows; s0 += g->slab) {
    int64_t slab = i0 + rows - s0 < g->slab ? i0 + rows - s0 : g->slab;
    ws_problem_tied_rows(p, s0, slab, g->raw, g->tied);
    centred_targets(p->design, s0, slab, g->yc);
    ws_kernels_gram_accumulate(slab, k, q, g->tied, g->yc, g->G, out + packed);
    ws_progress_update(p->design->progress, (double)(s0 + slab) / (double)p->design->part.count,
                       NULL);
  }
  pack_add(k, g->G, out);
}

/* Local rows [i0, i0 + rows), ties across outputs: upper triangle of X~^T X~ (n x n) and the
 * right-hand side ZY (K: per member, the sum of (y_io - ybar_o) x~_ij over rows, summed into
 * its tied column) added to out.  A pass of wshare/pass_sum.h. */
static void accumulate_raw(void *ctx, int64_t i0, int64_t rows, double *out) {
  const GramPass *g = ctx;
  const WsProblem *p = g->p;
  const WsDesign *des = p->design;
  const WsSharing *sh = p->sharing;
  int n = des->n;
  int64_t packed = (int64_t)n * (n + 1) / 2;
  memset(g->G, 0, (size_t)n * n * sizeof *g->G);
  memset(g->gm, 0, (size_t)sh->nnz * sizeof *g->gm);
  for (int64_t s0 = i0; s0 < i0 + rows; s0 += g->slab) {
    int64_t slab = i0 + rows - s0 < g->slab ? i0 + rows - s0 : g->slab;
    double *raw = g->raw;
    ws_design_rows(des, s0, slab, raw);
    if (des->centred)
      for (int64_t i = 0; i < slab; i++)
        for (int j = 0; j < n; j++)
          raw[i * n + j] -= des->mean[j];
    centred_targets(des, s0, slab, g->yc);
    ws_kernels_gram_accumulate(slab, n, 1, raw, NULL, g->G, NULL);
    ws_kernels_members_accumulate(slab, n, p->q, raw, g->yc, sh->member_start, sh->member_input,
                                  g->gm);
    ws_progress_update(des->progress, (double)(s0 + slab) / (double)des->part.count, NULL);
  }
  pack_add(n, g->G, out);
  for (int e = 0; e < sh->nnz; e++)
    out[packed + sh->member_tied[e]] += g->gm[e];
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
  int64_t slab = ws_gram_slab_limit(width);
  if (slab > des->part.count) slab = des->part.count > 0 ? des->part.count : 1;
  return slab;
}

/* Collective: the pass over all rows, its sums (the packed upper triangle of the order-dim
 * matrix, then rhs right-hand-side values) reduced over ranks, the matrix unpacked into
 * g->G and the right-hand sides copied to ZY. */
static WsErr gram_pass(GramPass *g, WsPassSumFn pass, int dim, int64_t rhs, double *ZY) {
  const WsProblem *p = g->p;
  int64_t packed = (int64_t)dim * (dim + 1) / 2;
  double *sums = ws_memory_calloc((size_t)(packed + rhs), sizeof *sums);
  WS_CALL(ws_comm_agree_alloc(p->comm, sums != NULL));
  ws_progress_begin(p->design->progress, "Gram pass");
  WsErr err =
      ws_pass_sum_run(p->design, p->comm, pass, g, packed + rhs, sums, WS_TIME_COMPUTE, p->timers);
  ws_progress_done(p->design->progress);
  if (!err) {
    unpack(dim, sums, g->G);
    memcpy(ZY, sums + packed, (size_t)rhs * sizeof *ZY);
  }
  free(sums);
  return err;
}

static WsErr gram_tied(WsProblem *p, double *G, double *ZY) {
  const WsDesign *des = p->design;
  int k = p->sharing->k1, n = des->n, q = p->q;
  int64_t slab = slab_rows(des, n > k ? n : k);
  GramPass g = {p,
                slab,
                ws_memory_calloc((size_t)(slab * n), sizeof(double)),
                ws_memory_calloc((size_t)(slab * k), sizeof(double)),
                ws_memory_calloc((size_t)(slab * q), sizeof(double)),
                G,
                NULL};
  WsErr err = ws_comm_agree_alloc(p->comm, g.raw && g.tied && g.yc);
  if (!err) err = gram_pass(&g, accumulate_tied, k, (int64_t)k * q, ZY);
  free(g.raw);
  free(g.tied);
  free(g.yc);
  return err;
}

static WsErr gram_members(WsProblem *p, double *G, double *ZY) {
  const WsDesign *des = p->design;
  const WsSharing *sh = p->sharing;
  int k = sh->k, n = des->n, q = p->q;
  int64_t slab = slab_rows(des, n);
  GramPass g = {p,
                slab,
                ws_memory_calloc((size_t)(slab * n), sizeof(double)),
                NULL,
                ws_memory_calloc((size_t)(slab * q), sizeof(double)),
                ws_memory_calloc((size_t)n * n, sizeof(double)),
                ws_memory_calloc((size_t)(sh->nnz > 0 ? sh->nnz : 1), sizeof(double))};
  WsErr err = ws_comm_agree_alloc(p->comm, g.raw && g.yc && g.G && g.gm);
  if (!err) err = gram_pass(&g, accumulate_raw, n, k, ZY);
  if (!err) {
    double t0 = ws_timer_now();
    memset(G, 0, (size_t)k * k * sizeof *G);
    assemble(sh, g.G, G);
    ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
  }
  free(g.raw);
  free(g.yc);
  free(g.G);
  free(g.gm);
  return err;
}

WsErr ws_gram_compute(WsProblem *p, double *G, double *ZY) {
  return p->sharing->per_output ? gram_tied(p, G, ZY) : gram_members(p, G, ZY);
}
