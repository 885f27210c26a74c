/* Wall-clock timers for the "where the time went" summary (core layer: no MPI). */
#ifndef WSHARE_TIMER_H
#define WSHARE_TIMER_H

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
double ws_timer_now(void);
/* Adds the time since start to slot and returns the current time. */
double ws_timer_add(WsTimers *t, WsTimeSlot slot, double start);
const char *ws_timer_name(WsTimeSlot slot);

#endif
