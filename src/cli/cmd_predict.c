/* wshare predict: Y_pred = X W + b for a fitted model (q outputs), each rank its own rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "help.h"
#include "report.h"
#include "wshare/design.h"
#include "wshare/footprint.h"
#include "wshare/h5small.h"
#include "wshare/outfile.h"
#include "wshare/paths.h"
#include "wshare/reduce.h"
#include "wshare/result.h"
#include "wshare/stats.h"

static const WsOptionSpec predict_specs[] = {
    {"model", "RESULT.h5", NULL, "result file of wshare solve (required)"},
    {"data", "FILE", NULL, "HDF5 data file (required)"},
    {"X", "DATASET", "/X", "design matrix dataset"},
    {"X-layout", "rows|columns", "rows", "columns: X is stored transposed, n x m"},
    {"y", "DATASET", NULL, "targets, to report rmse and r2 [default: /y or /Y if present]"},
    {"out", "FILE", NULL, "file to write /y_pred to (required)"},
    {"quiet", NULL, NULL, "print errors only"},
};

/* Collective: /y_pred (m x q) and, with targets, rmse and r2 per output, into a temporary
 * renamed to path once every rank has written and closed it. */
static WsErr write_predictions(const char *path, const WsDesign *des, int q, const double *pred,
                               MPI_Comm comm, const double *metrics, int have_y) {
  WsOutfile out;
  WS_CALL(ws_outfile_begin_all(path, comm, &out));
  WsH5File *f = NULL;
  WsErr err = ws_h5file_create(out.temp, comm, &f);
  /* Messages name the file the user asked for, not its temporary. */
  if (!err) snprintf(f->path, sizeof f->path, "%s", path);
  hsize_t dims[2] = {(hsize_t)des->part.rows, (hsize_t)q};
  hid_t space = H5I_INVALID_HID, d = H5I_INVALID_HID;
  /* Dataset creation is collective and fails alike everywhere; agree all the same. */
  WS_H5_TRY(err, space = H5Screate_simple(q > 1 ? 2 : 1, dims, NULL), "%s: cannot create /y_pred",
            path);
  WS_H5_TRY(err,
            d = H5Dcreate2(f->file, "/y_pred", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT),
            "%s: cannot create /y_pred", path);
  if (space >= 0) H5Sclose(space);
  err = ws_comm_agree(comm, err);
  if (!err) err = ws_dataset_write_rows(f, d, &des->part, q, H5T_NATIVE_DOUBLE, pred);
  if (d >= 0 && H5Dclose(d) < 0 && !err)
    err = ws_h5file_failed(__FILE__, __LINE__, __func__, "cannot write '%s'", path);
  /* One value per output: scalars with one output, arrays of q otherwise. */
  for (int a = 0; a < 2 && !err && have_y; a++) {
    const char *name = a == 0 ? "rmse" : "r2";
    const double *v = metrics + a * q;
    err = q == 1 ? ws_h5small_attr_f64(f->file, name, v[0])
                 : ws_h5small_attr_f64_array(f->file, name, v, q);
    if (err) ws_error_prefix(err, path);
  }
  err = ws_h5file_close_written(&f, err, path);
  return ws_outfile_finish_all(&out, err, comm);
}

/* Local: predictions for this rank's rows (count x q); rss[o] += each output's sum of squared
 * residuals. */
static void predict_rows(WsDesign *des, const WsResultFile *model, int have_y, double *pred,
                         double *rss) {
  int n = des->n, q = (int)model->outputs;
  ws_progress_begin(des->progress, "predict");
  for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_SLAB_ROWS) {
    ws_progress_update(des->progress, (double)i0 / (double)des->part.count, NULL);
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
  ws_progress_done(des->progress);
}

/* Before any row is read (README "Errors and exit codes", the memory rule). */
static WsErr check_memory(const WsH5File *data, const char *x_name, WsLayout layout,
                          const WsResultFile *model, MPI_Comm comm) {
  WsRowInfo xi;
  /* A missing or ill-shaped X is reported by the reader, with its own message. */
  if (ws_rowread_inspect(data, x_name, layout, &xi) != WS_OK || xi.ndims != 2) return WS_OK;
  WsFootprintShape shape = {.rows = xi.rows,
                            .n_raw = (int)xi.cols,
                            .n = (int)model->n,
                            .q = (int)model->outputs,
                            .x_bytes = xi.dtype == WS_DTYPE_F32 ? 4 : 8,
                            .mapped = xi.mappable};
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

static WsErr predict(const WsOptions *o, MPI_Comm comm, int rank, WsProgress *progress) {
  WS_CALL(ws_options_require(o, "model"));
  WS_CALL(ws_options_require(o, "data"));
  WS_CALL(ws_options_require(o, "out"));
  WS_CALL(ws_options_no_positional(o));
  const WsPathInput inputs[] = {{"--model", ws_options_str(o, "model")},
                                {"--data", ws_options_str(o, "data")}};
  WS_CALL(ws_paths_check_output(comm, "predict", "--out", ws_options_str(o, "out"), inputs, 2));
  WsResultFile *model = NULL;
  WsH5File *data = NULL;
  WsDesign *des = NULL;
  double *pred = NULL;
  WsErr err = ws_result_read(ws_options_str(o, "model"), comm, &model);
  if (!err) err = ws_h5file_open(ws_options_str(o, "data"), comm, &data);
  int layout = 0;
  if (!err) err = ws_options_choice(o, "X-layout", ws_rowread_layout_names(), &layout);
  if (!err) err = check_memory(data, ws_options_str(o, "X"), (WsLayout)layout, model, comm);
  const char *y_name = ws_options_str(o, "y");
  if (!err && !y_name)
    y_name = ws_h5file_exists(data, "/y") ? "/y" : ws_h5file_exists(data, "/Y") ? "/Y" : NULL;
  WsDesignSource src = {.x_name = ws_options_str(o, "X"),
                        .y_name = y_name,
                        .degree = 1,
                        .x_layout = (WsLayout)layout,
                        .progress = progress};
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
  if (!err && y_name && des->q != model->outputs)
    err = ws_error_set(WS_ERR_INPUT, "%s: %s has %d outputs but the model %s has %lld", data->path,
                       y_name, des->q, ws_options_str(o, "model"), (long long)model->outputs);
  int q = err ? 1 : (int)model->outputs;
  double *metrics = NULL, *rss = NULL;
  if (!err) {
    pred = ws_memory_calloc((size_t)(des->part.count > 0 ? des->part.count : 1) * q, sizeof *pred);
    metrics = ws_memory_calloc((size_t)3 * q, sizeof *metrics);
    err = ws_comm_agree_alloc(comm, pred && metrics);
    rss = metrics + 2 * q;
  }
  if (!err) {
    predict_rows(des, model, y_name != NULL, pred, rss);
    err = ws_reduce_sum(comm, rss, q, NULL);
  }
  double r2_mean = 0.0, rss_all = 0.0;
  for (int k = 0; !err && y_name && k < q; k++) {
    metrics[k] = sqrt(rss[k] / (double)des->part.rows);
    metrics[q + k] =
        ws_stats_r2(rss[k], des->y_sum[k], des->y_sumsq[k], des->part.rows, model->fit_intercept);
    r2_mean += metrics[q + k] / q;
    rss_all += rss[k];
  }
  if (!err)
    err = write_predictions(ws_options_str(o, "out"), des, q, pred, comm, metrics, y_name != NULL);
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
  /* Parsing is the same everywhere; only running out of memory could differ. */
  WS_CALL(ws_comm_agree(comm, ws_options_create(c->name, c->specs, c->count, argc, argv, 0, &o)));
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0) ws_help_print(stdout, c);
  } else {
    WsProgress *progress = NULL;
    err = ws_comm_agree_alloc(
        comm, ws_report_progress(comm, ws_options_flag(o, "quiet"), &progress) == WS_OK);
    if (!err) err = predict(o, comm, rank, progress);
    ws_progress_destroy(&progress);
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
