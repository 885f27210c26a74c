/* wshare predict: y_pred = X w + b for a fitted model, each rank its own rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "help.h"
#include "wshare/design.h"
#include "wshare/h5small.h"
#include "wshare/reduce.h"
#include "wshare/result.h"
#include "wshare/stats.h"

static const WsOptionSpec predict_specs[] = {
    {"model", "RESULT.h5", NULL, "result file of wshare solve (required)"},
    {"data", "FILE", NULL, "HDF5 data file (required)"},
    {"X", "DATASET", "/X", "design matrix dataset"},
    {"X-layout", "rows|columns", "rows", "columns: X is stored transposed, n x m"},
    {"X-layout", "rows|columns", "rows", "columns: X is stored transposed, n x m"},
    {"y", "DATASET", NULL, "targets, to report rmse and r2 [default: /y if present]"},
    {"out", "FILE", NULL, "file to write /y_pred to (required)"},
    {"quiet", NULL, NULL, "print errors only"},
};

static WsErr write_predictions(const char *path, const WsDesign *des, const double *pred,
                               MPI_Comm comm, const double metrics[2], int have_y) {
  WsH5File *f = NULL;
  WS_CALL(ws_h5file_create(path, comm, &f));
  hsize_t dims[1] = {(hsize_t)des->part.rows};
  hid_t space = H5Screate_simple(1, dims, NULL);
  hid_t d = space < 0 ? H5I_INVALID_HID
                      : H5Dcreate2(f->file, "/y_pred", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                   H5P_DEFAULT, H5P_DEFAULT);
  if (space >= 0) H5Sclose(space);
  WsErr err = d < 0 ? ws_error_set(WS_ERR_RUNTIME, "%s: cannot create /y_pred", path) : WS_OK;
  err = ws_comm_agree(comm, err);
  if (!err) err = ws_dataset_write_rows(f, d, &des->part, 1, H5T_NATIVE_DOUBLE, pred);
  if (d >= 0) H5Dclose(d);
  if (!err && have_y) {
    err = ws_comm_agree(comm, ws_h5small_attr_f64(f->file, "rmse", metrics[0]));
    if (!err) err = ws_comm_agree(comm, ws_h5small_attr_f64(f->file, "r2", metrics[1]));
  }
  ws_h5file_close(&f);
  return err;
}

/* Local: predictions for this rank's rows; sums[0] += sum of squared residuals. */
static void predict_rows(WsDesign *des, const WsResultFile *model, int have_y, double *pred,
                         double *rss) {
  for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
    int64_t rows = ws_design_slab_rows(des, i0);
    ws_design_rows(des, i0, rows, des->slab);
    for (int64_t i = 0; i < rows; i++) {
      double v = model->intercept[0];
      for (int j = 0; j < des->n; j++)
        v += des->slab[i * des->n + j] * model->w[j];
      pred[i0 + i] = v;
      if (have_y) *rss += (v - des->y[i0 + i]) * (v - des->y[i0 + i]);
    }
  }
}

static WsErr predict(const WsOptions *o, MPI_Comm comm, int rank) {
  WS_CALL(ws_options_require(o, "model"));
  WS_CALL(ws_options_require(o, "data"));
  WS_CALL(ws_options_require(o, "out"));
  WsResultFile *model = NULL;
  WsH5File *data = NULL;
  WsDesign *des = NULL;
  double *pred = NULL;
  WsErr err = ws_result_read(ws_options_str(o, "model"), comm, &model);
  if (!err && model->outputs != 1)
    err = ws_error_set(WS_ERR_INPUT, "%s: /w has %lld outputs; predict takes one",
                       ws_options_str(o, "model"), (long long)model->outputs);
  if (!err) err = ws_h5file_open(ws_options_str(o, "data"), comm, &data);
  const char *y_name = ws_options_str(o, "y");
  if (!err && !y_name) y_name = ws_h5file_exists(data, "/y") ? "/y" : NULL;
  int layout = 0;
  if (!err) err = ws_options_choice(o, "X-layout", ws_rowread_layout_names(), &layout);
  WsDesignSource src = {.x_name = ws_options_str(o, "X"),
                        .y_name = y_name,
                        .degree = 1,
                        .x_layout = (WsLayout)layout};
  if (!err) {
    src.degree = model->poly_degree;
    src.terms = model->poly_terms;
    src.basis = model->poly_basis;
    src.map_lo = model->poly_min;
    src.map_hi = model->poly_max;
    src.map_cols = model->poly_cols;
  }
  if (!err) err = ws_design_read(data, &src, NULL, &des);
  if (!err && des->n != model->n)
    err = ws_error_set(
        WS_ERR_INPUT, "%s: %s gives %d model columns but the model %s has %lld weights", data->path,
        src.x_name, des->n, ws_options_str(o, "model"), (long long)model->n);
  if (!err) {
    pred = ws_memory_calloc((size_t)(des->part.count > 0 ? des->part.count : 1), sizeof *pred);
    err = ws_comm_agree_alloc(comm, pred != NULL);
  }
  double rss = 0.0, metrics[2] = {0.0, 0.0};
  if (!err) {
    predict_rows(des, model, y_name != NULL, pred, &rss);
    err = ws_reduce_sum(comm, &rss, 1, NULL);
  }
  if (!err && y_name) {
    metrics[0] = sqrt(rss / (double)des->part.rows);
    metrics[1] = ws_stats_r2(rss, des->y_sum, des->y_sumsq, des->part.rows, model->fit_intercept);
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
  ws_result_destroy(&model);
  ws_design_destroy(&des);
  ws_h5file_close(&data);
  return err;
}

WsErr ws_cmd_predict(MPI_Comm comm, int argc, char **argv) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  const WsCommand *c = ws_cmd_predict_describe();
  WsOptions *o = NULL;
  WS_CALL(ws_options_create(c->name, c->specs, c->count, argc, argv, 0, &o));
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0) ws_help_print(stdout, c);
  } else {
    err = predict(o, comm, rank);
  }
  ws_options_destroy(&o);
  return err;
}

const WsCommand *ws_cmd_predict_describe(void) {
  static const WsCommand c = {
      .name = "predict",
      .summary = "apply a fitted model to data",
      .synopsis = "wshare predict --model RESULT.h5 --data FILE --out FILE [options]",
      .about = "Writes /y_pred = X w + b for every row of the data, each rank its own rows (the\n"
               "model's polynomial features are applied, with its basis and map).  With\n"
               "targets it also reports and stores rmse and r2.",
      .specs = predict_specs,
      .count = sizeof predict_specs / sizeof *predict_specs,
      .examples =
          {{"predictions of fit.h5 for the rows of data.h5, with rmse and r2 against its /y",
            "mpirun -n 4 wshare predict --model fit.h5 --data data.h5 --out pred.h5"},
           {"the same model on another file with the same columns, printing nothing",
            "wshare predict --model fit.h5 --data data32.h5 --out pred32.h5 --quiet"}},
      .run = ws_cmd_predict,
  };
  return &c;
}
