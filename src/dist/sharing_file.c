#include "wshare/sharing_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Projector test tolerance of a dense A: entrywise on A - A^T and A^2 - A (README). */
static const double WS_PROJECTOR_TOL = 1e-10;

WsSharingKind ws_sharing_file_default_kind(const WsH5File *data) {
  return ws_h5file_exists(data, "/groups") ? WS_SHARING_GROUPS : WS_SHARING_NONE;
}

/* Local: the dataset must have the shape and type its kind needs. */
static WsErr check_dataset(const WsH5File *f, const char *name, int groups, const WsDesign *des) {
  WsDatasetInfo info;
  WS_CALL(ws_h5file_info(f, name, &info));
  int n = des->n;
  if (groups) {
    WS_CHECK(info.type_class == H5T_INTEGER, WS_ERR_INPUT,
             "%s: %s must be an integer dataset (found %s)", f->path, name,
             ws_h5file_class_name(info.type_class));
    WS_CHECK(info.ndims == 1 && info.dims[0] == n, WS_ERR_INPUT,
             "%s: %s has %lld entries, expected %d (one per model column: %d columns of %s x "
             "poly degree %d)",
             f->path, name, (long long)info.count, n, des->n_raw, des->x_name, des->degree);
    return WS_OK;
  }
  WS_CHECK(info.type_class == H5T_FLOAT || info.type_class == H5T_INTEGER, WS_ERR_INPUT,
           "%s: %s must be numeric (integer or float), found %s", f->path, name,
           ws_h5file_class_name(info.type_class));
  WS_CHECK(info.ndims == 2 && info.dims[0] == n && info.dims[1] == n, WS_ERR_INPUT,
           "%s: %s must be %d x %d (one row and column per model column), found %lld x %lld",
           f->path, name, n, n, (long long)info.dims[0],
           (long long)(info.ndims == 2 ? info.dims[1] : 1));
  return WS_OK;
}

static WsErr read_groups(const WsH5File *f, const char *name, int n, WsSharing **sh) {
  int64_t *ids = ws_memory_calloc((size_t)n, sizeof *ids);
  WsErr err = ws_comm_agree_alloc(f->comm, ids != NULL);
  if (!err) err = ws_h5file_read_i64(f, name, n, ids);
  char what[WS_PATH_MAX + WS_NAME_MAX];
  snprintf(what, sizeof what, "%s: %s", f->path, name);
  if (!err) err = ws_sharing_create_groups(n, ids, what, sh);
  free(ids);
  return err;
}

static WsErr read_matrix(const WsH5File *f, const char *name, int n, WsSharing **sh) {
  double *A = ws_memory_calloc((size_t)n * n, sizeof *A);
  WsErr err = ws_comm_agree_alloc(f->comm, A != NULL);
  if (!err) err = ws_h5file_read_f64(f, name, (int64_t)n * n, A);
  for (int64_t i = 0; !err && i < (int64_t)n * n; i++)
    if (!isfinite(A[i]))
      err = ws_error_set(WS_ERR_INPUT, "%s: %s has a non-finite entry at (%lld, %lld)", f->path,
                         name, (long long)(i / n), (long long)(i % n));
  if (!err) err = ws_sharing_create_matrix(n, A, WS_PROJECTOR_TOL, sh);
  free(A);
  if (!err && !(*sh)->is_projector)
    ws_comm_warn(f->comm,
                 "%s: %s is not a symmetric projector (A = A^T = A^2); only --solver gd runs, "
                 "as the literal fixed-point iteration w <- A(w - step grad)",
                 f->path, name);
  return err;
}

WsErr ws_sharing_file_read(const WsH5File *f, WsSharingKind kind, const char *dataset,
                           const WsDesign *des, WsSharing **sh) {
  if (kind == WS_SHARING_NONE) return ws_comm_agree(f->comm, ws_sharing_create_none(des->n, sh));
  int groups = kind == WS_SHARING_GROUPS;
  const char *name = dataset ? dataset : groups ? "/groups" : "/A";
  WS_CALL(ws_comm_agree(f->comm, check_dataset(f, name, groups, des)));
  /* Building the operator is local and deterministic: every rank fails alike. */
  return ws_comm_agree(f->comm, groups ? read_groups(f, name, des->n, sh)
                                       : read_matrix(f, name, des->n, sh));
}
