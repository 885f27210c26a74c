/* wshare predict: y_pred = X w + b for a fitted model, each rank its own rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "wshare/design.h"
#include "wshare/footprint.h"
#include "wshare/h5small.h"
#include "wshare/outfile.h"
#include "wshare/paths.h"
#include "wshare/reduce.h"
#include "wshare/stats.h"

static const WsOptionSpec predict_specs[] = {
    {"model", "RESULT.h5", NULL, "result file of wshare solve"},
    {"data", "FILE", NULL, "HDF5 data file"},
    {"X", "DATASET", "/X", "design matrix dataset"},
    {"y", "DATASET", NULL, "targets, to report rmse and r2 [default: /y if present]"},
    {"out", "FILE", NULL, "file to write /y_pred to"},
    {"quiet", NULL, NULL, "print errors only"},
};

typedef struct {
  double *w;
  int64_t n;
  double intercept;
  int degree;
  int fit_intercept; /* decides which R^2 applies (wshare/stats.h) */
} Model;

static WsErr read_attr_int(const WsH5File *f, const char *name, int fallback, int *value) {
  double v = fallback;
  if (H5Aexists(f->file, name) > 0)
    WS_CALL(ws_comm_agree(f->comm, ws_h5small_read_attr_f64(f->file, f->path, name, &v)));
  *value = (int)v;
  return WS_OK;
}

static WsErr read_model(const char *path, MPI_Comm comm, Model *m) {
  WsH5File *f = NULL;
  WS_CALL(ws_h5file_open(path, comm, &f));
  WsDatasetInfo info;
  WsErr err = ws_h5file_exists(f, "/w") ? WS_OK
                                        : ws_error_set(WS_ERR_INPUT,
                                                       "predict: --model '%s' is not a wshare "
                                                       "result (it has no dataset /w)",
                                                       path);
  if (!err) err = ws_h5file_info(f, "/w", &info);
  err = ws_comm_agree(comm, err);
  if (!err) {
    m->n = info.dims[0];
    m->w = ws_memory_calloc((size_t)m->n, sizeof *m->w);
    err = ws_comm_agree_alloc(comm, m->w != NULL);
  }
  if (!err) err = ws_h5file_read_f64(f, "/w", m->n, m->w);
  if (!err) err = ws_h5file_read_f64(f, "/intercept", 1, &m->intercept);
  if (!err) err = read_attr_int(f, "poly_degree", 1, &m->degree);
  if (!err) err = read_attr_int(f, "fit_intercept", 0, &m->fit_intercept);
  ws_h5file_close(&f);
  return err;
}

/* Collective: /y_pred (and rmse, r2 with targets) into a temporary renamed to path once
 * every rank has written and closed it. */
static WsErr write_predictions(const char *path, const WsDesign *des, const double *pred,
                               MPI_Comm comm, const double metrics[2], int have_y) {
  WsOutfile out;
  WS_CALL(ws_outfile_begin_all(path, comm, &out));
  WsH5File *f = NULL;
  WsErr err = ws_h5file_create(out.temp, comm, &f);
  /* Messages name the file the user asked for, not its temporary. */
  if (!err) snprintf(f->path, sizeof f->path, "%s", path);
  hsize_t dims[1] = {(hsize_t)des->part.rows};
  hid_t space = H5I_INVALID_HID, d = H5I_INVALID_HID;
  /* Dataset creation is collective and fails alike everywhere; agree all the same. */
  WS_H5_TRY(err, space = H5Screate_simple(1, dims, NULL), "%s: cannot create /y_pred", path);
  WS_H5_TRY(err,
            d = H5Dcreate2(f->file, "/y_pred", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT),
            "%s: cannot create /y_pred", path);
  if (space >= 0) H5Sclose(space);
  err = ws_comm_agree(comm, err);
  if (!err) err = ws_dataset_write_rows(f, d, &des->part, 1, H5T_NATIVE_DOUBLE, pred);
  if (d >= 0 && H5Dclose(d) < 0 && !err)
    err = ws_h5file_failed(__FILE__, __LINE__, __func__, "cannot write '%s'", path);
  if (!err && have_y) {
    err = ws_h5small_attr_f64(f->file, "rmse", metrics[0]);
    if (!err) err = ws_h5small_attr_f64(f->file, "r2", metrics[1]);
    if (err) ws_error_prefix(err, path);
  }
  err = ws_h5file_close_written(&f, err, path);
  return ws_outfile_finish_all(&out, err, comm);
}

/* Local: predictions for this rank's rows; sums[0] += sum of squared residuals. */
static void predict_rows(WsDesign *des, const Model *model, int have_y, double *pred, double *rss) {
  for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
    int64_t rows = ws_design_slab_rows(des, i0);
    ws_design_rows(des, i0, rows, des->slab);
    for (int64_t i = 0; i < rows; i++) {
      double v = model->intercept;
      for (int j = 0; j < des->n; j++)
        v += des->slab[i * des->n + j] * model->w[j];
      pred[i0 + i] = v;
      if (have_y) *rss += (v - des->y[i0 + i]) * (v - des->y[i0 + i]);
    }
  }
}

/* Before any row is read (README "Errors and exit codes", the memory rule). */
static WsErr check_memory(const WsH5File *data, const char *x_name, const Model *model,
                          MPI_Comm comm) {
  WsDatasetInfo xi;
  /* A missing or ill-shaped X is reported by the reader, with its own message. */
  if (ws_h5file_info(data, x_name, &xi) != WS_OK || xi.ndims != 2) return WS_OK;
  int f32 = xi.type_class == H5T_FLOAT && xi.type_size == 4;
  WsFootprintShape shape = {xi.dims[0], (int)xi.dims[1], model->degree, f32 ? 4 : 8,
                            ws_dataset_can_map(data, x_name, f32 ? WS_DTYPE_F32 : WS_DTYPE_F64)};
  WsMemBudget budget;
  WS_CALL(ws_memcheck_budget(comm, &budget));
  WsMemNeeds needs;
  ws_memcheck_init(&needs, shape.rows);
  ws_footprint_design(&needs, &shape);
  ws_footprint_predict(&needs, &shape);
  char context[WS_PATH_MAX + 16];
  snprintf(context, sizeof context, "predict: %s", data->path);
  return ws_memcheck_check(&needs, &budget, context, comm);
}

static WsErr predict(const WsOptions *o, MPI_Comm comm, int rank) {
  WS_CALL(ws_options_require(o, "model"));
  WS_CALL(ws_options_require(o, "data"));
  WS_CALL(ws_options_require(o, "out"));
  WS_CALL(ws_options_no_positional(o));
  const WsPathInput inputs[] = {{"--model", ws_options_str(o, "model")},
                                {"--data", ws_options_str(o, "data")}};
  WS_CALL(ws_paths_check_output(comm, "predict", "--out", ws_options_str(o, "out"), inputs, 2));
  Model model = {0};
  WsH5File *data = NULL;
  WsDesign *des = NULL;
  double *pred = NULL;
  WsErr err = read_model(ws_options_str(o, "model"), comm, &model);
  if (!err) err = ws_h5file_open(ws_options_str(o, "data"), comm, &data);
  if (!err) err = check_memory(data, ws_options_str(o, "X"), &model, comm);
  const char *y_name = ws_options_str(o, "y");
  if (!err && !y_name) y_name = ws_h5file_exists(data, "/y") ? "/y" : NULL;
  WsDesignSource src = {ws_options_str(o, "X"), y_name, model.degree};
  if (!err) err = ws_design_read(data, &src, NULL, &des);
  if (!err && des->n != model.n)
    err = ws_error_set(
        WS_ERR_INPUT, "%s: %s gives %d model columns but the model %s has %lld weights", data->path,
        src.x_name, des->n, ws_options_str(o, "model"), (long long)model.n);
  if (!err) {
    pred = ws_memory_calloc((size_t)(des->part.count > 0 ? des->part.count : 1), sizeof *pred);
    err = ws_comm_agree_alloc(comm, pred != NULL);
  }
  double rss = 0.0, metrics[2] = {0.0, 0.0};
  if (!err) {
    predict_rows(des, &model, y_name != NULL, pred, &rss);
    err = ws_reduce_sum(comm, &rss, 1, NULL);
  }
  if (!err && y_name) {
    metrics[0] = sqrt(rss / (double)des->part.rows);
    metrics[1] = ws_stats_r2(rss, des->y_sum, des->y_sumsq, des->part.rows, model.fit_intercept);
  }
  if (!err)
    err = write_predictions(ws_options_str(o, "out"), des, pred, comm, metrics, y_name != NULL);
  if (!err && rank == 0 && !ws_options_flag(o, "quiet")) {
    printf("wshare predict: wrote %lld predictions to %s", (long long)des->part.rows,
           ws_options_str(o, "out"));
    if (y_name) printf(" (rmse %.6g, r2 %.10f)", metrics[0], metrics[1]);
    printf("\n");
  }
  free(pred);
  free(model.w);
  ws_design_destroy(&des);
  ws_h5file_close(&data);
  return err;
}

WsErr ws_cmd_predict(MPI_Comm comm, int argc, char **argv) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  WsOptions *o = NULL;
  /* Parsing is the same everywhere; only running out of memory could differ. */
  WS_CALL(ws_comm_agree(comm, ws_options_create("predict", predict_specs,
                                                sizeof predict_specs / sizeof *predict_specs, argc,
                                                argv, 0, &o)));
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0)
      ws_options_print_help(o, "wshare predict --model RESULT.h5 --data FILE --out FILE",
                            "Writes /y_pred = X w + b; with targets, also rmse and r2.");
  } else {
    err = predict(o, comm, rank);
  }
  ws_options_destroy(&o);
  return err;
}
