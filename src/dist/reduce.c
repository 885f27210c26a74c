#include "wshare/reduce.h"

WsErr ws_reduce_sum(MPI_Comm comm, double *buf, int count, WsTimers *timers) {
  double t0 = ws_timer_now();
  WS_MPI(MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_DOUBLE, MPI_SUM, comm));
  ws_timer_add(timers, WS_TIME_ALLREDUCE, t0);
  return WS_OK;
}

WsErr ws_reduce_timers(MPI_Comm comm, const WsTimers *t, WsTimers *min, WsTimers *max) {
  WS_MPI(MPI_Allreduce(t->total, min->total, WS_TIME_COUNT, MPI_DOUBLE, MPI_MIN, comm));
  WS_MPI(MPI_Allreduce(t->total, max->total, WS_TIME_COUNT, MPI_DOUBLE, MPI_MAX, comm));
  return WS_OK;
}
