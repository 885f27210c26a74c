#include "wshare/gram.h"

#include <stdlib.h>
#include <string.h>

#include "wshare/kernels.h"
#include "wshare/reduce.h"

/* Slabs of about 32 MiB of expanded rows: each DSYRK then does enough work per sweep over
 * G, and the scratch stays small. */
enum { GRAM_SLAB_DOUBLES = 1 << 22, GRAM_SLAB_MIN = 64, GRAM_SLAB_MAX = 4096 };

/* Local pass: upper triangle of Z~^T Z~ and Z~^T (y - ybar) over this rank's rows. */
static void accumulate(const WsProblem *p, int64_t slab, double *raw, double *tied, double *yc,
                       double *G, double *zy) {
  const WsDesign *des = p->design;
  double ybar = des->centred ? des->y_sum / (double)des->part.rows : 0.0;
  for (int64_t i0 = 0; i0 < des->part.count; i0 += slab) {
    int64_t rows = des->part.count - i0 < slab ? des->part.count - i0 : slab;
    ws_problem_tied_rows(p, i0, rows, raw, tied);
    for (int64_t i = 0; i < rows; i++)
      yc[i] = des->y[i0 + i] - ybar;
    ws_kernels_gram_accumulate(rows, p->sharing->k, tied, yc, G, zy);
  }
}

/* Collective: sums G and zy over ranks.  Only the upper triangle is sent, packed in place
 * (packed index j (j + 1) / 2 + i never exceeds i + j k, so a forward sweep reads every
 * entry before overwriting it, and the backward sweep undoes it); then G is made full. */
static WsErr reduce(const WsProblem *p, double *G, double *zy) {
  int k = p->sharing->k;
  int64_t pos = 0;
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i <= j; i++)
      G[pos++] = G[i + j * k];
  WS_CALL(ws_reduce_sum(p->comm, G, (int)pos, p->timers));
  WS_CALL(ws_reduce_sum(p->comm, zy, k, p->timers));
  for (int64_t j = k - 1; j >= 0; j--)
    for (int64_t i = j; i >= 0; i--)
      G[i + j * k] = G[--pos];
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = j + 1; i < k; i++)
      G[i + j * k] = G[j + i * k];
  return WS_OK;
}

WsErr ws_gram_compute(WsProblem *p, double *G, double *zy) {
  const WsDesign *des = p->design;
  int k = p->sharing->k, n = des->n;
  int64_t slab = GRAM_SLAB_DOUBLES / (n > k ? n : k);
  slab = slab < GRAM_SLAB_MIN ? GRAM_SLAB_MIN : slab > GRAM_SLAB_MAX ? GRAM_SLAB_MAX : slab;
  if (slab > des->part.count) slab = des->part.count > 0 ? des->part.count : 1;
  double *raw = ws_memory_calloc((size_t)(slab * n), sizeof *raw);
  double *tied = ws_memory_calloc((size_t)(slab * k), sizeof *tied);
  double *yc = ws_memory_calloc((size_t)slab, sizeof *yc);
  WsErr err = ws_comm_agree_alloc(p->comm, raw && tied && yc);
  if (!err) {
    memset(G, 0, (size_t)k * k * sizeof *G);
    memset(zy, 0, (size_t)k * sizeof *zy);
    double t0 = ws_timer_now();
    accumulate(p, slab, raw, tied, yc, G, zy);
    ws_timer_add(p->timers, WS_TIME_COMPUTE, t0);
    err = reduce(p, G, zy);
  }
  free(raw);
  free(tied);
  free(yc);
  return err;
}
