#include "wshare/partition.h"

WsPartition ws_partition_rows(int64_t rows, int rank, int size) {
  return ws_partition_rows_aligned(rows, rank, size, 1);
}

WsPartition ws_partition_rows_aligned(int64_t rows, int rank, int size, int64_t granule) {
  WsPartition p;
  p.rows = rows;
  int64_t granules = (rows + granule - 1) / granule;
  p.block = rows > 0 ? (granules + size - 1) / size * granule : 1;
  int64_t start = p.block * rank;
  int64_t end = start + p.block;
  if (start > rows) start = rows;
  if (end > rows) end = rows;
  p.start = start;
  p.count = end - start;
  return p;
}
