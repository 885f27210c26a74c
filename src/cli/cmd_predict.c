/* wshare predict: Y_pred = X W + b for a fitted model (q outputs), each rank its own rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "wshare/design.h"
#include "wshare/h5small.h"
#include "wshare/reduce.h"
#include "wshare/stats.h"

static const WsOptionSpec predict_specs[] = {
    {"model", "RESULT.h5", NULL, "result file of wshare solve"},
    {"data", "FILE", NULL, "HDF5 data file"},
    {"X", "DATASET", "/X", "design matrix dataset"},
    {"y", "DATASET", NULL, "targets, to report rmse and r2 [default: /y or /Y if present]"},
    {"out", "FILE", NULL, "file to write /y_pred to"},
    {"quiet", NULL, NULL, "print errors only"},
};

typedef struct {
  double *w; /* n x q, row-major */
  int64_t n;
  int q;
  double *intercept; /* q */
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
  WsErr err = ws_comm_agree(comm, ws_h5file_info(f, "/w", &info));
  if (!err) {
    /* /w is n (one output) or n x q. */
    m->n = info.dims[0];
    m->q = info.ndims == 2 ? (int)info.dims[1] : 1;
    m->w = ws_memory_calloc((size_t)(m->n * m->q), sizeof *m->w);
    m->intercept = ws_memory_calloc((size_t)m->q, sizeof *m->intercept);
    err = ws_comm_agree_alloc(comm, m->w && m->intercept);
  }
  if (!err) err = ws_h5file_read_f64(f, "/w", m->n * m->q, m->w);
  if (!err) err = ws_h5file_read_f64(f, "/intercept", m->q, m->intercept);
  if (!err) err = read_attr_int(f, "poly_degree", 1, &m->degree);
  if (!err) err = read_attr_int(f, "fit_intercept", 0, &m->fit_intercept);
  ws_h5file_close(&f);
  return err;
}

static WsErr write_predictions(const char *path, const WsDesign *des, const Model *model,
                               const double *pred, MPI_Comm comm, const double *metrics,
                               int have_y) {
  int q = model->q;
  WsH5File *f = NULL;
  WS_CALL(ws_h5file_create(path, comm, &f));
  hsize_t dims[2] = {(hsize_t)des->part.rows, (hsize_t)q};
  hid_t space = H5Screate_simple(q > 1 ? 2 : 1, dims, NULL);
  hid_t d = space < 0 ? H5I_INVALID_HID
                      : H5Dcreate2(f->file, "/y_pred", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                   H5P_DEFAULT, H5P_DEFAULT);
  if (space >= 0) H5Sclose(space);
  WsErr err = d < 0 ? ws_error_set(WS_ERR_RUNTIME, "%s: cannot create /y_pred", path) : WS_OK;
  err = ws_comm_agree(comm, err);
  if (!err) err = ws_dataset_write_rows(f, d, &des->part, q, H5T_NATIVE_DOUBLE, pred);
  if (d >= 0) H5Dclose(d);
  /* One value per output: scalars with one output, arrays of q otherwise. */
  for (int a = 0; a < 2 && !err && have_y; a++) {
    const char *name = a == 0 ? "rmse" : "r2";
    const double *v = metrics + a * q;
    err = ws_comm_agree(comm, q == 1 ? ws_h5small_attr_f64(f->file, name, v[0])
                                     : ws_h5small_attr_f64_array(f->file, name, v, q));
  }
  ws_h5file_close(&f);
  return err;
}

/* Local: predictions for this rank's rows (count x q); rss[o] += each output's sum of squared
 * residuals. */
static void predict_rows(WsDesign *des, const Model *model, int have_y, double *pred, double *rss) {
  int n = des->n, q = model->q;
  for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
    int64_t rows = ws_design_slab_rows(des, i0);
    ws_design_rows(des, i0, rows, des->slab);
    for (int64_t i = 0; i < rows; i++) {
      double *out = pred + (i0 + i) * q;
      for (int o = 0; o < q; o++)
        out[o] = model->intercept[o];
      for (int j = 0; j < n; j++) {
        double x = des->slab[i * n + j];
        for (int o = 0; o < q; o++)
          out[o] += x * model->w[(int64_t)j * q + o];
      }
      for (int o = 0; have_y && o < q; o++) {
        double r = out[o] - des->y[(i0 + i) * q + o];
        rss[o] += r * r;
      }
    }
  }
}

static WsErr predict(const WsOptions *o, MPI_Comm comm, int rank) {
  WS_CALL(ws_options_require(o, "model"));
  WS_CALL(ws_options_require(o, "data"));
  WS_CALL(ws_options_require(o, "out"));
  Model model = {0};
  WsH5File *data = NULL;
  WsDesign *des = NULL;
  double *pred = NULL;
  WsErr err = read_model(ws_options_str(o, "model"), comm, &model);
  if (!err) err = ws_h5file_open(ws_options_str(o, "data"), comm, &data);
  const char *y_name = ws_options_str(o, "y");
  if (!err && !y_name)
    y_name = ws_h5file_exists(data, "/y") ? "/y" : ws_h5file_exists(data, "/Y") ? "/Y" : NULL;
  WsDesignSource src = {ws_options_str(o, "X"), y_name, model.degree};
  if (!err) err = ws_design_read(data, &src, NULL, &des);
  if (!err && des->n != model.n)
    err = ws_error_set(
        WS_ERR_INPUT, "%s: %s gives %d model columns but the model %s has %lld weights", data->path,
        src.x_name, des->n, ws_options_str(o, "model"), (long long)model.n);
  if (!err && y_name && des->q != model.q)
    err = ws_error_set(WS_ERR_INPUT, "%s: %s has %d outputs but the model %s has %d", data->path,
                       y_name, des->q, ws_options_str(o, "model"), model.q);
  int q = model.q;
  double *metrics = NULL, *rss = NULL;
  if (!err) {
    pred = ws_memory_calloc((size_t)(des->part.count > 0 ? des->part.count : 1) * q, sizeof *pred);
    metrics = ws_memory_calloc((size_t)3 * q, sizeof *metrics);
    err = ws_comm_agree_alloc(comm, pred && metrics);
    rss = metrics + 2 * q;
  }
  if (!err) {
    predict_rows(des, &model, y_name != NULL, pred, rss);
    err = ws_reduce_sum(comm, rss, q, NULL);
  }
  double r2_mean = 0.0, rss_all = 0.0;
  for (int k = 0; !err && y_name && k < q; k++) {
    metrics[k] = sqrt(rss[k] / (double)des->part.rows);
    metrics[q + k] =
        ws_stats_r2(rss[k], des->y_sum[k], des->y_sumsq[k], des->part.rows, model.fit_intercept);
    r2_mean += metrics[q + k] / q;
    rss_all += rss[k];
  }
  if (!err)
    err = write_predictions(ws_options_str(o, "out"), des, &model, pred, comm, metrics,
                            y_name != NULL);
  if (!err && rank == 0 && !ws_options_flag(o, "quiet")) {
    printf("wshare predict: wrote %lld predictions to %s", (long long)des->part.rows,
           ws_options_str(o, "out"));
    if (y_name && q == 1) printf(" (rmse %.6g, r2 %.10f)", metrics[0], metrics[1]);
    if (y_name && q > 1)
      printf(" (%d outputs: rmse %.6g over all, mean r2 %.10f)", q,
             sqrt(rss_all / ((double)des->part.rows * q)), r2_mean);
    printf("\n");
  }
  free(metrics);
  free(pred);
  free(model.w);
  free(model.intercept);
  ws_design_destroy(&des);
  ws_h5file_close(&data);
  return err;
}

WsErr ws_cmd_predict(MPI_Comm comm, int argc, char **argv) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  WsOptions *o = NULL;
  WS_CALL(ws_options_create("predict", predict_specs, sizeof predict_specs / sizeof *predict_specs,
                            argc, argv, 0, &o));
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
