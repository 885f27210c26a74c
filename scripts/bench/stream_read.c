/* stream_read.c -- read-only memory bandwidth probe for the wshare benchmark suite.
 *
 * Each MPI process allocates its own array of doubles (size given in MiB per
 * process), touches it once, then runs timed passes of a read-only reduction
 * sum.  Between passes all processes meet at a barrier, so a pass's time is the
 * slowest process's time and the aggregate bandwidth is
 *     (sum of bytes read by all processes) / (slowest pass time).
 * Output (rank 0, one line per pass, then a summary line), machine-readable:
 *     pass <i> <seconds> <aggregate GB/s>
 *     summary procs=<P> mib_per_proc=<N> median_gbs=<x> best_gbs=<y> checksum=<s>
 * GB = 1e9 bytes.  Compile: mpicc -O3 -march=native stream_read.c -o stream_read
 * (or cc -DNO_MPI ... for a single process without MPI).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef NO_MPI
#include <mpi.h>
#endif

typedef double v4d __attribute__((vector_size(32)));

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Sum of a[0..n).  Eight independent vector accumulators keep the adder
 * latency hidden so that the loop is limited by memory, not by the FP unit. */
static double sum_read(const double *restrict a, size_t n) {
  v4d s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};
  size_t i = 0, nv = n - n % 32;
  for (; i < nv; i += 32) {
    v4d x0, x1, x2, x3, x4, x5, x6, x7;
    memcpy(&x0, a + i, 32);
    memcpy(&x1, a + i + 4, 32);
    memcpy(&x2, a + i + 8, 32);
    memcpy(&x3, a + i + 12, 32);
    memcpy(&x4, a + i + 16, 32);
    memcpy(&x5, a + i + 20, 32);
    memcpy(&x6, a + i + 24, 32);
    memcpy(&x7, a + i + 28, 32);
    s0 += x0;
    s1 += x1;
    s2 += x2;
    s3 += x3;
    s4 += x4;
    s5 += x5;
    s6 += x6;
    s7 += x7;
  }
  v4d s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  double r = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < n; i++)
    r += a[i];
  return r;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

int main(int argc, char **argv) {
  int rank = 0, size = 1;
#ifndef NO_MPI
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
#endif
  double mib = argc > 1 ? atof(argv[1]) : 1024.0;
  int passes = argc > 2 ? atoi(argv[2]) : 10;
  if (mib <= 0 || passes < 1 || passes > 10000) {
    if (rank == 0) fprintf(stderr, "usage: stream_read [MiB per process > 0] [passes 1..10000]\n");
#ifndef NO_MPI
    MPI_Finalize();
#endif
    return 2;
  }
  size_t n = (size_t)(mib * 1048576.0 / sizeof(double));
  double *a = NULL;
  if (posix_memalign((void **)&a, 2u << 20, n * sizeof(double)) != 0) {
    fprintf(stderr, "stream_read: rank %d cannot allocate %.0f MiB\n", rank, mib);
#ifndef NO_MPI
    MPI_Abort(MPI_COMM_WORLD, 1);
#endif
    return 1;
  }
  /* First touch (page faults happen here, not in the timed passes). */
  for (size_t i = 0; i < n; i++)
    a[i] = 1.0 + (double)(i & 1023) * 1e-3;

  double *t = malloc(sizeof(double) * (size_t)passes);
  double check = 0.0;
  for (int p = -1; p < passes; p++) { /* pass -1 is an untimed warm-up */
#ifndef NO_MPI
    MPI_Barrier(MPI_COMM_WORLD);
#endif
    double t0 = now();
    check += sum_read(a, n);
    double dt = now() - t0;
#ifndef NO_MPI
    double dmax;
    MPI_Reduce(&dt, &dmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    dt = dmax;
#endif
    if (p >= 0) t[p] = dt;
  }
  double bytes = (double)n * sizeof(double) * size;
  if (rank == 0) {
    for (int p = 0; p < passes; p++)
      printf("pass %d %.6f %.3f\n", p, t[p], bytes / t[p] / 1e9);
    qsort(t, (size_t)passes, sizeof(double), cmp_double);
    double med = passes % 2 ? t[passes / 2] : 0.5 * (t[passes / 2 - 1] + t[passes / 2]);
    printf("summary procs=%d mib_per_proc=%.1f median_gbs=%.3f best_gbs=%.3f checksum=%.6e\n", size,
           mib, bytes / med / 1e9, bytes / t[0] / 1e9, check);
  }
  free(t);
  free(a);
#ifndef NO_MPI
  MPI_Finalize();
#endif
  return 0;
}
