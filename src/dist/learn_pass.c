#include "wshare/learn_pass.h"

#include <stdlib.h>
#include <string.h>

#include "wshare/kernels.h"
#include "wshare/multi_residual.h"
#include "wshare/pass_sum.h"

/* Slabs of about 32 MiB of expanded rows, as in the tied Gram pass. */
enum { SLAB_DOUBLES = 1 << 22, SLAB_MIN = 64, SLAB_MAX = 4096 };

static int64_t slab_rows(const WsDesign *des, int width) {
  int64_t slab = SLAB_DOUBLES / (width > 0 ? width : 1);
  slab = slab < SLAB_MIN ? SLAB_MIN : slab > SLAB_MAX ? SLAB_MAX : slab;
  if (slab > des->part.count) slab = des->part.count > 0 ? des->part.count : 1;
  return slab;
}

static double y_offset(const WsDesign *des) {
  return des->centred ? des->y_sum[0] / (double)des->part.rows : 0.0;
}

/* Sums buf over the ranks (the pass over the rows, wshare/pass_sum.h), then gives every rank
 * rank 0's bits. */
static WsErr reduce_same(const WsDesign *des, MPI_Comm comm, WsPassSumFn pass, void *ctx,
                         double *buf, int64_t count, WsTimers *timers) {
  WS_CHECK(count <= 0x7fffffff, WS_ERR_INPUT,
           "learn: %lld values are too many for one reduction (fewer columns, please)",
           (long long)count);
  WS_CALL(ws_pass_sum_run(des, comm, pass, ctx, count, buf, WS_TIME_COMPUTE, timers));
  double t0 = ws_timer_now();
  WS_MPI(MPI_Bcast(buf, (int)count, MPI_DOUBLE, 0, comm));
  ws_timer_add(timers, WS_TIME_ALLREDUCE, t0);
  return WS_OK;
}

/* The merged, centred row of expanded row x (n values) into z (k values). */
static void merged_row(const WsDesign *des, const int *map, int k, const double *x, double *z) {
  memset(z, 0, (size_t)k * sizeof *z);
  for (int j = 0; j < des->n; j++)
    if (map[j] >= 0) z[map[j]] += des->centred ? x[j] - des->mean[j] : x[j];
}

typedef struct {
  double *raw, *tied[2], *yc[2];
} GramScratch;

static void accumulate_set(WsLearnGram *g, int s, int64_t count, const GramScratch *w) {
  int dim = g->dim;
  const double *z = w->tied[s], *yc = w->yc[s];
  double *G = g->G + (int64_t)s * (g->diag_only ? dim : (int64_t)dim * dim), *b = g->b + s * dim;
  if (!g->diag_only) {
    ws_kernels_gram_accumulate(count, dim, 1, z, yc, G, b);
  } else {
    for (int64_t i = 0; i < count; i++)
      for (int c = 0; c < dim; c++) {
        G[c] += z[i * dim + c] * z[i * dim + c];
        b[c] += z[i * dim + c] * yc[i];
      }
  }
  for (int64_t i = 0; i < count; i++)
    g->yy[s] += yc[i] * yc[i];
  g->rows[s] += (double)count;
}

/* Every weight its own column, of stored float64 rows without powers: the rows are Z. */
static int is_identity(const WsDesign *des, const int *map, int k) {
  if (k != des->n || !ws_features_identity(des->features) || des->dtype != WS_DTYPE_F64) return 0;
  for (int j = 0; j < des->n; j++)
    if (map[j] != j) return 0;
  return 1;
}

/* A learn Gram pass: its inputs, scratch and the blocks being formed. */
typedef struct {
  const WsDesign *des;
  const int *map;
  int64_t slab;
  int ones, split;
  const GramScratch *w;
  WsLearnGram *g;
} LearnGramPass;

static int64_t gram_pack(WsLearnGram *g, double *buf, int unpack);

/* Local rows [i0, i0 + rows) into the blocks of g (from zero), then added to out packed.  A
 * pass of wshare/pass_sum.h.  (The reproducible mode takes the copying route: slabs cut at
 * the runs of mapped rows would depend on where a rank's rows start.) */
static void gram_local(void *ctx, int64_t i0, int64_t rows_in, double *out) {
  const LearnGramPass *lp = ctx;
  const WsDesign *des = lp->des;
  const int *map = lp->map;
  const GramScratch *w = lp->w;
  WsLearnGram *g = lp->g;
  int ones = lp->ones, split = lp->split;
  int n = des->n, dim = g->dim, identity = !des->reproducible && is_identity(des, map, g->k);
  int64_t block = g->diag_only ? dim : (int64_t)dim * dim;
  memset(g->G, 0, (size_t)(g->sets * block) * sizeof *g->G);
  memset(g->b, 0, (size_t)(g->sets * dim) * sizeof *g->b);
  g->yy[0] = g->yy[1] = g->rows[0] = g->rows[1] = 0.0;
  /* Nothing to centre, append or split: DSYRK reads the rows where they are. */
  int direct = identity && !des->centred && !ones && !split && !g->diag_only;
  int64_t end = i0 + rows_in;
  for (int64_t rows = 0; i0 < end; i0 += rows) {
    int64_t count[2] = {0, 0}, avail = 0;
    ws_progress_update(des->progress, (double)i0 / (double)des->part.count, NULL);
    rows = end - i0 < lp->slab ? end - i0 : lp->slab;
    /* The stored rows where they are, a slab within one run of X (wshare/rowread.h). */
    const double *x = identity ? ws_rowread_row(des->x_rows, i0, &avail) : NULL;
    if (identity && avail < rows) rows = avail;
    if (direct) {
      for (int64_t i = 0; i < rows; i++)
        w->yc[0][i] = des->y[i0 + i] - g->ybar;
      ws_kernels_gram_accumulate(rows, dim, 1, x, w->yc[0], g->G, g->b);
      for (int64_t i = 0; i < rows; i++)
        g->yy[0] += w->yc[0][i] * w->yc[0][i];
      g->rows[0] += (double)rows;
      continue;
    }
    if (!identity) {
      ws_design_rows(des, i0, rows, w->raw);
      x = w->raw;
    }
    for (int64_t i = 0; i < rows; i++) {
      int s = split ? ws_learn_pass_row_set(des->part.start + i0 + i) : 0;
      double *z = w->tied[s] + count[s] * dim;
      if (identity)
        for (int j = 0; j < n; j++)
          z[j] = des->centred ? x[i * n + j] - des->mean[j] : x[i * n + j];
      else
        merged_row(des, map, g->k, x + i * n, z);
      if (ones) z[g->k] = 1.0;
      w->yc[s][count[s]++] = des->y[i0 + i] - g->ybar;
    }
    for (int s = 0; s < g->sets; s++)
      accumulate_set(g, s, count[s], w);
  }
  gram_pack(g, out, 0);
}

/* Upper triangles (or diagonals), b, yy and rows of every set added to one buffer, and back. */
static int64_t gram_pack(WsLearnGram *g, double *buf, int unpack) {
  int dim = g->dim;
  int64_t pos = 0, block = g->diag_only ? dim : (int64_t)dim * dim;
  for (int s = 0; s < g->sets; s++) {
    double *G = g->G + s * block, *b = g->b + s * dim;
    for (int64_t j = 0; j < dim; j++)
      for (int64_t i = g->diag_only ? j : 0; i <= j; i++, pos++) {
        double *e = g->diag_only ? &G[j] : &G[i + j * dim];
        if (!unpack) {
          buf[pos] += *e;
        } else {
          *e = buf[pos];
          if (!g->diag_only) G[j + i * dim] = buf[pos];
        }
      }
    double *tail[] = {b, &g->yy[s], &g->rows[s]};
    int len[] = {dim, 1, 1};
    for (int t = 0; t < 3; t++)
      for (int i = 0; i < len[t]; i++, pos++) {
        if (unpack)
          tail[t][i] = buf[pos];
        else
          buf[pos] += tail[t][i];
      }
  }
  return pos;
}

WsErr ws_learn_pass_gram(MPI_Comm comm, const WsDesign *des, const int *map, int k, int ones,
                         int split, int diag_only, WsTimers *timers, WsLearnGram *out) {
  WsLearnGram *g = out;
  memset(g, 0, sizeof *g);
  g->k = k;
  g->dim = k + (ones ? 1 : 0);
  g->sets = split ? 2 : 1;
  g->diag_only = diag_only;
  g->ybar = y_offset(des);
  int dim = g->dim;
  int64_t block = diag_only ? dim : (int64_t)dim * dim;
  int64_t packed = g->sets * ((diag_only ? dim : (int64_t)dim * (dim + 1) / 2) + dim + 2);
  int64_t slab = slab_rows(des, des->n > dim ? des->n : dim);
  GramScratch w = {.raw = ws_memory_calloc((size_t)(slab * des->n), sizeof(double))};
  for (int s = 0; s < 2; s++) {
    w.tied[s] = ws_memory_calloc((size_t)(slab * dim), sizeof(double));
    w.yc[s] = ws_memory_calloc((size_t)slab, sizeof(double));
  }
  g->G = ws_memory_calloc((size_t)(g->sets * block), sizeof *g->G);
  g->b = ws_memory_calloc((size_t)(g->sets * dim), sizeof *g->b);
  double *buf = ws_memory_calloc((size_t)packed, sizeof *buf);
  WsErr err = ws_comm_agree_alloc(comm, w.raw && w.tied[0] && w.tied[1] && w.yc[0] && w.yc[1] &&
                                            g->G && g->b && buf);
  LearnGramPass lp = {des, map, slab, ones, split, &w, g};
  ws_progress_begin(des->progress, "Gram pass");
  if (!err) err = reduce_same(des, comm, gram_local, &lp, buf, packed, timers);
  ws_progress_done(des->progress);
  if (!err) gram_pack(g, buf, 1);
  free(buf);
  free(w.raw);
  for (int s = 0; s < 2; s++) {
    free(w.tied[s]);
    free(w.yc[s]);
  }
  if (err) ws_learn_pass_gram_free(g);
  return err;
}

void ws_learn_pass_gram_free(WsLearnGram *g) {
  free(g->G);
  free(g->b);
  g->G = g->b = NULL;
}

/* A residual-sums pass: the models, their shifts and the scratch. */
typedef struct {
  const WsDesign *des;
  int count, split;
  int64_t slab;
  const double *W, *shift;
  double *raw, *R;
  int *set;
} RssPass;

/* Local rows [i0, i0 + rows): each model's RSS (per set) added to rss.  A pass of
 * wshare/pass_sum.h. */
static void rss_rows(void *ctx, int64_t i0, int64_t rows_in, double *rss) {
  const RssPass *rp = ctx;
  const WsDesign *des = rp->des;
  int sets = rp->split ? 2 : 1;
  for (int64_t end = i0 + rows_in; i0 < end; i0 += rp->slab) {
    int64_t rows = end - i0 < rp->slab ? end - i0 : rp->slab;
    ws_progress_update(des->progress, (double)i0 / (double)des->part.count, NULL);
    ws_design_rows(des, i0, rows, rp->raw);
    for (int64_t i = 0; i < rows && rp->split; i++)
      rp->set[i] = ws_learn_pass_row_set(des->part.start + i0 + i);
    ws_multi_residual_sums(rows, des->n, rp->raw, des->y + i0, rp->count, rp->W, rp->shift,
                           rp->split ? rp->set : NULL, sets, rp->R, rss);
  }
}

WsErr ws_learn_pass_rss(MPI_Comm comm, const WsDesign *des, int count, const double *W,
                        const double *c, int split, WsTimers *timers, double *rss) {
  int n = des->n, sets = split ? 2 : 1;
  int64_t slab = slab_rows(des, n > count ? n : count);
  double *raw = ws_memory_calloc((size_t)(slab * n), sizeof *raw);
  double *R = ws_memory_calloc((size_t)(slab * count), sizeof *R);
  double *shift = ws_memory_calloc((size_t)count, sizeof *shift);
  int *set = ws_memory_calloc((size_t)slab, sizeof *set);
  WsErr err = ws_comm_agree_alloc(comm, raw && R && shift && set);
  if (!err) {
    memset(rss, 0, (size_t)count * sets * sizeof *rss);
    /* Centring as the objective pass does it: x~.w = x.w - mu.w. */
    for (int t = 0; t < count; t++) {
      shift[t] = c[t];
      if (des->centred)
        for (int j = 0; j < n; j++)
          shift[t] -= des->mean[j] * W[(int64_t)t * n + j];
    }
    RssPass rp = {des, count, split, slab, W, shift, raw, R, set};
    ws_progress_begin(des->progress, "scoring pass");
    err = reduce_same(des, comm, rss_rows, &rp, rss, (int64_t)count * sets, timers);
    ws_progress_done(des->progress);
  }
  free(raw);
  free(R);
  free(shift);
  free(set);
  return err;
}

/* A learn gradient pass: the weights, the shift and the scratch of the split. */
typedef struct {
  WsDesign *des;
  const double *w;
  double shift;
  int split;
  double *rows_buf, *ysel;
} LearnGradientPass;

/* Local rows [i0, i0 + rows): g (n per set) then sums (2 per set) added to out; with split,
 * each slab's rows are sorted into the fit rows and the held-out rows, then swept.  A pass
 * of wshare/pass_sum.h. */
static void gradient_rows(void *ctx, int64_t i0, int64_t rows_in, double *out) {
  const LearnGradientPass *lp = ctx;
  WsDesign *des = lp->des;
  int n = des->n, sets = lp->split ? 2 : 1;
  double *g = out, *sums = out + (int64_t)sets * n;
  if (!lp->split) {
    const WsDesignWeights dense = {.W = lp->w};
    ws_design_gradient_rows(des, &dense, des->y, NULL, i0, rows_in, g, sums);
    return;
  }
  double part[4] = {0.0, 0.0, 0.0, 0.0};
  for (int64_t end = i0 + rows_in; i0 < end; i0 += WS_SLAB_ROWS) {
    int64_t rows = end - i0 < WS_SLAB_ROWS ? end - i0 : WS_SLAB_ROWS, count[2] = {0, 0};
    double *buf[2] = {lp->rows_buf, lp->rows_buf + (int64_t)WS_SLAB_ROWS * n};
    const double *src = buf[1];
    ws_design_rows(des, i0, rows, buf[1]);
    for (int64_t i = 0; i < rows; i++) {
      int s = ws_learn_pass_row_set(des->part.start + i0 + i);
      /* Held-out rows move to the front of their own buffer, fit rows into the other; no
       * held-out row is overwritten before it is read (count[1] <= i). */
      memmove(buf[s] + count[s] * n, src + i * n, (size_t)n * sizeof *src);
      lp->ysel[s * WS_SLAB_ROWS + count[s]++] = des->y[i0 + i];
    }
    for (int s = 0; s < 2; s++)
      ws_kernels_residual_gradient_f64(count[s], n, 1, buf[s], lp->ysel + s * WS_SLAB_ROWS, lp->w,
                                       &lp->shift, g + (int64_t)s * n, part + 2 * s, NULL);
  }
  /* Centring: sum_i r_i (x_i - mu) = sum_i r_i x_i - mu sum_i r_i. */
  for (int s = 0; s < 2 && des->centred; s++)
    for (int j = 0; j < n; j++)
      g[s * n + j] -= des->mean[j] * part[2 * s + 1];
  for (int i = 0; i < 4; i++)
    sums[i] += part[i];
}

WsErr ws_learn_pass_gradient(MPI_Comm comm, WsDesign *des, const double *w, double c, int split,
                             WsTimers *timers, double *g, double *sums) {
  int n = des->n, sets = split ? 2 : 1;
  int64_t len = (int64_t)sets * (n + 2);
  double *buf = ws_memory_calloc((size_t)len, sizeof *buf);
  double *rows_buf = ws_memory_calloc((size_t)2 * WS_SLAB_ROWS * n, sizeof *rows_buf);
  double *ysel = ws_memory_calloc(2 * WS_SLAB_ROWS, sizeof *ysel);
  WsErr err = ws_comm_agree_alloc(comm, buf && rows_buf && ysel);
  double *gs = buf, *ss = buf + (int64_t)sets * n;
  if (!err) {
    LearnGradientPass lp = {des, w, c, split, rows_buf, ysel};
    const WsDesignWeights dense = {.W = w};
    if (!split) {
      ws_design_gradient_prepare(des, &dense, &c);
    } else if (des->centred) {
      for (int j = 0; j < n; j++)
        lp.shift -= des->mean[j] * w[j];
    }
    err = reduce_same(des, comm, gradient_rows, &lp, buf, len, timers);
  }
  if (!err) {
    memcpy(g, gs, (size_t)sets * n * sizeof *g);
    memcpy(sums, ss, (size_t)sets * 2 * sizeof *sums);
  }
  free(buf);
  free(rows_buf);
  free(ysel);
  return err;
}
