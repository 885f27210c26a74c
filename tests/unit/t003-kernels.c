/* The row kernels (wshare/kernels.h) against naive loops in long double: the fused
 * residual/gradient pass for float64 and float32 rows (shift and no y included; the residuals
 * kept in place of y or apart) for 1, 3, 8 and 11 outputs, dense and over member lists, the
 * members' right-hand side, the polynomial expansion, the conversion to double, the Gram update (1
 * and 3 right-hand sides) and the non-finite count. */
#include <math.h>
#include <string.h>

#include "unit.h"
#include "wshare/kernels.h"
#include "wshare/rng.h"

enum { ROWS = 37, N = 19 };

static double rel_err(double got, long double want, long double scale) {
  return (double)(fabsl((long double)got - want) / (scale > 0 ? scale : 1.0L));
}

/* The dense kernel for q outputs (q = 1 is the single-output loop; 11 = a full block of 8 and
 * a partial one) and, when members is set, the member-list kernel on a random sparse
 * pattern of the same weights (members = 2: each output's inputs one run, as in a
 * convolution, the kernel's slice path; ROWS = 37 leaves one row after the blocks of
 * four). */
static void check_gradient(int f32, int use_y, int q, int members) {
  enum { QMAX = 11 };
  double Xd[ROWS * N], y[ROWS * QMAX], W[N * QMAX], G[N * QMAX], sums[2 * QMAX];
  float Xf[ROWS * N];
  int start[QMAX + 1], input[N * QMAX];
  double wm[N * QMAX], gm[N * QMAX], res[ROWS * QMAX];
  for (int i = 0; i < ROWS * N; i++) {
    Xd[i] = ws_rng_normal(1, 1, (uint64_t)i);
    Xf[i] = (float)Xd[i];
    if (f32) Xd[i] = Xf[i];
  }
  for (int i = 0; i < ROWS * q; i++)
    y[i] = ws_rng_normal(1, 2, (uint64_t)i);
  /* Members: weight (j, o) is present when its draw is above -0.3; absent ones are zero. */
  int nnz = 0;
  for (int o = 0; o < q; o++) {
    start[o] = nnz;
    for (int j = 0; j < N; j++) {
      double wv = ws_rng_normal(1, 3, (uint64_t)(j * q + o));
      int present = !members || (members == 1 ? ws_rng_uniform(1, 4, (uint64_t)(j * q + o)) > 0.3
                                              : j >= o % 5 && j < o % 5 + 7 + o % 3);
      W[j * q + o] = present ? wv : 0.0;
      G[j * q + o] = 0.125 * j; /* the kernel adds to G */
      if (present && members) {
        input[nnz] = j;
        wm[nnz] = wv;
        gm[nnz++] = 0.125 * j;
      }
    }
  }
  start[q] = nnz;
  double shift[QMAX];
  for (int o = 0; o < q; o++) {
    shift[o] = 0.75 - 0.125 * o;
    sums[o] = 0.25;
    sums[q + o] = -0.5;
  }
  /* The residuals are kept in place of y (as LSQR keeps u), or without y into res. */
  memcpy(res, y, (size_t)ROWS * q * sizeof *y);
  const double *yy = use_y ? res : NULL;
  if (members && f32)
    ws_kernels_residual_gradient_members_f32(ROWS, N, q, Xf, yy, shift, start, input, wm, gm, sums,
                                             res);
  else if (members)
    ws_kernels_residual_gradient_members_f64(ROWS, N, q, Xd, yy, shift, start, input, wm, gm, sums,
                                             res);
  else if (f32)
    ws_kernels_residual_gradient_f32(ROWS, N, q, Xf, yy, W, shift, G, sums, res);
  else
    ws_kernels_residual_gradient_f64(ROWS, N, q, Xd, yy, W, shift, G, sums, res);
  const char *what = members == 2 ? "member runs" : members ? "members" : "dense";
  for (int o = 0; o < q; o++) {
    long double rg[N], s2 = 0.25L, s1 = -0.5L, scale = 0.0L;
    for (int j = 0; j < N; j++)
      rg[j] = 0.125L * j;
    for (int i = 0; i < ROWS; i++) {
      long double r = shift[o] - (use_y ? y[i * q + o] : 0.0);
      for (int j = 0; j < N; j++)
        r += (long double)Xd[i * N + j] * W[j * q + o];
      for (int j = 0; j < N; j++)
        rg[j] += r * Xd[i * N + j];
      UNIT_CHECK(rel_err(res[i * q + o], r, fabsl(r) + 1.0L) <= 1e-14,
                 "%s %s q %d: residual (%d, %d): %.17g vs %.17Lg", what, f32 ? "f32" : "f64", q, i,
                 o, res[i * q + o], r);
      s2 += r * r;
      s1 += r;
      scale += fabsl(r) * 10.0L;
    }
    if (members) {
      for (int e = start[o]; e < start[o + 1]; e++)
        UNIT_CHECK(rel_err(gm[e], rg[input[e]], scale) <= 1e-14,
                   "%s %s q %d: gradient (%d, %d): %.17g vs %.17Lg", what, f32 ? "f32" : "f64", q,
                   input[e], o, gm[e], rg[input[e]]);
    } else {
      for (int j = 0; j < N; j++)
        UNIT_CHECK(rel_err(G[j * q + o], rg[j], scale) <= 1e-14,
                   "%s %s q %d: gradient (%d, %d): %.17g vs %.17Lg", what, f32 ? "f32" : "f64", q,
                   j, o, G[j * q + o], rg[j]);
    }
    UNIT_CHECK(rel_err(sums[o], s2, s2) <= 1e-14 && rel_err(sums[q + o], s1, scale) <= 1e-14,
               "%s %s q %d: sums of output %d %.17g %.17g vs %.17Lg %.17Lg", what,
               f32 ? "f32" : "f64", q, o, sums[o], sums[q + o], s2, s1);
  }
}

int main(void) {
  unit_name = "t003-kernels";
  const int qs[] = {1, 3, 8, 11};
  for (int f32 = 0; f32 <= 1; f32++)
    for (int use_y = 0; use_y <= 1; use_y++)
      for (int iq = 0; iq < 4; iq++)
        for (int members = 0; members <= 2; members++)
          check_gradient(f32, use_y, qs[iq], members);

  /* Members' right-hand side: gm[e] += sum_i Y[i, o] X[i, input[e]] (the last output's
   * inputs are one run: the slice path). */
  {
    enum { QR = 4 };
    double X[ROWS * N], Y[ROWS * QR], gm[2 * N];
    int start[QR + 1] = {0, 2, 2, 5, 9}, input[9] = {1, 7, 0, 7, 18, 4, 5, 6, 7};
    for (int i = 0; i < ROWS * N; i++)
      X[i] = ws_rng_normal(6, 1, (uint64_t)i);
    for (int i = 0; i < ROWS * QR; i++)
      Y[i] = ws_rng_normal(6, 2, (uint64_t)i);
    for (int e = 0; e < 9; e++)
      gm[e] = 1.0;
    ws_kernels_members_accumulate(ROWS, N, QR, X, Y, start, input, gm);
    for (int o = 0; o < QR; o++)
      for (int e = start[o]; e < start[o + 1]; e++) {
        long double want = 1.0L, scale = 1.0L;
        for (int i = 0; i < ROWS; i++) {
          want += (long double)Y[i * QR + o] * X[i * N + input[e]];
          scale += fabsl((long double)Y[i * QR + o] * X[i * N + input[e]]);
        }
        UNIT_CHECK(rel_err(gm[e], want, scale) <= 1e-15, "members rhs %d: %.17g vs %.17Lg", e,
                   gm[e], want);
      }
  }

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

  /* Gram update: G += Z^T Z (upper), ZY += Z^T Y for 1 and 3 right-hand sides (GEMV and
   * GEMM), against the naive sums. */
  for (int nq = 1; nq <= 3; nq += 2) {
    enum { R = 9, K = 4, Q = 3 };
    double Z[R * K], yv[R * Q], G[K * K], zy[K * Q];
    for (int i = 0; i < R * K; i++)
      Z[i] = ws_rng_normal(2, 1, (uint64_t)i);
    for (int i = 0; i < R * nq; i++)
      yv[i] = ws_rng_normal(2, 2, (uint64_t)i);
    for (int i = 0; i < K * K; i++)
      G[i] = 1.0;
    for (int i = 0; i < K * nq; i++)
      zy[i] = -1.0;
    ws_kernels_gram_accumulate(R, K, nq, Z, yv, G, zy);
    for (int a = 0; a < K; a++) {
      for (int o = 0; o < nq; o++) {
        long double ry = -1.0L;
        for (int i = 0; i < R; i++)
          ry += (long double)Z[i * K + a] * yv[i * nq + o];
        UNIT_CHECK(rel_err(zy[a + o * K], ry, 1.0L + fabsl(ry)) <= 1e-14, "zy %d %d (q %d)", a, o,
                   nq);
      }
      for (int b = a; b < K; b++) {
        long double rgab = 1.0L;
        for (int i = 0; i < R; i++)
          rgab += (long double)Z[i * K + a] * Z[i * K + b];
        UNIT_CHECK(rel_err(G[a + b * K], rgab, 1.0L + fabsl(rgab)) <= 1e-14, "G %d %d", a, b);
      }
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
