/* Row partition: rank r owns the contiguous rows [start, start + count).  Blocks are
 * ceil(m / P) rows each and the last ones may be short or empty, which is exactly
 * ScaLAPACK's block layout for a P x 1 grid with row block ceil(m / P). */
#ifndef WSHARE_PARTITION_H
#define WSHARE_PARTITION_H

#include <stdint.h>

typedef struct {
  int64_t rows;  /* m, rows in all */
  int64_t block; /* ceil(m / P), at least 1 */
  int64_t start; /* first row of this rank */
  int64_t count; /* rows of this rank (may be 0) */
} WsPartition;

WsPartition ws_partition_rows(int64_t rows, int rank, int size);
/* The same with blocks rounded up to a multiple of granule rows (granule >= 1), so that
 * every block starts on a granule boundary: ceil(ceil(m / granule) / P) granules per rank.
 * The reproducible passes cut rows into fixed global chunks of that size, and a chunk must
 * lie on one rank (README "Reproducibility"). */
WsPartition ws_partition_rows_aligned(int64_t rows, int rank, int size, int64_t granule);

#endif
