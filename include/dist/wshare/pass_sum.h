/* The sums of a pass over a rank's rows, reduced over all ranks: the one place where a
 * pass's summation order is decided (README "Reproducibility").
 *
 * Default: the pass runs once over all of this rank's rows, adding into one buffer in
 * floating point, and ws_reduce_sum adds the ranks' buffers: fast, but the bits depend on
 * how the rows are split over the ranks.
 *
 * Reproducible (the design's `reproducible` flag, from --reproducible): the rows are cut
 * into fixed chunks of WS_PASS_SUM_CHUNK_ROWS global rows (the design's partition is
 * aligned to them, so a chunk never straddles two ranks); the pass runs once per chunk,
 * from zero, so each chunk's sums are the same bits whichever rank computes them; they are
 * deposited into order-independent binned accumulators (wshare/repro_sum.h) and merged over
 * the ranks with ws_reduce_repro_sum.  The result is then identical on any number of
 * ranks. */
#ifndef WSHARE_PASS_SUM_H
#define WSHARE_PASS_SUM_H

#include "wshare/design.h"

/* Rows per chunk of the reproducible passes: a multiple of WS_SLAB_ROWS, so slab-wise
 * passes keep their slab boundaries inside chunks.  Part of the reproducible results'
 * definition: changing it changes their bits. */
enum { WS_PASS_SUM_CHUNK_ROWS = 256 };

/* A pass over local rows [i0, i0 + rows) of the design: adds that range's sums to sums
 * (count doubles, as given to ws_pass_sum_run), starting from whatever sums holds.  It must
 * depend only on the rows of the range, not on where the range starts on this rank. */
typedef void (*WsPassSumFn)(void *ctx, int64_t i0, int64_t rows, double *sums);

/* Collective: runs pass over this rank's rows of des and sums the results of all ranks
 * into sums (count doubles, the same count on every rank).  On entry sums holds this rank's
 * own terms (zeros, or the run's control values), added once.  The pass's time goes to
 * slot of timers and the reduction's to the allreduce slot (timers may be NULL).  Returns
 * WS_OK, WS_ERR_RUNTIME on an allocation or MPI failure (agreed by all ranks). */
WsErr ws_pass_sum_run(const WsDesign *des, MPI_Comm comm, WsPassSumFn pass, void *ctx,
                      int64_t count, double *sums, WsTimeSlot slot, WsTimers *timers);

#endif
