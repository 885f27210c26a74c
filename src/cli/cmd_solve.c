/* wshare solve: read the rows, build the sharing operator, run a solver (iterative with
 * monitor, checkpoints and signals, or direct), write the result. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "report.h"
#include "signals.h"
#include "wshare/checkpoint.h"
#include "wshare/fingerprint.h"
#include "wshare/result.h"
#include "wshare/rng.h"
#include "wshare/solver.h"
#include "wshare/solver_direct.h"

static const WsOptionSpec solve_specs[] = {
    {"data", "FILE", NULL, "HDF5 data file"},
    {"X", "DATASET", "/X", "design matrix dataset (m x n, any integer or float type)"},
    {"X-layout", "rows|columns", "rows",
     "columns: X is stored transposed, n x m (MATLAB v7.3, Julia, Fortran)"},
    {"y", "DATASET", "/y", "target dataset (m)"},
    {"sharing", "none|groups|matrix", NULL,
     "sharing kind [default: groups if the data has "
     "/groups, else none]"},
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
     "scale the tied columns internally (same answer, better "
     "conditioned)"},
    {"poly-degree", "D", "1", "expand every column x into x, x^2, ..., x^D"},
    {"init", "zeros|uniform|normal|FILE:DATASET", "zeros", "initial weights"},
    {"seed", "N", "0", "seed for --init uniform|normal"},
    {"checkpoint-dir", "DIR", NULL, "write checkpoints into DIR"},
    {"checkpoint-every", "N", "0", "checkpoint every N iterations (0: off)"},
    {"checkpoint-seconds", "S", "60", "checkpoint every S seconds (with --checkpoint-dir)"},
    {"checkpoint-keep", "K", "2", "keep the newest K checkpoints"},
    {"restart", "auto|PATH", NULL,
     "resume from the newest checkpoint in --checkpoint-dir, or "
     "from PATH"},
    {"out", "FILE", "wshare-result.h5", "result file"},
    {"monitor", NULL, NULL, "print every iteration"},
    {"quiet", NULL, NULL, "print errors only"},
};

typedef struct {
  const char *data, *x_name, *y_name, *sharing_file, *sharing_dataset, *solver, *init, *out;
  const char *solver_asked; /* before auto's choice */
  const char *ckpt_dir, *restart;
  int sharing; /* WsSharingKind, or -1 for the default */
  double step, rtol, atol, max_time, ridge, ckpt_seconds;
  int64_t max_iter, degree, seed, ckpt_every, ckpt_keep;
  int intercept, standardize;
  int x_layout; /* WsLayout */
  char *config;
} SolveConfig;

static WsErr parse_config(const WsOptions *o, SolveConfig *c) {
  memset(c, 0, sizeof *c);
  WS_CALL(ws_opt_require(o, "data"));
  c->data = ws_opt_str(o, "data");
  c->x_name = ws_opt_str(o, "X");
  c->y_name = ws_opt_str(o, "y");
  static const char *const layouts[] = {"rows", "columns", NULL};
  WS_CALL(ws_opt_choice(o, "X-layout", layouts, &c->x_layout));
  static const char *const kinds[] = {"none", "groups", "matrix", NULL};
  c->sharing = -1;
  if (ws_opt_str(o, "sharing")) WS_CALL(ws_opt_choice(o, "sharing", kinds, &c->sharing));
  c->sharing_file = ws_opt_str(o, "sharing-file") ? ws_opt_str(o, "sharing-file") : c->data;
  c->sharing_dataset = ws_opt_str(o, "sharing-dataset");
  static const char *const solvers[] = {"auto", "gd", "agd", "cg", "qr", "cholesky", NULL};
  int s;
  WS_CALL(ws_opt_choice(o, "solver", solvers, &s));
  c->solver = solvers[s];
  c->step = 0.0;
  if (strcmp(ws_opt_str(o, "step"), "auto") != 0) {
    WS_CALL(ws_opt_double(o, "step", 0.0, &c->step));
    WS_CHECK(c->step > 0.0, WS_ERR_INPUT,
             "solve: invalid value '%s' for --step (expected auto "
             "or a positive number)",
             ws_opt_str(o, "step"));
  }
  WS_CALL(ws_opt_double(o, "rtol", 0.0, &c->rtol));
  WS_CALL(ws_opt_double(o, "atol", 0.0, &c->atol));
  WS_CALL(ws_opt_int(o, "max-iter", 1, &c->max_iter));
  c->max_time = 0.0;
  if (ws_opt_str(o, "max-time")) WS_CALL(ws_opt_double(o, "max-time", 0.0, &c->max_time));
  WS_CALL(ws_opt_double(o, "ridge", 0.0, &c->ridge));
  c->intercept = ws_opt_flag(o, "intercept");
  c->standardize = ws_opt_flag(o, "standardize");
  WS_CALL(ws_opt_int(o, "poly-degree", 1, &c->degree));
  WS_CHECK(c->degree <= 64, WS_ERR_INPUT, "solve: invalid value for --poly-degree (at most 64)");
  c->init = ws_opt_str(o, "init");
  WS_CHECK(strcmp(c->init, "zeros") == 0 || strcmp(c->init, "uniform") == 0 ||
               strcmp(c->init, "normal") == 0 || strchr(c->init, ':'),
           WS_ERR_INPUT,
           "solve: invalid value '%s' for --init (expected zeros, uniform, normal "
           "or FILE:DATASET)",
           c->init);
  WS_CALL(ws_opt_int(o, "seed", 0, &c->seed));
  c->ckpt_dir = ws_opt_str(o, "checkpoint-dir");
  WS_CALL(ws_opt_int(o, "checkpoint-every", 0, &c->ckpt_every));
  WS_CALL(ws_opt_double(o, "checkpoint-seconds", 0.0, &c->ckpt_seconds));
  WS_CALL(ws_opt_int(o, "checkpoint-keep", 1, &c->ckpt_keep));
  c->restart = ws_opt_str(o, "restart");
  WS_CHECK(!c->restart || strcmp(c->restart, "auto") != 0 || c->ckpt_dir, WS_ERR_INPUT,
           "solve: --restart auto needs --checkpoint-dir");
  c->out = ws_opt_str(o, "out");
  return WS_OK;
}

/* Sharing from the data file (or --sharing-file), checked against n model columns. */
static WsErr load_sharing(SolveConfig *c, const WsDesign *des, MPI_Comm comm, WsSharing **sh) {
  int n = des->n;
  WsH5File f;
  if (c->sharing < 0) {
    WS_CALL(ws_h5_open_read(c->data, comm, &f));
    c->sharing = ws_h5_exists(&f, "/groups") ? WS_SHARING_GROUPS : WS_SHARING_NONE;
    ws_h5_close(&f);
  }
  if (c->sharing == WS_SHARING_NONE) return ws_sharing_create_none(n, sh);
  int groups = c->sharing == WS_SHARING_GROUPS;
  const char *name = c->sharing_dataset ? c->sharing_dataset : groups ? "/groups" : "/A";
  WS_CALL(ws_h5_open_read(c->sharing_file, comm, &f));
  WsDatasetInfo info;
  WsErr err = ws_error_agree(comm, ws_h5_info(&f, name, &info));
  const char *path = c->sharing_file;
  if (!err && groups) {
    if (info.type_class != H5T_INTEGER)
      err = ws_error_set(WS_ERR_INPUT, "%s: %s must be an integer dataset (found %s)", path, name,
                         info.type_class == H5T_FLOAT ? "float" : "a non-numeric type");
    else if (info.ndims != 1 || info.dims[0] != n)
      err = ws_error_set(WS_ERR_INPUT,
                         "%s: %s has %lld entries, expected %d (one per model column: %d "
                         "columns of %s x poly degree %d)",
                         path, name, (long long)(info.dims[0] * info.dims[1]), n, des->n_raw,
                         c->x_name, des->degree);
  } else if (!err) {
    if (info.type_class != H5T_FLOAT && info.type_class != H5T_INTEGER)
      err = ws_error_set(WS_ERR_INPUT, "%s: %s must be numeric", path, name);
    else if (info.ndims != 2 || info.dims[0] != n || info.dims[1] != n)
      err = ws_error_set(WS_ERR_INPUT,
                         "%s: %s must be %d x %d (one row and column per model "
                         "column), found %lld x %lld",
                         path, name, n, n, (long long)info.dims[0],
                         (long long)(info.ndims == 2 ? info.dims[1] : 1));
  }
  if (err) {
    ws_h5_close(&f);
    return err;
  }
  if (groups) {
    int64_t *ids = ws_calloc((size_t)n, sizeof *ids);
    err = ws_alloc_agree(comm, ids != NULL);
    if (!err) err = ws_h5_read_all_i64(&f, name, n, ids);
    ws_h5_close(&f);
    char what[4200];
    snprintf(what, sizeof what, "%s: %s", path, name);
    if (!err) err = ws_sharing_create_groups(n, ids, what, sh);
    free(ids);
    return err;
  }
  double *A = ws_calloc((size_t)n * n, sizeof *A);
  err = ws_alloc_agree(comm, A != NULL);
  if (!err) err = ws_h5_read_all_f64(&f, name, (int64_t)n * n, A);
  ws_h5_close(&f);
  for (int64_t i = 0; !err && i < (int64_t)n * n; i++)
    if (!isfinite(A[i]))
      err = ws_error_set(WS_ERR_INPUT, "%s: %s has a non-finite entry at (%lld, %lld)", path, name,
                         (long long)(i / n), (long long)(i % n));
  if (!err) err = ws_sharing_create_matrix(n, A, 1e-10, sh);
  free(A);
  if (!err && !(*sh)->is_projector)
    ws_warn(comm,
            "%s: %s is not a symmetric projector (A = A^T = A^2); only --solver gd runs, "
            "as the literal fixed-point iteration w <- A(w - step grad)",
            path, name);
  return err;
}

/* theta0 from --init (weights; the intercept starts at 0). */
static WsErr initial_theta(const SolveConfig *c, const WsProblem *p, MPI_Comm comm, double *theta) {
  memset(theta, 0, (size_t)p->dim * sizeof *theta);
  if (strcmp(c->init, "uniform") == 0 || strcmp(c->init, "normal") == 0) {
    int normal = c->init[0] == 'n';
    for (int j = 0; j < p->n; j++)
      theta[j] = normal ? ws_rng_normal((uint64_t)c->seed, 7, (uint64_t)j)
                        : 2.0 * ws_rng_uniform((uint64_t)c->seed, 7, (uint64_t)j) - 1.0;
  } else if (strcmp(c->init, "zeros") != 0) {
    char file[4096];
    const char *colon = strrchr(c->init, ':');
    snprintf(file, sizeof file, "%.*s", (int)(colon - c->init), c->init);
    WsH5File f;
    WS_CALL(ws_h5_open_read(file, comm, &f));
    WsDatasetInfo info;
    WsErr err = ws_error_agree(comm, ws_h5_info(&f, colon + 1, &info));
    if (!err && (info.ndims != 1 || info.dims[0] != p->n))
      err = ws_error_set(WS_ERR_INPUT, "%s: %s must have %d values for --init, found %lld", file,
                         colon + 1, p->n, (long long)(info.dims[0] * info.dims[1]));
    if (!err) err = ws_h5_read_all_f64(&f, colon + 1, p->n, theta);
    ws_h5_close(&f);
    WS_CALL(err);
  }
  return WS_OK;
}

/* auto: a direct solve when the tied Gram matrix is small next to the data (the cost
 * model is in the README); iterative otherwise. */
static const char *choose_solver(const SolveConfig *c, const WsProblem *p, int size, char *why,
                                 size_t why_size) {
  const WsSharing *sh = p->sharing;
  if (!sh->is_projector) {
    snprintf(why, why_size, "the sharing matrix is not a projector: only gd applies");
    return "gd";
  }
  double k = sh->k + (c->intercept ? 1 : 0), m = (double)p->design->part.rows;
  double n = p->n;
  /* Direct: one pass forming tied rows (m n) plus the Gram update (m k^2 / P per rank) and a
   * k^3/3 factorization; cg: about sqrt(cond) passes of 2 m n / P, estimated at 100 passes. */
  double direct = m * n / size + m * k * k / size + k * k * k / 3.0;
  double iterative = 100.0 * 2.0 * m * n / size;
  if (direct <= iterative && k <= 20000) {
    snprintf(why, why_size, "%.0f tied columns: Gram solve ~%.2g flops/rank vs cg ~%.2g", k, direct,
             iterative);
    return "cholesky";
  }
  snprintf(why, why_size, "%.0f tied columns: cg ~%.2g flops/rank beats a direct solve ~%.2g", k,
           iterative, direct);
  return "cg";
}

typedef struct {
  MPI_Comm comm;
  int rank, size;
  SolveConfig cfg;
  WsReporter rep;
  WsTimers timers;
  WsDesign *des;
  WsSharing *sh;
  WsProblem prob;
  WsSolver *solver;
  WsHistory history;
  char fingerprint[WS_FINGERPRINT_MAX];
  double elapsed_before; /* solving seconds of earlier runs (restart) */
  double t_start;
  char ckpt_path[WS_PATH_MAX];
} SolveRun;

static WsErr write_checkpoint(SolveRun *r) {
  double t0 = ws_now();
  WsStateField fields[WS_STATE_MAX_FIELDS];
  WsCheckpointContent content = {
      .fields = fields,
      .n_fields = ws_solver_state(r->solver, fields),
      .history = &r->history,
      .config = r->cfg.config,
      .fingerprint = r->fingerprint,
      .elapsed = r->elapsed_before + (ws_now() - r->t_start),
  };
  WS_CALL(ws_checkpoint_write(r->cfg.ckpt_dir, (int)r->cfg.ckpt_keep,
                              ws_solver_iterations(r->solver), &content, r->comm, r->ckpt_path));
  ws_timer_add(&r->timers, WS_TIME_CHECKPOINT, t0);
  if (r->rep.monitor) ws_report(&r->rep, "  checkpoint %s\n", r->ckpt_path);
  return WS_OK;
}

/* Resolves --restart into a checkpoint path ("" = start fresh). */
static WsErr find_restart(SolveRun *r, char path[WS_PATH_MAX]) {
  path[0] = '\0';
  const char *restart = r->cfg.restart;
  if (!restart) return WS_OK;
  if (strcmp(restart, "auto") == 0) {
    WS_CALL(ws_checkpoint_find(r->cfg.ckpt_dir, r->comm, path));
    if (!path[0])
      ws_report(&r->rep, "restart: no checkpoint in %s, starting fresh\n", r->cfg.ckpt_dir);
    return WS_OK;
  }
  snprintf(path, WS_PATH_MAX, "%s", restart);
  return WS_OK;
}

static WsErr restore(SolveRun *r, const char *path) {
  WsStateField fields[WS_STATE_MAX_FIELDS];
  WsCheckpointContent content = {
      .fields = fields,
      .n_fields = ws_solver_state(r->solver, fields),
      .history = &r->history,
      .fingerprint = r->fingerprint,
  };
  WS_CALL(ws_checkpoint_read(path, &content, r->comm));
  r->elapsed_before = content.elapsed;
  ws_report(&r->rep, "restart: resuming from %s at iteration %lld\n", path,
            (long long)ws_solver_iterations(r->solver));
  return WS_OK;
}

typedef struct {
  const char *reason;
  WsErr code;
  int converged;
  WsStepInfo last;
} RunOutcome;

static WsErr run_iterations(SolveRun *r, RunOutcome *out) {
  const SolveConfig *c = &r->cfg;
  double last_ckpt = ws_now();
  for (;;) {
    double flags[WS_NFLAGS] = {0};
    flags[WS_FLAG_SIGNAL] = ws_signals_received() ? 1.0 : 0.0;
    if (r->rank == 0) {
      double now = ws_now();
      flags[WS_FLAG_TIME] = c->max_time > 0.0 && now - r->t_start >= c->max_time;
      flags[WS_FLAG_CHECKPOINT] =
          c->ckpt_dir && c->ckpt_seconds > 0.0 && now - last_ckpt >= c->ckpt_seconds;
    }
    WsStepInfo info;
    WS_CALL(ws_solver_iterate(r->solver, flags, &info));
    int64_t it = ws_solver_iterations(r->solver);
    double seconds = r->elapsed_before + (ws_now() - r->t_start);
    WS_CALL(ws_history_append(&r->history, info.loss, info.grad_norm, seconds));
    out->last = info;
    double tol = fmax(c->rtol * r->history.grad_norm[0], c->atol);
    ws_report_iteration(&r->rep, it, info.loss, info.grad_norm, tol, seconds);
    if (info.diverged)
      return ws_error_set(WS_ERR_RUNTIME,
                          "%s diverged at iteration %lld (loss %g, started at %g): the step %g is "
                          "too large; lower --step%s",
                          ws_solver_name(r->solver), (long long)it, info.loss, r->history.loss[0],
                          ws_solver_step(r->solver),
                          c->step > 0.0 ? " (or use --step auto)" : " or use --solver cg");
    if (info.converged) {
      *out = (RunOutcome){"converged", WS_OK, 1, info};
      return WS_OK;
    }
    if (info.flags[WS_FLAG_SIGNAL] > 0.0) {
      *out = (RunOutcome){"signal", WS_STOP_SIGNAL, 0, info};
      break;
    }
    if (it >= c->max_iter || info.flags[WS_FLAG_TIME] > 0.0) {
      *out = (RunOutcome){it >= c->max_iter ? "max-iter" : "max-time", WS_STOP_LIMIT, 0, info};
      break;
    }
    if (c->ckpt_dir &&
        ((c->ckpt_every > 0 && it % c->ckpt_every == 0) || info.flags[WS_FLAG_CHECKPOINT] > 0.0)) {
      WS_CALL(write_checkpoint(r));
      last_ckpt = ws_now();
    }
  }
  if (c->ckpt_dir) {
    WS_CALL(write_checkpoint(r));
    ws_report(&r->rep, "checkpoint: wrote %s\n", r->ckpt_path);
  } else if (out->code == WS_STOP_SIGNAL) {
    ws_warn(r->comm, "stopped by a signal without --checkpoint-dir: no checkpoint written");
  }
  return WS_OK;
}

static WsErr write_result(SolveRun *r, const RunOutcome *o, const double *w, double intercept,
                          const WsDirectStats *stats) {
  const WsDesign *des = r->des;
  double m = (double)des->part.rows;
  double tss = r->cfg.intercept ? des->y_sumsq - des->y_sum * des->y_sum / m : des->y_sumsq;
  double rss = stats ? stats->rss : o->last.rss;
  double read_seconds = r->timers.total[WS_TIME_READ];
  MPI_Allreduce(MPI_IN_PLACE, &read_seconds, 1, MPI_DOUBLE, MPI_MAX, r->comm);
  WsResult res = {
      .solver = r->solver ? ws_solver_name(r->solver) : r->cfg.solver,
      .iterations = r->solver ? ws_solver_iterations(r->solver) : 0,
      .converged = o->converged,
      .stop_reason = o->reason,
      .loss = stats ? stats->loss : o->last.loss,
      .grad_norm = stats ? stats->grad_norm : o->last.grad_norm,
      .rtol = r->cfg.rtol,
      .rows = des->part.rows,
      .cols = des->n,
      .wall_seconds = ws_now() - r->t_start + r->elapsed_before,
      .read_seconds = read_seconds,
      .r2 = tss > 0.0 ? 1.0 - rss / tss : 0.0,
      .rmse = sqrt(rss / m),
      .config = r->cfg.config,
      .poly_degree = des->degree,
      .fit_intercept = r->cfg.intercept,
      .sharing = r->sh,
      .w = w,
      .intercept = intercept,
      .history = &r->history,
  };
  if (stats) {
    res.has_stats = 1;
    res.stderr_w = stats->stderr_w;
    res.intercept_stderr = stats->intercept_stderr;
    res.residual_sd = stats->residual_sd;
    res.rank_deficient = stats->rank_deficient;
  }
  double t0 = ws_now();
  WS_CALL(ws_result_write(r->cfg.out, &res, r->comm));
  ws_timer_add(&r->timers, WS_TIME_WRITE, t0);
  ws_report(&r->rep,
            "result: %s (%s) after %lld iterations; loss %.12e, |A grad| %.3e, r2 %.10f, "
            "rmse %.6g\nwrote %s\n",
            o->reason, res.solver, (long long)res.iterations, res.loss, res.grad_norm, res.r2,
            res.rmse, r->cfg.out);
  return WS_OK;
}

static WsErr solve_iterative(SolveRun *r, const char *name) {
  WsProblem *p = &r->prob;
  char ckpt[WS_PATH_MAX];
  WS_CALL(find_restart(r, ckpt));
  double *theta0 = ws_calloc((size_t)p->dim, sizeof *theta0);
  WsErr err = ws_alloc_agree(r->comm, theta0 != NULL);
  if (!err) err = initial_theta(&r->cfg, p, r->comm, theta0);
  WsSolverOptions opt = {r->cfg.step, r->cfg.rtol, r->cfg.atol};
  /* A restored run takes its step from the checkpoint: skip estimating it. */
  if (ckpt[0] && opt.step <= 0.0) opt.step = 1.0;
  if (!err) err = ws_error_agree(r->comm, ws_solver_create(name, p, &opt, theta0, &r->solver));
  free(theta0);
  WS_CALL(err);
  if (ckpt[0]) WS_CALL(restore(r, ckpt));
  ws_report(&r->rep, "solver: %s, step %.6g%s, rtol %g, atol %g, max-iter %lld\n", name,
            ws_solver_step(r->solver), r->cfg.step > 0.0 ? "" : " (auto: 1/L, power iteration)",
            r->cfg.rtol, r->cfg.atol, (long long)r->cfg.max_iter);

  RunOutcome outcome = {0};
  WS_CALL(run_iterations(r, &outcome));
  /* Report the point returned: evaluate it unless the last iteration already did. */
  if (!outcome.converged || strcmp(name, "gd") != 0) {
    WsStepInfo info;
    WS_CALL(ws_solver_evaluate(r->solver, &info));
    outcome.last.loss = info.loss;
    outcome.last.rss = info.rss;
    outcome.last.grad_norm = info.grad_norm;
  }
  const double *theta = ws_solver_theta(r->solver);
  WS_CALL(write_result(r, &outcome, theta, ws_problem_intercept(p, theta), NULL));
  return outcome.code;
}

static WsErr solve_direct(SolveRun *r, const char *name) {
  if (r->cfg.ckpt_dir || r->cfg.restart)
    ws_warn(r->comm, "--checkpoint-dir and --restart apply to iterative solvers; the direct "
                     "solve runs in one piece");
  WsDirectStats stats;
  memset(&stats, 0, sizeof stats);
  double *w = ws_calloc((size_t)r->prob.n, sizeof *w);
  WsErr err = ws_alloc_agree(r->comm, w != NULL);
  if (!err) err = ws_direct_solve(name, &r->prob, w, &stats);
  if (!err && stats.warning[0]) ws_warn(r->comm, "%s", stats.warning);
  if (!err) r->cfg.solver = stats.used;
  RunOutcome outcome = {.reason = "solved", .code = WS_OK, .converged = 1};
  if (!err) err = write_result(r, &outcome, w, stats.intercept, &stats);
  ws_direct_stats_free(&stats);
  free(w);
  return err;
}

static WsErr setup(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  WsDesignSource src = {c->data, c->x_name, c->y_name, (int)c->degree, (WsLayout)c->x_layout};
  WS_CALL(ws_design_read(&src, r->comm, &r->timers, &r->des));
  double t0 = ws_now();
  WS_CALL(ws_error_agree(r->comm, load_sharing(c, r->des, r->comm, &r->sh)));
  WS_CALL(ws_problem_init(&r->prob, r->comm, r->des, r->sh, c->ridge, c->intercept, &r->timers));
  if (c->standardize) WS_CALL(ws_error_agree(r->comm, ws_problem_standardize(&r->prob)));
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
            "input: X is %s, %s (rank 0 %s it)\n"
            "sharing: %s, %d tied columns (%d groups)%s\n",
            r->cfg.data, (long long)des->part.rows, des->n,
            des->dtype == WS_DTYPE_F32 ? "float32" : "float64",
            des->degree > 1 ? ", polynomial features" : "", r->size, bytes / 1048576.0,
            des->x_info.type, des->x_info.storage, des->x_rows->method,
            ws_sharing_kind_name(r->sh->kind), r->sh->k, r->sh->n_groups,
            r->cfg.intercept ? ", intercept" : "");
}

static WsErr solve(SolveRun *r) {
  WS_CALL(setup(r));
  print_header(r);
  const char *name = r->cfg.solver;
  r->cfg.solver_asked = name;
  if (strcmp(name, "auto") == 0) {
    char why[256];
    name = choose_solver(&r->cfg, &r->prob, r->size, why, sizeof why);
    ws_report(&r->rep, "auto: chose %s (%s)\n", name, why);
  }
  r->cfg.solver = name;
  WsProblemOptions po = {r->cfg.ridge, r->cfg.intercept, r->cfg.standardize, name};
  WS_CALL(ws_fingerprint_compute(r->des, r->sh, &po, r->comm, r->fingerprint));
  if (ws_solver_is_iterative(name)) return solve_iterative(r, name);
  /* auto's direct route may still switch to qr when the Gram matrix is ill-conditioned. */
  return solve_direct(r, strcmp(r->cfg.solver_asked, "auto") == 0 ? "auto-direct" : name);
}

WsErr ws_cmd_solve(MPI_Comm comm, int argc, char **argv) {
  SolveRun r;
  memset(&r, 0, sizeof r);
  r.comm = comm;
  MPI_Comm_rank(comm, &r.rank);
  MPI_Comm_size(comm, &r.size);
  WsOptions o;
  WsErr err = ws_options_parse(&o, "solve", solve_specs, sizeof solve_specs / sizeof *solve_specs,
                               argc, argv, 1);
  if (!err && o.help) {
    if (r.rank == 0)
      ws_options_print_help(&o, "wshare solve [CONFIG.ini] --data FILE [options]",
                            "Fits least-squares weights with weight sharing (SPEC sections 1-4). "
                            "Exit codes: 0 solved, 1 runtime failure, 2 usage/input error, 3 "
                            "stopped at --max-iter/--max-time, 4 stopped by a signal.");
    ws_options_free(&o);
    return WS_OK;
  }
  if (!err) err = parse_config(&o, &r.cfg);
  if (!err) {
    r.cfg.config = ws_options_effective(&o);
    ws_report_init(&r.rep, comm, ws_opt_flag(&o, "quiet"), ws_opt_flag(&o, "monitor"));
    ws_warn_silence(ws_opt_flag(&o, "quiet"));
    ws_report(&r.rep, "wshare %s\n%s", WSHARE_VERSION, r.cfg.config);
    ws_signals_install();
    r.t_start = ws_now();
    err = solve(&r);
    if (err == WS_OK || err == WS_STOP_LIMIT || err == WS_STOP_SIGNAL)
      ws_report_timers(&r.rep, &r.timers, comm);
  }
  ws_solver_destroy(&r.solver);
  ws_problem_free(&r.prob);
  ws_sharing_destroy(&r.sh);
  ws_design_destroy(&r.des);
  ws_history_free(&r.history);
  free(r.cfg.config);
  ws_options_free(&o);
  return err;
}
