#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wshare/reduce.h"

WsErr ws_report_init(WsReporter *r, MPI_Comm comm, int quiet, int monitor) {
  MPI_Comm_rank(comm, &r->rank);
  r->quiet = quiet;
  r->monitor = monitor;
  return ws_report_progress(comm, quiet, &r->progress);
}

/* Whether progress lines go to a terminal (README "Progress").  Open MPI gives the ranks it
 * starts a pseudo-terminal for stdout whatever its own stdout is, so under mpirun the answer
 * is mpirun's: the stdout of the parent process, when that is a terminal of this machine. */
static int stdout_is_terminal(void) {
  if (!isatty(STDOUT_FILENO)) return 0;
  if (!getenv("OMPI_COMM_WORLD_SIZE")) return 1;
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/fd/1", (long)getppid());
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISCHR(st.st_mode)) return 0;
  int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  int tty = fd >= 0 && isatty(fd);
  if (fd >= 0) close(fd);
  return tty;
}

WsErr ws_report_progress(MPI_Comm comm, int quiet, WsProgress **p) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  *p = NULL;
  if (rank != 0 || quiet) return WS_OK;
  return ws_progress_create(stdout, stdout_is_terminal(), p);
}

void ws_report_finish(WsReporter *r) {
  ws_progress_destroy(&r->progress);
}

void ws_report(const WsReporter *r, const char *fmt, ...) {
  if (r->rank != 0 || r->quiet) return;
  ws_progress_break(r->progress);
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

void ws_report_iteration(WsReporter *r, int64_t iteration, double loss, double grad_norm,
                         double tol, double seconds, double fraction) {
  if (r->monitor) {
    ws_report(r, "  iter %8lld  loss %.12e  |A grad| %.3e (target %.2e)  %.2f s\n",
              (long long)iteration, loss, grad_norm, tol, seconds);
    return;
  }
  if (!r->progress) return;
  char detail[160];
  int n = snprintf(detail, sizeof detail, "iter %lld  loss %.6e", (long long)iteration, loss);
  /* Learned sharing's stages have no gradient to show. */
  if (isfinite(grad_norm) && tol > 0.0 && n > 0 && (size_t)n < sizeof detail)
    snprintf(detail + n, sizeof detail - (size_t)n, "  |A grad| %.3e (target %.2e)", grad_norm,
             tol);
  ws_progress_update(r->progress, fraction, detail);
}

void ws_report_timers(const WsReporter *r, const WsTimers *t, MPI_Comm comm) {
  WsTimers lo, hi;
  if (ws_reduce_timers(comm, t, &lo, &hi) != WS_OK) return;
  ws_report(r, "time (seconds, min/max over ranks):");
  for (int s = 0; s < WS_TIME_COUNT; s++)
    ws_report(r, " %s %.3f/%.3f%s", ws_timer_name((WsTimeSlot)s), lo.total[s], hi.total[s],
              s + 1 < WS_TIME_COUNT ? "," : "\n");
}
