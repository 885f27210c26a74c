#include "run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "signals.h"
#include "wshare/checkpoint.h"

typedef struct {
  WsSolver *solver;
  const WsRunSettings *rs;
  WsReporter *rep;
  WsTimers *timers;
  WsHistory *history;
  double t_start, elapsed_before;
  MPI_Comm comm;
  char ckpt_path[WS_PATH_MAX];
} Run;

static double run_seconds(const Run *r) {
  return r->elapsed_before + (ws_timer_now() - r->t_start);
}

static WsErr write_checkpoint(Run *r) {
  double t0 = ws_timer_now();
  WsStateField fields[WS_STATE_MAX_FIELDS];
  WsCheckpointContent content = {
      .fields = fields,
      .n_fields = ws_solver_state(r->solver, fields, WS_STATE_MAX_FIELDS),
      .history = r->history,
      .config = r->rs->config,
      .fingerprint = r->rs->fingerprint,
      .elapsed = run_seconds(r),
  };
  WS_CALL(ws_checkpoint_write(r->rs->ckpt_dir, r->rs->ckpt_keep, ws_solver_iterations(r->solver),
                              &content, r->comm, r->ckpt_path));
  ws_timer_add(r->timers, WS_TIME_CHECKPOINT, t0);
  if (r->rep->monitor) ws_report(r->rep, "  checkpoint %s\n", r->ckpt_path);
  return WS_OK;
}

/* Resolves --restart into a checkpoint path ("" = start fresh). */
static WsErr find_restart(Run *r, char path[WS_PATH_MAX]) {
  path[0] = '\0';
  const char *restart = r->rs->restart;
  if (!restart) return WS_OK;
  if (strcmp(restart, "auto") == 0) {
    WS_CALL(ws_checkpoint_find(r->rs->ckpt_dir, r->comm, path));
    if (!path[0])
      ws_report(r->rep, "restart: no checkpoint in %s, starting fresh\n", r->rs->ckpt_dir);
    return WS_OK;
  }
  snprintf(path, WS_PATH_MAX, "%s", restart);
  return WS_OK;
}

/* The solver continues from the checkpoint's state fields. */
static WsErr restore(Run *r, const char *path) {
  WsStateField fields[WS_STATE_MAX_FIELDS];
  WsCheckpointContent content = {
      .fields = fields,
      .n_fields = ws_solver_state(r->solver, fields, WS_STATE_MAX_FIELDS),
      .history = r->history,
      .fingerprint = r->rs->fingerprint,
  };
  WS_CALL(ws_checkpoint_read(path, &content, r->comm));
  r->elapsed_before = content.elapsed;
  ws_report(r->rep, "restart: resuming from %s at iteration %lld\n", path,
            (long long)ws_solver_iterations(r->solver));
  return WS_OK;
}

/* The control values this rank contributes to the next iteration's allreduce. */
static void control_values(const Run *r, double last_ckpt, double control[WS_CONTROL_COUNT]) {
  memset(control, 0, WS_CONTROL_COUNT * sizeof *control);
  control[WS_CONTROL_SIGNAL] = ws_signals_received() ? 1.0 : 0.0;
  int rank;
  MPI_Comm_rank(r->comm, &rank);
  if (rank != 0) return;
  /* Rank 0's clock decides for all. */
  const WsRunSettings *rs = r->rs;
  double now = ws_timer_now();
  control[WS_CONTROL_TIME] = rs->max_time > 0.0 && now - r->t_start >= rs->max_time;
  control[WS_CONTROL_CHECKPOINT] =
      rs->ckpt_dir && rs->ckpt_seconds > 0.0 && now - last_ckpt >= rs->ckpt_seconds;
}

/* Every rank's history has the same length and capacity, so all of them grow it (the only
 * allocation between iterations) at the same iteration: that growth is agreed on, so one
 * rank running out of memory never leaves the others in the next iteration's allreduce. */
static WsErr append_history(Run *r, double loss, double grad_norm, double seconds) {
  int grows = r->history->len >= r->history->cap;
  WsErr err = ws_history_append(r->history, loss, grad_norm, seconds);
  return grows ? ws_comm_agree(r->comm, err) : err;
}

/* Where this run started: its first iteration and the |A grad| it saw (the progress
 * estimate counts from there, so a resumed run's rate is its own). */
typedef struct {
  int64_t it0;
  double g0;
} Start;

/* The fraction of this run done: the solver's own when it knows it (learned sharing),
 * otherwise the furthest of the iteration limit, the time limit and the gradient's way down
 * to its target on a log scale (linear convergence makes that linear in time). */
static double run_fraction(const Run *r, const Start *st, const WsStepInfo *info, int64_t it) {
  if (info->fraction > 0.0) return info->fraction;
  const WsRunSettings *rs = r->rs;
  double f = 0.0;
  if (rs->max_iter > st->it0) f = (double)(it - st->it0) / (double)(rs->max_iter - st->it0);
  if (rs->max_time > 0.0) f = fmax(f, (ws_timer_now() - r->t_start) / rs->max_time);
  double tol = ws_solver_tolerance(r->solver), g = info->grad_norm;
  if (isfinite(st->g0) && isfinite(g) && tol > 0.0 && st->g0 > tol && g > 0.0)
    f = fmax(f, log(st->g0 / g) / log(st->g0 / tol));
  return f;
}

static WsErr iterate(Run *r, WsRunOutcome *out) {
  const WsRunSettings *rs = r->rs;
  double last_ckpt = ws_timer_now();
  Start st = {ws_solver_iterations(r->solver), NAN};
  for (;;) {
    double control[WS_CONTROL_COUNT];
    control_values(r, last_ckpt, control);
    WsStepInfo info;
    memset(&info, 0, sizeof info);
    WS_CALL(ws_solver_iterate(r->solver, control, &info));
    int64_t it = ws_solver_iterations(r->solver);
    double seconds = run_seconds(r);
    if (isnan(st.g0)) st.g0 = info.grad_norm;
    WS_CALL(append_history(r, info.loss, info.grad_norm, seconds));
    ws_report_iteration(r->rep, it, info.loss, info.grad_norm, ws_solver_tolerance(r->solver),
                        seconds, run_fraction(r, &st, &info, it));
    if (info.diverged) {
      char advice[256];
      ws_solver_divergence_advice(r->solver, advice, sizeof advice);
      return ws_error_set(
          WS_ERR_RUNTIME, "%s diverged at iteration %lld (loss %g, started at %g): %s",
          ws_solver_name(r->solver), (long long)it, info.loss, r->history->loss[0], advice);
    }
    if (info.converged) {
      *out = (WsRunOutcome){"converged", WS_OK, 1, 0.0};
      return WS_OK;
    }
    if (info.control[WS_CONTROL_SIGNAL] > 0.0) {
      *out = (WsRunOutcome){"signal", WS_STOP_SIGNAL, 0, 0.0};
      break;
    }
    if (it >= rs->max_iter || info.control[WS_CONTROL_TIME] > 0.0) {
      *out = (WsRunOutcome){it >= rs->max_iter ? "max-iter" : "max-time", WS_STOP_LIMIT, 0, 0.0};
      break;
    }
    if (rs->ckpt_dir && ((rs->ckpt_every > 0 && it % rs->ckpt_every == 0) ||
                         info.control[WS_CONTROL_CHECKPOINT] > 0.0)) {
      WS_CALL(write_checkpoint(r));
      last_ckpt = ws_timer_now();
    }
  }
  if (rs->ckpt_dir) {
    WS_CALL(write_checkpoint(r));
    ws_report(r->rep, "checkpoint: wrote %s\n", r->ckpt_path);
  } else if (out->code == WS_STOP_SIGNAL) {
    ws_comm_warn(r->comm, "stopped by a signal without --checkpoint-dir: no checkpoint written");
  }
  return WS_OK;
}

WsErr ws_run_iterative(WsSolver *s, const double *w0, const WsRunSettings *rs, WsReporter *rep,
                       WsTimers *timers, WsHistory *history, double t_start, WsRunOutcome *out) {
  Run r = {.solver = s,
           .rs = rs,
           .rep = rep,
           .timers = timers,
           .history = history,
           .t_start = t_start,
           .comm = ws_solver_comm(s)};
  char ckpt[WS_PATH_MAX];
  WS_CALL(find_restart(&r, ckpt));
  if (ckpt[0])
    WS_CALL(restore(&r, ckpt));
  else
    WS_CALL(ws_solver_start(s, w0));
  char settings[256];
  ws_solver_describe(s, settings, sizeof settings);
  ws_report(rep, "solver: %s, max-iter %lld\n", settings, (long long)rs->max_iter);
  ws_progress_begin(rep->progress, ws_solver_name(s));
  WsErr err = iterate(&r, out);
  ws_progress_done(rep->progress);
  WS_CALL(err);
  out->elapsed_before = r.elapsed_before;
  return WS_OK;
}
