#include "wshare/design_features.h"

#include <math.h>
#include <stdlib.h>

#include "wshare/comm.h"

/* Collective: the global bounds of X's columns, lo then hi (2 n_raw values); hi travels
 * negated so that one MIN allreduce gives both. */
static WsErr global_bounds(const WsDesign *des, MPI_Comm comm, double *bounds) {
  int n_raw = des->n_raw;
  double *lo = bounds, *hi = bounds + n_raw;
  for (int j = 0; j < n_raw; j++) {
    lo[j] = INFINITY;
    hi[j] = -INFINITY;
  }
  for (int r = 0; r < des->x_rows->n_runs; r++) {
    const WsRowRun *run = &des->x_rows->runs[r];
    ws_features_range(run->count, n_raw, run->data, des->dtype == WS_DTYPE_F32, lo, hi);
  }
  for (int j = 0; j < n_raw; j++)
    hi[j] = -hi[j];
  WS_MPI(MPI_Allreduce(MPI_IN_PLACE, bounds, 2 * n_raw, MPI_DOUBLE, MPI_MIN, comm));
  for (int j = 0; j < n_raw; j++)
    hi[j] = -hi[j];
  return WS_OK;
}

WsErr ws_design_features_create(const WsDesign *des, const WsDesignSource *src, const char *path,
                                MPI_Comm comm, WsFeatures **out) {
  int n_raw = des->n_raw;
  if (src->basis == WS_FEATURES_MONOMIAL)
    return ws_comm_agree(
        comm, ws_features_create(n_raw, src->degree, src->terms, src->basis, NULL, NULL, out));
  /* The model's bounds are the same on every rank, and so is this decision. */
  if (src->map_lo) {
    WS_CHECK(src->map_cols == n_raw, WS_ERR_INPUT,
             "%s: %s has %d columns but the model maps %d columns to [-1, 1] (/poly/min)", path,
             src->x_name, n_raw, src->map_cols);
    return ws_comm_agree(comm, ws_features_create(n_raw, src->degree, src->terms, src->basis,
                                                  src->map_lo, src->map_hi, out));
  }
  double *bounds = ws_memory_calloc((size_t)2 * n_raw, sizeof *bounds);
  WS_CALL(ws_comm_agree_alloc(comm, bounds != NULL));
  double *lo = bounds, *hi = bounds + n_raw;
  WsErr err = global_bounds(des, comm, bounds);
  /* Bounds are replicated: every rank reaches the same verdict. */
  for (int j = 0; !err && j < n_raw; j++)
    if (!isfinite(hi[j] - lo[j]))
      err = ws_error_set(WS_ERR_INPUT,
                         "%s: column %d of %s spans [%g, %g], too wide to map to [-1, 1] for "
                         "--poly-basis %s",
                         path, j, src->x_name, lo[j], hi[j], ws_features_basis_names()[src->basis]);
  if (!err)
    err = ws_comm_agree(
        comm, ws_features_create(n_raw, src->degree, src->terms, src->basis, lo, hi, out));
  free(bounds);
  return err;
}
