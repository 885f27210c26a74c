#include "wshare/result.h"

#include <hdf5.h>
#include <stdlib.h>

#include "wshare/h5small.h"

/* One value per group (and per output with per-output ties, n_groups x q), ascending ids:
 * every member of a tied column carries its value. */
static WsErr write_group_values(hid_t f, const WsResult *r) {
  const WsSharing *sh = r->sharing;
  int per = sh->per_output ? sh->q : 1, g = sh->n_groups * per;
  double *values;
  WS_ALLOC(values, g);
  int64_t *ids;
  WS_ALLOC(ids, sh->n_groups);
  for (int e = 0; e < sh->nw; e++)
    if (sh->tied_of[e] >= 0 && sh->tied_of[e] < g) values[sh->tied_of[e]] = r->w[e];
  for (int i = 0; i < sh->n_groups; i++)
    ids[i] = sh->tied_id[i * per];
  WsErr err = per > 1 ? ws_h5small_write_f64_2d(f, "/group_values", values, sh->n_groups, per)
                      : ws_h5small_write_f64(f, "/group_values", values, g);
  if (!err) err = ws_h5small_write_i64(f, "/group_ids", ids, sh->n_groups);
  free(values);
  free(ids);
  return err;
}

/* n x q weights: 1-D with one output, as always; 2-D otherwise. */
static WsErr write_weights(hid_t f, const char *name, const WsResult *r, const double *w) {
  int n = r->sharing->n;
  return r->q == 1 ? ws_h5small_write_f64(f, name, w, n)
                   : ws_h5small_write_f64_2d(f, name, w, n, r->q);
}

/* One value per output: a scalar dataset with one output, q values otherwise. */
static WsErr write_outputs(hid_t f, const char *name, const WsResult *r, const double *v) {
  return r->q == 1 ? ws_h5small_write_scalar(f, name, v[0])
                   : ws_h5small_write_f64(f, name, v, r->q);
}

static WsErr attr_outputs(hid_t f, const char *name, const WsResult *r, const double *v) {
  return r->q == 1 ? ws_h5small_attr_f64(f, name, v[0])
                   : ws_h5small_attr_f64_array(f, name, v, r->q);
}

static WsErr write_file(const char *path, const WsResult *r, int ranks) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  WS_CHECK(f >= 0, WS_ERR_RUNTIME, "cannot create result file '%s'", path);
  WsErr err = WS_OK;
  const WsHistory *h = r->history;
  int64_t hl = h ? h->len : 0;
#define TRY(x)                                                                                     \
  if (!err) err = (x)
  TRY(write_weights(f, "/w", r, r->w));
  TRY(write_outputs(f, "/intercept", r, r->intercept));
  if (r->sharing->kind == WS_SHARING_GROUPS) TRY(write_group_values(f, r));
  TRY(ws_h5small_write_f64(f, "/history/loss", h ? h->loss : NULL, hl));
  TRY(ws_h5small_write_f64(f, "/history/grad_norm", h ? h->grad_norm : NULL, hl));
  TRY(ws_h5small_write_f64(f, "/history/seconds", h ? h->seconds : NULL, hl));
  if (r->has_stats) {
    TRY(write_weights(f, "/stderr", r, r->stderr_w));
    TRY(write_outputs(f, "/intercept_stderr", r, r->intercept_stderr));
    TRY(attr_outputs(f, "residual_sd", r, r->residual_sd));
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
  TRY(attr_outputs(f, "r2", r, r->r2));
  TRY(attr_outputs(f, "rmse", r, r->rmse));
  TRY(ws_h5small_attr_i64(f, "outputs", r->q));
  TRY(ws_h5small_attr_str(f, "config", r->config));
  TRY(ws_h5small_attr_str(f, "wshare_version", WSHARE_VERSION));
  TRY(ws_h5small_attr_i64(f, "poly_degree", r->poly_degree));
  TRY(ws_h5small_attr_i64(f, "fit_intercept", r->fit_intercept));
  TRY(ws_h5small_attr_str(f, "sharing", ws_sharing_kind_name(r->sharing->kind)));
#undef TRY
  if (H5Fclose(f) < 0 && !err) err = ws_error_set(WS_ERR_RUNTIME, "cannot close '%s'", path);
  if (err) return ws_error_prefix(err, path);
  return WS_OK;
}

WsErr ws_result_write(const char *path, const WsResult *r, MPI_Comm comm) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  WsErr err = rank == 0 ? write_file(path, r, size) : WS_OK;
  return ws_comm_agree(comm, err);
}
