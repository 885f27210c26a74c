/* wshare solve: read the rows, build the sharing operator, run a solver (iterative through
 * the run loop, with monitor, checkpoints and signals, or direct in one call), write the
 * result (README "Commands and options"). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "help.h"
#include "learn_report.h"
#include "report.h"
#include "run.h"
#include "signals.h"
#include "wshare/fingerprint.h"
#include "wshare/footprint.h"
#include "wshare/initial.h"
#include "wshare/learn.h"
#include "wshare/paths.h"
#include "wshare/reduce.h"
#include "wshare/result.h"
#include "wshare/sharing_file.h"
#include "wshare/solver.h"
#include "wshare/stats.h"

static const WsOptionSpec solve_specs[] = {
    {"data", "FILE", NULL, "HDF5 data file (required)"},
    {"X", "DATASET", "/X", "design matrix dataset (m x n, any integer or float type)"},
    {"X-layout", "rows|columns", "rows",
     "columns: X is stored transposed, n x m (MATLAB v7.3, Julia, Fortran)"},
    {"y", "DATASET", NULL,
     "targets (m, or m x q for q outputs) [default: /y, or /Y when the data have no /y]"},
    {"sharing", "none|groups|matrix|learn", NULL,
     "sharing kind [default: groups if the data has /groups or a sharing file or dataset is "
     "named, else none]"},
    {"sharing-file", "FILE", NULL, "file holding the sharing dataset [default: the data file]"},
    {"sharing-dataset", "DATASET", NULL,
     "sharing dataset [default: /groups or /A; learn: no starting groups]"},
    {"learn-groups", "K|auto", NULL,
     "learn: K groups, or auto: the path K = 1..max and the criterion [default: auto]"},
    {"learn-max-groups", "K", NULL, "learn: the largest K of the path [default: min(n, 64)]"},
    {"learn-criterion", "bic|holdout", NULL,
     "learn: how auto chooses K (holdout: loss on rows with row mod 10 = 9) [default: bic]"},
    {"learn-zero", NULL, NULL, "learn: allow one cluster pinned at 0 (pruned weights, id -2)"},
    {"solver", "auto|gd|agd|cg|lsqr|qr|cholesky", "auto", "solver"},
    {"step", "auto|VALUE", "auto", "gradient step of gd/agd (auto: 1/L by power iteration)"},
    {"rtol", "R", "1e-8", "stop when |A grad L| <= rtol |A grad L(w0)|"},
    {"atol", "A", "0", "... or when |A grad L| <= atol"},
    {"max-iter", "N", "10000", "stop after N iterations (exit 3)"},
    {"max-time", "SECONDS", NULL,
     "stop after this many seconds of this run (exit 3) [default: none]"},
    {"ridge", "LAMBDA", "0", "ridge penalty (lambda/2)|w|^2"},
    {"intercept", NULL, NULL, "fit an unpenalised, unshared intercept"},
    {"standardize", NULL, NULL,
     "scale the tied columns internally (same answer, better conditioned)"},
    {"reproducible", NULL, NULL,
     "bitwise-identical results on any number of ranks (not with --solver qr)"},
    {"poly-degree", "D", "1", "expand every column x into x, x^2, ..., x^D"},
    {"poly-terms", "separate|total", "separate",
     "powers of each column, or every monomial of total degree 1..D"},
    {"poly-basis", "monomial|legendre|chebyshev", "monomial",
     "basis of the powers (legendre, chebyshev: of each column mapped to [-1, 1])"},
    {"init", "zeros|uniform|normal|FILE:DATASET", "zeros", "initial weights"},
    {"seed", "N", "0", "seed for --init uniform|normal"},
    {"checkpoint-dir", "DIR", NULL, "write checkpoints into DIR [default: no checkpoints]"},
    {"checkpoint-every", "N", "0", "checkpoint every N iterations (0: off)"},
    {"checkpoint-seconds", "S", "60", "checkpoint every S seconds (with --checkpoint-dir)"},
    {"checkpoint-keep", "K", "2", "keep the newest K checkpoints"},
    {"restart", "auto|PATH", NULL,
     "resume from the newest checkpoint in --checkpoint-dir, or from PATH [default: no restart]"},
    {"out", "FILE", "wshare-result.h5", "result file"},
    {"monitor", NULL, NULL, "print every iteration"},
    {"quiet", NULL, NULL, "print errors only"},
};

typedef struct {
  const char *data, *x_name, *y_name, *sharing_file, *sharing_dataset, *solver, *init, *out;
  int sharing; /* WsSharingKind, or -1 for the default */
  int sharing_file_given;
  int learn; /* --sharing learn */
  WsLearnOptions learn_opt;
  double step, rtol, atol, ridge;
  int64_t degree, seed;
  int terms, basis; /* WsFeaturesTerms, WsFeaturesBasis */
  int intercept, standardize, reproducible;
  int x_layout; /* WsLayout */
  WsRunSettings run;
  char *config;
} SolveConfig;

/* The --learn-* options: only with --sharing learn. */
static WsErr parse_learn(const WsOptions *o, SolveConfig *c) {
  static const char *const names[] = {"learn-groups", "learn-max-groups", "learn-criterion",
                                      "learn-zero"};
  for (size_t i = 0; !c->learn && i < sizeof names / sizeof *names; i++)
    WS_CHECK(!ws_options_str(o, names[i]), WS_ERR_INPUT,
             "solve: --%s applies only to --sharing learn", names[i]);
  if (!c->learn) return WS_OK;
  WS_CHECK(strcmp(c->solver, "auto") == 0, WS_ERR_INPUT,
           "solve: --sharing learn chooses its own fits; --solver must be auto");
  WsLearnOptions *l = &c->learn_opt;
  const char *groups = ws_options_str(o, "learn-groups");
  if (groups && strcmp(groups, "auto") != 0) {
    char *end;
    long long k = strtoll(groups, &end, 10);
    WS_CHECK(end != groups && *end == '\0' && k >= 1 && k <= 1000000000, WS_ERR_INPUT,
             "solve: invalid value '%s' for --learn-groups (expected auto or an integer >= 1)",
             groups);
    l->groups = (int)k;
  }
  if (ws_options_str(o, "learn-max-groups")) {
    int64_t k;
    WS_CALL(ws_options_int(o, "learn-max-groups", 1, &k));
    l->max_groups = k < 1000000000 ? (int)k : 1000000000;
  }
  static const char *const criteria[] = {"bic", "holdout", NULL};
  int crit = 0;
  if (ws_options_str(o, "learn-criterion"))
    WS_CALL(ws_options_choice(o, "learn-criterion", criteria, &crit));
  l->criterion = crit == 1 ? WS_LEARN_HOLDOUT : WS_LEARN_BIC;
  l->zero = ws_options_flag(o, "learn-zero");
  l->standardize = c->standardize;
  l->max_iter = c->run.max_iter;
  return WS_OK;
}

static WsErr parse_config(const WsOptions *o, SolveConfig *c) {
  WS_CALL(ws_options_require(o, "data"));
  c->data = ws_options_str(o, "data");
  c->x_name = ws_options_str(o, "X");
  c->y_name = ws_options_str(o, "y");
  WS_CALL(ws_options_choice(o, "X-layout", ws_rowread_layout_names(), &c->x_layout));
  static const char *const kinds[] = {"none", "groups", "matrix", "learn", NULL};
  c->sharing = -1;
  if (ws_options_str(o, "sharing")) WS_CALL(ws_options_choice(o, "sharing", kinds, &c->sharing));
  c->learn = c->sharing == 3;
  if (c->learn) c->sharing = WS_SHARING_NONE;
  c->sharing_file_given = ws_options_str(o, "sharing-file") != NULL;
  c->sharing_file = c->sharing_file_given ? ws_options_str(o, "sharing-file") : c->data;
  c->sharing_dataset = ws_options_str(o, "sharing-dataset");
  static const char *const solvers[] = {"auto", "gd", "agd", "cg", "lsqr", "qr", "cholesky", NULL};
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
  c->reproducible = ws_options_flag(o, "reproducible");
  WS_CALL(ws_options_int_range(o, "poly-degree", 1, WS_FEATURES_MAX_DEGREE, &c->degree));
  WS_CALL(ws_options_choice(o, "poly-terms", ws_features_terms_names(), &c->terms));
  WS_CALL(ws_options_choice(o, "poly-basis", ws_features_basis_names(), &c->basis));
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
  return parse_learn(o, c);
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
  int64_t *learn_start; /* the starting ids of --sharing learn, or NULL */
  char learn_start_name[WS_PATH_MAX + WS_NAME_MAX];
  char learn_fingerprint[256];
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

/* --sharing learn: the starting groups, when --sharing-dataset or --sharing-file names them
 * (a /groups of the data file alone is not a start: it is what learn replaces). */
static WsErr read_learn_start(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  if (!c->sharing_dataset && !c->sharing_file_given) {
    snprintf(r->learn_start_name, sizeof r->learn_start_name, "no starting groups");
    return WS_OK;
  }
  WsH5File *opened = NULL;
  const WsH5File *f = NULL;
  const char *name = c->sharing_dataset ? c->sharing_dataset : "/groups";
  snprintf(r->learn_start_name, sizeof r->learn_start_name, "%s: %s", c->sharing_file, name);
  r->learn_start = ws_memory_calloc((size_t)r->des->n, sizeof *r->learn_start);
  WsErr err = ws_comm_agree_alloc(r->comm, r->learn_start != NULL);
  if (!err) err = open_or_reuse(r, c->sharing_file, &opened, &f);
  if (!err) err = ws_sharing_file_read_ids(f, c->sharing_dataset, r->des, r->learn_start);
  ws_h5file_close(&opened);
  c->learn_opt.start = r->learn_start;
  c->learn_opt.start_name = r->learn_start_name;
  return err;
}

static WsErr read_sharing(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  WsH5File *opened = NULL;
  const WsH5File *f = NULL;
  WsErr err = WS_OK;
  if (c->learn) {
    /* Every rank read the same shape of the targets. */
    WS_CHECK(r->des->q == 1, WS_ERR_INPUT,
             "--sharing learn: %s has %d outputs; learned sharing takes one output", c->y_name,
             r->des->q);
    err = read_learn_start(r);
    return err ? err : ws_comm_agree(r->comm, ws_sharing_create_none(r->des->n, 1, &r->sh));
  }
  /* Naming a sharing file or dataset asks for groups (as --sharing-file RESULT.h5 of a
   * learned fit does), unless --sharing says otherwise. */
  if (c->sharing < 0)
    c->sharing = c->sharing_file_given || c->sharing_dataset
                     ? WS_SHARING_GROUPS
                     : (int)ws_sharing_file_default_kind(r->data);
  if (c->sharing != WS_SHARING_NONE) err = open_or_reuse(r, c->sharing_file, &opened, &f);
  if (!err)
    err = ws_sharing_file_read(f ? f : r->data, (WsSharingKind)c->sharing, c->sharing_dataset,
                               r->des, &r->sh);
  ws_h5file_close(&opened);
  return err;
}

static WsErr initial_weights(SolveRun *r, double *w) {
  WsInitial init = {r->cfg.init, (uint64_t)r->cfg.seed};
  char path[WS_PATH_MAX];
  WsH5File *opened = NULL;
  const WsH5File *f = NULL;
  WsErr err =
      ws_initial_file(&init, path, sizeof path) ? open_or_reuse(r, path, &opened, &f) : WS_OK;
  if (!err) err = ws_initial_weights(&init, f, r->prob->n, r->prob->q, r->comm, w);
  ws_h5file_close(&opened);
  return err;
}

/* Before any row is read (README "Errors and exit codes", the memory rule): the rows, the
 * sharing and an iterative solver's vectors must fit; a direct solver's needs depend on
 * the tied columns and are checked once the sharing is known (check_solver_memory). */
static WsErr check_memory(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  WsRowInfo xi, yi = {.cols = 1};
  int n = 0;
  /* A missing or ill-shaped X or y, or bad terms, are reported by the reader. */
  if (ws_rowread_inspect(r->data, c->x_name, (WsLayout)c->x_layout, &xi) != WS_OK ||
      xi.ndims != 2 || xi.cols > INT_MAX ||
      ws_features_count((int)xi.cols, (int)c->degree, (WsFeaturesTerms)c->terms, &n) != WS_OK)
    return WS_OK;
  if (ws_rowread_inspect(r->data, c->y_name, WS_LAYOUT_ROWS, &yi) != WS_OK) yi.cols = 1;
  r->shape = (WsFootprintShape){.rows = xi.rows,
                                .n_raw = (int)xi.cols,
                                .n = n,
                                .q = yi.cols < INT_MAX && yi.cols > 0 ? (int)yi.cols : 1,
                                .x_bytes = xi.dtype == WS_DTYPE_F32 ? 4 : 8,
                                .mapped = xi.mappable};
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

/* Once the solver is chosen: everything, its own buffers and the tied design of compressed
 * iterations included. */
static void solver_needs(const SolveRun *r, int compressed, WsMemNeeds *needs) {
  ws_memcheck_init(needs, r->shape.rows);
  ws_footprint_design(needs, &r->shape);
  ws_footprint_sharing(needs, &r->shape, r->sh->kind == WS_SHARING_MATRIX);
  ws_footprint_solver(needs, &r->shape, ws_solver_name(r->solver), r->sh->k, r->cfg.intercept,
                      r->cfg.ridge > 0.0);
  if (compressed) ws_footprint_compressed(needs, r->sh->k1);
}

static WsErr check_solver_memory(SolveRun *r) {
  if (r->shape.rows == 0) return WS_OK;
  const char *name = ws_solver_name(r->solver);
  WsMemNeeds needs;
  solver_needs(r, r->prob->Z != NULL, &needs);
  char context[WS_PATH_MAX + 64];
  snprintf(context, sizeof context, "solve: %s with --solver %s", r->cfg.data, name);
  return ws_memcheck_check(&needs, &r->budget, context, r->comm);
}

static WsErr setup(SolveRun *r) {
  SolveConfig *c = &r->cfg;
  double t0 = ws_timer_now();
  WS_CALL(ws_h5file_open(c->data, r->comm, &r->data));
  ws_timer_add(&r->timers, WS_TIME_READ, t0);
  if (!c->y_name)
    c->y_name = !ws_h5file_exists(r->data, "/y") && ws_h5file_exists(r->data, "/Y") ? "/Y" : "/y";
  WS_CALL(check_memory(r));
  WsDesignSource src = {.x_name = c->x_name,
                        .y_name = c->y_name,
                        .degree = (int)c->degree,
                        .terms = (WsFeaturesTerms)c->terms,
                        .basis = (WsFeaturesBasis)c->basis,
                        .x_layout = (WsLayout)c->x_layout,
                        .reproducible = c->reproducible,
                        .progress = r->rep.progress};
  WS_CALL(ws_design_read(r->data, &src, &r->timers, &r->des));
  t0 = ws_timer_now();
  WS_CALL(read_sharing(r));
  WS_CALL(ws_problem_create(r->comm, r->des, r->sh, c->ridge, c->intercept, &r->timers, &r->prob));
  ws_timer_add(&r->timers, WS_TIME_SETUP, t0);
  return WS_OK;
}

/* Compressed iterations (README "Solvers"): an iterative solver sweeps the tied design
 * Z = X S instead of X when the ties leave few tied columns and Z fits beside the rest;
 * the decision and its reason are printed.  Collective (the budget is the same on every
 * rank). */
static WsErr compress(SolveRun *r) {
  if (!ws_solver_is_iterative(r->solver) || r->cfg.learn || r->shape.rows == 0) return WS_OK;
  char why[192];
  int ok = ws_problem_compressible(r->prob, why, sizeof why);
  /* A reproducible run decides by the ties alone, so that every rank count decides alike; if
   * Z does not fit, the memory check says so (WSHARE_COMPRESS=off is the way round). */
  if (ok && r->budget.per_rank >= 0 && !r->cfg.reproducible) {
    WsMemNeeds needs;
    solver_needs(r, 1, &needs);
    int64_t bytes = ws_memcheck_bytes(&needs, r->size);
    if (bytes > r->budget.per_rank) {
      ok = 0;
      snprintf(why, sizeof why, "with Z a rank would need %.0f MiB, more than its %.0f MiB",
               (double)bytes / 1048576.0, (double)r->budget.per_rank / 1048576.0);
    }
  }
  ws_report(&r->rep, "compress: %s (%s)\n", ok ? "iterations sweep Z = X S" : "iterations sweep X",
            why);
  return ok ? ws_problem_compress(r->prob) : WS_OK;
}

static void print_header(SolveRun *r) {
  const WsDesign *des = r->des;
  long long local = (long long)des->part.count, most = local;
  MPI_Allreduce(&local, &most, 1, MPI_LONG_LONG, MPI_MAX, r->comm);
  double bytes = (double)most * des->n_raw * (des->dtype == WS_DTYPE_F32 ? 4 : 8);
  ws_report(&r->rep,
            "problem: %s: %lld rows x %d columns (%s%s), %d output%s, %d ranks, X %.1f MiB per "
            "rank (max)\n"
            "input: X is %s, %s (rank 0 %s it)\n",
            r->cfg.data, (long long)des->part.rows, des->n,
            des->dtype == WS_DTYPE_F32 ? "float32" : "float64",
            ws_features_identity(des->features) ? "" : ", polynomial features", des->q,
            des->q > 1 ? "s" : "", r->size, bytes / 1048576.0, des->x_info.type,
            des->x_info.storage, des->x_rows->method);
  if (r->cfg.learn)
    ws_report(&r->rep, "sharing: learn, starting from %s%s\n", r->learn_start_name,
              r->cfg.intercept ? ", intercept" : "");
  else
    ws_report(&r->rep, "sharing: %s, %d tied columns (%d groups%s)%s%s\n",
              ws_sharing_kind_name(r->sh->kind), r->sh->k, r->sh->n_groups,
              r->sh->per_output || r->sh->q == 1 ? "" : ", across outputs",
              r->prob->sparse ? ", member-list passes" : "", r->cfg.intercept ? ", intercept" : "");
}

static WsErr write_result(SolveRun *r, const WsRunOutcome *o, const WsResultLearn *learn) {
  const WsDesign *des = r->des;
  const WsSolution *sol = r->sol;
  int q = des->q;
  double m = (double)des->part.rows;
  double read_seconds = r->timers.total[WS_TIME_READ];
  WS_MPI(MPI_Allreduce(MPI_IN_PLACE, &read_seconds, 1, MPI_DOUBLE, MPI_MAX, r->comm));
  double *r2 = ws_memory_calloc((size_t)2 * q, sizeof *r2), *rmse = r2 + q;
  WS_CALL(ws_comm_agree_alloc(r->comm, r2 != NULL));
  double r2_mean = 0.0;
  for (int k = 0; k < q; k++) {
    r2[k] = ws_stats_r2(sol->rss_out[k], des->y_sum[k], des->y_sumsq[k], des->part.rows,
                        r->cfg.intercept);
    rmse[k] = sqrt(sol->rss_out[k] / m);
    r2_mean += r2[k] / q;
  }
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
      .q = q,
      .r2 = r2,
      .rmse = rmse,
      .config = r->cfg.config,
      .poly_degree = des->degree,
      .features = des->features,
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
      .learn = learn,
  };
  double t0 = ws_timer_now();
  WsErr err = ws_result_write(r->cfg.out, &res, r->comm);
  ws_timer_add(&r->timers, WS_TIME_WRITE, t0);
  if (!err && q == 1)
    ws_report(&r->rep,
              "result: %s (%s) after %lld iterations; loss %.12e, |A grad| %.3e, r2 %.10f, "
              "rmse %.6g\nwrote %s\n",
              o->reason, res.solver, (long long)res.iterations, res.loss, res.grad_norm, r2[0],
              rmse[0], r->cfg.out);
  else if (!err)
    ws_report(&r->rep,
              "result: %s (%s) after %lld iterations; loss %.12e, |A grad| %.3e, %d outputs: "
              "mean r2 %.10f, rmse %.6g over all\nwrote %s\n",
              o->reason, res.solver, (long long)res.iterations, res.loss, res.grad_norm, q, r2_mean,
              sqrt(sol->rss / (m * q)), r->cfg.out);
  free(r2);
  return err;
}

static WsErr solve_iterative(SolveRun *r, WsRunOutcome *outcome) {
  double *w0 = ws_memory_calloc((size_t)r->prob->nw, sizeof *w0);
  WsErr err = ws_comm_agree_alloc(r->comm, w0 != NULL);
  if (!err) err = initial_weights(r, w0);
  if (!err)
    err = ws_run_iterative(r->solver, w0, &r->cfg.run, &r->rep, &r->timers, r->history, r->t_start,
                           outcome);
  free(w0);
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
  if (c->learn)
    WS_CALL(ws_learn_create(r->prob, &c->learn_opt, &opt, &r->solver));
  else
    WS_CALL(ws_comm_agree(r->comm, ws_solver_create(c->solver, r->prob, &opt, &r->solver)));
  if (ws_solver_reason(r->solver)[0])
    ws_report(&r->rep, "auto: chose %s (%s)\n", ws_solver_name(r->solver),
              ws_solver_reason(r->solver));
  WS_CALL(compress(r));
  WS_CALL(check_solver_memory(r));
  /* learn standardizes its own iterative free fit, if it runs one; over Z when compressed. */
  if (c->standardize && !c->learn) WS_CALL(ws_comm_agree(r->comm, ws_problem_standardize(r->prob)));
  if (c->learn) ws_learn_fingerprint(r->solver, r->learn_fingerprint, sizeof r->learn_fingerprint);
  WsProblemOptions po = {c->ridge, c->intercept, c->standardize, c->reproducible,
                         c->learn ? r->learn_fingerprint : ws_solver_name(r->solver)};
  WS_CALL(ws_fingerprint_compute(r->des, r->sh, &po, r->comm, r->fingerprint));
  c->run.config = c->config;
  c->run.fingerprint = r->fingerprint;
  WS_CALL(ws_comm_agree(r->comm, ws_solution_create(r->prob->n, r->prob->q, &r->sol)));
  WS_CALL(ws_comm_agree(r->comm, ws_history_create(&r->history)));
  WsRunOutcome outcome = {0};
  WS_CALL(ws_solver_is_iterative(r->solver) ? solve_iterative(r, &outcome)
                                            : solve_direct(r, &outcome));
  WsLearnOutputs learned;
  WsResultLearn learn = {0};
  if (c->learn && outcome.code == WS_OK) {
    WS_CALL(ws_learn_outputs(r->solver, &learned));
    ws_learn_report_path(&r->rep, &learned);
    learn = ws_learn_report_result(&learned);
  }
  WS_CALL(write_result(r, &outcome, learn.groups ? &learn : NULL));
  return outcome.code;
}

/* Frees what a run holds (twice is harmless: each handle is left NULL). */
static void release(SolveRun *r) {
  ws_solution_destroy(&r->sol);
  ws_solver_destroy(&r->solver);
  ws_problem_destroy(&r->prob);
  ws_sharing_destroy(&r->sh);
  ws_design_destroy(&r->des);
  ws_h5file_close(&r->data);
  ws_history_destroy(&r->history);
  free(r->learn_start);
  r->learn_start = NULL;
}

WsErr ws_cmd_solve(MPI_Comm comm, int argc, char **argv) {
  SolveRun r;
  memset(&r, 0, sizeof r);
  r.comm = comm;
  MPI_Comm_rank(comm, &r.rank);
  MPI_Comm_size(comm, &r.size);
  const WsCommand *c = ws_cmd_solve_describe();
  WsOptions *o = NULL;
  /* Parsing is the same everywhere; only running out of memory could differ. */
  WsErr err =
      ws_comm_agree(comm, ws_options_create(c->name, c->specs, c->count, argc, argv, 1, &o));
  if (!err && o->help) {
    if (r.rank == 0) ws_help_print(stdout, c);
    ws_options_destroy(&o);
    return WS_OK;
  }
  if (!err) err = parse_config(o, &r.cfg);
  if (!err) {
    r.cfg.config = ws_options_effective(o);
    err = ws_comm_agree_alloc(comm, r.cfg.config != NULL);
  }
  if (!err)
    err = ws_comm_agree_alloc(comm, ws_report_init(&r.rep, comm, ws_options_flag(o, "quiet"),
                                                   ws_options_flag(o, "monitor")) == WS_OK);
  if (!err) {
    ws_comm_warn_silence(ws_options_flag(o, "quiet"));
    ws_report(&r.rep, "wshare %s\n%s", WSHARE_VERSION, r.cfg.config);
    ws_signals_install();
    r.t_start = ws_timer_now();
    r.timers.total[WS_TIME_START] = ws_timer_process_age();
    err = solve(&r);
    if (err == WS_OK || err == WS_STOP_LIMIT || err == WS_STOP_SIGNAL) {
      long long bytes = ws_solver_is_iterative(r.solver) ? ws_problem_allreduce_bytes(r.prob) : 0;
      /* Freed before the summary, so that it counts the unmapping of X too. */
      double t0 = ws_timer_now();
      release(&r);
      ws_timer_add(&r.timers, WS_TIME_FINISH, t0);
      ws_report_timers(&r.rep, &r.timers, comm);
      if (bytes) ws_report(&r.rep, "allreduce: %lld bytes per iteration\n", bytes);
    }
  }
  ws_report_finish(&r.rep);
  release(&r);
  free(r.cfg.config);
  ws_options_destroy(&o);
  return err;
}

const WsCommand *ws_cmd_solve_describe(void) {
  static const WsCommand c = {
      .name = "solve",
      .summary = "fit the weights (gd, agd, cg, lsqr, qr, cholesky, auto)",
      .synopsis = "wshare solve [CONFIG.ini] --data FILE [options]",
      .about = "Fits least-squares weights with weight sharing on every rank's rows.  An INI\n"
               "file given first supplies options under their long names; the command line\n"
               "overrides it.  Exit codes: 0 solved, 1 runtime failure, 2 usage or input\n"
               "error, 3 stopped at --max-iter/--max-time, 4 stopped by a signal.",
      .specs = solve_specs,
      .count = sizeof solve_specs / sizeof *solve_specs,
      .examples = {{"fit data.h5 on 4 ranks with an intercept; auto picks the solver and says why",
                    "mpirun -n 4 wshare solve --data data.h5 --intercept --out fit.h5"},
                   {"conjugate gradient with a checkpoint every 20 iterations; the same command "
                    "run again after an interruption resumes",
                    "wshare solve --data data32.h5 --solver cg --rtol 1e-10 --checkpoint-dir ckpt "
                    "--checkpoint-every 20 --restart auto --out fit32.h5"}},
      .run = ws_cmd_solve,
  };
  return &c;
}
