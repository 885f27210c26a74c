#include "wshare/result.h"

#include <hdf5.h>
#include <stdlib.h>

#include "wshare/h5file.h"
#include "wshare/h5small.h"
#include "wshare/outfile.h"

static WsErr write_group_values(hid_t f, const WsResult *r) {
  const WsSharing *sh = r->sharing;
  int g = sh->n_groups;
  double *values;
  WS_ALLOC(values, g);
  /* Every member of a group carries the group's value; take the first member's. */
  for (int j = sh->n - 1; j >= 0; j--)
    if (sh->tied_of[j] < g) values[sh->tied_of[j]] = r->w[j];
  WsErr err = ws_h5small_write_f64(f, "/group_values", values, g);
  if (!err) err = ws_h5small_write_i64(f, "/group_ids", sh->tied_id, g);
  free(values);
  return err;
}

static WsErr write_file(const char *path, const WsResult *r, int ranks) {
  WsOutfile out;
  WS_CALL(ws_outfile_begin(path, NULL, &out));
  hid_t f;
  WS_CALL(ws_outfile_create_h5(&out, 1, &f));
  WsErr err = WS_OK;
  const WsHistory *h = r->history;
  int64_t hl = h ? h->len : 0;
#define TRY(x)                                                                                     \
  if (!err) err = (x)
  TRY(ws_h5small_write_f64(f, "/w", r->w, r->sharing->n));
  TRY(ws_h5small_write_scalar(f, "/intercept", r->intercept));
  if (r->sharing->kind == WS_SHARING_GROUPS) TRY(write_group_values(f, r));
  TRY(ws_h5small_write_f64(f, "/history/loss", h ? h->loss : NULL, hl));
  TRY(ws_h5small_write_f64(f, "/history/grad_norm", h ? h->grad_norm : NULL, hl));
  TRY(ws_h5small_write_f64(f, "/history/seconds", h ? h->seconds : NULL, hl));
  if (r->has_stats) {
    TRY(ws_h5small_write_f64(f, "/stderr", r->stderr_w, r->sharing->n));
    TRY(ws_h5small_write_scalar(f, "/intercept_stderr", r->intercept_stderr));
    TRY(ws_h5small_attr_f64(f, "residual_sd", r->residual_sd));
    TRY(ws_h5small_attr_i64(f, "rank_deficient", r->rank_deficient));
  }
  TRY(ws_h5small_attr_str(f, "solver", r->solver));
  TRY(ws_h5small_attr_i64(f, "iterations", r->iterations));
  TRY(ws_h5small_attr_i64(f, "converged", r->converged));
  TRY(ws_h5small_attr_str(f, "stop_reason", r->stop_reason));
  TRY(ws_h5small_attr_f64(f, "loss", r->loss));
  TRY(ws_h5small_attr_f64(f, "grad_norm", r->grad_norm));
  TRY(ws_h5small_attr_f64(f, "rtol", r->rtol));
  TRY(ws_h5small_attr_i64(f, "ranks", ranks));
  TRY(ws_h5small_attr_i64(f, "rows", r->rows));
  TRY(ws_h5small_attr_i64(f, "cols", r->cols));
  TRY(ws_h5small_attr_i64(f, "groups",
                          r->sharing->kind == WS_SHARING_GROUPS ? r->sharing->n_groups : 0));
  TRY(ws_h5small_attr_f64(f, "wall_seconds", r->wall_seconds));
  TRY(ws_h5small_attr_f64(f, "read_seconds", r->read_seconds));
  TRY(ws_h5small_attr_f64(f, "r2", r->r2));
  TRY(ws_h5small_attr_f64(f, "rmse", r->rmse));
  TRY(ws_h5small_attr_str(f, "config", r->config));
  TRY(ws_h5small_attr_str(f, "wshare_version", WSHARE_VERSION));
  TRY(ws_h5small_attr_i64(f, "poly_degree", r->poly_degree));
  TRY(ws_h5small_attr_i64(f, "fit_intercept", r->fit_intercept));
  TRY(ws_h5small_attr_str(f, "sharing", ws_sharing_kind_name(r->sharing->kind)));
#undef TRY
  if (err) ws_error_prefix(err, path);
  err = ws_h5file_close_hid(f, err, path);
  if (!err) err = ws_outfile_commit(&out);
  if (err) ws_outfile_abandon(&out);
  return err;
}

WsErr ws_result_write(const char *path, const WsResult *r, MPI_Comm comm) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  WsErr err = rank == 0 ? write_file(path, r, size) : WS_OK;
  return ws_comm_agree(comm, err);
}
