#include "wshare/design.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/kernels.h"
#include "wshare/reduce.h"

static WsErr check_shapes(const WsH5File *f, const WsDesignSource *src, WsDatasetInfo *xi) {
  WS_CALL(ws_h5file_info(f, src->x_name, xi));
  WS_CHECK(xi->ndims == 2, WS_ERR_INPUT, "%s: dataset %s must be 2-D (rows x columns), found %d-D",
           f->path, src->x_name, xi->ndims);
  WS_CHECK(xi->type_class == H5T_FLOAT && (xi->type_size == 4 || xi->type_size == 8), WS_ERR_INPUT,
           "%s: dataset %s must be float32 or float64", f->path, src->x_name);
  WS_CHECK(xi->dims[1] > 0, WS_ERR_INPUT, "%s: dataset %s has no columns", f->path, src->x_name);
  WS_CHECK(xi->dims[0] > 0, WS_ERR_INPUT, "%s: dataset %s has no rows", f->path, src->x_name);
  return WS_OK;
}

/* The targets: 1-D (m) or 2-D (m x q, several outputs; m x 1 is one output). */
static WsErr check_targets(const WsH5File *f, const WsDesignSource *src, const WsDatasetInfo *xi,
                           WsDatasetInfo *yi) {
  WS_CALL(ws_h5file_info(f, src->y_name, yi));
  WS_CHECK(yi->ndims == 1 || yi->ndims == 2, WS_ERR_INPUT,
           "%s: dataset %s must be 1-D (m) or 2-D (m x outputs)", f->path, src->y_name);
  WS_CHECK(yi->type_class == H5T_FLOAT || yi->type_class == H5T_INTEGER, WS_ERR_INPUT,
           "%s: dataset %s must be numeric", f->path, src->y_name);
  WS_CHECK(yi->dims[0] == xi->dims[0], WS_ERR_INPUT, "%s: %s has %lld rows but %s has %lld",
           f->path, src->x_name, (long long)xi->dims[0], src->y_name, (long long)yi->dims[0]);
  WS_CHECK(yi->ndims == 1 || (yi->dims[1] > 0 && yi->dims[1] <= INT_MAX), WS_ERR_INPUT,
           "%s: dataset %s has %lld outputs", f->path, src->y_name, (long long)yi->dims[1]);
  return WS_OK;
}

/* Collective: the smallest global row holding a non-finite value, reported with its name. */
static WsErr check_finite(const WsDesign *des, const char *path, const char *name, const void *v,
                          int64_t per_row, int is_f32, MPI_Comm comm) {
  int64_t first;
  long long bad_row = LLONG_MAX;
  if (ws_kernels_count_nonfinite(des->part.count * per_row, v, is_f32, &first) > 0)
    bad_row = (long long)(des->part.start + first / per_row);
  long long global;
  WS_MPI(MPI_Allreduce(&bad_row, &global, 1, MPI_LONG_LONG, MPI_MIN, comm));
  WS_CHECK(global == LLONG_MAX, WS_ERR_INPUT,
           "%s: dataset %s has a non-finite value (NaN or Inf) in row %lld", path, name, global);
  return WS_OK;
}

/* Collective: this rank's rows of the targets (q per row), checked for finiteness, and
 * their global sums per output. */
static WsErr read_targets(const WsH5File *f, const char *name, WsDesign *des, WsTimers *timers) {
  MPI_Comm comm = f->comm;
  int q = des->q;
  double t0 = ws_timer_now();
  WS_CALL(ws_dataset_read_rows(f, name, &des->part, q, WS_DTYPE_F64, des->y));
  ws_timer_add(timers, WS_TIME_READ, t0);
  WS_CALL(check_finite(des, f->path, name, des->y, q, 0, comm));
  double *sums = ws_memory_calloc((size_t)2 * q, sizeof *sums);
  WS_CALL(ws_comm_agree_alloc(comm, sums != NULL));
  for (int64_t i = 0; i < des->part.count; i++)
    for (int o = 0; o < q; o++) {
      double v = des->y[i * q + o];
      sums[o] += v;
      sums[q + o] += v * v;
    }
  WsErr err = ws_reduce_sum(comm, sums, 2 * q, timers);
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
  WsDatasetInfo xi, yi = {0};
  WsErr shape = check_shapes(f, src, &xi);
  if (!shape && src->y_name) shape = check_targets(f, src, &xi, &yi);
  WS_CALL(ws_comm_agree(comm, shape));
  WsDesign *des = ws_memory_calloc(1, sizeof *des);
  WS_CALL(ws_comm_agree_alloc(comm, des != NULL));
  *out = des;
  snprintf(des->x_name, sizeof des->x_name, "%s", src->x_name);
  des->part = ws_partition_rows(xi.dims[0], rank, size);
  des->n_raw = (int)xi.dims[1];
  des->degree = src->degree;
  des->n = des->n_raw * src->degree;
  des->q = src->y_name && yi.ndims == 2 ? (int)yi.dims[1] : 1;
  des->dtype = xi.type_size == 4 ? WS_DTYPE_F32 : WS_DTYPE_F64;
  size_t elem = des->dtype == WS_DTYPE_F32 ? sizeof(float) : sizeof(double);
  int64_t local = des->part.count;
  des->y = ws_memory_calloc((size_t)(local > 0 ? local : 1) * des->q, sizeof *des->y);
  des->y_sum = ws_memory_calloc((size_t)des->q, sizeof *des->y_sum);
  des->y_sumsq = ws_memory_calloc((size_t)des->q, sizeof *des->y_sumsq);
  des->shift = ws_memory_calloc((size_t)des->q, sizeof *des->shift);
  des->pass_sums = ws_memory_calloc((size_t)2 * des->q, sizeof *des->pass_sums);
  des->slab = ws_memory_calloc((size_t)WS_SLAB_ROWS * des->n, sizeof *des->slab);
  WS_CALL(ws_comm_agree_alloc(comm, des->y && des->y_sum && des->y_sumsq && des->shift &&
                                        des->pass_sums && des->slab));
  int mapped = 0;
  WsErr err =
      ws_dataset_map_rows(f, src->x_name, &des->part, des->n_raw, des->dtype, &des->map, &mapped);
  if (!err && mapped) {
    des->X = des->map.rows;
  } else if (!err) {
    des->X = ws_memory_alloc((size_t)(local > 0 ? local : 1) * des->n_raw * elem);
    err = ws_comm_agree_alloc(comm, des->X != NULL);
    if (!err)
      err = ws_dataset_read_rows(f, src->x_name, &des->part, des->n_raw, des->dtype, des->X);
  }
  WS_CALL(err);
  ws_timer_add(timers, WS_TIME_READ, t0);

  WS_CALL(check_finite(des, f->path, src->x_name, des->X, des->n_raw, des->dtype == WS_DTYPE_F32,
                       comm));
  return src->y_name ? read_targets(f, src->y_name, des, timers) : WS_OK;
}

void ws_design_destroy(WsDesign **des) {
  if (!des || !*des) return;
  if ((*des)->map.base)
    ws_dataset_unmap_rows(&(*des)->map);
  else
    free((*des)->X);
  free((*des)->y);
  free((*des)->y_sum);
  free((*des)->y_sumsq);
  free((*des)->shift);
  free((*des)->pass_sums);
  free((*des)->mean);
  free((*des)->slab);
  free(*des);
  *des = NULL;
}

void ws_design_rows(const WsDesign *des, int64_t i0, int64_t rows, double *out) {
  size_t elem = des->dtype == WS_DTYPE_F32 ? sizeof(float) : sizeof(double);
  const char *src = (const char *)des->X + (size_t)i0 * des->n_raw * elem;
  if (des->degree == 1) {
    ws_kernels_to_f64(rows * des->n_raw, src, des->dtype == WS_DTYPE_F32, out);
    return;
  }
  /* Raw values go to the tail of out, then expand in place from the front: the expanded
   * row i never overwrites raw rows > i because degree >= 2 leaves room. */
  double *raw = out + rows * (int64_t)des->n - rows * (int64_t)des->n_raw;
  ws_kernels_to_f64(rows * des->n_raw, src, des->dtype == WS_DTYPE_F32, raw);
  ws_kernels_poly_expand(rows, des->n_raw, des->degree, raw, out);
}

WsErr ws_design_centre(WsDesign *des, MPI_Comm comm, WsTimers *timers) {
  double t0 = ws_timer_now();
  int n = des->n;
  des->mean = ws_memory_calloc((size_t)n, sizeof *des->mean);
  WS_CALL(ws_comm_agree_alloc(comm, des->mean != NULL));
  for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
    int64_t rows = ws_design_slab_rows(des, i0);
    ws_design_rows(des, i0, rows, des->slab);
    for (int64_t i = 0; i < rows; i++)
      for (int j = 0; j < n; j++)
        des->mean[j] += des->slab[i * n + j];
  }
  ws_timer_add(timers, WS_TIME_SETUP, t0);
  WS_CALL(ws_reduce_sum(comm, des->mean, n, timers));
  for (int j = 0; j < n; j++)
    des->mean[j] /= (double)des->part.rows;
  des->centred = 1;
  return WS_OK;
}

/* One block of rows (as stored, or expanded rows of doubles) through the dense or the
 * member-list kernel. */
static void gradient_rows(const WsDesign *des, const WsDesignWeights *wt, int64_t rows,
                          const void *X, int is_f32, const double *y, double *g, double *sums) {
  int n = des->n, q = des->q;
  if (wt->W && is_f32)
    ws_kernels_residual_gradient_f32(rows, n, q, X, y, wt->W, des->shift, g, sums);
  else if (wt->W)
    ws_kernels_residual_gradient_f64(rows, n, q, X, y, wt->W, des->shift, g, sums);
  else if (is_f32)
    ws_kernels_residual_gradient_members_f32(rows, n, q, X, y, des->shift, wt->start, wt->input,
                                             wt->wm, g, sums);
  else
    ws_kernels_residual_gradient_members_f64(rows, n, q, X, y, des->shift, wt->start, wt->input,
                                             wt->wm, g, sums);
}

void ws_design_gradient(WsDesign *des, const WsDesignWeights *wt, const double *c, int use_y,
                        double *g, double *sums) {
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
  double *local = des->pass_sums;
  memset(local, 0, (size_t)2 * q * sizeof *local);
  if (des->degree == 1) {
    gradient_rows(des, wt, des->part.count, des->X, des->dtype == WS_DTYPE_F32,
                  use_y ? des->y : NULL, g, local);
  } else {
    for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
      int64_t rows = ws_design_slab_rows(des, i0);
      ws_design_rows(des, i0, rows, des->slab);
      gradient_rows(des, wt, rows, des->slab, 0, use_y ? des->y + i0 * q : NULL, g, local);
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
