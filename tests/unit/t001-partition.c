/* The row partition (wshare/partition.h): blocks of ceil(m / P) rows, contiguous, covering
 * every row once, ranks past the end empty, for m from 0 to 40 and P from 1 to 13 (P > m
 * included). */
#include "unit.h"
#include "wshare/partition.h"

int main(void) {
  unit_name = "t001-partition";
  for (int64_t m = 0; m <= 40; m++)
    for (int size = 1; size <= 13; size++) {
      int64_t next = 0, block = m > 0 ? (m + size - 1) / size : 1;
      for (int rank = 0; rank < size; rank++) {
        WsPartition p = ws_partition_rows(m, rank, size);
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
      UNIT_CHECK(next == m, "m %lld P %d: %lld rows covered", (long long)m, size, (long long)next);
    }
  return 0;
}
