/* The reproducible allreduce (reduce_repro.h): a fixed global array of chunk sums, split
 * over the ranks in contiguous and non-contiguous ways and deposited in different orders,
 * reduces to the bytes of a single-process reference computed in this program, on every
 * rank and for every rank count; the reference itself agrees with a double-double sum.
 * Silent on success; rank 0 prints one line and every rank exits 1 on failure. */
#include "wshare/ddouble.h"
#include "wshare/partition.h"
#include "wshare/reduce_repro.h"
#include "wshare/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The contribution of chunk c to entry e: a counter-based formula, so any rank can make
 * any chunk.  Entries mix one scale, wide exponents, and equal-and-opposite chunk pairs. */
static double chunk_value(uint64_t c, uint64_t e) {
  double unit = ws_rng_uniform(e, 0, c) - 0.5, r = ws_rng_uniform(e, 1, c);
  switch (e % 4) {
  case 0:
    return unit * 1e3;
  case 1:
    return ldexp(unit, (int)(r * 400) - 200);
  case 2: /* chunk 2k+1 cancels chunk 2k, except for a small remainder in one of 8 pairs */
  {
    uint64_t pair = c & ~1ULL;
    double v = ldexp(ws_rng_uniform(e, 0, pair) - 0.5, (int)(ws_rng_uniform(e, 1, pair) * 60));
    if (c & 1) return (c % 16 == 1) ? -v + ldexp(unit, -30) : -v;
    return v;
  }
  default:
    return unit * ldexp(1.0, (int)(c % 50));
  }
}

enum { SCHEMES = 5 };

/* The rank that holds chunk c under scheme s (blocks, round-robin, hashed, all on the
 * last rank, reversed blocks). */
static int owner(int s, uint64_t c, uint64_t chunks, int size) {
  int64_t block = ws_partition_rows((int64_t)chunks, 0, size).block;
  switch (s) {
  case 0:
    return (int)((int64_t)c / block);
  case 1:
    return (int)(c % (uint64_t)size);
  case 2:
    return (int)(ws_rng_uniform(99, 2, c) * size);
  case 3:
    return size - 1;
  default:
    return size - 1 - (int)((int64_t)c / block);
  }
}

static void fill(uint64_t c, int64_t E, double *row) {
  for (int64_t e = 0; e < E; e++)
    row[e] = chunk_value(c, (uint64_t)e);
}

/* Number of entries of this rank that differ from the reference, over every scheme. */
static int64_t run_case(int64_t E, uint64_t chunks, int rank, int size, const char **why) {
  WsReproSum *ref = calloc((size_t)E, sizeof *ref), *acc = calloc((size_t)E, sizeof *acc);
  WsReproSum *acc2 = calloc((size_t)E, sizeof *acc2);
  double *row = malloc((size_t)E * sizeof *row), *vref = malloc((size_t)E * sizeof *vref);
  double *v = malloc((size_t)E * sizeof *v), *maxabs = calloc((size_t)E, sizeof *maxabs);
  WsDD *dd = calloc((size_t)E, sizeof *dd);
  if (!ref || !acc || !acc2 || !row || !vref || !v || !maxabs || !dd) {
    *why = "out of memory";
    return 1;
  }
  int64_t bad = 0;
  for (uint64_t c = 0; c < chunks; c++) {
    fill(c, E, row);
    ws_repro_sum_deposit(ref, row, E);
    for (int64_t e = 0; e < E; e++) {
      dd[e] = ws_ddouble_add_d(dd[e], row[e]);
      if (fabs(row[e]) > maxabs[e]) maxabs[e] = fabs(row[e]);
    }
  }
  ws_repro_sum_finish(ref, vref, E);
  /* The reference is a real sum: within the bound of repro_sum.h (plus the double-double
   * error) of an independent double-double summation. */
  for (int64_t e = 0; e < E; e++) {
    double tol = 0x1p-52 * fabs(dd[e].hi) + 0x1p-62 * (double)chunks * maxabs[e] +
                 0x1p-95 * (double)chunks * maxabs[e];
    if (!(fabs(vref[e] - dd[e].hi - dd[e].lo) <= tol)) {
      *why = "the reference is not within the bound of a double-double sum";
      bad++;
    }
  }
  for (int s = 0; s < SCHEMES && !bad; s++) {
    ws_repro_sum_zero(acc, E);
    ws_repro_sum_zero(acc2, E);
    /* Even schemes deposit forward into one accumulator; odd ones backward, alternating
     * between two local accumulators merged before the reduction. */
    int64_t local = 0;
    for (uint64_t k = 0; k < chunks; k++) {
      uint64_t c = (s % 2) ? chunks - 1 - k : k;
      if (owner(s, c, chunks, size) != rank) continue;
      fill(c, E, row);
      ws_repro_sum_deposit((s % 2) && (local++ % 2) ? acc2 : acc, row, E);
    }
    ws_repro_sum_merge(acc, acc2, E);
    if (ws_reduce_repro_sum(MPI_COMM_WORLD, acc, E, NULL) != WS_OK) {
      *why = "ws_reduce_repro_sum failed";
      bad++;
      break;
    }
    ws_repro_sum_finish(acc, v, E);
    for (int64_t e = 0; e < E; e++)
      if (memcmp(&acc[e], &ref[e], sizeof ref[e]) || memcmp(&v[e], &vref[e], sizeof v[e])) {
        *why = s == 0   ? "contiguous blocks differ from the single-process sum"
               : s == 1 ? "round-robin chunks differ from the single-process sum"
               : s == 2 ? "hashed chunks differ from the single-process sum"
               : s == 3 ? "all chunks on one rank differ from the single-process sum"
                        : "reversed blocks differ from the single-process sum";
        bad++;
      }
  }
  free(ref), free(acc), free(acc2), free(row), free(vref), free(v), free(maxabs), free(dd);
  return bad;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  /* A small vector over many chunks, and a large one (long messages take other allreduce
   * algorithms in Open MPI) over a few. */
  const struct {
    int64_t entries;
    uint64_t chunks;
  } cases[] = {{37, 1000}, {65000, 24}};
  int failed = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !failed; i++) {
    const char *why = "";
    int64_t bad = run_case(cases[i].entries, cases[i].chunks, rank, size, &why), total;
    MPI_Allreduce(&bad, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    /* Report the reason seen by the lowest failing rank. */
    int first = bad ? rank : size, lowest;
    MPI_Allreduce(&first, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (total && rank == lowest)
      fprintf(stderr, "t202-reduce-repro: %d ranks, %lld entries x %llu chunks: %s (%lld bad)\n",
              size, (long long)cases[i].entries, (unsigned long long)cases[i].chunks, why,
              (long long)total);
    failed = total != 0;
  }
  MPI_Finalize();
  return failed;
}
