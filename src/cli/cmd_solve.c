/* wshare solve: read the rows, build the sharing operator, run a solver (iterative through
 * the run loop, with monitor, checkpoints and signals, or direct in one call), write the
 * result (README "Commands and options"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "report.h"
#include "run.h"
#include "signals.h"
#include "wshare/fingerprint.h"
#include "wshare/footprint.h"
#include "wshare/initial.h"
#include "wshare/paths.h"
#include "wshare/reduce.h"
#include "wshare/result.h"
#include "wshare/sharing_file.h"
#include "wshare/solver.h"
#include "wshare/stats.h"

static const WsOptionSpec solve_specs[] = {
    {"data", "FILE", NULL, "HDF5 data file"},
    {"X", "DATASET", "/X", "design matrix dataset (m x n, float64 or float32)"},
    {"y", "DATASET", "/y", "target dataset (m)"},
    {"sharing", "none|groups|matrix", NULL,
     "sharing kind [default: groups if the data has /groups, else none]"},
    {"sharing-file", "FILE", NULL, "file holding the sharing dataset [default: the data file]"},
    {"sharing-dataset", "DATASET", NULL, "sharing dataset [default: /groups or /A]"},
    {"solver", "auto|gd|agd|cg|qr|cholesky", "auto", "solver"},
    {"step", "auto|VALUE", "auto", "gradient step of gd/agd (auto: 1/L by power iteration)"},
    {"rtol", "R", "1e-8", "stop when |A grad L| <= rtol |A grad L(w0)|"},
    {"atol", "A", "0", "... or when |A grad L| <= atol"},
    {"max-iter", "N", "10000", "stop after N iterations (exit 3)"},
    {"max-time", "SECONDS", NULL, "stop after this many seconds of this run (exit 3)"},
    {"ridge", "LAMBDA", "0", "ridge penalty (lambda/2)|w|^2"},
    {"intercept", NULL, NULL, "fit an unpenalised, unshared intercept"},
    {"standardize", NULL, NULL,
     "scale the tied columns internally (same answer, better conditioned)"},
    {"poly-degree", "D", "1", "expand every column x into x, x^2, ..., x^D"},
    {"init", "zeros|uniform|normal|FILE:DATASET", "zeros", "initial weights"},
    {"seed", "N", "0", "seed for --init uniform|normal"},
    {"checkpoint-dir", "DIR", NULL, "write checkpoints into DIR"},
    {"checkpoint-every", "N", "0", "checkpoint every N iterations (0: off)"},
    {"checkpoint-seconds", "S", "60", "checkpoint every S seconds (with --checkpoint-dir)"},
    {"checkpoint-keep", "K", "2", "keep the newest K checkpoints"},
    {"restart", "auto|PATH", NULL,
     "resume from the newest checkpoint in --checkpoint-dir, or from PATH"},
    {"out", "FILE", "wshare-result.h5", "result file"},
    {"monitor", NULL, NULL, "print every iteration"},
    {"quiet", NULL, NULL, "print errors only"},
};

typedef struct {
  const char *data, *x_name, *y_name, *sharing_file, *sharing_dataset, *solver, *init, *out;
  int sharing; /* WsSharingKind, or -1 for the default */
  double step, rtol, atol, ridge;
  int64_t degree, seed;
  int intercept, standardize;
  WsRunSettings run;
  char *config;
} SolveConfig;

static WsErr parse_config(const WsOptions *o, SolveConfig *c) {
  WS_CALL(ws_options_require(o, "data"));
  c->data = ws_options_str(o, "data");
  c->x_name = ws_options_str(o, "X");
  c->y_name = ws_options_str(o, "y");
  static const char *const kinds[] = {"none", "groups", "matrix", NULL};
  c->sharing = -1;
  if (ws_options_str(o, "sharing")) WS_CALL(ws_options_choice(o, "sharing", kinds, &c->sharing));
  c->sharing_file = ws_options_str(o, "sharing-file") ? ws_options_str(o, "sharing-file") : c->data;
  c->sharing_dataset = ws_options_str(o, "sharing-dataset");
  static const char *const solvers[] = {"auto", "gd", "agd", "cg", "qr", "cholesky", NULL};
  int s;
  WS_CALL(ws_options_choice(o, "solver", solvers, &s));
  c->solver = solvers[s];
  c->step = 0.0;
  if (strcmp(ws_options_str(o, "step"), "auto") != 0 &&
      ws_options_positive(o, "step", &c->step) != WS_OK)
    return ws_error_set(WS_ERR_INPUT,
                        "solve: invalid value '%s' for --step (expected auto or a number > 0)",
                        ws_options_str(o, "step"));
  WS_CALL(ws_options_double(o, "rtol", 0.0, &c->rtol));
  WS_CALL(ws_options_double(o, "atol", 0.0, &c->atol));
  WS_CALL(ws_options_int(o, "max-iter", 1, &c->run.max_iter));
  c->run.max_time = 0.0;
  if (ws_options_str(o, "max-time")) WS_CALL(ws_options_positive(o, "max-time", &c->run.max_time));
  WS_CALL(ws_options_double(o, "ridge", 0.0, &c->ridge));
  c->intercept = ws_options_flag(o, "intercept");
  c->standardize = ws_options_flag(o, "standardize");
  WS_CALL(ws_options_int_range(o, "poly-degree", 1, 64, &c->degree));
  c->init = ws_options_str(o, "init");
  WS_CHECK(ws_initial_valid(c->init), WS_ERR_INPUT,
           "solve: invalid value '%s' for --init (expected zeros, uniform, normal or "
           "FILE:DATASET)",
           c->init);
  WS_CALL(ws_options_int(o, "seed", 0, &c->seed));
  c->run.ckpt_dir = ws_options_str(o, "checkpoint-dir");
  WS_CALL(ws_options_int(o, "checkpoint-every", 0, &c->run.ckpt_every));
  WS_CALL(ws_options_double(o, "checkpoint-seconds", 0.0, &c->run.ckpt_seconds));
  int64_t keep;
  WS_CALL(ws_options_int(o, "checkpoint-keep", 1, &keep));
  c->run.ckpt_keep = (int)keep;
  c->run.restart = ws_options_str(o, "restart");
  WS_CHECK(!c->run.restart || strcmp(c->run.restart, "auto") != 0 || c->run.ckpt_dir, WS_ERR_INPUT,
           "solve: --restart auto needs --checkpoint-dir");
  c->out = ws_options_str(o, "out");
  return WS_OK;
}

typedef struct {
  MPI_Comm comm;
  int rank, size;
  SolveConfig cfg;
  WsReporter rep;
  WsTimers timers;
  WsH5File *data;
  WsDesign *des;
  WsSharing *sh;
  WsProblem *prob;
  WsSolver *solver;
  WsSolution *sol;
  WsHistory *history;
  char fingerprint[WS_FINGERPRINT_MAX];
  double t_start;
  WsMemBudget budget;
  WsFootprintShape shape; /* rows 0: X's shape unknown, memory not checked */
} SolveRun;

/* The open data file when path names it too (one open per run), else path opened anew
 * into *opened. */
static WsErr open_or_reuse(SolveRun *r, const char *path, WsH5File **opened,
                           const WsH5File **file) {
  if (strcmp(path, r->cfg.data) == 0) {
    *file = r->data;
    return WS_OK;
  }
  WS_CALL(ws_h5file_open(path, r->comm, opened));
  *file = *opened;
  return WS_OK;
}

static WsErr read_sharing(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  if (c->sharing < 0) c->sharing = (int)ws_sharing_file_default_kind(r->data);
  WsH5File *opened = NULL;
  const WsH5File *f = NULL;
  WsErr err =
      c->sharing == WS_SHARING_NONE ? WS_OK : open_or_reuse(r, c->sharing_file, &opened, &f);
  if (!err)
    err = ws_sharing_file_read(f ? f : r->data, (WsSharingKind)c->sharing, c->sharing_dataset,
                               r->des, &r->sh);
  ws_h5file_close(&opened);
  return err;
}

static WsErr initial_theta(SolveRun *r, double *theta) {
  WsInitial init = {r->cfg.init, (uint64_t)r->cfg.seed};
  char path[WS_PATH_MAX];
  WsH5File *opened = NULL;
  const WsH5File *f = NULL;
  WsErr err =
      ws_initial_file(&init, path, sizeof path) ? open_or_reuse(r, path, &opened, &f) : WS_OK;
  memset(theta, 0, (size_t)r->prob->dim * sizeof *theta);
  if (!err) err = ws_initial_weights(&init, f, r->prob->n, r->comm, theta);
  ws_h5file_close(&opened);
  return err;
}

/* Before any row is read (README "Errors and exit codes", the memory rule): the rows, the
 * sharing and an iterative solver's vectors must fit; a direct solver's needs depend on
 * the tied columns and are checked once the sharing is known (check_solver_memory). */
static WsErr check_memory(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  WsDatasetInfo xi;
  /* A missing or ill-shaped X is reported by the reader, with its own message. */
  if (ws_h5file_info(r->data, c->x_name, &xi) != WS_OK || xi.ndims != 2) return WS_OK;
  int f32 = xi.type_class == H5T_FLOAT && xi.type_size == 4;
  r->shape =
      (WsFootprintShape){xi.dims[0], (int)xi.dims[1], (int)c->degree, f32 ? 4 : 8,
                         ws_dataset_can_map(r->data, c->x_name, f32 ? WS_DTYPE_F32 : WS_DTYPE_F64)};
  WS_CALL(ws_memcheck_budget(r->comm, &r->budget));
  WsMemNeeds needs;
  ws_memcheck_init(&needs, r->shape.rows);
  ws_footprint_design(&needs, &r->shape);
  ws_footprint_sharing(&needs, &r->shape, c->sharing == WS_SHARING_MATRIX);
  ws_footprint_iterative(&needs, &r->shape);
  char context[WS_PATH_MAX + 16];
  snprintf(context, sizeof context, "solve: %s", c->data);
  return ws_memcheck_check(&needs, &r->budget, context, r->comm);
}

/* Once the solver is chosen: everything, its own buffers included. */
static WsErr check_solver_memory(SolveRun *r) {
  if (r->shape.rows == 0) return WS_OK;
  const char *name = ws_solver_name(r->solver);
  WsMemNeeds needs;
  ws_memcheck_init(&needs, r->shape.rows);
  ws_footprint_design(&needs, &r->shape);
  ws_footprint_sharing(&needs, &r->shape, r->sh->kind == WS_SHARING_MATRIX);
  ws_footprint_solver(&needs, &r->shape, name, r->sh->k, r->cfg.intercept, r->cfg.ridge > 0.0);
  char context[WS_PATH_MAX + 64];
  snprintf(context, sizeof context, "solve: %s with --solver %s", r->cfg.data, name);
  return ws_memcheck_check(&needs, &r->budget, context, r->comm);
}

static WsErr setup(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  double t0 = ws_timer_now();
  WS_CALL(ws_h5file_open(c->data, r->comm, &r->data));
  ws_timer_add(&r->timers, WS_TIME_READ, t0);
  WS_CALL(check_memory(r));
  WsDesignSource src = {c->x_name, c->y_name, (int)c->degree};
  WS_CALL(ws_design_read(r->data, &src, &r->timers, &r->des));
  t0 = ws_timer_now();
  WS_CALL(read_sharing(r));
  WS_CALL(ws_problem_create(r->comm, r->des, r->sh, c->ridge, c->intercept, &r->timers, &r->prob));
  if (c->standardize) WS_CALL(ws_comm_agree(r->comm, ws_problem_standardize(r->prob)));
  ws_timer_add(&r->timers, WS_TIME_SETUP, t0);
  return WS_OK;
}

static void print_header(SolveRun *r) {
  const WsDesign *des = r->des;
  long long local = (long long)des->part.count, most = local;
  MPI_Allreduce(&local, &most, 1, MPI_LONG_LONG, MPI_MAX, r->comm);
  double bytes = (double)most * des->n_raw * (des->dtype == WS_DTYPE_F32 ? 4 : 8);
  ws_report(&r->rep,
            "problem: %s: %lld rows x %d columns (%s%s), %d ranks, X %.1f MiB per rank (max)\n"
            "sharing: %s, %d tied columns (%d groups)%s\n",
            r->cfg.data, (long long)des->part.rows, des->n,
            des->dtype == WS_DTYPE_F32 ? "float32" : "float64",
            des->degree > 1 ? ", polynomial features" : "", r->size, bytes / 1048576.0,
            ws_sharing_kind_name(r->sh->kind), r->sh->k, r->sh->n_groups,
            r->cfg.intercept ? ", intercept" : "");
}

static WsErr write_result(SolveRun *r, const WsRunOutcome *o) {
  const WsDesign *des = r->des;
  const WsSolution *sol = r->sol;
  double m = (double)des->part.rows;
  double read_seconds = r->timers.total[WS_TIME_READ];
  WS_MPI(MPI_Allreduce(MPI_IN_PLACE, &read_seconds, 1, MPI_DOUBLE, MPI_MAX, r->comm));
  WsResult res = {
      .solver = ws_solver_name(r->solver),
      .iterations = ws_solver_iterations(r->solver),
      .converged = o->converged,
      .stop_reason = o->reason,
      .loss = sol->loss,
      .grad_norm = sol->grad_norm,
      .rtol = r->cfg.rtol,
      .rows = des->part.rows,
      .cols = des->n,
      .wall_seconds = ws_timer_now() - r->t_start + o->elapsed_before,
      .read_seconds = read_seconds,
      .r2 = ws_stats_r2(sol->rss, des->y_sum, des->y_sumsq, des->part.rows, r->cfg.intercept),
      .rmse = sqrt(sol->rss / m),
      .config = r->cfg.config,
      .poly_degree = des->degree,
      .fit_intercept = r->cfg.intercept,
      .sharing = r->sh,
      .w = sol->w,
      .intercept = sol->intercept,
      .history = r->history,
      .has_stats = sol->has_stats,
      .stderr_w = sol->stderr_w,
      .intercept_stderr = sol->intercept_stderr,
      .residual_sd = sol->residual_sd,
      .rank_deficient = sol->rank_deficient,
  };
  double t0 = ws_timer_now();
  WS_CALL(ws_result_write(r->cfg.out, &res, r->comm));
  ws_timer_add(&r->timers, WS_TIME_WRITE, t0);
  ws_report(&r->rep,
            "result: %s (%s) after %lld iterations; loss %.12e, |A grad| %.3e, r2 %.10f, "
            "rmse %.6g\nwrote %s\n",
            o->reason, res.solver, (long long)res.iterations, res.loss, res.grad_norm, res.r2,
            res.rmse, r->cfg.out);
  return WS_OK;
}

static WsErr solve_iterative(SolveRun *r, WsRunOutcome *outcome) {
  double *theta0 = ws_memory_calloc((size_t)r->prob->dim, sizeof *theta0);
  WsErr err = ws_comm_agree_alloc(r->comm, theta0 != NULL);
  if (!err) err = initial_theta(r, theta0);
  if (!err)
    err = ws_run_iterative(r->solver, theta0, &r->cfg.run, &r->rep, &r->timers, r->history,
                           r->t_start, outcome);
  free(theta0);
  WS_CALL(err);
  return ws_solver_finish(r->solver, r->sol);
}

static WsErr solve_direct(SolveRun *r, WsRunOutcome *outcome) {
  if (r->cfg.run.ckpt_dir || r->cfg.run.restart)
    ws_comm_warn(r->comm, "--checkpoint-dir and --restart apply to iterative solvers; the direct "
                          "solve runs in one piece");
  WS_CALL(ws_solver_solve(r->solver, r->sol));
  if (r->sol->warning[0]) ws_comm_warn(r->comm, "%s", r->sol->warning);
  *outcome = (WsRunOutcome){.reason = "solved", .code = WS_OK, .converged = 1};
  return WS_OK;
}

/* Before any data is read: outputs that would replace an input, or could not be written
 * at the end, are refused now (README "Errors and exit codes"). */
static WsErr check_paths(SolveRun *r) {
  const SolveConfig *c = &r->cfg;
  char init_path[WS_PATH_MAX] = "";
  WsInitial init = {c->init, 0};
  ws_initial_file(&init, init_path, sizeof init_path);
  const char *restart =
      c->run.restart && strcmp(c->run.restart, "auto") != 0 ? c->run.restart : NULL;
  WsPathInput inputs[] = {{"--data", c->data},
                          {"--sharing-file", c->sharing_file != c->data ? c->sharing_file : NULL},
                          {"--init", init_path[0] ? init_path : NULL},
                          {"--restart", restart}};
  int n = (int)(sizeof inputs / sizeof *inputs);
  WS_CALL(ws_paths_check_output(r->comm, "solve", "--out", c->out, inputs, n));
  if (!c->run.ckpt_dir) return WS_OK;
  /* The restart file belongs in the directory; the others must not be pruned from it. */
  inputs[3] = (WsPathInput){"--out", c->out};
  return ws_paths_check_checkpoint_dir(r->comm, "solve", "--checkpoint-dir", c->run.ckpt_dir,
                                       inputs, n);
}

static WsErr solve(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  WS_CALL(check_paths(r));
  WS_CALL(setup(r));
  print_header(r);
  WsSolverOptions opt = {c->step, c->rtol, c->atol};
  WS_CALL(ws_comm_agree(r->comm, ws_solver_create(c->solver, r->prob, &opt, &r->solver)));
  if (ws_solver_reason(r->solver)[0])
    ws_report(&r->rep, "auto: chose %s (%s)\n", ws_solver_name(r->solver),
              ws_solver_reason(r->solver));
  WS_CALL(check_solver_memory(r));
  WsProblemOptions po = {c->ridge, c->intercept, c->standardize, ws_solver_name(r->solver)};
  WS_CALL(ws_fingerprint_compute(r->des, r->sh, &po, r->comm, r->fingerprint));
  c->run.config = c->config;
  c->run.fingerprint = r->fingerprint;
  WS_CALL(ws_comm_agree(r->comm, ws_solution_create(r->prob->n, &r->sol)));
  WS_CALL(ws_comm_agree(r->comm, ws_history_create(&r->history)));
  WsRunOutcome outcome = {0};
  WS_CALL(ws_solver_is_iterative(r->solver) ? solve_iterative(r, &outcome)
                                            : solve_direct(r, &outcome));
  WS_CALL(write_result(r, &outcome));
  return outcome.code;
}

static void print_help(const WsOptions *o) {
  ws_options_print_help(
      o, "wshare solve [CONFIG.ini] --data FILE [options]",
      "Fits least-squares weights with weight sharing (README \"Commands and options\"). "
      "Exit codes: 0 solved, 1 runtime failure, 2 usage/input error, 3 stopped at "
      "--max-iter/--max-time, 4 stopped by a signal.");
}

WsErr ws_cmd_solve(MPI_Comm comm, int argc, char **argv) {
  SolveRun r;
  memset(&r, 0, sizeof r);
  r.comm = comm;
  MPI_Comm_rank(comm, &r.rank);
  MPI_Comm_size(comm, &r.size);
  WsOptions *o = NULL;
  /* Parsing is the same everywhere; only running out of memory could differ. */
  WsErr err = ws_comm_agree(comm, ws_options_create("solve", solve_specs,
                                                    sizeof solve_specs / sizeof *solve_specs, argc,
                                                    argv, 1, &o));
  if (!err && o->help) {
    if (r.rank == 0) print_help(o);
    ws_options_destroy(&o);
    return WS_OK;
  }
  if (!err) err = parse_config(o, &r.cfg);
  if (!err) {
    r.cfg.config = ws_options_effective(o);
    err = ws_comm_agree_alloc(comm, r.cfg.config != NULL);
  }
  if (!err) {
    ws_report_init(&r.rep, comm, ws_options_flag(o, "quiet"), ws_options_flag(o, "monitor"));
    ws_comm_warn_silence(ws_options_flag(o, "quiet"));
    ws_report(&r.rep, "wshare %s\n%s", WSHARE_VERSION, r.cfg.config);
    ws_signals_install();
    r.t_start = ws_timer_now();
    err = solve(&r);
    if (err == WS_OK || err == WS_STOP_LIMIT || err == WS_STOP_SIGNAL)
      ws_report_timers(&r.rep, &r.timers, comm);
  }
  ws_solution_destroy(&r.sol);
  ws_solver_destroy(&r.solver);
  ws_problem_destroy(&r.prob);
  ws_sharing_destroy(&r.sh);
  ws_design_destroy(&r.des);
  ws_h5file_close(&r.data);
  ws_history_destroy(&r.history);
  free(r.cfg.config);
  ws_options_destroy(&o);
  return err;
}
