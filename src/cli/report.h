/* What rank 0 prints during a command: header, progress and per-iteration lines, summary.  A
 * reporter is a plain value: ws_report_init fills it, ws_report_finish frees its progress
 * reporter. */
#ifndef WSHARE_CLI_REPORT_H
#define WSHARE_CLI_REPORT_H

#include <mpi.h>
#include <stdint.h>

#include "wshare/progress.h"
#include "wshare/timer.h"

typedef struct {
  int rank;
  int quiet;
  int monitor;
  /* Progress of the long phases (README "Progress"): on rank 0 unless quiet, else NULL;
   * stdout decides whether lines are rewritten in place (a terminal) or appended. */
  WsProgress *progress;
} WsReporter;

/* Local: the progress reporter of a command (README "Progress"): on rank 0 unless quiet,
 * printing to stdout, rewritten in place when stdout is a terminal; else NULL.  Fails only
 * when it cannot be allocated. */
WsErr ws_report_progress(MPI_Comm comm, int quiet, WsProgress **p);
/* Local; fails only when rank 0 cannot allocate its progress reporter. */
WsErr ws_report_init(WsReporter *r, MPI_Comm comm, int quiet, int monitor);
/* Local: ends an open progress line and frees the progress reporter. */
void ws_report_finish(WsReporter *r);
/* printf on rank 0 unless quiet. */
void ws_report(const WsReporter *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line per iteration with --monitor, otherwise a progress line of the phase the run loop
 * began (at most one a second) with the fraction done. */
void ws_report_iteration(WsReporter *r, int64_t iteration, double loss, double grad_norm,
                         double tol, double seconds, double fraction);
/* Collective: the "where the time went" table, min/max over ranks. */
void ws_report_timers(const WsReporter *r, const WsTimers *t, MPI_Comm comm);

#endif
