/* Will it fit?  What each rank is going to allocate, part by part, against the memory the
 * ranks of its node can have (README "Errors and exit codes", the memory rule).  The parts
 * themselves are estimated in one place, wshare/footprint.h; this module only adds them up
 * for a rank count, measures the budget and words the verdict. */
#ifndef WSHARE_MEMCHECK_H
#define WSHARE_MEMCHECK_H

#include <stdint.h>

#include "wshare/comm.h"

enum { WS_MEMCHECK_MAX_PARTS = 24 };

/* One need of a rank: per_row bytes for each row it holds (the largest block, ceil(m/P)
 * rows), spread bytes divided among the ranks (a distributed matrix), fixed bytes that
 * every rank holds whatever the rank count (replicated vectors and matrices). */
typedef struct {
  const char *what;
  int64_t per_row, spread, fixed;
} WsMemPart;

typedef struct {
  int64_t rows; /* m, split into blocks of ceil(m / P) rows */
  WsMemPart part[WS_MEMCHECK_MAX_PARTS];
  int count;
  int64_t mapped_per_row; /* bytes per row mapped from the file: page cache, not allocated */
} WsMemNeeds;

/* What the ranks may use: MemAvailable (or the cgroup's limit, or WSHARE_MEMORY_LIMIT) of
 * each node, shared evenly by the node's ranks; measured once, before anything large is
 * allocated. */
typedef struct {
  int64_t per_rank;   /* smallest over all ranks; -1: unknown (no check) */
  int64_t node_bytes; /* of the node holding that rank */
  int node_ranks;     /* ranks on that node */
  int ranks;          /* ranks in all */
} WsMemBudget;

/* Local: an empty list for a problem of rows rows. */
void ws_memcheck_init(WsMemNeeds *n, int64_t rows);
/* Local: adds one need (ignored when the list is full or the need is empty). */
void ws_memcheck_add(WsMemNeeds *n, const char *what, int64_t per_row, int64_t spread,
                     int64_t fixed);
/* Local: bytes one rank allocates at this rank count (the largest block of rows). */
int64_t ws_memcheck_bytes(const WsMemNeeds *n, int64_t ranks);

/* Collective: measures the budget. */
WsErr ws_memcheck_budget(MPI_Comm comm, WsMemBudget *b);
/* Collective: an input error when the needs exceed the budget, in one line naming context
 * (e.g. "solve: data.h5"), the bytes needed and available per rank, and the rank count
 * that would fit at the same number of ranks per node (or that none would, and why).
 * When only the mapped rows do not fit beside the allocations, it warns that passes will
 * re-read them from disk. */
WsErr ws_memcheck_check(const WsMemNeeds *n, const WsMemBudget *b, const char *context,
                        MPI_Comm comm);

#endif
