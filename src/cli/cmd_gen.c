/* wshare gen: a random weight-shared problem, or a convolution layer written as a dense
 * layer (--pattern conv1d|conv2d; the tie pattern is wshare/conv.h's).  Every value comes
 * from a counter-based generator indexed by (seed, row, column), so each rank writes its
 * own block of rows and the file is the same for any number of ranks. */
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "help.h"
#include "report.h"
#include "wshare/conv.h"
#include "wshare/dataset.h"
#include "wshare/footprint.h"
#include "wshare/h5small.h"
#include "wshare/outfile.h"
#include "wshare/paths.h"
#include "wshare/rng.h"

enum { STREAM_X = 1, STREAM_NOISE, STREAM_W, STREAM_SHUFFLE, STREAM_BIAS };
enum { PATTERN_RANDOM, PATTERN_CONV1D, PATTERN_CONV2D };

static const WsOptionSpec gen_specs[] = {
    {"out", "FILE", NULL, "HDF5 file to write (required)"},
    {"rows", "M", NULL, "number of rows m (required)"},
    {"cols", "N", NULL, "number of columns (weights) n (required)"},
    {"groups", "K", NULL, "tie the weights into K groups (writes /groups) [default: no groups]"},
    {"unshared", "FRACTION", "0", "fraction of the weights left untied (group id -1)"},
    {"noise", "S", "0.1", "standard deviation of the noise added to y"},
    {"seed", "N", "0", "random seed"},
    {"dtype", "f64|f32", "f64", "storage type of X and y"},
    {"pattern", "random|conv1d|conv2d", "random",
     "random ties, or a convolution layer written as a dense layer (writes /Y, n x q /groups)"},
    {"kernel", "K[,K2]", NULL,
     "conv: kernel width K (conv2d: K x K2, K2 = K if omitted) [default: 3]"},
    {"stride", "S", NULL, "conv: stride (both directions) [default: 1]"},
    {"channels", "C", NULL, "conv: input channels (n = C x height x cols inputs) [default: 1]"},
    {"filters", "F", NULL, "conv: filters [default: 1]"},
    {"height", "H", NULL, "conv2d: image height [default: --cols]"},
    {"quiet", NULL, NULL, "print errors only (no progress or summary line)"},
};

typedef struct {
  int64_t rows, cols, groups, seed;
  double unshared, noise;
  int f32;
  int pattern;
  WsConv conv; /* conv1d, conv2d */
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

/* A conv option's value (def when not given), at least 1 and an int. */
static WsErr conv_int(const WsOptions *o, const char *name, int64_t def, int *out) {
  int64_t v = def;
  if (ws_options_str(o, name)) WS_CALL(ws_options_int(o, name, 1, &v));
  WS_CHECK(v <= INT_MAX, WS_ERR_INPUT, "gen: invalid value for --%s (at most %d)", name, INT_MAX);
  *out = (int)v;
  return WS_OK;
}

/* --kernel K or K,K2 (K2 only for conv2d, K2 = K when omitted). */
static WsErr parse_kernel(const WsOptions *o, int conv2d, int *k, int *k2) {
  const char *v = ws_options_str(o, "kernel");
  *k = *k2 = 3;
  if (!v) return WS_OK;
  char *end;
  long long a = strtoll(v, &end, 10), b = a;
  if (*end == ',' && end[1]) b = strtoll(end + 1, &end, 10);
  WS_CHECK(*end == '\0' && end != v && a >= 1 && b >= 1 && a <= INT_MAX && b <= INT_MAX,
           WS_ERR_INPUT, "gen: invalid value '%s' for --kernel (expected K or K,K2, integers >= 1)",
           v);
  WS_CHECK(conv2d || !strchr(v, ','), WS_ERR_INPUT,
           "gen: --kernel K,K2 applies to --pattern conv2d (conv1d has a width K only)");
  *k = (int)a;
  *k2 = (int)b;
  return WS_OK;
}

/* The convolution options apply to the conv patterns only, and --groups, --unshared to the
 * random one. */
static WsErr parse_conv(const WsOptions *o, GenParams *g) {
  static const char *const conv_only[] = {"kernel", "stride", "channels", "filters", "height"};
  if (g->pattern == PATTERN_RANDOM) {
    for (size_t i = 0; i < sizeof conv_only / sizeof *conv_only; i++)
      WS_CHECK(!ws_options_str(o, conv_only[i]), WS_ERR_INPUT,
               "gen: --%s applies to --pattern conv1d|conv2d", conv_only[i]);
    return WS_OK;
  }
  WS_CHECK(g->groups == 0 && g->unshared == 0.0, WS_ERR_INPUT,
           "gen: --%s applies to --pattern random (a convolution's ties are its kernel's)",
           g->groups ? "groups" : "unshared");
  int conv2d = g->pattern == PATTERN_CONV2D;
  WS_CHECK(conv2d || !ws_options_str(o, "height"), WS_ERR_INPUT,
           "gen: --height applies to --pattern conv2d");
  int k = 3, k2 = 3, stride = 1, channels = 1, filters = 1, height = 1, width;
  WS_CALL(parse_kernel(o, conv2d, &k, &k2));
  WS_CALL(conv_int(o, "stride", 1, &stride));
  WS_CALL(conv_int(o, "channels", 1, &channels));
  WS_CALL(conv_int(o, "filters", 1, &filters));
  WS_CALL(conv_int(o, "height", conv2d ? g->cols : 1, &height));
  WS_CHECK(g->cols <= INT_MAX, WS_ERR_INPUT, "gen: invalid value for --cols (at most %d)", INT_MAX);
  width = (int)g->cols;
  /* conv1d: a 1 x K kernel on a 1 x cols input; conv2d: K x K2 on height x cols. */
  WsErr err = conv2d ? ws_conv_init(&g->conv, channels, height, width, filters, k, k2, stride)
                     : ws_conv_init(&g->conv, channels, 1, width, filters, 1, k, stride);
  if (err) return ws_error_prefix(err, "gen");
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
  static const char *const patterns[] = {"random", "conv1d", "conv2d", NULL};
  WS_CALL(ws_options_choice(o, "pattern", patterns, &g->pattern));
  return parse_conv(o, g);
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
                      void *y, WsProgress *progress) {
  int64_t n = g->cols;
  ws_progress_begin(progress, "generate");
  for (int64_t i = 0; i < part->count; i++) {
    uint64_t row = (uint64_t)(part->start + i);
    if (i % 1024 == 0) ws_progress_update(progress, (double)i / (double)part->count, NULL);
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
  ws_progress_done(progress);
}

static WsErr write_attributes(const WsH5File *f, const GenParams *g) {
  /* Attribute writes are collective in parallel HDF5: every rank makes every call, with
   * the same values, even after a failure. */
  static const char *const patterns[] = {"random", "conv1d", "conv2d"};
  WsErr err = WS_OK;
#define TRY(x)                                                                                     \
  if (!err) err = (x)
  TRY(ws_h5small_attr_i64(f->file, "rows", g->rows));
  TRY(ws_h5small_attr_i64(f->file, "cols", g->cols));
  TRY(ws_h5small_attr_f64(f->file, "noise", g->noise));
  TRY(ws_h5small_attr_i64(f->file, "seed", g->seed));
  TRY(ws_h5small_attr_str(f->file, "dtype", g->f32 ? "f32" : "f64"));
  TRY(ws_h5small_attr_str(f->file, "generator", "wshare gen " WSHARE_VERSION));
  TRY(ws_h5small_attr_str(f->file, "pattern", patterns[g->pattern]));
  if (g->pattern == PATTERN_RANDOM) {
    TRY(ws_h5small_attr_i64(f->file, "groups", g->groups));
    TRY(ws_h5small_attr_f64(f->file, "unshared", g->unshared));
  } else {
    const WsConv *cv = &g->conv;
    const char *names[] = {"channels",      "height",       "width",         "filters",
                           "kernel_height", "kernel_width", "stride",        "outputs",
                           "out_height",    "out_width",    "kernel_entries"};
    int64_t values[] = {cv->channels, cv->height, cv->width, cv->filters, cv->kh,     cv->kw,
                        cv->stride,   cv->q,      cv->out_h, cv->out_w,   cv->entries};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
      TRY(ws_h5small_attr_i64(f->file, names[i], values[i]));
  }
#undef TRY
  return err;
}

/* One dataset of the problem: its shape, type, and this rank's rows of it. */
typedef struct {
  const char *name;
  hid_t type, mem;
  int nd;
  hsize_t dims[2];
  const WsPartition *part; /* the rows this rank writes, cols values each */
  int64_t cols;
  const void *rows;
} GenDataset;

/* Collective: the datasets, then the attributes, into the open file f. */
static WsErr write_problem(const WsH5File *f, const char *path, const GenParams *g,
                           const GenDataset *sets, int count) {
  hid_t d[8];
  WsErr err = WS_OK;
  for (int i = 0; i < count; i++)
    d[i] = H5I_INVALID_HID;
  for (int i = 0; i < count && !err; i++)
    err = create_dataset(f, path, sets[i].name, sets[i].type, sets[i].nd, sets[i].dims, &d[i]);
  err = ws_comm_agree(f->comm, err);
  for (int i = 0; i < count && !err; i++)
    err = ws_dataset_write_rows(f, d[i], sets[i].part, sets[i].cols, sets[i].mem, sets[i].rows);
  if (!err) err = ws_comm_agree(f->comm, write_attributes(f, g));
  for (int i = 0; i < count; i++)
    if (d[i] >= 0 && H5Dclose(d[i]) < 0 && !err)
      err = ws_h5file_failed(__FILE__, __LINE__, __func__, "cannot write '%s'", path);
  return ws_comm_agree(f->comm, err);
}

/* Collective: the problem written to a temporary name and renamed into place, so a failed
 * gen leaves an earlier file of this name intact. */
static WsErr write_file(MPI_Comm comm, const char *path, const GenParams *g, const GenDataset *sets,
                        int count) {
  WsOutfile out;
  WS_CALL(ws_outfile_begin_all(path, comm, &out));
  WsH5File *f = NULL;
  WsErr local = ws_h5file_create(out.temp, comm, &f);
  /* Messages name the file the user asked for, not its temporary. */
  if (!local) snprintf(f->path, sizeof f->path, "%s", path);
  if (!local) local = write_problem(f, path, g, sets, count);
  local = ws_h5file_close_written(&f, local, path);
  return ws_outfile_finish_all(&out, local, comm);
}

/* Collective: refuses an output that names no writable place, or a problem too large for
 * the ranks' memory, before anything is generated. */
static WsErr check_output(MPI_Comm comm, const GenParams *g, const char *path, int64_t n, int q) {
  /* gen reads nothing, so replacing an earlier file of this name is its job. */
  WS_CALL(ws_paths_check_output(comm, "gen", "--out", path, NULL, 0));
  WsFootprintShape shape = {
      .rows = g->rows, .n_raw = (int)n, .n = (int)n, .q = q, .x_bytes = g->f32 ? 4 : 8};
  WsMemBudget budget;
  WS_CALL(ws_memcheck_budget(comm, &budget));
  WsMemNeeds needs;
  ws_memcheck_init(&needs, shape.rows);
  ws_footprint_gen(&needs, &shape);
  char context[WS_PATH_MAX + 16];
  snprintf(context, sizeof context, "gen: %s", path);
  return ws_memcheck_check(&needs, &budget, context, comm);
}

static WsErr generate(MPI_Comm comm, const GenParams *g, const char *path, WsProgress *progress) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  WS_CALL(check_output(comm, g, path, g->cols, 1));
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
  if (!err) {
    fill_rows(g, &part, w_true, X, y, progress);
    hid_t type = g->f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    hid_t mem = g->f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    /* The small vectors are the same on every rank: written as one "row" from rank 0. */
    WsPartition whole = ws_partition_rows(1, rank, size);
    GenDataset sets[] = {
        {"/X", type, mem, 2, {(hsize_t)g->rows, (hsize_t)n}, &part, n, X},
        {"/y", type, mem, 1, {(hsize_t)g->rows}, &part, 1, y},
        {"/w_true", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, {(hsize_t)n}, &whole, n, w_true},
        {"/groups", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, {(hsize_t)n}, &whole, n, ids}};
    err = write_file(comm, path, g, sets, g->groups > 0 ? 4 : 3);
  }
  free(X);
  free(y);
  free(ids);
  free(w_true);
  return err;
}

/* The buffers of a conv problem on one rank. */
typedef struct {
  double *kernel, *bias; /* entries; filters */
  double *X, *Y;         /* count x n, count x q, in double (X rounded to f32 first if asked) */
  float *Xf, *Yf;        /* the same stored as f32 */
  int64_t *ids, *taps;   /* this rank's block of the n x q groups; 2 x taps scratch */
} ConvBuffers;

static void conv_free(ConvBuffers *b) {
  void *all[] = {b->kernel, b->bias, b->X, b->Y, b->Xf, b->Yf, b->ids, b->taps};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    free(all[i]);
}

/* Local: the kernel, biases, X and Y = X W + b + noise of this rank's rows, its block of
 * the group ids. */
static void conv_fill(const GenParams *g, const WsPartition *part, const WsPartition *gpart,
                      ConvBuffers *b) {
  const WsConv *cv = &g->conv;
  uint64_t seed = (uint64_t)g->seed, n = (uint64_t)cv->n, q = (uint64_t)cv->q;
  for (int64_t e = 0; e < cv->entries; e++)
    b->kernel[e] = ws_rng_normal(seed, STREAM_W, (uint64_t)e);
  for (int f = 0; f < cv->filters; f++)
    b->bias[f] = ws_rng_normal(seed, STREAM_BIAS, (uint64_t)f);
  for (int64_t i = 0; i < part->count; i++) {
    uint64_t row = (uint64_t)(part->start + i);
    for (uint64_t j = 0; j < n; j++) {
      double x = ws_rng_normal(seed, STREAM_X, row * n + j);
      b->X[i * (int64_t)n + (int64_t)j] = g->f32 ? (float)x : x; /* Y from the stored X */
    }
  }
  ws_conv_forward(cv, part->count, b->X, b->kernel, b->bias, b->Y, b->taps);
  for (int64_t i = 0; i < part->count; i++) {
    uint64_t row = (uint64_t)(part->start + i);
    for (uint64_t o = 0; o < q; o++)
      b->Y[i * (int64_t)q + (int64_t)o] +=
          g->noise * ws_rng_normal(seed, STREAM_NOISE, row * q + o);
  }
  if (g->f32) {
    for (int64_t k = 0; k < part->count * (int64_t)n; k++)
      b->Xf[k] = (float)b->X[k];
    for (int64_t k = 0; k < part->count * (int64_t)q; k++)
      b->Yf[k] = (float)b->Y[k];
  }
  ws_conv_groups(cv, gpart->start, gpart->count, b->ids, b->taps);
}

/* Collective: /X, /Y (m x q), /groups (n x q; each rank writes a block of its rows),
 * /w_true (the kernel entries) and /b_true (one bias per filter). */
static WsErr generate_conv(MPI_Comm comm, const GenParams *g, const char *path) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const WsConv *cv = &g->conv;
  WS_CALL(check_output(comm, g, path, cv->n, cv->q));
  WsPartition part = ws_partition_rows(g->rows, rank, size),
              gpart = ws_partition_rows(cv->n, rank, size);
  size_t rows = (size_t)(part.count > 0 ? part.count : 1);
  ConvBuffers b = {0};
  b.kernel = ws_memory_calloc((size_t)cv->entries, sizeof *b.kernel);
  b.bias = ws_memory_calloc((size_t)cv->filters, sizeof *b.bias);
  b.X = ws_memory_calloc(rows * (size_t)cv->n, sizeof *b.X);
  b.Y = ws_memory_calloc(rows * (size_t)cv->q, sizeof *b.Y);
  b.ids =
      ws_memory_calloc((size_t)(gpart.count > 0 ? gpart.count : 1) * (size_t)cv->q, sizeof *b.ids);
  b.taps = ws_memory_calloc((size_t)(2 * cv->taps), sizeof *b.taps);
  int ok = b.kernel && b.bias && b.X && b.Y && b.ids && b.taps;
  if (ok && g->f32) {
    b.Xf = ws_memory_calloc(rows * (size_t)cv->n, sizeof *b.Xf);
    b.Yf = ws_memory_calloc(rows * (size_t)cv->q, sizeof *b.Yf);
    ok = b.Xf && b.Yf;
  }
  WsErr err = ws_comm_agree_alloc(comm, ok);
  if (!err) {
    conv_fill(g, &part, &gpart, &b);
    hid_t type = g->f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    hid_t mem = g->f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    /* The small vectors are the same on every rank: written as one "row" from rank 0. */
    WsPartition whole = ws_partition_rows(1, rank, size);
    GenDataset sets[] = {{"/X",
                          type,
                          mem,
                          2,
                          {(hsize_t)g->rows, (hsize_t)cv->n},
                          &part,
                          cv->n,
                          g->f32 ? (void *)b.Xf : b.X},
                         {"/Y",
                          type,
                          mem,
                          2,
                          {(hsize_t)g->rows, (hsize_t)cv->q},
                          &part,
                          cv->q,
                          g->f32 ? (void *)b.Yf : b.Y},
                         {"/groups",
                          H5T_STD_I64LE,
                          H5T_NATIVE_INT64,
                          2,
                          {(hsize_t)cv->n, (hsize_t)cv->q},
                          &gpart,
                          cv->q,
                          b.ids},
                         {"/w_true",
                          H5T_IEEE_F64LE,
                          H5T_NATIVE_DOUBLE,
                          1,
                          {(hsize_t)cv->entries},
                          &whole,
                          cv->entries,
                          b.kernel},
                         {"/b_true",
                          H5T_IEEE_F64LE,
                          H5T_NATIVE_DOUBLE,
                          1,
                          {(hsize_t)cv->filters},
                          &whole,
                          cv->filters,
                          b.bias}};
    err = write_file(comm, path, g, sets, 5);
  }
  conv_free(&b);
  return err;
}

WsErr ws_cmd_gen(MPI_Comm comm, int argc, char **argv) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  const WsCommand *c = ws_cmd_gen_describe();
  WsOptions *o = NULL;
  /* Parsing is the same everywhere; only running out of memory could differ. */
  WS_CALL(ws_comm_agree(comm, ws_options_create(c->name, c->specs, c->count, argc, argv, 0, &o)));
  GenParams g;
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0) ws_help_print(stdout, c);
  } else {
    err = parse(o, &g);
    double t0 = MPI_Wtime();
    const char *out = ws_options_str(o, "out");
    int quiet = ws_options_flag(o, "quiet");
    WsProgress *progress = NULL;
    if (!err) err = ws_comm_agree_alloc(comm, ws_report_progress(comm, quiet, &progress) == WS_OK);
    if (!err)
      err = g.pattern == PATTERN_RANDOM ? generate(comm, &g, out, progress)
                                        : generate_conv(comm, &g, out);
    ws_progress_destroy(&progress);
    const WsConv *cv = &g.conv;
    if (quiet) {
      /* Nothing more to say. */
    } else if (!err && rank == 0 && g.pattern == PATTERN_RANDOM)
      printf("wshare gen: wrote %s (%lld x %lld %s, %lld groups) in %.2f s\n", out,
             (long long)g.rows, (long long)g.cols, g.f32 ? "f32" : "f64", (long long)g.groups,
             MPI_Wtime() - t0);
    else if (!err && rank == 0)
      printf("wshare gen: wrote %s (%lld x %lld %s, %lld outputs: %d filters of %d x %d x %d, "
             "stride %d) in %.2f s\n",
             out, (long long)g.rows, (long long)cv->n, g.f32 ? "f32" : "f64", (long long)cv->q,
             cv->filters, cv->channels, cv->kh, cv->kw, cv->stride, MPI_Wtime() - t0);
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
