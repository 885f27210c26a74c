/* wshare predict: y_pred = X w + b for a fitted model, each rank its own rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "wshare/design.h"
#include "wshare/h5small.h"
#include "wshare/reduce.h"

static const WsOptionSpec predict_specs[] = {
    {"model", "RESULT.h5", NULL, "result file of wshare solve"},
    {"data", "FILE", NULL, "HDF5 data file"},
    {"X", "DATASET", "/X", "design matrix dataset"},
    {"X-layout", "rows|columns", "rows", "columns: X is stored transposed, n x m"},
    {"y", "DATASET", NULL, "targets, to report rmse and r2 [default: /y if present]"},
    {"out", "FILE", NULL, "file to write /y_pred to"},
    {"quiet", NULL, NULL, "print errors only"},
};

typedef struct {
  double *w;
  int64_t n;
  double intercept;
  int degree;
} Model;

static WsErr read_model(const char *path, MPI_Comm comm, Model *m) {
  WsH5File f;
  WS_CALL(ws_h5_open_read(path, comm, &f));
  WsDatasetInfo info;
  WsErr err = ws_error_agree(comm, ws_h5_info(&f, "/w", &info));
  if (!err) {
    m->n = info.dims[0];
    m->w = ws_calloc((size_t)m->n, sizeof *m->w);
    err = m->w ? ws_h5_read_all_f64(&f, "/w", m->n, m->w) : WS_ERR_RUNTIME;
  }
  if (!err) err = ws_h5_read_all_f64(&f, "/intercept", 1, &m->intercept);
  double degree = 1.0;
  if (!err && H5Aexists(f.file, "poly_degree") > 0)
    err = ws_error_agree(comm, ws_h5s_read_attr_f64(f.file, path, "poly_degree", &degree));
  m->degree = (int)degree;
  ws_h5_close(&f);
  return err;
}

static WsErr write_predictions(const char *path, const WsDesign *des, const double *pred,
                               MPI_Comm comm, const double metrics[2], int have_y) {
  WsH5File f;
  WS_CALL(ws_h5_create(path, comm, &f));
  hsize_t dims[1] = {(hsize_t)des->part.rows};
  hid_t space = H5Screate_simple(1, dims, NULL);
  hid_t d =
      H5Dcreate2(f.file, "/y_pred", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  WsErr err = d < 0 ? ws_error_set(WS_ERR_RUNTIME, "%s: cannot create /y_pred", path) : WS_OK;
  WS_CALL(ws_error_agree(comm, err));
  err = ws_h5_write_rows(&f, d, &des->part, 1, H5T_NATIVE_DOUBLE, pred);
  H5Dclose(d);
  if (!err && have_y) {
    err = ws_error_agree(comm, ws_h5s_attr_f64(f.file, "rmse", metrics[0]));
    if (!err) err = ws_error_agree(comm, ws_h5s_attr_f64(f.file, "r2", metrics[1]));
  }
  ws_h5_close(&f);
  return err;
}

WsErr ws_cmd_predict(MPI_Comm comm, int argc, char **argv) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  WsOptions o;
  WS_CALL(ws_options_parse(&o, "predict", predict_specs,
                           sizeof predict_specs / sizeof *predict_specs, argc, argv, 0));
  if (o.help) {
    if (rank == 0)
      ws_options_print_help(&o, "wshare predict --model RESULT.h5 --data FILE --out FILE",
                            "Writes /y_pred = X w + b; with targets, also rmse and r2.");
    return WS_OK;
  }
  WS_CALL(ws_opt_require(&o, "model"));
  WS_CALL(ws_opt_require(&o, "data"));
  WS_CALL(ws_opt_require(&o, "out"));
  static const char *const layouts[] = {"rows", "columns", NULL};
  int layout;
  WS_CALL(ws_opt_choice(&o, "X-layout", layouts, &layout));
  Model model = {0};
  WS_CALL(read_model(ws_opt_str(&o, "model"), comm, &model));
  const char *y_name = ws_opt_str(&o, "y");
  if (!y_name) {
    WsH5File f;
    WS_CALL(ws_h5_open_read(ws_opt_str(&o, "data"), comm, &f));
    y_name = ws_h5_exists(&f, "/y") ? "/y" : NULL;
    ws_h5_close(&f);
  }
  WsDesignSource src = {ws_opt_str(&o, "data"), ws_opt_str(&o, "X"), y_name, model.degree,
                        (WsLayout)layout};
  WsDesign *des = NULL;
  WsErr err = ws_design_read(&src, comm, NULL, &des);
  if (!err && des->n != model.n)
    err = ws_error_set(WS_ERR_INPUT,
                       "%s: %s gives %d model columns but the model %s has %lld "
                       "weights",
                       src.path, src.x_name, des->n, ws_opt_str(&o, "model"), (long long)model.n);
  double *pred = NULL;
  double sums[3] = {0.0, 0.0, 0.0}; /* sum r^2, sum y, sum y^2 */
  if (!err) {
    pred = ws_calloc((size_t)(des->part.count > 0 ? des->part.count : 1), sizeof *pred);
    for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
      int64_t rows = ws_design_slab_rows(des, i0);
      ws_design_rows(des, i0, rows, des->slab);
      for (int64_t i = 0; i < rows; i++) {
        double v = model.intercept;
        for (int j = 0; j < des->n; j++)
          v += des->slab[i * des->n + j] * model.w[j];
        pred[i0 + i] = v;
        if (y_name) sums[0] += (v - des->y[i0 + i]) * (v - des->y[i0 + i]);
      }
    }
    err = ws_reduce_sum(comm, sums, 1, NULL);
  }
  double metrics[2] = {0.0, 0.0};
  if (!err && y_name) {
    double m = (double)des->part.rows;
    double tss = des->y_sumsq - des->y_sum * des->y_sum / m;
    metrics[0] = sqrt(sums[0] / m);
    metrics[1] = tss > 0.0 ? 1.0 - sums[0] / tss : 0.0;
  }
  if (!err)
    err = write_predictions(ws_opt_str(&o, "out"), des, pred, comm, metrics, y_name != NULL);
  if (!err && rank == 0 && !ws_opt_flag(&o, "quiet")) {
    printf("wshare predict: wrote %lld predictions to %s", (long long)des->part.rows,
           ws_opt_str(&o, "out"));
    if (y_name) printf(" (rmse %.6g, r2 %.10f)", metrics[0], metrics[1]);
    printf("\n");
  }
  free(pred);
  free(model.w);
  ws_design_destroy(&des);
  return err;
}
