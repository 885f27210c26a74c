#include "wshare/result.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/h5file.h"
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

/* What predict needs to rebuild the model columns: terms, basis and the map of each raw
 * column to [-1, 1] (README "File formats"). */
static WsErr write_features(hid_t f, const WsFeatures *feat) {
  if (!feat) return WS_OK; /* a caller without features: plain columns (what read assumes) */
  WS_CALL(ws_h5small_attr_str(f, "poly_terms", ws_features_terms_names()[feat->terms]));
  WS_CALL(ws_h5small_attr_str(f, "poly_basis", ws_features_basis_names()[feat->basis]));
  if (feat->basis == WS_FEATURES_MONOMIAL) return WS_OK;
  WS_CALL(ws_h5small_write_f64(f, "/poly/min", feat->lo, feat->n_raw));
  return ws_h5small_write_f64(f, "/poly/max", feat->hi, feat->n_raw);
}

static WsErr write_learn(hid_t f, const WsResultLearn *l, int n) {
  int64_t *ids;
  WS_ALLOC(ids, l->k);
  for (int i = 0; i < l->k; i++)
    ids[i] = i;
  WsErr err = ws_h5small_write_i64(f, "/groups", l->groups, n);
  if (!err) err = ws_h5small_write_f64(f, "/group_values", l->group_values, l->k);
  if (!err) err = ws_h5small_write_i64(f, "/group_ids", ids, l->k);
  if (!err) err = ws_h5small_write_f64(f, "/learn/k", l->path_k, l->path_len);
  if (!err) err = ws_h5small_write_f64(f, "/learn/rss", l->path_rss, l->path_len);
  if (!err) err = ws_h5small_write_f64(f, "/learn/criterion", l->path_criterion, l->path_len);
  if (!err) err = ws_h5small_write_f64(f, "/learn/improvement", l->path_gain, l->path_len);
  if (!err) err = ws_h5small_attr_i64(f, "learned_groups", l->k);
  if (!err) err = ws_h5small_attr_str(f, "learn_criterion", l->criterion);
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
  if (r->learn) {
    TRY(write_learn(f, r->learn, r->sharing->n));
  } else if (r->sharing->kind == WS_SHARING_GROUPS) {
    TRY(write_group_values(f, r));
  }
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
                          r->learn                                ? r->learn->k
                          : r->sharing->kind == WS_SHARING_GROUPS ? r->sharing->n_groups
                                                                  : 0));
  TRY(ws_h5small_attr_f64(f, "wall_seconds", r->wall_seconds));
  TRY(ws_h5small_attr_f64(f, "read_seconds", r->read_seconds));
  TRY(attr_outputs(f, "r2", r, r->r2));
  TRY(attr_outputs(f, "rmse", r, r->rmse));
  TRY(ws_h5small_attr_i64(f, "outputs", r->q));
  TRY(ws_h5small_attr_str(f, "config", r->config));
  TRY(ws_h5small_attr_str(f, "wshare_version", WSHARE_VERSION));
  TRY(ws_h5small_attr_i64(f, "poly_degree", r->poly_degree));
  TRY(write_features(f, r->features));
  TRY(ws_h5small_attr_i64(f, "fit_intercept", r->fit_intercept));
  TRY(ws_h5small_attr_str(f, "sharing",
                          r->learn ? "learn" : ws_sharing_kind_name(r->sharing->kind)));
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

/* Attributes of the result: required ones fail with their name, optional ones keep the
 * value already set. */
static WsErr read_number(hid_t f, const char *path, const char *name, int required, double *value) {
  if (!required && H5Aexists(f, name) <= 0) return WS_OK;
  return ws_h5small_read_attr_f64(f, path, name, value);
}

static WsErr read_text(hid_t f, const char *path, const char *name, int required, char **value) {
  if (required || H5Aexists(f, name) > 0) return ws_h5small_read_attr_str(f, path, name, value);
  WS_ALLOC(*value, 1);
  return WS_OK;
}

/* A required attribute of one value per output (a scalar with one output). */
static WsErr read_outputs_attr(hid_t f, const char *path, const char *name, int64_t outputs,
                               double *values) {
  WS_CHECK(H5Aexists(f, name) > 0, WS_ERR_INPUT, "%s: attribute %s missing", path, name);
  hid_t a = H5Aopen(f, name, H5P_DEFAULT);
  hid_t space = a < 0 ? H5I_INVALID_HID : H5Aget_space(a);
  hssize_t count = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
  herr_t st = count == outputs ? H5Aread(a, H5T_NATIVE_DOUBLE, values) : -1;
  if (space >= 0) H5Sclose(space);
  if (a >= 0) H5Aclose(a);
  WS_CHECK(count == outputs, WS_ERR_INPUT, "%s: attribute %s has %lld values for %lld outputs",
           path, name, (long long)count, (long long)outputs);
  WS_CHECK(st >= 0, WS_ERR_INPUT, "%s: cannot read attribute %s", path, name);
  return WS_OK;
}

static WsErr read_attributes(const WsH5File *file, WsResultFile *r) {
  hid_t f = file->file;
  const char *path = file->path;
  double iterations = 0, converged = 0, rows = 0, ranks = 0, degree = 1, intercept = 0, k = 0;
  WS_CALL(read_text(f, path, "solver", 1, &r->solver));
  WS_CALL(read_text(f, path, "stop_reason", 1, &r->stop_reason));
  WS_CALL(read_number(f, path, "iterations", 1, &iterations));
  WS_CALL(read_number(f, path, "converged", 1, &converged));
  WS_CALL(read_number(f, path, "loss", 1, &r->loss));
  WS_CALL(read_number(f, path, "grad_norm", 1, &r->grad_norm));
  WS_CALL(read_outputs_attr(f, path, "r2", r->outputs, r->r2));
  WS_CALL(read_outputs_attr(f, path, "rmse", r->outputs, r->rmse));
  WS_CALL(read_number(f, path, "rows", 1, &rows));
  WS_CALL(read_number(f, path, "ranks", 0, &ranks));
  WS_CALL(read_number(f, path, "poly_degree", 0, &degree));
  WS_CALL(read_number(f, path, "fit_intercept", 0, &intercept));
  WS_CALL(read_number(f, path, "learned_groups", 0, &k));
  WS_CALL(read_text(f, path, "sharing", 0, &r->sharing));
  WS_CALL(read_text(f, path, "config", 0, &r->config));
  r->iterations = (int64_t)iterations;
  r->converged = converged != 0.0;
  r->rows = (int64_t)rows;
  r->ranks = (int)ranks;
  r->poly_degree = (int)degree;
  r->fit_intercept = intercept != 0.0;
  r->learned_groups = (int64_t)k;
  return WS_OK;
}

/* A string attribute naming one of names (absent: the first, as models written before the
 * attribute existed mean); a name this wshare does not know is refused. */
static WsErr read_choice(hid_t f, const char *path, const char *name, const char *const *names,
                         int *value) {
  *value = 0;
  if (H5Aexists(f, name) <= 0) return WS_OK;
  char *text = NULL, list[128] = "";
  WS_CALL(ws_h5small_read_attr_str(f, path, name, &text));
  WsErr err = WS_OK;
  for (int c = 0; names[c]; c++) {
    if (strcmp(text, names[c]) == 0) {
      *value = c;
      free(text);
      return WS_OK;
    }
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", c ? "|" : "", names[c]);
  }
  err = ws_error_set(WS_ERR_INPUT,
                     "%s: attribute %s is '%s', which this wshare does not know (expected %s)",
                     path, name, text, list);
  free(text);
  return err;
}

/* The polynomial features of the model: terms, basis, and the map's bounds. */
static WsErr read_features(const WsH5File *f, WsResultFile *r) {
  int terms, basis;
  WS_CALL(read_choice(f->file, f->path, "poly_terms", ws_features_terms_names(), &terms));
  WS_CALL(read_choice(f->file, f->path, "poly_basis", ws_features_basis_names(), &basis));
  r->poly_terms = (WsFeaturesTerms)terms;
  r->poly_basis = (WsFeaturesBasis)basis;
  if (r->poly_basis == WS_FEATURES_MONOMIAL) return WS_OK;
  WsDatasetInfo lo, hi;
  WS_CALL(ws_h5file_info(f, "/poly/min", &lo));
  WS_CALL(ws_h5file_info(f, "/poly/max", &hi));
  WS_CHECK(lo.ndims == 1 && hi.ndims == 1 && lo.dims[0] == hi.dims[0] && lo.dims[0] > 0,
           WS_ERR_INPUT, "%s: /poly/min and /poly/max must be 1-D of the same length", f->path);
  r->poly_cols = (int)lo.dims[0];
  WS_ALLOC(r->poly_min, r->poly_cols);
  WS_ALLOC(r->poly_max, r->poly_cols);
  return WS_OK;
}

static WsErr read_result(const WsH5File *f, WsResultFile *r) {
  WsDatasetInfo info;
  WS_CALL(ws_h5file_info(f, "/w", &info));
  WS_CHECK(info.ndims == 1 || info.ndims == 2, WS_ERR_INPUT, "%s: /w has %d dimensions", f->path,
           info.ndims);
  r->n = info.dims[0];
  r->outputs = info.ndims == 2 ? info.dims[1] : 1;
  WS_ALLOC(r->w, r->n * r->outputs);
  WS_ALLOC(r->intercept, r->outputs);
  WS_ALLOC(r->r2, r->outputs);
  WS_ALLOC(r->rmse, r->outputs);
  WS_CALL(read_attributes(f, r));
  WS_CALL(read_features(f, r));
  WS_CALL(ws_history_create(&r->history));
  return ws_history_read(r->history, f->file, f->path);
}

WsErr ws_result_read(const char *path, MPI_Comm comm, WsResultFile **out) {
  *out = NULL;
  WsH5File *f = NULL;
  WS_CALL(ws_h5file_open(path, comm, &f));
  WsResultFile *r = ws_memory_calloc(1, sizeof *r);
  WsErr err = ws_comm_agree_alloc(comm, r != NULL);
  if (!err) err = ws_comm_agree(comm, read_result(f, r));
  /* The vectors through the collective reads, which check their sizes. */
  if (!err) err = ws_h5file_read_f64(f, "/w", r->n * r->outputs, r->w);
  if (!err) err = ws_h5file_read_f64(f, "/intercept", r->outputs, r->intercept);
  if (!err && r->poly_cols > 0) err = ws_h5file_read_f64(f, "/poly/min", r->poly_cols, r->poly_min);
  if (!err && r->poly_cols > 0) err = ws_h5file_read_f64(f, "/poly/max", r->poly_cols, r->poly_max);
  ws_h5file_close(&f);
  if (err) {
    ws_result_destroy(&r);
    return err;
  }
  *out = r;
  return WS_OK;
}

void ws_result_destroy(WsResultFile **r) {
  if (!r || !*r) return;
  WsResultFile *x = *r;
  free(x->w);
  free(x->intercept);
  free(x->r2);
  free(x->rmse);
  free(x->solver);
  free(x->stop_reason);
  free(x->sharing);
  free(x->config);
  free(x->poly_min);
  free(x->poly_max);
  ws_history_destroy(&x->history);
  free(x);
  *r = NULL;
}
