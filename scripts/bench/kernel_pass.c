/* kernel_pass.c -- times the fused residual/gradient pass (wshare/kernels.h) over an array of
 * rows, as one solver iteration streams X.
 *
 *   kernel_pass f64|f32 <n> <q> <MiB of X> <passes>
 *   kernel_pass both <n> <q> <MiB of float64 X> <passes>
 *
 * prints one line per pass and a summary
 *   summary dtype=<d> n=<n> q=<q> rows=<m> median_s=<t> median_gbs=<X bytes / t / 1e9>
 * "both" alternates passes over the same rows stored as float64 and as float32 and prints the
 * median ratio f32 / f64 of neighbouring passes.  Two copies started at once give the
 * two-process figure (README "Performance").  Built with -DKERNEL_PASS_REF and linked with a
 * second copy of the kernels whose two dense functions are renamed ref_rg_f64 / ref_rg_f32
 * (an older kernels.c's object through objcopy --redefine-sym, its other global functions
 * renamed too), "kernel_pass check" compares the bits of this tree's kernel over all rows at
 * once with the reference called one row at a time, and the timing alternates passes of the
 * two and prints the median ratio of neighbours.
 * Compile as src/CMakeLists.txt compiles the kernels (their flags matter for the bits):
 *   cc -O3 -ffp-contract=fast -fassociative-math -fno-signed-zeros -fno-trapping-math
 *      -fno-math-errno -Iinclude/core -Iinclude/kernels scripts/bench/kernel_pass.c
 *      src/kernels/kernels.c -lopenblas -lm -o kernel_pass */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wshare/kernels.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of this process: on a shared, oversubscribed machine it leaves out the time the
 * process waited for a core, which wall time does not. */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A deterministic value in [-1, 1) for index i. */
static double value(uint64_t i) {
  uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
  return (double)(z >> 11) * 0x1.0p-52 - 1.0;
}

#ifdef KERNEL_PASS_REF
void ref_rg_f64(int64_t rows, int n, int q, const double *X, const double *Y, const double *W,
                const double *shift, double *G, double *sums, double *R);
void ref_rg_f32(int64_t rows, int n, int q, const float *X, const double *Y, const double *W,
                const double *shift, double *G, double *sums, double *R);

/* This tree's kernel over all rows against the reference one row at a time, for n = 1 .. 300
 * (and a few longer rows), q = 1 .. 9, with and without y and R, rows at odd offsets. */
static int check(void) {
  enum { ROWS = 23 };
  int bad = 0, cases = 0;
  static const int extra[] = {511, 512, 513, 1000, 1024, 2048, 4099};
  for (int t = 0; t < 300 + 7; t++) {
    int n = t < 300 ? t + 1 : extra[t - 300];
    for (int q = 1; q <= 9; q++)
      for (int f32 = 0; f32 < 2; f32++)
        for (int mode = 0; mode < 3; mode++) {
          size_t nx = (size_t)(ROWS + 1) * n, nw = (size_t)n * q, ny = (size_t)ROWS * q;
          double *Xd = malloc(nx * sizeof *Xd), *W = malloc(nw * sizeof *W);
          float *Xf = malloc(nx * sizeof *Xf);
          double *G[2], *Y[2], *R[2], sums[2][18], shift[9];
          for (size_t i = 0; i < nx; i++) {
            Xd[i] = value(i + 7 * (size_t)n);
            Xf[i] = (float)value(i + 11 * (size_t)n);
          }
          for (size_t i = 0; i < nw; i++)
            W[i] = value(i + 1000003);
          for (int o = 0; o < q; o++)
            shift[o] = 0.1 * o;
          for (int s = 0; s < 2; s++) {
            G[s] = malloc(nw * sizeof **G);
            Y[s] = malloc(ny * sizeof **Y);
            R[s] = calloc(ny, sizeof **R);
            for (size_t i = 0; i < nw; i++)
              G[s][i] = 0.5 * value(i + 77);
            for (size_t i = 0; i < ny; i++)
              Y[s][i] = value(i + 999);
            for (int o = 0; o < 2 * q; o++)
              sums[s][o] = o;
          }
          /* mode 0: no y, no R; 1: y and R apart; 2: R = y. */
          for (int s = 0; s < 2; s++)
            for (int64_t i = 0; i < (s == 0 ? 1 : ROWS); i++) {
              int64_t rows = s == 0 ? ROWS : 1;
              const double *y = mode ? Y[s] + i * q : NULL;
              double *r = mode == 0 ? NULL : mode == 1 ? R[s] + i * q : Y[s] + i * q;
              if (s == 0 && f32)
                ws_kernels_residual_gradient_f32(rows, n, q, Xf + 1 + i * n, y, W, shift, G[s],
                                                 sums[s], r);
              else if (s == 0)
                ws_kernels_residual_gradient_f64(rows, n, q, Xd + 1 + i * n, y, W, shift, G[s],
                                                 sums[s], r);
              else if (f32)
                ref_rg_f32(rows, n, q, Xf + 1 + i * n, y, W, shift, G[s], sums[s], r);
              else
                ref_rg_f64(rows, n, q, Xd + 1 + i * n, y, W, shift, G[s], sums[s], r);
            }
          cases++;
          if (memcmp(G[0], G[1], nw * sizeof **G) ||
              memcmp(sums[0], sums[1], 2 * q * sizeof(double)) ||
              memcmp(Y[0], Y[1], ny * sizeof **Y) || memcmp(R[0], R[1], ny * sizeof **R)) {
            if (bad++ < 20)
              printf("differ: %s n=%d q=%d mode=%d\n", f32 ? "f32" : "f64", n, q, mode);
          }
          for (int s = 0; s < 2; s++) {
            free(G[s]);
            free(Y[s]);
            free(R[s]);
          }
          free(Xd);
          free(Xf);
          free(W);
        }
  }
  printf("check: %d of %d cases differ\n", bad, cases);
  return bad != 0;
}
#endif

/* "both": the same rows stored as float64 and as float32 (MiB is the float64 array), passes
 * of the two alternating; prints the median ratio of neighbours f32 / f64, wall and CPU. */
static int both(int n, int q, double mib, int passes) {
  int64_t rows = (int64_t)(mib * 1048576.0 / (sizeof(double) * (double)n));
  size_t count = (size_t)rows * (size_t)n;
  double *Xd = malloc(count * sizeof *Xd), *W = malloc((size_t)n * q * sizeof *W);
  float *Xf = malloc(count * sizeof *Xf);
  double *Y = malloc((size_t)rows * q * sizeof *Y), *G = calloc((size_t)n * q, sizeof *G);
  double *sums = calloc(2 * (size_t)q, sizeof *sums), *shift = calloc((size_t)q, sizeof *shift);
  double *ratio = malloc(2 * (size_t)passes * sizeof *ratio), *cratio = ratio + passes;
  if (!Xd || !Xf || !W || !Y || !G || !sums || !shift || !ratio) {
    fprintf(stderr, "kernel_pass: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < count; i++)
    Xd[i] = Xf[i] = (float)value(i);
  for (int64_t i = 0; i < rows * q; i++)
    Y[i] = value((uint64_t)i + 12345);
  for (int64_t i = 0; i < (int64_t)n * q; i++)
    W[i] = 0.01 * value((uint64_t)i + 777);
  for (int p = 0; p < passes; p++) {
    double t0 = now(), c0 = cpu_now();
    ws_kernels_residual_gradient_f64(rows, n, q, Xd, Y, W, shift, G, sums, NULL);
    double t64 = now() - t0, c64 = cpu_now() - c0;
    t0 = now();
    c0 = cpu_now();
    ws_kernels_residual_gradient_f32(rows, n, q, Xf, Y, W, shift, G, sums, NULL);
    ratio[p] = (now() - t0) / t64;
    cratio[p] = (cpu_now() - c0) / c64;
    printf("pass %d f64 %.6f s (%.3f GB/s) f32/f64 %.3f cpu %.3f\n", p, t64,
           (double)count * sizeof(double) / t64 / 1e9, ratio[p], cratio[p]);
  }
  qsort(ratio, (size_t)passes, sizeof *ratio, cmp_double);
  qsort(cratio, (size_t)passes, sizeof *cratio, cmp_double);
  printf("summary both n=%d q=%d rows=%lld f32/f64 median %.3f (%.3f .. %.3f) cpu %.3f "
         "checksum=%.17g\n",
         n, q, (long long)rows, ratio[passes / 2], ratio[0], ratio[passes - 1], cratio[passes / 2],
         sums[0] + G[0]);
  free(Xd);
  free(Xf);
  free(W);
  free(Y);
  free(G);
  free(sums);
  free(shift);
  free(ratio);
  return 0;
}

int main(int argc, char **argv) {
#ifdef KERNEL_PASS_REF
  if (argc == 2 && !strcmp(argv[1], "check")) return check();
#endif
  if (argc == 6 && !strcmp(argv[1], "both"))
    return both(atoi(argv[2]), atoi(argv[3]), atof(argv[4]), atoi(argv[5]));
  if (argc != 6) {
    fprintf(stderr, "usage: kernel_pass f64|f32|both <n> <q> <MiB of X> <passes>\n");
    return 2;
  }
  int f32 = !strcmp(argv[1], "f32"), n = atoi(argv[2]), q = atoi(argv[3]);
  double mib = atof(argv[4]);
  int passes = atoi(argv[5]);
  size_t es = f32 ? sizeof(float) : sizeof(double);
  int64_t rows = (int64_t)(mib * 1048576.0 / (es * (double)n));
  if (n < 1 || q < 1 || rows < 1 || passes < 1) {
    fprintf(stderr, "kernel_pass: bad arguments\n");
    return 2;
  }
  size_t count = (size_t)rows * (size_t)n;
  void *X = malloc(count * es);
  double *Y = malloc((size_t)rows * q * sizeof *Y), *W = malloc((size_t)n * q * sizeof *W);
  double *G = calloc((size_t)n * q, sizeof *G), *sums = calloc(2 * (size_t)q, sizeof *sums);
  double *shift = calloc((size_t)q, sizeof *shift);
  if (!X || !Y || !W || !G || !sums || !shift) {
    fprintf(stderr, "kernel_pass: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < count; i++) {
    if (f32)
      ((float *)X)[i] = (float)value(i);
    else
      ((double *)X)[i] = value(i);
  }
  for (int64_t i = 0; i < rows * q; i++)
    Y[i] = value((uint64_t)i + 12345);
  for (int64_t i = 0; i < (int64_t)n * q; i++)
    W[i] = 0.01 * value((uint64_t)i + 777);
  double *t = malloc(3 * (size_t)passes * sizeof *t);
#ifdef KERNEL_PASS_REF
  double *ratio = t + passes, *cratio = ratio + passes;
#endif
  for (int p = 0; p < passes; p++) {
    double t0 = now(), c0 = cpu_now();
    if (f32)
      ws_kernels_residual_gradient_f32(rows, n, q, X, Y, W, shift, G, sums, NULL);
    else
      ws_kernels_residual_gradient_f64(rows, n, q, X, Y, W, shift, G, sums, NULL);
    t[p] = now() - t0;
    double c = cpu_now() - c0;
    printf("pass %d %.6f %.3f cpu %.6f\n", p, t[p], (double)count * es / t[p] / 1e9, c);
#ifdef KERNEL_PASS_REF
    /* The reference right after on the same data: the ratio of neighbours cancels most of
     * the drift of a shared machine's load. */
    t0 = now();
    c0 = cpu_now();
    if (f32)
      ref_rg_f32(rows, n, q, X, Y, W, shift, G, sums, NULL);
    else
      ref_rg_f64(rows, n, q, X, Y, W, shift, G, sums, NULL);
    ratio[p] = t[p] / (now() - t0);
    cratio[p] = c / (cpu_now() - c0);
#endif
  }
  qsort(t, (size_t)passes, sizeof *t, cmp_double);
  double med = t[passes / 2];
#ifdef KERNEL_PASS_REF
  qsort(ratio, (size_t)passes, sizeof *ratio, cmp_double);
  qsort(cratio, (size_t)passes, sizeof *cratio, cmp_double);
  printf("ratio to reference: median %.3f (min %.3f, max %.3f); cpu time %.3f (%.3f .. %.3f)\n",
         ratio[passes / 2], ratio[0], ratio[passes - 1], cratio[passes / 2], cratio[0],
         cratio[passes - 1]);
#endif
  printf("summary dtype=%s n=%d q=%d rows=%lld median_s=%.6f median_gbs=%.3f checksum=%.17g\n",
         f32 ? "f32" : "f64", n, q, (long long)rows, med, (double)count * es / med / 1e9,
         sums[0] + G[0]);
  free(X);
  free(Y);
  free(W);
  free(G);
  free(sums);
  free(shift);
  free(t);
  return 0;
}
