#include "wshare/sharing_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Projector test tolerance of a dense A: entrywise on A - A^T and A^2 - A (README). */
static const double WS_PROJECTOR_TOL = 1e-10;

WsSharingKind ws_sharing_file_default_kind(const WsH5File *data) {
  return ws_h5file_exists(data, "/groups") ? WS_SHARING_GROUPS : WS_SHARING_NONE;
}

/* Local: the dataset must have the shape and type its kind needs; *per_output tells whether
 * groups are given per input (1-D) or per weight (n x q). */
static WsErr check_dataset(const WsH5File *f, const char *name, int groups, const WsDesign *des,
                           int *per_output) {
  WsDatasetInfo info;
  WS_CALL(ws_h5file_info(f, name, &info));
  int n = des->n, q = des->q;
  if (groups) {
    WS_CHECK(info.type_class == H5T_INTEGER, WS_ERR_INPUT,
             "%s: %s must be an integer dataset (found %s)", f->path, name,
             info.type_class == H5T_FLOAT ? "float" : "a non-numeric type");
    char cols[WS_NAME_MAX + 96];
    if (des->features->terms == WS_FEATURES_TOTAL)
      snprintf(cols, sizeof cols, "the monomials of degree 1 to %d in the %d columns of %s",
               des->degree, des->n_raw, des->x_name);
    else
      snprintf(cols, sizeof cols, "%d columns of %s x poly degree %d", des->n_raw, des->x_name,
               des->degree);
    *per_output = info.ndims == 1 || (info.ndims == 2 && q == 1 && info.dims[1] == 1);
    if (*per_output) {
      WS_CHECK(info.dims[0] == n && (info.ndims == 1 || info.dims[1] == 1), WS_ERR_INPUT,
               "%s: %s has %lld entries, expected %d (one per model column: %s)", f->path, name,
               (long long)(info.dims[0] * info.dims[1]), n, cols);
      return WS_OK;
    }
    WS_CHECK(info.dims[0] == n && info.dims[1] == q, WS_ERR_INPUT,
             "%s: %s is %lld x %lld, expected %d x %d (one per model column and output) or %d "
             "entries",
             f->path, name, (long long)info.dims[0], (long long)info.dims[1], n, q, n);
    return WS_OK;
  }
  WS_CHECK(q == 1, WS_ERR_INPUT,
           "--sharing matrix needs one output, but the targets have %d; use --sharing groups "
           "(one id per model column, or %d x %d)",
           q, n, q);
  WS_CHECK(info.type_class == H5T_FLOAT || info.type_class == H5T_INTEGER, WS_ERR_INPUT,
           "%s: %s must be numeric", f->path, name);
  WS_CHECK(info.ndims == 2 && info.dims[0] == n && info.dims[1] == n, WS_ERR_INPUT,
           "%s: %s must be %d x %d (one row and column per model column), found %lld x %lld",
           f->path, name, n, n, (long long)info.dims[0],
           (long long)(info.ndims == 2 ? info.dims[1] : 1));
  return WS_OK;
}

static WsErr read_groups(const WsH5File *f, const char *name, const WsDesign *des, int per_output,
                         WsSharing **sh) {
  int64_t count = per_output ? des->n : (int64_t)des->n * des->q;
  int64_t *ids = ws_memory_calloc((size_t)count, sizeof *ids);
  WsErr err = ws_comm_agree_alloc(f->comm, ids != NULL);
  if (!err) err = ws_h5file_read_i64(f, name, count, ids);
  char what[WS_PATH_MAX + WS_NAME_MAX];
  snprintf(what, sizeof what, "%s: %s", f->path, name);
  if (!err) err = ws_sharing_create_groups(des->n, des->q, per_output, ids, what, sh);
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
  if (kind == WS_SHARING_NONE)
    return ws_comm_agree(f->comm, ws_sharing_create_none(des->n, des->q, sh));
  int groups = kind == WS_SHARING_GROUPS, per_output = 1;
  const char *name = dataset ? dataset : groups ? "/groups" : "/A";
  WS_CALL(ws_comm_agree(f->comm, check_dataset(f, name, groups, des, &per_output)));
  /* Building the operator is local and deterministic: every rank fails alike. */
  return ws_comm_agree(f->comm, groups ? read_groups(f, name, des, per_output, sh)
                                       : read_matrix(f, name, des->n, sh));
}

WsErr ws_sharing_file_read_ids(const WsH5File *f, const char *dataset, const WsDesign *des,
                               int64_t *ids) {
  const char *name = dataset ? dataset : "/groups";
  WsDatasetInfo info;
  WsErr err = ws_h5file_info(f, name, &info);
  if (!err && info.ndims == 2 && info.type_class == H5T_FLOAT)
    err = ws_error_set(WS_ERR_INPUT,
                       "%s: %s is a %lld x %lld matrix; --sharing learn starts from a groups "
                       "dataset (one integer per model column) or from none",
                       f->path, name, (long long)info.dims[0], (long long)info.dims[1]);
  int per_output = 1;
  if (!err) err = check_dataset(f, name, 1, des, &per_output);
  if (!err && !per_output)
    err = ws_error_set(WS_ERR_INPUT,
                       "%s: %s has one id per weight and output; --sharing learn starts from "
                       "one id per model column",
                       f->path, name);
  WS_CALL(ws_comm_agree(f->comm, err));
  return ws_h5file_read_i64(f, name, des->n, ids);
}
