/* The row scans of wshare/kernels.h that feed the passes: the non-finite count over many
 * blocks (a value in the first, a middle and the last block, float and double, NaN and both
 * infinities, the largest finite values and subnormals not counted) and the tied rows summed
 * from stored rows (groups in any order, an input in no column, centring, float32), against
 * naive loops; the tied rows must be exactly the sums taken input by input in ascending order. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "unit.h"
#include "wshare/kernels.h"
#include "wshare/rng.h"

enum { LEN = 3 * 4096 + 123 };

static void check_scan(int f32) {
  double *d = calloc(LEN, sizeof *d);
  float *f = calloc(LEN, sizeof *f);
  for (int i = 0; i < LEN; i++) {
    d[i] = i % 3 == 0 ? DBL_MAX : i % 3 == 1 ? -DBL_MIN / 8 : ws_rng_normal(4, 1, (uint64_t)i);
    f[i] = i % 3 == 0 ? FLT_MAX : i % 3 == 1 ? -FLT_MIN / 8 : (float)d[i];
  }
  int64_t first;
  const void *v = f32 ? (const void *)f : (const void *)d;
  UNIT_CHECK(ws_kernels_count_nonfinite(LEN, v, f32, &first) == 0 && first == -1,
             "%s: finite extremes counted", f32 ? "f32" : "f64");
  const int at[3] = {17, 2 * 4096 + 5, LEN - 1};
  const double bad[3] = {INFINITY, NAN, -INFINITY};
  for (int b = 0; b < 3; b++) {
    if (f32)
      f[at[b]] = (float)bad[b];
    else
      d[at[b]] = bad[b];
  }
  UNIT_CHECK(ws_kernels_count_nonfinite(LEN, v, f32, &first) == 3 && first == at[0],
             "%s: three non-finite values, first at %d", f32 ? "f32" : "f64", at[0]);
  UNIT_CHECK(ws_kernels_count_nonfinite(at[1], v, f32, &first) == 1 && first == at[0],
             "%s: a prefix holds one", f32 ? "f32" : "f64");
  free(d);
  free(f);
}

static void check_tied_rows(int f32, int centred) {
  enum { R = 7, N = 11, K = 4 };
  const int col[N] = {2, 0, -1, 2, 3, 0, 1, -1, 2, 3, 0};
  double X[R * N], mean[N], Z[R * K];
  float Xf[R * N];
  for (int j = 0; j < N; j++)
    mean[j] = ws_rng_normal(5, 2, (uint64_t)j);
  for (int i = 0; i < R * N; i++) {
    Xf[i] = (float)ws_rng_normal(5, 1, (uint64_t)i);
    X[i] = f32 ? (double)Xf[i] : ws_rng_normal(5, 3, (uint64_t)i);
  }
  ws_kernels_tied_rows(R, N, K, f32 ? (const void *)Xf : (const void *)X, f32, col,
                       centred ? mean : NULL, Z);
  for (int i = 0; i < R; i++)
    for (int t = 0; t < K; t++) {
      double want = 0.0;
      for (int j = 0; j < N; j++)
        if (col[j] == t) want += X[i * N + j] - (centred ? mean[j] : 0.0);
      UNIT_CHECK(Z[i * K + t] == want, "%s%s: tied row %d column %d: %.17g vs %.17g",
                 f32 ? "f32" : "f64", centred ? " centred" : "", i, t, Z[i * K + t], want);
    }
}

int main(void) {
  unit_name = "t007-scan-tied";
  for (int f32 = 0; f32 <= 1; f32++) {
    check_scan(f32);
    for (int centred = 0; centred <= 1; centred++)
      check_tied_rows(f32, centred);
  }
  return 0;
}
