/* The row kernels (wshare/kernels.h) against naive loops in long double: the fused
 * residual/gradient pass for float64 and float32 rows (shift and no y included), the
 * polynomial expansion, the conversion to double, the Gram update and the non-finite
 * count. */
#include <math.h>
#include <string.h>

#include "unit.h"
#include "wshare/kernels.h"
#include "wshare/rng.h"

enum { ROWS = 37, N = 19 };

static double rel_err(double got, long double want, long double scale) {
  return (double)(fabsl((long double)got - want) / (scale > 0 ? scale : 1.0L));
}

static void check_gradient(int f32, int use_y) {
  double Xd[ROWS * N], y[ROWS], w[N], g[N], sums[2] = {0.25, -0.5};
  float Xf[ROWS * N];
  for (int i = 0; i < ROWS * N; i++) {
    Xd[i] = ws_rng_normal(1, 1, (uint64_t)i);
    Xf[i] = (float)Xd[i];
    if (f32) Xd[i] = Xf[i];
  }
  for (int i = 0; i < ROWS; i++)
    y[i] = ws_rng_normal(1, 2, (uint64_t)i);
  for (int j = 0; j < N; j++) {
    w[j] = ws_rng_normal(1, 3, (uint64_t)j);
    g[j] = 0.125 * j; /* the kernel adds to g */
  }
  double shift = 0.75;
  if (f32)
    ws_kernels_residual_gradient_f32(ROWS, N, Xf, use_y ? y : NULL, w, shift, g, sums);
  else
    ws_kernels_residual_gradient_f64(ROWS, N, Xd, use_y ? y : NULL, w, shift, g, sums);
  long double rg[N], s2 = 0.25L, s1 = -0.5L, scale = 0.0L;
  for (int j = 0; j < N; j++)
    rg[j] = 0.125L * j;
  for (int i = 0; i < ROWS; i++) {
    long double r = shift - (use_y ? y[i] : 0.0);
    for (int j = 0; j < N; j++)
      r += (long double)Xd[i * N + j] * w[j];
    for (int j = 0; j < N; j++)
      rg[j] += r * Xd[i * N + j];
    s2 += r * r;
    s1 += r;
    scale += fabsl(r) * 10.0L;
  }
  for (int j = 0; j < N; j++)
    UNIT_CHECK(rel_err(g[j], rg[j], scale) <= 1e-14, "%s gradient %d: %.17g vs %.17Lg",
               f32 ? "f32" : "f64", j, g[j], rg[j]);
  UNIT_CHECK(rel_err(sums[0], s2, s2) <= 1e-14 && rel_err(sums[1], s1, scale) <= 1e-14,
             "%s sums %.17g %.17g vs %.17Lg %.17Lg", f32 ? "f32" : "f64", sums[0], sums[1], s2, s1);
}

int main(void) {
  unit_name = "t003-kernels";
  for (int f32 = 0; f32 <= 1; f32++)
    for (int use_y = 0; use_y <= 1; use_y++)
      check_gradient(f32, use_y);

  /* Polynomial expansion: row = [x1, x1^2, x1^3, x2, ...]. */
  double raw[2 * 3] = {2.0, -1.0, 0.5, 3.0, 0.0, -2.0}, out[2 * 3 * 3];
  ws_kernels_poly_expand(2, 3, 3, raw, out);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int d = 0; d < 3; d++) {
        double want = pow(raw[i * 3 + j], d + 1);
        UNIT_CHECK(out[i * 9 + j * 3 + d] == want, "poly row %d col %d power %d: %g vs %g", i, j,
                   d + 1, out[i * 9 + j * 3 + d], want);
      }

  /* Conversion to double. */
  float fs[3] = {1.5f, -2.25f, 1e-3f};
  double conv[3];
  ws_kernels_to_f64(3, fs, 1, conv);
  for (int i = 0; i < 3; i++)
    UNIT_CHECK(conv[i] == (double)fs[i], "to_f64 %d", i);

  /* Gram update: G += Z^T Z (upper), zy += Z^T y, against the naive sums. */
  enum { R = 9, K = 4 };
  double Z[R * K], yv[R], G[K * K], zy[K];
  for (int i = 0; i < R * K; i++)
    Z[i] = ws_rng_normal(2, 1, (uint64_t)i);
  for (int i = 0; i < R; i++)
    yv[i] = ws_rng_normal(2, 2, (uint64_t)i);
  for (int i = 0; i < K * K; i++)
    G[i] = 1.0;
  for (int i = 0; i < K; i++)
    zy[i] = -1.0;
  ws_kernels_gram_accumulate(R, K, Z, yv, G, zy);
  for (int a = 0; a < K; a++) {
    long double ry = -1.0L;
    for (int i = 0; i < R; i++)
      ry += (long double)Z[i * K + a] * yv[i];
    UNIT_CHECK(rel_err(zy[a], ry, 1.0L + fabsl(ry)) <= 1e-14, "zy %d", a);
    for (int b = a; b < K; b++) {
      long double rgab = 1.0L;
      for (int i = 0; i < R; i++)
        rgab += (long double)Z[i * K + a] * Z[i * K + b];
      UNIT_CHECK(rel_err(G[a + b * K], rgab, 1.0L + fabsl(rgab)) <= 1e-14, "G %d %d", a, b);
    }
  }

  /* Non-finite values: count and first index, for double and float. */
  double v[6] = {1.0, 2.0, NAN, 3.0, INFINITY, 0.0};
  float vf[4] = {1.0f, 2.0f, 3.0f, -INFINITY};
  int64_t first;
  UNIT_CHECK(ws_kernels_count_nonfinite(6, v, 0, &first) == 2 && first == 2, "nonfinite f64");
  UNIT_CHECK(ws_kernels_count_nonfinite(4, vf, 1, &first) == 1 && first == 3, "nonfinite f32");
  UNIT_CHECK(ws_kernels_count_nonfinite(2, v, 0, &first) == 0 && first == -1, "finite");
  return 0;
}
