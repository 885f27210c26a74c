#include "wshare/timer.h"

#include <time.h>

double ws_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ws_timer_add(WsTimers *t, WsTimeSlot slot, double start) {
  double now = ws_now();
  if (t) t->total[slot] += now - start;
  return now;
}

const char *ws_timer_name(WsTimeSlot slot) {
  static const char *const names[WS_TIME_COUNT] = {"read",      "setup",      "compute",
                                                   "allreduce", "checkpoint", "write"};
  return names[slot];
}

void ws_timer_minmax(const WsTimers *t, MPI_Comm comm, WsTimers *min, WsTimers *max) {
  MPI_Allreduce(t->total, min->total, WS_TIME_COUNT, MPI_DOUBLE, MPI_MIN, comm);
  MPI_Allreduce(t->total, max->total, WS_TIME_COUNT, MPI_DOUBLE, MPI_MAX, comm);
}
