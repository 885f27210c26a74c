#include "wshare/design.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/kernels.h"
#include "wshare/reduce.h"

static WsErr check_shapes(const WsH5File *f, const WsDesignSource *src, WsDatasetInfo *xi,
                          WsDatasetInfo *yi) {
  WS_CALL(ws_h5file_info(f, src->x_name, xi));
  WS_CHECK(xi->ndims == 2, WS_ERR_INPUT, "%s: dataset %s must be 2-D (rows x columns), found %d-D",
           f->path, src->x_name, xi->ndims);
  WS_CHECK(xi->type_class == H5T_FLOAT && (xi->type_size == 4 || xi->type_size == 8), WS_ERR_INPUT,
           "%s: dataset %s must be float32 or float64, found %s", f->path, src->x_name,
           ws_h5file_type_name(xi->type_class, xi->type_size));
  WS_CHECK(xi->dims[1] > 0, WS_ERR_INPUT, "%s: dataset %s has no columns", f->path, src->x_name);
  WS_CHECK(xi->dims[0] > 0, WS_ERR_INPUT, "%s: dataset %s has no rows", f->path, src->x_name);
  if (!src->y_name) return WS_OK;
  WS_CALL(ws_h5file_info(f, src->y_name, yi));
  WS_CHECK(yi->ndims == 1 || (yi->ndims == 2 && yi->dims[1] == 1), WS_ERR_INPUT,
           "%s: dataset %s must be 1-D", f->path, src->y_name);
  WS_CHECK(yi->type_class == H5T_FLOAT || yi->type_class == H5T_INTEGER, WS_ERR_INPUT,
           "%s: dataset %s must be numeric (integer or float), found %s", f->path, src->y_name,
           ws_h5file_class_name(yi->type_class));
  WS_CHECK(yi->dims[0] == xi->dims[0], WS_ERR_INPUT, "%s: %s has %lld rows but %s has %lld",
           f->path, src->x_name, (long long)xi->dims[0], src->y_name, (long long)yi->dims[0]);
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

WsErr ws_design_read(const WsH5File *f, const WsDesignSource *src, WsTimers *timers,
                     WsDesign **out) {
  double t0 = ws_timer_now();
  MPI_Comm comm = f->comm;
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  WsDatasetInfo xi, yi;
  WS_CALL(ws_comm_agree(comm, check_shapes(f, src, &xi, &yi)));
  WsDesign *des = ws_memory_calloc(1, sizeof *des);
  WS_CALL(ws_comm_agree_alloc(comm, des != NULL));
  *out = des;
  snprintf(des->x_name, sizeof des->x_name, "%s", src->x_name);
  des->part = ws_partition_rows(xi.dims[0], rank, size);
  des->n_raw = (int)xi.dims[1];
  des->degree = src->degree;
  des->n = des->n_raw * src->degree;
  des->dtype = xi.type_size == 4 ? WS_DTYPE_F32 : WS_DTYPE_F64;
  size_t elem = des->dtype == WS_DTYPE_F32 ? sizeof(float) : sizeof(double);
  int64_t local = des->part.count;
  des->y = ws_memory_calloc((size_t)(local > 0 ? local : 1), sizeof *des->y);
  des->slab = ws_memory_calloc((size_t)WS_SLAB_ROWS * des->n, sizeof *des->slab);
  WS_CALL(ws_comm_agree_alloc(comm, des->y && des->slab));
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
  if (!err && src->y_name)
    err = ws_dataset_read_rows(f, src->y_name, &des->part, 1, WS_DTYPE_F64, des->y);
  WS_CALL(err);
  ws_timer_add(timers, WS_TIME_READ, t0);

  WS_CALL(check_finite(des, f->path, src->x_name, des->X, des->n_raw, des->dtype == WS_DTYPE_F32,
                       comm));
  if (!src->y_name) return WS_OK;
  WS_CALL(check_finite(des, f->path, src->y_name, des->y, 1, 0, comm));
  double sums[2] = {0.0, 0.0};
  for (int64_t i = 0; i < local; i++) {
    sums[0] += des->y[i];
    sums[1] += des->y[i] * des->y[i];
  }
  WS_CALL(ws_reduce_sum(comm, sums, 2, timers));
  des->y_sum = sums[0];
  des->y_sumsq = sums[1];
  return WS_OK;
}

void ws_design_destroy(WsDesign **des) {
  if (!des || !*des) return;
  if ((*des)->map.base)
    ws_dataset_unmap_rows(&(*des)->map);
  else
    free((*des)->X);
  free((*des)->y);
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

void ws_design_gradient(WsDesign *des, const double *w, double c, int use_y, double *g,
                        double sums[2]) {
  int n = des->n;
  double shift = c;
  if (des->centred)
    for (int j = 0; j < n; j++)
      shift -= des->mean[j] * w[j];
  double local[2] = {0.0, 0.0};
  if (des->degree == 1 && des->dtype == WS_DTYPE_F64) {
    ws_kernels_residual_gradient_f64(des->part.count, n, des->X, use_y ? des->y : NULL, w, shift, g,
                                     local);
  } else if (des->degree == 1 && des->dtype == WS_DTYPE_F32) {
    ws_kernels_residual_gradient_f32(des->part.count, n, des->X, use_y ? des->y : NULL, w, shift, g,
                                     local);
  } else {
    for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
      int64_t rows = ws_design_slab_rows(des, i0);
      ws_design_rows(des, i0, rows, des->slab);
      ws_kernels_residual_gradient_f64(rows, n, des->slab, use_y ? des->y + i0 : NULL, w, shift, g,
                                       local);
    }
  }
  /* Centring: sum_i r_i (x_i - mu) = sum_i r_i x_i - mu sum_i r_i. */
  if (des->centred)
    for (int j = 0; j < n; j++)
      g[j] -= des->mean[j] * local[1];
  sums[0] += local[0];
  sums[1] += local[1];
}
