#include "wshare/reduce.h"

WsErr ws_reduce_sum(MPI_Comm comm, double *buf, int count, WsTimers *timers) {
  double t0 = ws_now();
  WS_MPI(MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_DOUBLE, MPI_SUM, comm));
  ws_timer_add(timers, WS_TIME_ALLREDUCE, t0);
  return WS_OK;
}
