#include "wshare/timer.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
  static const char *const names[WS_TIME_COUNT] = {"start",     "read",       "setup", "compute",
                                                   "allreduce", "checkpoint", "write", "finish"};
  return names[slot];
}

double ws_timer_process_age(void) {
  FILE *f = fopen("/proc/self/stat", "r");
  if (!f) return 0.0;
  char line[1024];
  size_t len = fread(line, 1, sizeof line - 1, f);
  fclose(f);
  line[len] = '\0';
  /* Field 22, starttime in clock ticks since boot, counted after the command name's ')'. */
  const char *p = strrchr(line, ')');
  unsigned long long ticks = 0;
  for (int field = 2; p && field < 22; field++)
    p = strchr(p + 1, ' ');
  long hz = sysconf(_SC_CLK_TCK);
  struct timespec now;
  if (!p || sscanf(p + 1, "%llu", &ticks) != 1 || hz <= 0 ||
      clock_gettime(CLOCK_BOOTTIME, &now) != 0)
    return 0.0;
  double age = (double)now.tv_sec + 1e-9 * (double)now.tv_nsec - (double)ticks / (double)hz;
  return age > 0.0 ? age : 0.0;
}
