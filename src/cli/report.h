/* What rank 0 prints during a solve: header, per-iteration lines, summary.  A reporter is a
 * plain value that owns nothing: ws_report_init fills it, nothing frees it. */
#ifndef WSHARE_CLI_REPORT_H
#define WSHARE_CLI_REPORT_H

#include <mpi.h>
#include <stdint.h>

#include "wshare/timer.h"

typedef struct {
  int rank;
  int quiet;
  int monitor;
  double last_progress; /* when the last progress line was printed */
} WsReporter;

void ws_report_init(WsReporter *r, MPI_Comm comm, int quiet, int monitor);
/* printf on rank 0 unless quiet. */
void ws_report(const WsReporter *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line per iteration with --monitor, otherwise at most one line a second. */
void ws_report_iteration(WsReporter *r, int64_t iteration, double loss, double grad_norm,
                         double tol, double seconds);
/* Collective: the "where the time went" table, min/max over ranks. */
void ws_report_timers(const WsReporter *r, const WsTimers *t, MPI_Comm comm);

#endif
