#include "wshare/kernels.h"

#include <cblas.h>
#include <math.h>

/* Four rows at a time: four independent dot products share the loads of w, then a single
 * sweep over g adds all four rows, so g stays in L1 and X is read from memory once. */
#define WS_DEFINE_RESIDUAL_GRADIENT(NAME, T)                                                       \
  void NAME(int64_t rows, int n, const T *X, const double *y, const double *w, double shift,       \
            double *g, double sums[2]) {                                                           \
    double s2 = 0.0, s1 = 0.0;                                                                     \
    int64_t i = 0;                                                                                 \
    for (; i + 4 <= rows; i += 4) {                                                                \
      const T *x0 = X + i * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;                           \
      double d0 = 0, d1 = 0, d2 = 0, d3 = 0;                                                       \
      for (int j = 0; j < n; j++) {                                                                \
        d0 += (double)x0[j] * w[j];                                                                \
        d1 += (double)x1[j] * w[j];                                                                \
        d2 += (double)x2[j] * w[j];                                                                \
        d3 += (double)x3[j] * w[j];                                                                \
      }                                                                                            \
      double r0 = d0 + shift - (y ? y[i] : 0.0);                                                   \
      double r1 = d1 + shift - (y ? y[i + 1] : 0.0);                                               \
      double r2 = d2 + shift - (y ? y[i + 2] : 0.0);                                               \
      double r3 = d3 + shift - (y ? y[i + 3] : 0.0);                                               \
      for (int j = 0; j < n; j++)                                                                  \
        g[j] += r0 * (double)x0[j] + r1 * (double)x1[j] + r2 * (double)x2[j] + r3 * (double)x3[j]; \
      s2 += r0 * r0 + r1 * r1 + r2 * r2 + r3 * r3;                                                 \
      s1 += r0 + r1 + r2 + r3;                                                                     \
    }                                                                                              \
    for (; i < rows; i++) {                                                                        \
      const T *x = X + i * n;                                                                      \
      double d = 0;                                                                                \
      for (int j = 0; j < n; j++)                                                                  \
        d += (double)x[j] * w[j];                                                                  \
      double r = d + shift - (y ? y[i] : 0.0);                                                     \
      for (int j = 0; j < n; j++)                                                                  \
        g[j] += r * (double)x[j];                                                                  \
      s2 += r * r;                                                                                 \
      s1 += r;                                                                                     \
    }                                                                                              \
    sums[0] += s2;                                                                                 \
    sums[1] += s1;                                                                                 \
  }

WS_DEFINE_RESIDUAL_GRADIENT(ws_kernel_residual_gradient_f64, double)
WS_DEFINE_RESIDUAL_GRADIENT(ws_kernel_residual_gradient_f32, float)

void ws_kernel_poly_expand(int64_t rows, int n_raw, int degree, const double *raw, double *out) {
  for (int64_t i = 0; i < rows; i++) {
    const double *x = raw + i * n_raw;
    double *o = out + i * (int64_t)n_raw * degree;
    for (int j = 0; j < n_raw; j++) {
      double p = x[j];
      for (int d = 0; d < degree; d++) {
        o[j * degree + d] = p;
        p *= x[j];
      }
    }
  }
}

void ws_kernel_to_f64(int64_t count, const void *src, int src_is_f32, double *out) {
  if (src_is_f32) {
    const float *s = src;
    for (int64_t i = 0; i < count; i++)
      out[i] = s[i];
  } else {
    const double *s = src;
    for (int64_t i = 0; i < count; i++)
      out[i] = s[i];
  }
}

void ws_kernel_gram_accumulate(int64_t rows, int k, const double *Z, const double *y, double *G,
                               double *zy) {
  if (rows <= 0) return;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, k, (int)rows, 1.0, Z, k, 1.0, G, k);
  cblas_dgemv(CblasColMajor, CblasNoTrans, k, (int)rows, 1.0, Z, k, y, 1, 1.0, zy, 1);
}

int64_t ws_kernel_count_nonfinite(int64_t count, const void *v, int is_f32, int64_t *first) {
  int64_t bad = 0;
  *first = -1;
  for (int64_t i = 0; i < count; i++) {
    double x = is_f32 ? (double)((const float *)v)[i] : ((const double *)v)[i];
    if (!isfinite(x)) {
      if (bad == 0) *first = i;
      bad++;
    }
  }
  return bad;
}
