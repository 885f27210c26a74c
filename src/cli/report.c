#include "report.h"

#include <stdarg.h>
#include <stdio.h>

#include "wshare/reduce.h"

void ws_report_init(WsReporter *r, MPI_Comm comm, int quiet, int monitor) {
  MPI_Comm_rank(comm, &r->rank);
  r->quiet = quiet;
  r->monitor = monitor;
  r->last_progress = ws_timer_now();
}

void ws_report(const WsReporter *r, const char *fmt, ...) {
  if (r->rank != 0 || r->quiet) return;
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

void ws_report_iteration(WsReporter *r, int64_t iteration, double loss, double grad_norm,
                         double tol, double seconds) {
  double now = ws_timer_now();
  if (!r->monitor && now - r->last_progress < 1.0) return;
  r->last_progress = now;
  ws_report(r, "  iter %8lld  loss %.12e  |A grad| %.3e (target %.2e)  %.2f s\n",
            (long long)iteration, loss, grad_norm, tol, seconds);
}

void ws_report_timers(const WsReporter *r, const WsTimers *t, MPI_Comm comm) {
  WsTimers lo, hi;
  if (ws_reduce_timers(comm, t, &lo, &hi) != WS_OK) return;
  ws_report(r, "time (seconds, min/max over ranks):");
  for (int s = 0; s < WS_TIME_COUNT; s++)
    ws_report(r, " %s %.3f/%.3f%s", ws_timer_name((WsTimeSlot)s), lo.total[s], hi.total[s],
              s + 1 < WS_TIME_COUNT ? "," : "\n");
}
