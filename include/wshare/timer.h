/* Wall-clock timers for the "where the time went" summary. */
#ifndef WSHARE_TIMER_H
#define WSHARE_TIMER_H

#include <mpi.h>

typedef enum {
  WS_TIME_READ,
  WS_TIME_SETUP,
  WS_TIME_COMPUTE,
  WS_TIME_ALLREDUCE,
  WS_TIME_CHECKPOINT,
  WS_TIME_WRITE,
  WS_TIME_COUNT
} WsTimeSlot;

typedef struct {
  double total[WS_TIME_COUNT];
} WsTimers;

/* Seconds since an arbitrary fixed point (monotonic). */
double ws_now(void);
/* Adds the time since start to slot and returns the current time. */
double ws_timer_add(WsTimers *t, WsTimeSlot slot, double start);
const char *ws_timer_name(WsTimeSlot slot);
/* Collective: min and max over ranks of every slot. */
void ws_timer_minmax(const WsTimers *t, MPI_Comm comm, WsTimers *min, WsTimers *max);

#endif
