/* The collective reductions: every cross-rank sum in wshare goes through here. */
#ifndef WSHARE_REDUCE_H
#define WSHARE_REDUCE_H

#include "wshare/comm.h"
#include "wshare/timer.h"

/* Collective: sums buf (count doubles) over all ranks in place; time goes to the
 * allreduce slot of timers (which may be NULL). */
WsErr ws_reduce_sum(MPI_Comm comm, double *buf, int count, WsTimers *timers);
/* Collective: min and max over ranks of every timer slot. */
WsErr ws_reduce_timers(MPI_Comm comm, const WsTimers *t, WsTimers *min, WsTimers *max);

#endif
