#include "wshare/partition.h"

WsPartition ws_partition_rows(int64_t rows, int rank, int size) {
  WsPartition p;
  p.rows = rows;
  p.block = rows > 0 ? (rows + size - 1) / size : 1;
  int64_t start = p.block * rank;
  int64_t end = start + p.block;
  if (start > rows) start = rows;
  if (end > rows) end = rows;
  p.start = start;
  p.count = end - start;
  return p;
}
