/* wshare's C library (libwshare; README "Installing and using the library"): everything a
 * program needs to open a problem, choose a solver, solve and read a result.  Link with
 * CMake's find_package(wshare) and target wshare::wshare (or wshare::wshare_static), or
 * with `pkg-config --cflags --libs wshare`.
 *
 * Every function that can fail returns a WsErr (wshare/error.h): WS_OK, or a code whose
 * message ws_error_message() holds; collective functions return the same code on every rank;
 * ws_comm_print_error(comm) prints it once, on rank 0.  Handles are created with
 * ws_<module>_create (or read with ws_<module>_read) and freed with ws_<module>_destroy,
 * which accepts NULL.  Each rank holds only its own block of rows; weights are replicated.
 *
 * The call sequence (inside MPI_Init/MPI_Finalize; comm may be any communicator):
 *
 *   WsH5File *data;    ws_h5file_open("data.h5", comm, &data);          collective
 *   WsDesignSource src = {"/X", "/y", 1};                 X, y, polynomial degree
 *   WsDesign *des;     ws_design_read(data, &src, NULL, &des);           this rank's rows
 *   WsSharing *sh;     ws_sharing_file_read(data, ws_sharing_file_default_kind(data),
 *                                           NULL, des, &sh);             /groups, /A or none
 *   WsProblem *prob;   ws_problem_create(comm, des, sh, ridge, intercept, NULL, &prob);
 *   WsSolverOptions opt = {0.0, 1e-10, 0.0};              step (0: auto), rtol, atol
 *   WsSolver *s;       ws_solver_create("auto", prob, &opt, &s);         gd agd cg qr cholesky
 *   WsSolution *sol;   ws_solution_create(prob->n, &sol);
 *
 *   if (!ws_solver_is_iterative(s)) {
 *     ws_solver_solve(s, sol);                            direct: one call
 *   } else {
 *     ws_solver_start(s, theta0);                         prob->dim initial values
 *     double control[WS_CONTROL_COUNT] = {0};             no signal, no time limit
 *     WsStepInfo info = {0};
 *     while (!info.converged && !info.diverged && ws_solver_iterations(s) < max_iter)
 *       ws_solver_iterate(s, control, &info);             one pass, one allreduce
 *     ws_solver_finish(s, sol);
 *   }
 *   sol->w[0 .. prob->n - 1], sol->intercept, sol->loss, sol->grad_norm, sol->rss
 *
 *   ws_solution_destroy(&sol); ws_solver_destroy(&s); ws_problem_destroy(&prob);
 *   ws_sharing_destroy(&sh); ws_design_destroy(&des); ws_h5file_close(&data);
 *
 * Writing and reading result files: ws_result_write (a WsResult filled from the solution)
 * and ws_result_read, which gives the weights, intercept, solver, stop reason, loss, R^2
 * and history of any result file, e.g. one written by `wshare solve`.  Checkpoints of the
 * state fields (ws_solver_state) are written with ws_checkpoint_write. */
#ifndef WSHARE_WSHARE_H
#define WSHARE_WSHARE_H

#include "wshare/checkpoint.h"
#include "wshare/comm.h"
#include "wshare/design.h"
#include "wshare/error.h"
#include "wshare/h5file.h"
#include "wshare/history.h"
#include "wshare/problem.h"
#include "wshare/result.h"
#include "wshare/sharing.h"
#include "wshare/sharing_file.h"
#include "wshare/solution.h"
#include "wshare/solver.h"
#include "wshare/stats.h"

#endif
