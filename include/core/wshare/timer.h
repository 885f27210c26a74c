/* Wall-clock timers for the "where the time went" summary (core layer: no MPI). */
#ifndef WSHARE_TIMER_H
#define WSHARE_TIMER_H

typedef enum {
  WS_TIME_START, /* the process's start: exec, MPI start-up, options (ws_timer_process_age) */
  WS_TIME_READ,
  WS_TIME_SETUP,
  WS_TIME_COMPUTE,
  WS_TIME_ALLREDUCE,
  WS_TIME_CHECKPOINT,
  WS_TIME_WRITE,
  WS_TIME_FINISH, /* freeing the run: unmapping X, closing files */
  WS_TIME_COUNT
} WsTimeSlot;

typedef struct {
  double total[WS_TIME_COUNT];
} WsTimers;

/* Seconds since an arbitrary fixed point (monotonic). */
double ws_timer_now(void);
/* Adds the time since start to slot and returns the current time. */
double ws_timer_add(WsTimers *t, WsTimeSlot slot, double start);
const char *ws_timer_name(WsTimeSlot slot);
/* Seconds since this process started, or since its launcher did when the parent is one
 * (mpirun, mpiexec, orted, prterun, srun's slurmstepd, ...: their start-up is the job's);
 * Linux /proc to the kernel's clock tick, 0 where unknown. */
double ws_timer_process_age(void);

#endif
