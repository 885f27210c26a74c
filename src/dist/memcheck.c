#include "wshare/memcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ws_memcheck_init(WsMemNeeds *n, int64_t rows) {
  memset(n, 0, sizeof *n);
  n->rows = rows;
}

void ws_memcheck_add(WsMemNeeds *n, const char *what, int64_t per_row, int64_t spread,
                     int64_t fixed) {
  if (n->count >= WS_MEMCHECK_MAX_PARTS || (per_row <= 0 && spread <= 0 && fixed <= 0)) return;
  n->part[n->count++] = (WsMemPart){what, per_row, spread, fixed};
}

static int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

static int64_t part_bytes(const WsMemNeeds *n, const WsMemPart *p, int64_t ranks) {
  return p->per_row * ceil_div(n->rows, ranks) + ceil_div(p->spread, ranks) + p->fixed;
}

int64_t ws_memcheck_bytes(const WsMemNeeds *n, int64_t ranks) {
  int64_t total = 0;
  for (int i = 0; i < n->count; i++)
    total += part_bytes(n, &n->part[i], ranks);
  return total;
}

WsErr ws_memcheck_budget(MPI_Comm comm, WsMemBudget *b) {
  MPI_Comm node;
  int rank, node_ranks;
  WS_MPI(MPI_Comm_rank(comm, &rank));
  WS_MPI(MPI_Comm_size(comm, &b->ranks));
  WS_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
  long long mine = (long long)ws_memory_available(), node_min = mine;
  int rc = MPI_Comm_size(node, &node_ranks);
  if (rc == MPI_SUCCESS) rc = MPI_Allreduce(&mine, &node_min, 1, MPI_LONG_LONG, MPI_MIN, node);
  MPI_Comm_free(&node);
  WS_MPI(rc);
  /* Every rank learns the tightest node: its budget per rank and how it was split. */
  long long entry[3] = {node_min >= 0 ? node_min / node_ranks : -1, node_min, node_ranks};
  long long *all = ws_memory_calloc((size_t)b->ranks * 3, sizeof *all);
  WS_CALL(ws_comm_agree_alloc(comm, all != NULL));
  rc = MPI_Allgather(entry, 3, MPI_LONG_LONG, all, 3, MPI_LONG_LONG, comm);
  b->per_rank = -1;
  for (int r = 0; rc == MPI_SUCCESS && r < b->ranks; r++) {
    const long long *e = all + 3 * r;
    if (e[0] >= 0 && (b->per_rank < 0 || e[0] < b->per_rank)) {
      b->per_rank = e[0];
      b->node_bytes = e[1];
      b->node_ranks = (int)e[2];
    }
  }
  free(all);
  WS_MPI(rc);
  return WS_OK;
}

/* The parts of the need at this rank count, "X rows 4800000, y 800", into text; only_fixed
 * lists what every rank holds whatever the count. */
static void describe(const WsMemNeeds *n, int64_t ranks, int only_fixed, char *text, size_t size) {
  size_t used = 0;
  text[0] = '\0';
  for (int i = 0; i < n->count && used < size; i++) {
    const WsMemPart *p = &n->part[i];
    int64_t bytes = only_fixed ? p->fixed : part_bytes(n, p, ranks);
    if (bytes > 0)
      used += (size_t)snprintf(text + used, size - used, "%s%s %lld", used ? ", " : "", p->what,
                               (long long)bytes);
  }
}

/* The smallest rank count at which a rank's need fits within budget bytes, or 0 when none
 * does.  The need does not grow with the rank count, so a bisection finds it. */
static int64_t ranks_that_fit(const WsMemNeeds *n, int64_t budget) {
  int64_t lo = 1, hi = n->rows > 1 ? n->rows : 1;
  /* Past one row per rank only the spread parts still shrink. */
  for (int i = 0; i < n->count; i++)
    if (n->part[i].spread > hi) hi = n->part[i].spread;
  if (ws_memcheck_bytes(n, hi) > budget) return 0;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (ws_memcheck_bytes(n, mid) <= budget)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

WsErr ws_memcheck_check(const WsMemNeeds *n, const WsMemBudget *b, const char *context,
                        MPI_Comm comm) {
  if (b->per_rank < 0) return WS_OK; /* nothing to measure against */
  int64_t need = ws_memcheck_bytes(n, b->ranks);
  if (need > b->per_rank) {
    char parts[512];
    describe(n, b->ranks, 0, parts, sizeof parts);
    char verdict[768];
    int64_t fit = ranks_that_fit(n, b->per_rank);
    if (fit > 0) {
      snprintf(verdict, sizeof verdict, "%lld ranks or more would fit, at %d per node",
               (long long)fit, b->node_ranks);
    } else {
      char fixed[512];
      describe(n, b->ranks, 1, fixed, sizeof fixed);
      snprintf(verdict, sizeof verdict,
               "no rank count fits: every rank holds %s whatever the number of ranks", fixed);
    }
    return ws_error_set(WS_ERR_INPUT,
                        "%s: too large for memory: %lld bytes needed per rank (%s), %lld "
                        "available per rank (%lld on the node, shared by %d rank%s); %s",
                        context, (long long)need, parts, (long long)b->per_rank,
                        (long long)b->node_bytes, b->node_ranks, b->node_ranks == 1 ? "" : "s",
                        verdict);
  }
  int64_t mapped = n->mapped_per_row * ceil_div(n->rows, b->ranks);
  if (mapped > 0 && need + mapped > b->per_rank)
    ws_comm_warn(comm,
                 "%s: the rows of X mapped from the file (%lld bytes per rank) do not fit in "
                 "memory beside the %lld bytes allocated (%lld available per rank): passes will "
                 "re-read them from disk",
                 context, (long long)mapped, (long long)need, (long long)b->per_rank);
  return WS_OK;
}
