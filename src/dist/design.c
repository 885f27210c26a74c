#include "wshare/design.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/design_features.h"
#include "wshare/kernels.h"
#include "wshare/pass_sum.h"

/* Shapes and types (rowread.h).  The targets are 1-D (m) or 2-D (m x q, several outputs;
 * m x 1 is one output); a 1-D y from a column-major writer (MATLAB, Julia) is stored 1 x m
 * and is read as such. */
static WsErr check_shapes(const WsH5File *f, const WsDesignSource *src, WsRowInfo *xi,
                          WsLayout *y_layout, int *q) {
  const char *path = f->path;
  WS_CALL(ws_rowread_inspect(f, src->x_name, src->x_layout, xi));
  WS_CHECK(xi->ndims == 2, WS_ERR_INPUT, "%s: dataset %s must be 2-D (rows x columns), found %d-D",
           path, src->x_name, xi->ndims);
  WS_CHECK(xi->cols > 0, WS_ERR_INPUT, "%s: dataset %s has no columns", path, src->x_name);
  WS_CHECK(xi->rows > 0, WS_ERR_INPUT, "%s: dataset %s has no rows", path, src->x_name);
  *q = 1;
  if (!src->y_name) return WS_OK;
  WsRowInfo yi;
  WS_CALL(ws_rowread_inspect(f, src->y_name, WS_LAYOUT_ROWS, &yi));
  int transposed = yi.ndims == 2 && yi.rows == 1 && yi.cols > 1 && xi->rows > 1;
  *y_layout = transposed ? WS_LAYOUT_COLUMNS : WS_LAYOUT_ROWS;
  int64_t y_rows = transposed ? yi.cols : yi.rows;
  const char *hint = xi->cols != y_rows                ? ""
                     : src->x_layout == WS_LAYOUT_ROWS ? " (is X stored transposed? see --X-layout)"
                                                       : " (is X stored as rows? see --X-layout)";
  WS_CHECK(y_rows == xi->rows, WS_ERR_INPUT, "%s: %s has %lld rows but %s has %lld%s", path,
           src->x_name, (long long)xi->rows, src->y_name, (long long)y_rows, hint);
  WS_CHECK(transposed || yi.cols <= INT_MAX, WS_ERR_INPUT, "%s: dataset %s has %lld outputs", path,
           src->y_name, (long long)yi.cols);
  *q = transposed ? 1 : (int)yi.cols;
  return WS_OK;
}

/* Rows checked at once: small enough for the progress of a mapped X, whose pages are read
 * by this check. */
enum { CHECK_ROWS = 1 << 14 };

/* Local: the first row of a run holding a non-finite value (its row in the run), or -1;
 * reports the rows checked so far, done of them before this run, to the design's progress. */
static int64_t first_nonfinite(const WsDesign *des, const WsRowBlock *rows, const WsRowRun *run,
                               int64_t done) {
  size_t elem = rows->dtype == WS_DTYPE_F32 ? sizeof(float) : sizeof(double);
  double total = des->part.count > 0 ? (double)des->part.count : 1.0;
  for (int64_t i0 = 0; i0 < run->count; i0 += CHECK_ROWS) {
    int64_t count = run->count - i0 < CHECK_ROWS ? run->count - i0 : CHECK_ROWS, first;
    const char *data = (const char *)run->data + (size_t)i0 * (size_t)rows->cols * elem;
    if (ws_kernels_count_nonfinite(count * rows->cols, data, rows->dtype == WS_DTYPE_F32, &first) >
        0)
      return i0 + first / rows->cols;
    ws_progress_update(des->progress, (double)(done + i0 + count) / total, NULL);
  }
  return -1;
}

/* Collective: the smallest global row holding a non-finite value, reported with its name.
 * rows is NULL for the targets (q values per row in des->y). */
static WsErr check_finite(const WsDesign *des, const char *path, const char *name,
                          const WsRowBlock *rows, MPI_Comm comm) {
  int64_t first;
  long long bad_row = LLONG_MAX;
  if (!rows && ws_kernels_count_nonfinite(des->part.count * des->q, des->y, 0, &first) > 0)
    bad_row = (long long)(des->part.start + first / des->q);
  int64_t done = 0;
  for (int r = 0; rows && r < rows->n_runs && bad_row == LLONG_MAX; r++) {
    const WsRowRun *run = &rows->runs[r];
    int64_t row = first_nonfinite(des, rows, run, done);
    if (row >= 0) bad_row = (long long)(des->part.start + run->first + row);
    done += run->count;
  }
  long long global;
  WS_MPI(MPI_Allreduce(&bad_row, &global, 1, MPI_LONG_LONG, MPI_MIN, comm));
  WS_CHECK(global == LLONG_MAX, WS_ERR_INPUT,
           "%s: dataset %s has a non-finite value (NaN or Inf) in row %lld", path, name, global);
  return WS_OK;
}

/* The sums of y and y^2 per output over rows [i0, i0 + rows) (a pass of wshare/pass_sum.h). */
static void target_sums(void *ctx, int64_t i0, int64_t rows, double *sums) {
  const WsDesign *des = ctx;
  int q = des->q;
  for (int64_t i = i0; i < i0 + rows; i++)
    for (int o = 0; o < q; o++) {
      double v = des->y[i * q + o];
      sums[o] += v;
      sums[q + o] += v * v;
    }
}

/* Collective: this rank's rows of the targets (q per row), checked for finiteness, and
 * their global sums per output. */
static WsErr read_targets(const WsH5File *f, const char *name, WsLayout layout, WsDesign *des,
                          WsTimers *timers) {
  MPI_Comm comm = f->comm;
  int q = des->q;
  double t0 = ws_timer_now();
  WS_CALL(ws_rowread_into(f, name, layout, &des->part, WS_DTYPE_F64, des->y));
  ws_timer_add(timers, WS_TIME_READ, t0);
  WS_CALL(check_finite(des, f->path, name, NULL, comm));
  double *sums = ws_memory_calloc((size_t)2 * q, sizeof *sums);
  WS_CALL(ws_comm_agree_alloc(comm, sums != NULL));
  WsErr err = ws_pass_sum_run(des, comm, target_sums, des, 2 * q, sums, WS_TIME_READ, timers);
  for (int o = 0; o < q && !err; o++) {
    des->y_sum[o] = sums[o];
    des->y_sumsq[o] = sums[q + o];
  }
  free(sums);
  return err;
}

WsErr ws_design_read(const WsH5File *f, const WsDesignSource *src, WsTimers *timers,
                     WsDesign **out) {
  double t0 = ws_timer_now();
  MPI_Comm comm = f->comm;
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  WsRowInfo xi;
  WsLayout y_layout = WS_LAYOUT_ROWS;
  int q = 1;
  WS_CALL(ws_comm_agree(comm, check_shapes(f, src, &xi, &y_layout, &q)));
  WsDesign *des = ws_memory_calloc(1, sizeof *des);
  WS_CALL(ws_comm_agree_alloc(comm, des != NULL));
  *out = des;
  snprintf(des->x_name, sizeof des->x_name, "%s", src->x_name);
  des->reproducible = src->reproducible;
  des->part = ws_partition_rows_aligned(xi.rows, rank, size,
                                        src->reproducible ? WS_PASS_SUM_CHUNK_ROWS : 1);
  des->n_raw = (int)xi.cols;
  des->degree = src->degree;
  WS_CALL(ws_comm_agree(comm, ws_features_count(des->n_raw, src->degree, src->terms, &des->n)));
  des->q = q;
  des->dtype = xi.dtype;
  des->x_info = xi;
  int64_t local = des->part.count;
  des->y = ws_memory_calloc((size_t)(local > 0 ? local : 1) * des->q, sizeof *des->y);
  des->y_sum = ws_memory_calloc((size_t)des->q, sizeof *des->y_sum);
  des->y_sumsq = ws_memory_calloc((size_t)des->q, sizeof *des->y_sumsq);
  des->shift = ws_memory_calloc((size_t)des->q, sizeof *des->shift);
  des->pass_sums = ws_memory_calloc((size_t)2 * des->q, sizeof *des->pass_sums);
  des->slab = ws_memory_calloc((size_t)WS_SLAB_ROWS * des->n, sizeof *des->slab);
  WS_CALL(ws_comm_agree_alloc(comm, des->y && des->y_sum && des->y_sumsq && des->shift &&
                                        des->pass_sums && des->slab));
  /* Progress of reading X: a read takes the time and the check is a pass over memory; a
   * mapped X is read by the check's page faults. */
  des->progress = src->progress;
  ws_progress_begin(des->progress, "read X");
  ws_progress_range(des->progress, 0.0, 0.9);
  WsErr err = ws_rowread_block(f, src->x_name, src->x_layout, &des->part, des->dtype, des->progress,
                               &des->x_rows);
  if (!err) {
    int mapped = strcmp(des->x_rows->method, "mapped") == 0;
    ws_progress_range(des->progress, mapped ? 0.0 : 0.9, 1.0);
    err = check_finite(des, f->path, src->x_name, des->x_rows, comm);
  }
  /* The check is part of the read: its page faults are what reads a mapped X. */
  ws_timer_add(timers, WS_TIME_READ, t0);
  ws_progress_done(des->progress);
  WS_CALL(err);
  WS_CALL(ws_design_features_create(des, src, f->path, comm, &des->features));
  return src->y_name ? read_targets(f, src->y_name, y_layout, des, timers) : WS_OK;
}

void ws_design_destroy(WsDesign **des) {
  if (!des || !*des) return;
  ws_rowread_destroy(&(*des)->x_rows);
  free((*des)->y);
  free((*des)->y_sum);
  free((*des)->y_sumsq);
  free((*des)->shift);
  free((*des)->pass_sums);
  free((*des)->mean);
  free((*des)->slab);
  ws_features_destroy(&(*des)->features);
  free(*des);
  *des = NULL;
}

/* Rows [i0, i0 + rows) of X converted to double into out (rows x n_raw); the slab may span
 * runs of X. */
static void raw_rows(const WsDesign *des, int64_t i0, int64_t rows, double *out) {
  for (int64_t done = 0; done < rows;) {
    int64_t avail;
    const void *src = ws_rowread_row(des->x_rows, i0 + done, &avail);
    int64_t take = avail < rows - done ? avail : rows - done;
    ws_kernels_to_f64(take * des->n_raw, src, des->dtype == WS_DTYPE_F32, out + done * des->n_raw);
    done += take;
  }
}

void ws_design_rows(const WsDesign *des, int64_t i0, int64_t rows, double *out) {
  if (ws_features_identity(des->features)) {
    raw_rows(des, i0, rows, out);
    return;
  }
  /* Raw values go to the tail of out, then expand in place from the front: the expanded
   * row i never overwrites raw rows > i because n >= n_raw leaves room, and row i is read
   * before it is overwritten. */
  double *raw = out + rows * (int64_t)des->n - rows * (int64_t)des->n_raw;
  raw_rows(des, i0, rows, raw);
  ws_features_expand(des->features, rows, raw, out);
}

/* The column sums of the expanded rows [i0, i0 + rows), slab by slab. */
static void column_sums(void *ctx, int64_t i0, int64_t rows, double *sums) {
  WsDesign *des = ctx;
  int n = des->n;
  for (int64_t s0 = i0; s0 < i0 + rows; s0 += WS_SLAB_ROWS) {
    int64_t slab = i0 + rows - s0 < WS_SLAB_ROWS ? i0 + rows - s0 : WS_SLAB_ROWS;
    ws_design_rows(des, s0, slab, des->slab);
    for (int64_t i = 0; i < slab; i++)
      for (int j = 0; j < n; j++)
        sums[j] += des->slab[i * n + j];
  }
}

WsErr ws_design_centre(WsDesign *des, MPI_Comm comm, WsTimers *timers) {
  /* Several problems may share one design (learned sharing's free fit): centre once. */
  if (des->centred) return WS_OK;
  int n = des->n;
  des->mean = ws_memory_calloc((size_t)n, sizeof *des->mean);
  WS_CALL(ws_comm_agree_alloc(comm, des->mean != NULL));
  WS_CALL(ws_pass_sum_run(des, comm, column_sums, des, n, des->mean, WS_TIME_SETUP, timers));
  for (int j = 0; j < n; j++)
    des->mean[j] /= (double)des->part.rows;
  des->centred = 1;
  return WS_OK;
}

/* One block of rows (as stored, or expanded rows of doubles) through the dense or the
 * member-list kernel. */
static void gradient_rows(const WsDesign *des, const WsDesignWeights *wt, int64_t rows,
                          const void *X, int is_f32, const double *y, double *g, double *sums,
                          double *res) {
  int n = des->n, q = des->q;
  if (wt->W && is_f32)
    ws_kernels_residual_gradient_f32(rows, n, q, X, y, wt->W, des->shift, g, sums, res);
  else if (wt->W)
    ws_kernels_residual_gradient_f64(rows, n, q, X, y, wt->W, des->shift, g, sums, res);
  else if (is_f32)
    ws_kernels_residual_gradient_members_f32(rows, n, q, X, y, des->shift, wt->start, wt->input,
                                             wt->wm, g, sums, res);
  else
    ws_kernels_residual_gradient_members_f64(rows, n, q, X, y, des->shift, wt->start, wt->input,
                                             wt->wm, g, sums, res);
}

void ws_design_gradient_prepare(WsDesign *des, const WsDesignWeights *wt, const double *c) {
  int n = des->n, q = des->q;
  /* The centred model's shift per output: c_o - mu.W[:, o]. */
  for (int o = 0; o < q; o++) {
    double shift = c ? c[o] : 0.0;
    if (des->centred && wt->W)
      for (int j = 0; j < n; j++)
        shift -= des->mean[j] * wt->W[(int64_t)j * q + o];
    else if (des->centred)
      for (int e = wt->start[o]; e < wt->start[o + 1]; e++)
        shift -= des->mean[wt->input[e]] * wt->wm[e];
    des->shift[o] = shift;
  }
}

void ws_design_gradient_rows(WsDesign *des, const WsDesignWeights *wt, const double *Y, double *R,
                             int64_t i0, int64_t rows, double *g, double *sums) {
  int n = des->n, q = des->q;
  double *local = des->pass_sums;
  memset(local, 0, (size_t)2 * q * sizeof *local);
  int64_t end = i0 + rows;
  if (ws_features_identity(des->features)) {
    /* Run by run: the kernels carry their sums across calls, so runs change no bit. */
    for (int64_t i = i0, avail = 0; i < end; i += avail) {
      const void *x = ws_rowread_row(des->x_rows, i, &avail);
      if (avail > end - i) avail = end - i;
      gradient_rows(des, wt, avail, x, des->dtype == WS_DTYPE_F32, Y ? Y + i * q : NULL, g, local,
                    R ? R + i * q : NULL);
    }
  } else {
    for (int64_t s0 = i0; s0 < end; s0 += WS_SLAB_ROWS) {
      int64_t slab = end - s0 < WS_SLAB_ROWS ? end - s0 : WS_SLAB_ROWS;
      ws_design_rows(des, s0, slab, des->slab);
      gradient_rows(des, wt, slab, des->slab, 0, Y ? Y + s0 * q : NULL, g, local,
                    R ? R + s0 * q : NULL);
    }
  }
  /* Centring: sum_i r_io (x_i - mu) = sum_i r_io x_i - mu sum_i r_io. */
  if (des->centred && wt->W) {
    for (int j = 0; j < n; j++)
      for (int o = 0; o < q; o++)
        g[(int64_t)j * q + o] -= des->mean[j] * local[q + o];
  } else if (des->centred) {
    for (int o = 0; o < q; o++)
      for (int e = wt->start[o]; e < wt->start[o + 1]; e++)
        g[e] -= des->mean[wt->input[e]] * local[q + o];
  }
  for (int i = 0; i < 2 * q; i++)
    sums[i] += local[i];
}

void ws_design_gradient(WsDesign *des, const WsDesignWeights *wt, const double *c, int use_y,
                        double *g, double *sums) {
  ws_design_gradient_prepare(des, wt, c);
  ws_design_gradient_rows(des, wt, use_y ? des->y : NULL, NULL, 0, des->part.count, g, sums);
}
