/* consumer DATA.h5 RESULT.h5 SOLVER: solves the tied problem of DATA.h5 (groups from its
 * /groups, with an intercept) through the installed library's public API, writes the
 * result, reads it back and prints the weights and the intercept, one per line (rank 0). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "wshare/wshare.h"

static WsErr iterate(WsSolver *s, const WsProblem *prob) {
  double *theta0 = calloc((size_t)prob->nw, sizeof *theta0); /* w0 = 0: n x q weights */
  WS_CHECK(theta0, WS_ERR_RUNTIME, "out of memory");
  WsErr err = ws_solver_start(s, theta0);
  free(theta0);
  WS_CALL(err);
  double control[WS_CONTROL_COUNT] = {0};
  WsStepInfo info = {0};
  while (!info.converged && !info.diverged && ws_solver_iterations(s) < 10000)
    WS_CALL(ws_solver_iterate(s, control, &info));
  WS_CHECK(info.converged, WS_ERR_RUNTIME, "not converged");
  return WS_OK;
}

static WsErr report(const char *path, MPI_Comm comm) {
  WsResultFile *r = NULL;
  WS_CALL(ws_result_read(path, comm, &r));
  int rank;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    for (int64_t j = 0; j < r->n; j++)
      printf("%.17g\n", r->w[j]);
    printf("%.17g\n", r->intercept[0]);
  }
  ws_result_destroy(&r);
  return WS_OK;
}

static WsErr run(MPI_Comm comm, const char *data_path, const char *out, const char *solver) {
  WsH5File *data = NULL;
  WsDesign *des = NULL;
  WsSharing *sh = NULL;
  WsProblem *prob = NULL;
  WsSolver *s = NULL;
  WsSolution *sol = NULL;
  WsHistory *history = NULL;
  WsDesignSource src = {"/X", "/y", 1};
  WsSolverOptions opt = {0.0, 1e-12, 0.0};
  WsErr err = ws_h5file_open(data_path, comm, &data);
  if (!err) err = ws_design_read(data, &src, NULL, &des);
  if (!err) err = ws_sharing_file_read(data, ws_sharing_file_default_kind(data), NULL, des, &sh);
  if (!err) err = ws_problem_create(comm, des, sh, 0.0, 1, NULL, &prob);
  if (!err) err = ws_solver_create(solver, prob, &opt, &s);
  if (!err) err = ws_solution_create(prob->n, prob->q, &sol);
  if (!err) err = ws_history_create(&history);
  if (!err && !ws_solver_is_iterative(s)) err = ws_solver_solve(s, sol);
  if (!err && ws_solver_is_iterative(s)) err = iterate(s, prob);
  if (!err && ws_solver_is_iterative(s)) err = ws_solver_finish(s, sol);
  if (!err) {
    double r2 = ws_stats_r2(sol->rss_out[0], des->y_sum[0], des->y_sumsq[0], des->part.rows, 1);
    double rmse = sqrt(sol->rss_out[0] / (double)des->part.rows);
    WsResult res = {.solver = ws_solver_name(s),
                    .iterations = ws_solver_iterations(s),
                    .converged = 1,
                    .stop_reason = "converged",
                    .loss = sol->loss,
                    .grad_norm = sol->grad_norm,
                    .rtol = opt.rtol,
                    .rows = des->part.rows,
                    .cols = des->n,
                    .r2 = &r2,
                    .rmse = &rmse,
                    .q = 1,
                    .config = "[consumer]\n",
                    .poly_degree = 1,
                    .fit_intercept = 1,
                    .sharing = sh,
                    .w = sol->w,
                    .intercept = sol->intercept,
                    .history = history};
    err = ws_result_write(out, &res, comm);
  }
  if (!err) err = report(out, comm);
  ws_history_destroy(&history);
  ws_solution_destroy(&sol);
  ws_solver_destroy(&s);
  ws_problem_destroy(&prob);
  ws_sharing_destroy(&sh);
  ws_design_destroy(&des);
  ws_h5file_close(&data);
  return err;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  WsErr err = ws_comm_return_errors(comm);
  if (!err && argc != 4) err = ws_error_set(WS_ERR_INPUT, "usage: consumer DATA RESULT SOLVER");
  if (!err) err = run(comm, argv[1], argv[2], argv[3]);
  if (err) ws_comm_print_error(comm);
  MPI_Finalize();
  return (int)err;
}
