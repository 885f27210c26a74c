/* kmeans1d_time.c -- seconds of the exact 1-D k-means path (wshare/kmeans1d.h).
 *
 * For n = 1e4, 1e5, 1e6 (or the sizes given as arguments) random values and importances,
 * K = 1 .. 64 (or $KMAX), without and with the pinned-zero cluster: prints one line each,
 *     n=<n> kmax=<K> pin=<0|1> seconds=<wall> cpu_seconds=<process CPU> labels_seconds=<s>
 *     evaluations=<segment costs> cpu_ns_per_evaluation=<t>
 * (CPU time as well as wall time: on a shared machine the wall time is noisy.)
 * Build (from the repository root, after building the library into build/):
 *     cc -O3 -march=native -Iinclude scripts/bench/kmeans1d_time.c build/src/libwshare_core.a \
 *        $(pkg-config --cflags --libs ompi-c) -lm -o build/kmeans1d_time
 * or `cmake --build build --target kmeans1d_time`. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wshare/kmeans1d.h"

static double now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double uniform(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

int main(int argc, char **argv) {
  static const int64_t defaults[] = {10000, 100000, 1000000};
  int count = argc > 1 ? argc - 1 : 3;
  const char *env = getenv("KMAX");
  int k_max = env ? atoi(env) : 64;
  for (int a = 0; a < count; a++) {
    int64_t n = argc > 1 ? atoll(argv[a + 1]) : defaults[a];
    double *x = malloc((size_t)n * sizeof(double)), *h = malloc((size_t)n * sizeof(double));
    int *labels = malloc((size_t)n * sizeof(int));
    double *centres = malloc((size_t)k_max * sizeof(double));
    if (!x || !h || !labels || !centres) return 1;
    uint64_t s = (uint64_t)n;
    for (int64_t j = 0; j < n; j++)
      x[j] = 4.0 * uniform(&s) - 2.0, h[j] = 0.1 + uniform(&s);
    for (int pin = 0; pin <= 1; pin++) {
      WsKmeans1d *p = NULL;
      double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
      if (ws_kmeans1d_create(n, x, h, k_max, pin, &p) != WS_OK) {
        fprintf(stderr, "kmeans1d_time: %s\n", ws_error_message());
        return 1;
      }
      double t1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
      if (ws_kmeans1d_labels(p, k_max, labels, centres, NULL) != WS_OK) return 1;
      double t2 = now(CLOCK_MONOTONIC);
      int64_t e = ws_kmeans1d_evaluations(p);
      printf("n=%lld kmax=%d pin=%d seconds=%.3f cpu_seconds=%.3f labels_seconds=%.4f "
             "evaluations=%lld cpu_ns_per_evaluation=%.2f\n",
             (long long)n, k_max, pin, t1 - t0, c1 - c0, t2 - t1, (long long)e,
             1e9 * (c1 - c0) / (double)e);
      fflush(stdout);
      ws_kmeans1d_destroy(&p);
    }
    free(x), free(h), free(labels), free(centres);
  }
  return 0;
}
