/* wshare gen: a random weight-shared problem.  Every value comes from a counter-based
 * generator indexed by (seed, row, column), so each rank writes its own block of rows and
 * the file is the same for any number of ranks. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "help.h"
#include "wshare/dataset.h"
#include "wshare/h5small.h"
#include "wshare/rng.h"

enum { STREAM_X = 1, STREAM_NOISE, STREAM_W, STREAM_SHUFFLE };

static const WsOptionSpec gen_specs[] = {
    {"out", "FILE", NULL, "HDF5 file to write (required)"},
    {"rows", "M", NULL, "number of rows m (required)"},
    {"cols", "N", NULL, "number of columns (weights) n (required)"},
    {"groups", "K", NULL, "tie the weights into K groups (writes /groups) [default: no groups]"},
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
  WS_CALL(ws_options_require(o, "out"));
  WS_CALL(ws_options_int(o, "rows", 1, &g->rows));
  WS_CALL(ws_options_int(o, "cols", 1, &g->cols));
  g->groups = 0;
  if (ws_options_str(o, "groups")) WS_CALL(ws_options_int(o, "groups", 1, &g->groups));
  WS_CALL(ws_options_double(o, "unshared", 0.0, &g->unshared));
  WS_CHECK(g->unshared <= 1.0, WS_ERR_INPUT, "gen: invalid value for --unshared (at most 1)");
  WS_CALL(ws_options_double(o, "noise", 0.0, &g->noise));
  WS_CALL(ws_options_int(o, "seed", 0, &g->seed));
  static const char *const dtypes[] = {"f64", "f32", NULL};
  WS_CALL(ws_options_choice(o, "dtype", dtypes, &g->f32));
  return WS_OK;
}

static hid_t create_dataset(const WsH5File *f, const char *name, hid_t type, int nd,
                            const hsize_t *dims) {
  hid_t space = H5Screate_simple(nd, dims, NULL);
  hid_t d = H5Dcreate2(f->file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  return d;
}

/* Rows of X and y for this rank, in the storage type. */
static WsErr fill_rows(const GenParams *g, const WsPartition *part, const double *w_true, void *X,
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
  return WS_OK;
}

static WsErr write_attributes(const WsH5File *f, const GenParams *g) {
  /* Attribute writes are collective in parallel HDF5: every rank writes the same values. */
  WS_CALL(ws_h5small_attr_i64(f->file, "rows", g->rows));
  WS_CALL(ws_h5small_attr_i64(f->file, "cols", g->cols));
  WS_CALL(ws_h5small_attr_i64(f->file, "groups", g->groups));
  WS_CALL(ws_h5small_attr_f64(f->file, "unshared", g->unshared));
  WS_CALL(ws_h5small_attr_f64(f->file, "noise", g->noise));
  WS_CALL(ws_h5small_attr_i64(f->file, "seed", g->seed));
  WS_CALL(ws_h5small_attr_str(f->file, "dtype", g->f32 ? "f32" : "f64"));
  WS_CALL(ws_h5small_attr_str(f->file, "generator", "wshare gen " WSHARE_VERSION));
  return WS_OK;
}

static WsErr generate(MPI_Comm comm, const GenParams *g, const char *path) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  WsPartition part = ws_partition_rows(g->rows, rank, size);
  int64_t n = g->cols;
  int64_t *ids = ws_memory_calloc((size_t)n, sizeof *ids);
  double *w_true = ws_memory_calloc((size_t)n, sizeof *w_true);
  WS_CALL(ws_comm_agree_alloc(comm, ids && w_true));
  if (g->groups > 0) {
    WS_CALL(ws_comm_agree(comm, make_groups(g, ids, w_true)));
  } else {
    for (int64_t j = 0; j < n; j++)
      w_true[j] = ws_rng_normal((uint64_t)g->seed, STREAM_W, (uint64_t)j);
  }
  size_t elem = g->f32 ? sizeof(float) : sizeof(double);
  void *X = ws_memory_alloc((size_t)(part.count > 0 ? part.count : 1) * (size_t)n * elem);
  void *y = ws_memory_alloc((size_t)(part.count > 0 ? part.count : 1) * elem);
  WS_CALL(ws_comm_agree(comm, X && y ? WS_OK : WS_ERR_RUNTIME));
  fill_rows(g, &part, w_true, X, y);

  WsH5File *f = NULL;
  WS_CALL(ws_h5file_create(path, comm, &f));
  hid_t type = g->f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  hid_t mem = g->f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  hsize_t xdims[2] = {(hsize_t)g->rows, (hsize_t)n}, ndims[1] = {(hsize_t)n};
  hid_t dx = create_dataset(f, "/X", type, 2, xdims);
  hid_t dy = create_dataset(f, "/y", type, 1, xdims);
  hid_t dw = create_dataset(f, "/w_true", H5T_IEEE_F64LE, 1, ndims);
  hid_t dg = g->groups > 0 ? create_dataset(f, "/groups", H5T_STD_I64LE, 1, ndims) : 0;
  WsErr err = dx < 0 || dy < 0 || dw < 0 || dg < 0
                  ? ws_error_set(WS_ERR_RUNTIME, "%s: cannot create datasets", path)
                  : WS_OK;
  if (!err) err = ws_dataset_write_rows(f, dx, &part, n, mem, X);
  if (!err) err = ws_dataset_write_rows(f, dy, &part, 1, mem, y);
  /* The small vectors are the same on every rank: write them as one "row" from rank 0. */
  WsPartition whole = ws_partition_rows(1, rank, size);
  if (!err) err = ws_dataset_write_rows(f, dw, &whole, n, H5T_NATIVE_DOUBLE, w_true);
  if (!err && g->groups > 0) err = ws_dataset_write_rows(f, dg, &whole, n, H5T_NATIVE_INT64, ids);
  if (!err) err = ws_comm_agree(comm, write_attributes(f, g));
  H5Dclose(dx);
  H5Dclose(dy);
  H5Dclose(dw);
  if (dg > 0) H5Dclose(dg);
  ws_h5file_close(&f);
  free(X);
  free(y);
  free(ids);
  free(w_true);
  return err;
}

WsErr ws_cmd_gen(MPI_Comm comm, int argc, char **argv) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  const WsCommand *c = ws_cmd_gen_describe();
  WsOptions *o = NULL;
  WS_CALL(ws_options_create(c->name, c->specs, c->count, argc, argv, 0, &o));
  GenParams g;
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0) ws_help_print(stdout, c);
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

const WsCommand *ws_cmd_gen_describe(void) {
  static const WsCommand c = {
      .name = "gen",
      .summary = "generate a random weight-shared problem into an HDF5 file",
      .synopsis = "wshare gen --out FILE --rows M --cols N [options]",
      .about = "Generates X (standard normal entries), w_true honouring the ties, and\n"
               "y = X w_true + noise.  Each rank writes its own rows; the file is the same\n"
               "for any number of ranks.",
      .specs = gen_specs,
      .count = sizeof gen_specs / sizeof *gen_specs,
      .examples = {{"10 000 x 32, eight groups, a quarter of the weights untied",
                    "wshare gen --out data.h5 --rows 10000 --cols 32 --groups 8 --unshared 0.25"},
                   {"the same shape stored as float32, written by 4 ranks, another seed",
                    "mpirun -n 4 wshare gen --out data32.h5 --rows 10000 --cols 32 --groups 8 "
                    "--unshared 0.25 --dtype f32 --seed 7"}},
      .run = ws_cmd_gen,
  };
  return &c;
}
