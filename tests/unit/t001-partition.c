/* The row partition (wshare/partition.h): blocks of ceil(m / P) rows, contiguous, covering
 * every row once, ranks past the end empty, for m from 0 to 40 and P from 1 to 13 (P > m
 * included); aligned to granules of 1, 4 and 7 rows: blocks of ceil(ceil(m / g) / P) g rows,
 * every block starting on a granule boundary. */
#include "unit.h"
#include "wshare/partition.h"

int main(void) {
  unit_name = "t001-partition";
  static const int64_t granules[] = {0, 1, 4, 7}; /* 0: ws_partition_rows */
  for (int gi = 0; gi < 4; gi++)
    for (int64_t m = 0; m <= 40; m++)
      for (int size = 1; size <= 13; size++) {
        int64_t g = granules[gi] > 0 ? granules[gi] : 1;
        int64_t next = 0, block = m > 0 ? ((m + g - 1) / g + size - 1) / size * g : 1;
        for (int rank = 0; rank < size; rank++) {
          WsPartition p = gi == 0 ? ws_partition_rows(m, rank, size)
                                  : ws_partition_rows_aligned(m, rank, size, g);
          UNIT_CHECK(p.count == 0 || p.start % g == 0,
                     "m %lld P %d g %lld rank %d: start %lld off the granules", (long long)m, size,
                     (long long)g, rank, (long long)p.start);
          UNIT_CHECK(p.rows == m && p.block == block, "m %lld P %d: rows %lld block %lld",
                     (long long)m, size, (long long)p.rows, (long long)p.block);
          UNIT_CHECK(p.count >= 0 && p.count <= block, "m %lld P %d rank %d: count %lld",
                     (long long)m, size, rank, (long long)p.count);
          /* Contiguous: each rank starts where the previous one ended. */
          UNIT_CHECK(p.count == 0 || p.start == next, "m %lld P %d rank %d: start %lld, not %lld",
                     (long long)m, size, rank, (long long)p.start, (long long)next);
          /* Block layout: rank r starts at r * block when it has rows (ScaLAPACK's P x 1). */
          UNIT_CHECK(p.count == 0 || p.start == rank * block, "m %lld P %d rank %d: start %lld",
                     (long long)m, size, rank, (long long)p.start);
          next += p.count;
        }
        UNIT_CHECK(next == m, "m %lld P %d: %lld rows covered", (long long)m, size,
                   (long long)next);
      }
  return 0;
}
