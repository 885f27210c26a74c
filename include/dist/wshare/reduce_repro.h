/* The reproducible cross-rank sum: accumulators of repro_sum.h merged over all ranks.
 * Because the merge is exactly associative and commutative and the accumulator state is
 * canonical, every rank receives the same bytes whatever tree MPI reduces along. */
#ifndef WSHARE_REDUCE_REPRO_H
#define WSHARE_REDUCE_REPRO_H

#include <mpi.h>
#include <stdint.h>

#include "wshare/comm.h"
#include "wshare/repro_sum.h"
#include "wshare/timer.h"

/* Collective: buf[i] becomes the merge of buf[i] over every rank of comm (i < count), in
 * place, identical on every rank.  count must be the same on every rank.  The MPI datatype
 * and operation are created and freed inside the call, so nothing outlives it (nothing to
 * clean up before MPI_Finalize).  Time goes to the allreduce slot of timers (may be NULL).
 * Returns WS_OK, or WS_ERR_RUNTIME when an MPI call fails. */
WsErr ws_reduce_repro_sum(MPI_Comm comm, WsReproSum *buf, int64_t count, WsTimers *timers);

#endif
