/* allreduce_alpha_beta.c -- MPI_Allreduce latency over message sizes, in the manner of
 * the OSU micro-benchmarks, for fitting the cost model t(bytes) = alpha + beta * bytes
 * (scripts/bench/allreduce_nodes does the fit).
 *
 * For every size from MIN to MAX bytes (doubling), each run does a warm-up, a barrier and
 * ITERS back-to-back MPI_Allreduce(MPI_SUM) calls on doubles; a run's time is the slowest
 * rank's mean time per call (what a bulk-synchronous solver waits for); RUNS runs give a
 * median, min and max. The reduced values are checked, so a broken transport fails loudly.
 *
 * Usage: allreduce_alpha_beta [MIN_BYTES [MAX_BYTES [RUNS]]]   (defaults 8, 8388608, 5)
 * Output (rank 0): a comment line with the ranks and host names, then per size
 *     <bytes> <iters> <median_us> <min_us> <max_us>
 * Compile: mpicc -O2 -o allreduce_alpha_beta allreduce_alpha_beta.c
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enough calls per run that a run lasts ~50 ms at 8 MiB over TCP and the timer's
 * resolution does not matter at 8 bytes, within a few minutes for the whole sweep. */
static int iterations_for(size_t bytes) {
  size_t it = ((size_t)80 << 20) / bytes;
  return (int)(it < 10 ? 10 : it > 2000 ? 2000 : it);
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* One run: the slowest rank's mean seconds per call; sets *bad if a result is wrong. */
static double timed_run(double *send, double *recv, int count, int iters, int size, int *bad) {
  int warm = iters / 10 + 1;
  for (int i = 0; i < warm; i++)
    MPI_Allreduce(send, recv, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (int i = 0; i < iters; i++)
    MPI_Allreduce(send, recv, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  double mine = (MPI_Wtime() - t0) / iters, slowest = 0.0;
  /* send[i] = rank + 1, so every entry of the sum is size (size + 1) / 2 */
  double want = 0.5 * size * (size + 1);
  if (recv[0] != want || recv[count - 1] != want) *bad = 1;
  MPI_Reduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  return slowest;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  size_t min_bytes = argc > 1 ? strtoul(argv[1], NULL, 10) : 8;
  size_t max_bytes = argc > 2 ? strtoul(argv[2], NULL, 10) : (size_t)8 << 20;
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  if (min_bytes < sizeof(double) || max_bytes < min_bytes || runs < 1 ||
      max_bytes / sizeof(double) > (size_t)1 << 30) {
    if (rank == 0)
      fprintf(stderr, "usage: %s [MIN_BYTES>=8 [MAX_BYTES>=MIN [RUNS>=1]]]\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  size_t max_count = max_bytes / sizeof(double);
  double *send = malloc(max_count * sizeof *send), *recv = malloc(max_count * sizeof *recv);
  double *times = malloc((size_t)runs * sizeof *times);
  char host[MPI_MAX_PROCESSOR_NAME] = {0};
  int len = 0, ok = send && recv && times, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all_ok) {
    if (rank == 0)
      fprintf(stderr, "allreduce_alpha_beta: out of memory for %zu bytes\n", max_bytes);
    MPI_Finalize();
    return 1;
  }
  for (size_t i = 0; i < max_count; i++)
    send[i] = rank + 1;

  MPI_Get_processor_name(host, &len);
  char *hosts = rank == 0 ? calloc((size_t)size, sizeof host) : NULL;
  MPI_Gather(host, sizeof host, MPI_CHAR, hosts, sizeof host, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    printf("# ranks=%d hosts=", size);
    for (int r = 0; r < size; r++)
      printf("%s%s", r ? "," : "", hosts + (size_t)r * sizeof host);
    printf("\n# bytes iters median_us min_us max_us\n");
  }

  int bad = 0;
  for (size_t bytes = min_bytes; bytes <= max_bytes; bytes *= 2) {
    int count = (int)(bytes / sizeof(double)), iters = iterations_for(bytes);
    for (int r = 0; r < runs; r++)
      times[r] = timed_run(send, recv, count, iters, size, &bad);
    if (rank == 0) {
      qsort(times, (size_t)runs, sizeof *times, cmp_double);
      double median = runs % 2 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
      printf("%zu %d %.3f %.3f %.3f\n", bytes, iters, 1e6 * median, 1e6 * times[0],
             1e6 * times[runs - 1]);
      fflush(stdout);
    }
  }
  int any_bad = 0;
  MPI_Allreduce(&bad, &any_bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0 && any_bad)
    fprintf(stderr, "allreduce_alpha_beta: MPI_Allreduce returned a wrong sum\n");
  free(hosts);
  free(times);
  free(send);
  free(recv);
  MPI_Finalize();
  return any_bad ? 1 : 0;
}
