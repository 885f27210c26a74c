#include "wshare/timer.h"

#include <time.h>

double ws_timer_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ws_timer_add(WsTimers *t, WsTimeSlot slot, double start) {
  double now = ws_timer_now();
  if (t) t->total[slot] += now - start;
  return now;
}

const char *ws_timer_name(WsTimeSlot slot) {
  static const char *const names[WS_TIME_COUNT] = {"read",      "setup",      "compute",
                                                   "allreduce", "checkpoint", "write"};
  return names[slot];
}
