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

/* Seconds since process pid started (its /proc stat line, field 22: clock ticks since boot,
 * counted after the command name's ')'), with its command name in comm; -1 where unknown. */
static double age_of(long pid, char *comm, size_t size) {
  char path[64], line[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1.0;
  size_t len = fread(line, 1, sizeof line - 1, f);
  fclose(f);
  line[len] = '\0';
  const char *open = strchr(line, '('), *p = strrchr(line, ')');
  if (!open || !p || p < open) return -1.0;
  snprintf(comm, size, "%.*s", (int)(p - open - 1), open + 1);
  unsigned long long ticks = 0;
  for (int field = 2; p && field < 22; field++)
    p = strchr(p + 1, ' ');
  long hz = sysconf(_SC_CLK_TCK);
  struct timespec now;
  if (!p || sscanf(p + 1, "%llu", &ticks) != 1 || hz <= 0 ||
      clock_gettime(CLOCK_BOOTTIME, &now) != 0)
    return -1.0;
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec - (double)ticks / (double)hz;
}

double ws_timer_process_age(void) {
  char comm[64], parent[64];
  double own = age_of((long)getpid(), comm, sizeof comm);
  /* Started by a launcher (mpirun, srun's step daemon): its start-up is the job's too. */
  static const char *const launchers[] = {"mpirun", "mpiexec",    "orterun",
                                          "orted",  "prterun",    "prted",
                                          "srun",   "slurmstepd", "hydra_pmi_proxy"};
  double up = age_of((long)getppid(), parent, sizeof parent);
  for (size_t i = 0; up > own && i < sizeof launchers / sizeof *launchers; i++)
    if (strcmp(parent, launchers[i]) == 0) return up;
  return own > 0.0 ? own : 0.0;
}
