#include "wshare/pass_sum.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/reduce.h"
#include "wshare/reduce_repro.h"

/* Chunk by chunk into binned accumulators; this rank's own terms are deposited once. */
static WsErr run_reproducible(const WsDesign *des, MPI_Comm comm, WsPassSumFn pass, void *ctx,
                              int64_t count, double *sums, WsTimeSlot slot, WsTimers *timers) {
  double t0 = ws_timer_now();
  size_t len = (size_t)(count > 0 ? count : 1);
  WsReproSum *acc = ws_memory_calloc(len, sizeof *acc);
  double *chunk = ws_memory_calloc(len, sizeof *chunk);
  WsErr err = ws_comm_agree_alloc(comm, acc && chunk);
  if (!err) {
    ws_repro_sum_deposit(acc, sums, count);
    for (int64_t i0 = 0; i0 < des->part.count; i0 += WS_PASS_SUM_CHUNK_ROWS) {
      int64_t left = des->part.count - i0;
      memset(chunk, 0, (size_t)count * sizeof *chunk);
      pass(ctx, i0, left < WS_PASS_SUM_CHUNK_ROWS ? left : WS_PASS_SUM_CHUNK_ROWS, chunk);
      ws_repro_sum_deposit(acc, chunk, count);
    }
    ws_timer_add(timers, slot, t0);
    err = ws_reduce_repro_sum(comm, acc, count, timers);
  }
  if (!err) ws_repro_sum_finish(acc, sums, count);
  free(acc);
  free(chunk);
  return err;
}

WsErr ws_pass_sum_run(const WsDesign *des, MPI_Comm comm, WsPassSumFn pass, void *ctx,
                      int64_t count, double *sums, WsTimeSlot slot, WsTimers *timers) {
  if (des->reproducible) return run_reproducible(des, comm, pass, ctx, count, sums, slot, timers);
  WS_CHECK(count <= INT_MAX, WS_ERR_INPUT,
           "%lld sums are too many for one reduction (fewer columns, please)", (long long)count);
  double t0 = ws_timer_now();
  pass(ctx, 0, des->part.count, sums);
  ws_timer_add(timers, slot, t0);
  return ws_reduce_sum(comm, sums, (int)count, timers);
}
