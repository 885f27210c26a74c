/* wshare gen: a random weight-shared problem.  Every value comes from a counter-based
 * generator indexed by (seed, row, column), so each rank writes its own block of rows and
 * the file is the same for any number of ranks. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "wshare/dataset.h"
#include "wshare/footprint.h"
#include "wshare/h5small.h"
#include "wshare/outfile.h"
#include "wshare/paths.h"
#include "wshare/rng.h"

enum { STREAM_X = 1, STREAM_NOISE, STREAM_W, STREAM_SHUFFLE };

static const WsOptionSpec gen_specs[] = {
    {"out", "FILE", NULL, "HDF5 file to write"},
    {"rows", "M", NULL, "number of rows m"},
    {"cols", "N", NULL, "number of columns (weights) n"},
    {"groups", "K", NULL, "tie the weights into K groups (writes /groups)"},
    {"unshared", "FRACTION", "0", "fraction of the weights left untied (group id -1)"},
    {"noise", "S", "0.1", "standard deviation of the noise added to y"},
    {"seed", "N", "0", "random seed"},
    {"dtype", "f64|f32", "f64", "storage type of X and y"},
};

typedef struct {
  int64_t rows, cols, groups, seed;
  double unshared, noise;
  int f32;
} GenParams;

/* Group ids: a seeded shuffle of the weights; the first round(unshared n) get -1, the rest
 * are dealt to the K groups in turn, so every group has members. */
static WsErr make_groups(const GenParams *g, int64_t *ids, double *w_true) {
  int64_t n = g->cols, n_free = (int64_t)llround(g->unshared * (double)n);
  WS_CHECK(g->groups <= n - n_free, WS_ERR_INPUT,
           "gen: --groups %lld needs at least that many shared weights (have %lld)",
           (long long)g->groups, (long long)(n - n_free));
  int64_t *order;
  WS_ALLOC(order, n);
  for (int64_t j = 0; j < n; j++)
    order[j] = j;
  for (int64_t j = n - 1; j > 0; j--) {
    int64_t r =
        (int64_t)(ws_rng_uniform((uint64_t)g->seed, STREAM_SHUFFLE, (uint64_t)j) * (double)(j + 1));
    int64_t t = order[j];
    order[j] = order[r];
    order[r] = t;
  }
  for (int64_t i = 0; i < n; i++)
    ids[order[i]] = i < n_free ? -1 : (i - n_free) % g->groups;
  free(order);
  /* Tied weights share their group's value; untied ones draw their own. */
  for (int64_t j = 0; j < n; j++) {
    uint64_t index = ids[j] >= 0 ? (uint64_t)ids[j] : (uint64_t)(g->groups + j);
    w_true[j] = ws_rng_normal((uint64_t)g->seed, STREAM_W, index);
  }
  return WS_OK;
}

static WsErr parse(const WsOptions *o, GenParams *g) {
  WS_CALL(ws_options_no_positional(o));
  WS_CALL(ws_options_require(o, "out"));
  WS_CALL(ws_options_int(o, "rows", 1, &g->rows));
  WS_CALL(ws_options_int_range(o, "cols", 1, INT32_MAX, &g->cols));
  g->groups = 0;
  if (ws_options_str(o, "groups")) WS_CALL(ws_options_int(o, "groups", 1, &g->groups));
  WS_CALL(ws_options_double_range(o, "unshared", 0.0, 1.0, &g->unshared));
  WS_CALL(ws_options_double(o, "noise", 0.0, &g->noise));
  WS_CALL(ws_options_int(o, "seed", 0, &g->seed));
  static const char *const dtypes[] = {"f64", "f32", NULL};
  WS_CALL(ws_options_choice(o, "dtype", dtypes, &g->f32));
  return WS_OK;
}

/* Collective: a contiguous dataset of f (it fails alike on every rank). */
static WsErr create_dataset(const WsH5File *f, const char *what, const char *name, hid_t type,
                            int nd, const hsize_t *dims, hid_t *d) {
  *d = H5I_INVALID_HID;
  hid_t space = H5Screate_simple(nd, dims, NULL);
  WS_H5(space, "%s: cannot create dataset %s", what, name);
  *d = H5Dcreate2(f->file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  WS_H5(*d, "%s: cannot create dataset %s", what, name);
  return WS_OK;
}

/* Rows of X and y for this rank, in the storage type. */
static void fill_rows(const GenParams *g, const WsPartition *part, const double *w_true, void *X,
                      void *y) {
  int64_t n = g->cols;
  for (int64_t i = 0; i < part->count; i++) {
    uint64_t row = (uint64_t)(part->start + i);
    double dot = 0.0;
    for (int64_t j = 0; j < n; j++) {
      double x = ws_rng_normal((uint64_t)g->seed, STREAM_X, row * (uint64_t)n + (uint64_t)j);
      if (g->f32) {
        ((float *)X)[i * n + j] = (float)x;
        x = (float)x; /* y is consistent with the stored X */
      } else {
        ((double *)X)[i * n + j] = x;
      }
      dot += x * w_true[j];
    }
    double v = dot + g->noise * ws_rng_normal((uint64_t)g->seed, STREAM_NOISE, row);
    if (g->f32)
      ((float *)y)[i] = (float)v;
    else
      ((double *)y)[i] = v;
  }
}

static WsErr write_attributes(const WsH5File *f, const GenParams *g) {
  /* Attribute writes are collective in parallel HDF5: every rank makes every call, with
   * the same values, even after a failure. */
  WsErr err = WS_OK;
#define TRY(x)                                                                                     \
  if (!err) err = (x)
  TRY(ws_h5small_attr_i64(f->file, "rows", g->rows));
  TRY(ws_h5small_attr_i64(f->file, "cols", g->cols));
  TRY(ws_h5small_attr_i64(f->file, "groups", g->groups));
  TRY(ws_h5small_attr_f64(f->file, "unshared", g->unshared));
  TRY(ws_h5small_attr_f64(f->file, "noise", g->noise));
  TRY(ws_h5small_attr_i64(f->file, "seed", g->seed));
  TRY(ws_h5small_attr_str(f->file, "dtype", g->f32 ? "f32" : "f64"));
  TRY(ws_h5small_attr_str(f->file, "generator", "wshare gen " WSHARE_VERSION));
#undef TRY
  return err;
}

/* Collective: the datasets and attributes of the problem into the open file f. */
static WsErr write_problem(const WsH5File *f, const char *path, const GenParams *g,
                           const WsPartition *part, const void *X, const void *y,
                           const double *w_true, const int64_t *ids, int rank, int size) {
  int64_t n = g->cols;
  hid_t type = g->f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  hid_t mem = g->f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  hsize_t xdims[2] = {(hsize_t)g->rows, (hsize_t)n}, ndims[1] = {(hsize_t)n};
  hid_t dx = H5I_INVALID_HID, dy = H5I_INVALID_HID, dw = H5I_INVALID_HID, dg = H5I_INVALID_HID;
  WsErr err = create_dataset(f, path, "/X", type, 2, xdims, &dx);
  if (!err) err = create_dataset(f, path, "/y", type, 1, xdims, &dy);
  if (!err) err = create_dataset(f, path, "/w_true", H5T_IEEE_F64LE, 1, ndims, &dw);
  if (!err && g->groups > 0) err = create_dataset(f, path, "/groups", H5T_STD_I64LE, 1, ndims, &dg);
  err = ws_comm_agree(f->comm, err);
  if (!err) err = ws_dataset_write_rows(f, dx, part, n, mem, X);
  if (!err) err = ws_dataset_write_rows(f, dy, part, 1, mem, y);
  /* The small vectors are the same on every rank: write them as one "row" from rank 0. */
  WsPartition whole = ws_partition_rows(1, rank, size);
  if (!err) err = ws_dataset_write_rows(f, dw, &whole, n, H5T_NATIVE_DOUBLE, w_true);
  if (!err && g->groups > 0) err = ws_dataset_write_rows(f, dg, &whole, n, H5T_NATIVE_INT64, ids);
  if (!err) err = ws_comm_agree(f->comm, write_attributes(f, g));
  hid_t all[] = {dx, dy, dw, dg};
  for (int i = 0; i < 4; i++)
    if (all[i] >= 0 && H5Dclose(all[i]) < 0 && !err)
      err = ws_h5file_failed(__FILE__, __LINE__, __func__, "cannot write '%s'", path);
  return ws_comm_agree(f->comm, err);
}

static WsErr generate(MPI_Comm comm, const GenParams *g, const char *path) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  /* gen reads nothing, so replacing an earlier file of this name is its job; the file is
   * still renamed into place, so a failed gen leaves the earlier one intact. */
  WS_CALL(ws_paths_check_output(comm, "gen", "--out", path, NULL, 0));
  WsFootprintShape shape = {g->rows, (int)g->cols, 1, g->f32 ? 4 : 8, 0};
  WsMemBudget budget;
  WS_CALL(ws_memcheck_budget(comm, &budget));
  WsMemNeeds needs;
  ws_memcheck_init(&needs, shape.rows);
  ws_footprint_gen(&needs, &shape);
  char context[WS_PATH_MAX + 16];
  snprintf(context, sizeof context, "gen: %s", path);
  WS_CALL(ws_memcheck_check(&needs, &budget, context, comm));
  WsPartition part = ws_partition_rows(g->rows, rank, size);
  int64_t n = g->cols;
  size_t elem = g->f32 ? sizeof(float) : sizeof(double);
  int64_t *ids = ws_memory_calloc((size_t)n, sizeof *ids);
  double *w_true = ws_memory_calloc((size_t)n, sizeof *w_true);
  void *X = ws_memory_alloc((size_t)(part.count > 0 ? part.count : 1) * (size_t)n * elem);
  void *y = ws_memory_alloc((size_t)(part.count > 0 ? part.count : 1) * elem);
  WsErr err = ws_comm_agree_alloc(comm, ids && w_true && X && y);
  if (!err && g->groups > 0) {
    err = ws_comm_agree(comm, make_groups(g, ids, w_true));
  } else if (!err) {
    for (int64_t j = 0; j < n; j++)
      w_true[j] = ws_rng_normal((uint64_t)g->seed, STREAM_W, (uint64_t)j);
  }
  if (!err) fill_rows(g, &part, w_true, X, y);
  WsOutfile out;
  if (!err) err = ws_outfile_begin_all(path, comm, &out);
  if (!err) {
    WsH5File *f = NULL;
    WsErr local = ws_h5file_create(out.temp, comm, &f);
    /* Messages name the file the user asked for, not its temporary. */
    if (!local) snprintf(f->path, sizeof f->path, "%s", path);
    if (!local) local = write_problem(f, path, g, &part, X, y, w_true, ids, rank, size);
    local = ws_h5file_close_written(&f, local, path);
    err = ws_outfile_finish_all(&out, local, comm);
  }
  free(X);
  free(y);
  free(ids);
  free(w_true);
  return err;
}

WsErr ws_cmd_gen(MPI_Comm comm, int argc, char **argv) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  WsOptions *o = NULL;
  /* Parsing is the same everywhere; only running out of memory could differ. */
  WS_CALL(
      ws_comm_agree(comm, ws_options_create("gen", gen_specs, sizeof gen_specs / sizeof *gen_specs,
                                            argc, argv, 0, &o)));
  GenParams g;
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0)
      ws_options_print_help(o, "wshare gen --out FILE --rows M --cols N [options]",
                            "Generates X (normal entries), w_true honouring the ties, and "
                            "y = X w_true + noise, written in parallel.");
  } else {
    err = parse(o, &g);
    double t0 = MPI_Wtime();
    if (!err) err = generate(comm, &g, ws_options_str(o, "out"));
    if (!err && rank == 0)
      printf("wshare gen: wrote %s (%lld x %lld %s, %lld groups) in %.2f s\n",
             ws_options_str(o, "out"), (long long)g.rows, (long long)g.cols, g.f32 ? "f32" : "f64",
             (long long)g.groups, MPI_Wtime() - t0);
  }
  ws_options_destroy(&o);
  return err;
}
