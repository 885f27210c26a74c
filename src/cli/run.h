/* The run loop of an iterative solve (README "Checkpoints, restart and SLURM"): start or
 * restore the solver, iterate with the monitor, checkpoint on cadence, on a signal and at a
 * limit, and decide why the run ends.  It knows the solver only through its interface. */
#ifndef WSHARE_CLI_RUN_H
#define WSHARE_CLI_RUN_H

#include "report.h"
#include "wshare/history.h"
#include "wshare/solver.h"

typedef struct {
  int64_t max_iter;
  double max_time;      /* seconds of this run; 0: none */
  const char *ckpt_dir; /* NULL: no checkpoints */
  int64_t ckpt_every;   /* iterations; 0: off */
  double ckpt_seconds;  /* 0: off */
  int ckpt_keep;
  const char *restart;     /* NULL, "auto" or a checkpoint path */
  const char *config;      /* stored in checkpoints */
  const char *fingerprint; /* of the problem */
} WsRunSettings;

typedef struct {
  const char *reason; /* converged, max-iter, max-time, signal */
  WsErr code;         /* WS_OK, WS_STOP_LIMIT or WS_STOP_SIGNAL */
  int converged;
  double elapsed_before; /* solving seconds of earlier runs (restart) */
} WsRunOutcome;

/* Collective: runs solver s from the initial weights w0 (or from the checkpoint --restart
 * names) until it converges or stops, appending to history; t_start is when this run began. */
WsErr ws_run_iterative(WsSolver *s, const double *w0, const WsRunSettings *rs, WsReporter *rep,
                       WsTimers *timers, WsHistory *history, double t_start, WsRunOutcome *out);

#endif
