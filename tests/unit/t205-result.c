/* Reading a result file back (result.h): what ws_result_write wrote comes back from
 * ws_result_read on every rank, bit for bit; a 2-D /w gives the outputs; optional
 * attributes take their defaults; a missing file or required attribute is an input error
 * with its message. */
#include <hdf5.h>
#include <mpi.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "wshare/h5small.h"
#include "wshare/result.h"

enum { N = 5 };

static void check_round_trip(const char *path, MPI_Comm comm) {
  const int64_t ids[N] = {7, -1, 7, 3, 3};
  WsSharing *sh = NULL;
  UNIT_CHECK(ws_sharing_create_groups(N, 1, 1, ids, "ids", &sh) == WS_OK, "groups");
  const double w[N] = {2.5, -1.0 / 3.0, 2.5, 0.1, 0.1};
  WsHistory *h = NULL;
  UNIT_CHECK(ws_history_create(&h) == WS_OK, "history");
  for (int i = 0; i < 3; i++)
    UNIT_CHECK(ws_history_append(h, 1.0 / (i + 1), 1e-3 / (i + 1), 0.5 * i) == WS_OK, "append");
  const double r2 = 0.875, rmse = 0.5, intercept = -4.75;
  WsResult res = {.solver = "cg",
                  .iterations = 3,
                  .converged = 1,
                  .stop_reason = "converged",
                  .loss = 0.125,
                  .grad_norm = 3e-9,
                  .rtol = 1e-8,
                  .rows = 1234,
                  .cols = N,
                  .r2 = &r2,
                  .rmse = &rmse,
                  .config = "[solve]\ndata = d.h5\n",
                  .poly_degree = 2,
                  .fit_intercept = 1,
                  .sharing = sh,
                  .w = w,
                  .intercept = &intercept,
                  .q = 1,
                  .history = h};
  UNIT_CHECK(ws_result_write(path, &res, comm) == WS_OK, "write: %s", ws_error_message());
  WsResultFile *r = NULL;
  UNIT_CHECK(ws_result_read(path, comm, &r) == WS_OK, "read: %s", ws_error_message());
  int size;
  MPI_Comm_size(comm, &size);
  UNIT_CHECK(r->n == N && r->outputs == 1, "shape %lld x %lld", (long long)r->n,
             (long long)r->outputs);
  UNIT_CHECK(memcmp(r->w, w, sizeof w) == 0, "/w differs");
  UNIT_CHECK(r->intercept[0] == -4.75, "intercept %g", r->intercept[0]);
  UNIT_CHECK(strcmp(r->solver, "cg") == 0 && strcmp(r->stop_reason, "converged") == 0, "strings");
  UNIT_CHECK(strcmp(r->sharing, "groups") == 0, "sharing '%s'", r->sharing);
  UNIT_CHECK(strcmp(r->config, res.config) == 0, "config '%s'", r->config);
  UNIT_CHECK(r->iterations == 3 && r->converged == 1 && r->rows == 1234 && r->ranks == size,
             "counts");
  UNIT_CHECK(r->loss == 0.125 && r->grad_norm == 3e-9 && r->r2[0] == 0.875 && r->rmse[0] == 0.5,
             "numbers");
  UNIT_CHECK(r->poly_degree == 2 && r->fit_intercept == 1 && r->learned_groups == 0, "model");
  UNIT_CHECK(r->history->len == 3, "history length %lld", (long long)r->history->len);
  for (int i = 0; i < 3; i++)
    UNIT_CHECK(r->history->loss[i] == h->loss[i] && r->history->grad_norm[i] == h->grad_norm[i] &&
                   r->history->seconds[i] == h->seconds[i],
               "history entry %d", i);
  ws_result_destroy(&r);
  UNIT_CHECK(r == NULL, "destroy sets NULL");
  ws_result_destroy(&r);
  ws_history_destroy(&h);
  ws_sharing_destroy(&sh);
}

static void write_dataset(hid_t f, const char *name, int nd, const hsize_t *dims, const double *v) {
  hid_t s = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
  hid_t d = H5Dcreate2(f, name, H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  UNIT_CHECK(d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0,
             "write %s", name);
  H5Dclose(d);
  H5Sclose(s);
}

/* A hand-made result with W of 3 x 2, two intercepts and only the required attributes
 * (learned_groups set); with_solver 0 leaves out the solver. */
static void write_minimal(const char *path, int with_solver) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const double W[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0.5, -0.5};
  const hsize_t wd[2] = {3, 2}, bd[1] = {2};
  write_dataset(f, "/w", 2, wd, W);
  write_dataset(f, "/intercept", 1, bd, b);
  UNIT_CHECK(ws_h5small_write_f64(f, "/history/loss", NULL, 0) == WS_OK &&
                 ws_h5small_write_f64(f, "/history/grad_norm", NULL, 0) == WS_OK &&
                 ws_h5small_write_f64(f, "/history/seconds", NULL, 0) == WS_OK,
             "history");
  if (with_solver) UNIT_CHECK(ws_h5small_attr_str(f, "solver", "qr") == WS_OK, "attr");
  UNIT_CHECK(ws_h5small_attr_str(f, "stop_reason", "solved") == WS_OK, "attr");
  const char *numbers[] = {"iterations", "converged", "loss", "grad_norm", "rows"};
  for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
    UNIT_CHECK(ws_h5small_attr_f64(f, numbers[i], 1.0) == WS_OK, "attr %s", numbers[i]);
  /* One value per output. */
  const double r2[2] = {0.25, 0.75}, rmse[2] = {2.0, 3.0};
  UNIT_CHECK(ws_h5small_attr_f64_array(f, "r2", r2, 2) == WS_OK &&
                 ws_h5small_attr_f64_array(f, "rmse", rmse, 2) == WS_OK,
             "attr r2, rmse");
  UNIT_CHECK(ws_h5small_attr_i64(f, "learned_groups", 4) == WS_OK, "attr");
  H5Fclose(f);
}

int main(int argc, char **argv) {
  unit_name = "t205-result";
  MPI_Init(&argc, &argv);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank;
  MPI_Comm_rank(comm, &rank);
  char dir[64] = "/tmp/t205-XXXXXX";
  if (rank == 0) UNIT_CHECK(mkdtemp(dir), "mkdtemp");
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, comm);
  char path[128], minimal[128], broken[128], missing[128];
  snprintf(path, sizeof path, "%s/r.h5", dir);
  snprintf(minimal, sizeof minimal, "%s/m.h5", dir);
  snprintf(broken, sizeof broken, "%s/b.h5", dir);
  snprintf(missing, sizeof missing, "%s/none.h5", dir);

  check_round_trip(path, comm);

  if (rank == 0) {
    write_minimal(minimal, 1);
    write_minimal(broken, 0);
  }
  MPI_Barrier(comm);
  WsResultFile *r = NULL;
  UNIT_CHECK(ws_result_read(minimal, comm, &r) == WS_OK, "minimal: %s", ws_error_message());
  UNIT_CHECK(r->n == 3 && r->outputs == 2, "2-D /w read as %lld x %lld", (long long)r->n,
             (long long)r->outputs);
  for (int i = 0; i < 6; i++)
    UNIT_CHECK(r->w[i] == i + 1, "W[%d] = %g", i, r->w[i]);
  UNIT_CHECK(r->intercept[0] == 0.5 && r->intercept[1] == -0.5, "intercepts");
  UNIT_CHECK(r->r2[0] == 0.25 && r->r2[1] == 0.75 && r->rmse[0] == 2.0 && r->rmse[1] == 3.0,
             "per-output r2 and rmse");
  UNIT_CHECK(r->poly_degree == 1 && r->fit_intercept == 0 && r->ranks == 0, "defaults");
  UNIT_CHECK(r->sharing[0] == '\0' && r->config[0] == '\0', "absent strings are empty");
  UNIT_CHECK(r->learned_groups == 4 && r->history->len == 0, "learned K, empty history");
  ws_result_destroy(&r);

  char expected[256];
  snprintf(expected, sizeof expected, "%s: attribute solver missing", broken);
  UNIT_CHECK(ws_result_read(broken, comm, &r) == WS_ERR_INPUT && r == NULL, "no solver accepted");
  UNIT_CHECK(strcmp(ws_error_message(), expected) == 0, "message '%s'", ws_error_message());
  snprintf(expected, sizeof expected, "cannot open file '%s': No such file or directory", missing);
  UNIT_CHECK(ws_result_read(missing, comm, &r) == WS_ERR_INPUT && r == NULL, "missing accepted");
  UNIT_CHECK(strcmp(ws_error_message(), expected) == 0, "message '%s'", ws_error_message());

  MPI_Barrier(comm);
  if (rank == 0) {
    unlink(path);
    unlink(minimal);
    unlink(broken);
    rmdir(dir);
  }
  MPI_Finalize();
  return 0;
}
