#include "wshare/kernels.h"

#include <cblas.h>
#include <math.h>

/* Row by row: the dot product streams the row from memory, and the gradient update reuses
 * it from L1 right away, so X is read from memory once.  (Blocking four rows at a time was
 * measured 2.5x slower: four streams 2 KiB apart defeat the prefetchers.)  The sums go on
 * from their values on entry, so splitting the rows over several calls (runs of mapped
 * chunks) gives the same bits as one call. */
#define WS_DEFINE_RESIDUAL_GRADIENT(NAME, T)                                                       \
  void NAME(int64_t rows, int n, const T *X, const double *y, const double *w, double shift,       \
            double *g, double sums[2]) {                                                           \
    double s2 = sums[0], s1 = sums[1];                                                             \
    for (int64_t i = 0; i < rows; i++) {                                                           \
      const T *x = X + i * n;                                                                      \
      double d = 0.0;                                                                              \
      for (int j = 0; j < n; j++)                                                                  \
        d += (double)x[j] * w[j];                                                                  \
      double r = d + shift - (y ? y[i] : 0.0);                                                     \
      for (int j = 0; j < n; j++)                                                                  \
        g[j] += r * (double)x[j];                                                                  \
      s2 += r * r;                                                                                 \
      s1 += r;                                                                                     \
    }                                                                                              \
    sums[0] = s2;                                                                                  \
    sums[1] = s1;                                                                                  \
  }

WS_DEFINE_RESIDUAL_GRADIENT(ws_kernels_residual_gradient_f64, double)
WS_DEFINE_RESIDUAL_GRADIENT(ws_kernels_residual_gradient_f32, float)

void ws_kernels_poly_expand(int64_t rows, int n_raw, int degree, const double *raw, double *out) {
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

void ws_kernels_to_f64(int64_t count, const void *src, int src_is_f32, double *out) {
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

void ws_kernels_gram_accumulate(int64_t rows, int k, const double *Z, const double *y, double *G,
                                double *zy) {
  if (rows <= 0) return;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, k, (int)rows, 1.0, Z, k, 1.0, G, k);
  cblas_dgemv(CblasColMajor, CblasNoTrans, k, (int)rows, 1.0, Z, k, y, 1, 1.0, zy, 1);
}

int64_t ws_kernels_count_nonfinite(int64_t count, const void *v, int is_f32, int64_t *first) {
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
