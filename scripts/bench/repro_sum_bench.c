/* repro_sum_bench.c -- cost of the reproducible sums (repro_sum.h, reduce_repro.h), each
 * as a ratio to the plain double operation it replaces, measured in the same run.
 *
 *   deposit   CPU ns per deposited double (10^7 deposits into E = 1000 entries), against
 *             acc[i] += x[i] over the same data; one-scale data and wide-exponent data
 *   merge     ns per merged entry (E = 65 000), against dst[i] += src[i]
 *   finish    ns per entry (E = 65 000)
 *   reduce    (with 2 or more ranks) ws_reduce_repro_sum for 256 and 65 000 entries,
 *             median of many calls, against MPI_Allreduce(MPI_SUM) of as many doubles and
 *             of as many bytes (4 doubles per entry); and the per-call cost of creating
 *             and freeing the datatype and the operation
 *
 * Run with scripts/bench/repro_sum (builds it and runs 1 and 2 ranks). */
#define _POSIX_C_SOURCE 200809L
#include "wshare/reduce_repro.h"
#include "wshare/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *t, int n) {
  qsort(t, (size_t)n, sizeof *t, cmp_double);
  return t[n / 2];
}

/* CPU seconds of this thread: the local kernels are timed by CPU time, which other jobs on a
 * shared machine disturb much less than wall time (the allreduce is timed by wall time). */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Keeps the compiler from dropping a result. */
static volatile double sink;

static void bench_local(void) {
  enum { E = 1000, ROWS = 100, REPS = 100 }; /* 10^7 deposits: 100 passes over 100 rows */
  double *x = malloc((size_t)E * ROWS * sizeof *x), *plain = calloc(E, sizeof *plain);
  WsReproSum *acc = calloc(E, sizeof *acc);
  for (int wide = 0; wide < 2; wide++) {
    for (int i = 0; i < E * ROWS; i++) {
      double unit = ws_rng_uniform(1, 0, (uint64_t)i) - 0.5;
      x[i] = wide ? ldexp(unit, (int)(ws_rng_uniform(1, 1, (uint64_t)i) * 600) - 300) : unit * 100;
    }
    double best_r = 1e30, best_p = 1e30;
    for (int trial = 0; trial < 5; trial++) {
      ws_repro_sum_zero(acc, E);
      double t0 = cpu_now();
      for (int r = 0; r < REPS; r++)
        for (int row = 0; row < ROWS; row++)
          ws_repro_sum_deposit(acc, x + (size_t)row * E, E);
      double t1 = cpu_now();
      for (int r = 0; r < REPS; r++)
        for (int row = 0; row < ROWS; row++)
          for (int i = 0; i < E; i++)
            plain[i] += x[(size_t)row * E + i];
      double t2 = cpu_now();
      if (t1 - t0 < best_r) best_r = t1 - t0;
      if (t2 - t1 < best_p) best_p = t2 - t1;
    }
    double n = (double)E * ROWS * REPS;
    printf("deposit (%s data): %.2f ns/deposit; plain double add %.2f ns (ratio %.1f)\n",
           wide ? "wide-exponent" : "one-scale", best_r / n * 1e9, best_p / n * 1e9,
           best_r / best_p);
    double out;
    ws_repro_sum_finish(acc, &out, 1);
    sink = out + plain[0];
  }
  free(x), free(plain), free(acc);

  enum { M = 65000, MREPS = 200 };
  WsReproSum *a = calloc(M, sizeof *a), *b = calloc(M, sizeof *b);
  double *da = calloc(M, sizeof *da), *db = malloc(M * sizeof *db), *out = malloc(M * sizeof *out);
  for (int i = 0; i < M; i++) {
    double v = ws_rng_uniform(2, 0, (uint64_t)i) - 0.5;
    db[i] = v;
    ws_repro_sum_deposit(&b[i], &v, 1);
  }
  double best_m = 1e30, best_d = 1e30, best_f = 1e30;
  for (int trial = 0; trial < 5; trial++) {
    double t0 = cpu_now();
    for (int r = 0; r < MREPS; r++)
      ws_repro_sum_merge(a, b, M);
    double t1 = cpu_now();
    for (int r = 0; r < MREPS; r++)
      for (int i = 0; i < M; i++)
        da[i] += db[i];
    double t2 = cpu_now();
    for (int r = 0; r < MREPS / 10; r++)
      ws_repro_sum_finish(a, out, M);
    double t3 = cpu_now();
    if (t1 - t0 < best_m) best_m = t1 - t0;
    if (t2 - t1 < best_d) best_d = t2 - t1;
    if (t3 - t2 < best_f) best_f = t3 - t2;
  }
  printf("merge: %.2f ns/entry; plain double add %.2f ns (ratio %.1f)\n",
         best_m / (M * (double)MREPS) * 1e9, best_d / (M * (double)MREPS) * 1e9, best_m / best_d);
  printf("finish: %.2f ns/entry\n", best_f / (M * (double)(MREPS / 10)) * 1e9);
  printf("bytes per entry: %zu\n", sizeof(WsReproSum));
  sink = out[0] + da[0];
  free(a), free(b), free(da), free(db), free(out);
}

/* The same kind of MPI operation as reduce_repro.c creates, for timing its creation. */
static void bench_op(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  ws_repro_sum_merge(inout, in, *len);
}

enum { VARIANTS = 4 };

/* One call of variant what (0: the reproducible allreduce, 1: MPI_SUM on count doubles,
 * 2: MPI_SUM on 4 count doubles (the same bytes), 3: creating and freeing the datatype and
 * operation only); returns the slowest rank's seconds. */
static double time_once(int what, int count, WsReproSum *acc, double *d) {
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = ws_timer_now();
  if (what == 0) {
    ws_reduce_repro_sum(MPI_COMM_WORLD, acc, count, NULL);
  } else if (what == 3) {
    MPI_Datatype type;
    MPI_Op op;
    MPI_Type_contiguous((int)sizeof(WsReproSum), MPI_BYTE, &type);
    MPI_Type_commit(&type);
    MPI_Op_create(bench_op, 1, &op);
    MPI_Op_free(&op);
    MPI_Type_free(&type);
  } else {
    MPI_Allreduce(MPI_IN_PLACE, d, what == 1 ? count : 4 * count, MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
  }
  double dt = ws_timer_now() - t0, worst;
  MPI_Allreduce(&dt, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return worst;
}

/* Median seconds of each variant for count entries.  The variants alternate within every
 * repetition, so that load from other jobs falls on all of them alike. */
static void time_reduce(int count, int reps, double med[VARIANTS]) {
  WsReproSum *acc = calloc((size_t)count, sizeof *acc);
  double *d = calloc((size_t)count * 4, sizeof *d);
  double *t = malloc((size_t)(VARIANTS * reps) * sizeof *t);
  for (int i = 0; i < count; i++) {
    double v = (double)i;
    ws_repro_sum_deposit(&acc[i], &v, 1);
  }
  for (int r = -10; r < reps; r++)
    for (int w = 0; w < VARIANTS; w++) {
      double s = time_once(w, count, acc, d);
      if (r >= 0) t[w * reps + r] = s;
    }
  for (int w = 0; w < VARIANTS; w++)
    med[w] = median(t + w * reps, reps);
  free(acc), free(d), free(t);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size == 1) bench_local();
  if (size > 1) {
    const int counts[2] = {256, 65000};
    for (int k = 0; k < 2; k++) {
      double m[VARIANTS];
      time_reduce(counts[k], counts[k] < 1000 ? 2000 : 300, m);
      if (rank == 0)
        printf("reduce %d entries on %d ranks: %.1f us; MPI_SUM of %d doubles %.1f us (ratio "
               "%.2f), of %d doubles (same bytes) %.1f us (ratio %.2f); create + free of the "
               "datatype and op %.2f us\n",
               counts[k], size, m[0] * 1e6, counts[k], m[1] * 1e6, m[0] / m[1], 4 * counts[k],
               m[2] * 1e6, m[0] / m[2], m[3] * 1e6);
    }
  }
  MPI_Finalize();
  return 0;
}
