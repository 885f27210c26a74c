#include "wshare/kernels.h"

#include <cblas.h>
#include <math.h>

/* Row by row: the dot product streams the row from memory, and the gradient update reuses
 * it from L1 right away, so X is read from memory once.  (Blocking four rows at a time was
 * measured 2.5x slower: four streams 2 KiB apart defeat the prefetchers.)  One output is
 * the loop of old, unchanged, and kept a function of its own: inlined into the dispatch its
 * loops lost their alignment and ran 13% slower (measured); several outputs are taken
 * WS_OUTPUT_BLOCK at a time while the row is in cache: W's row j holds the block's weights
 * side by side, so the inner loops over the block are contiguous and vectorize. */
enum { WS_OUTPUT_BLOCK = 8 };

#define WS_DEFINE_RESIDUAL_GRADIENT(NAME, T)                                                       \
  __attribute__((noinline)) static void NAME##_one(int64_t rows, int n, const T *X,                \
                                                   const double *y, const double *w, double shift, \
                                                   double *g, double *sums) {                      \
    double s2 = 0.0, s1 = 0.0;                                                                     \
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
    sums[0] += s2;                                                                                 \
    sums[1] += s1;                                                                                 \
  }                                                                                                \
  /* Outputs o0 .. o0 + b - 1 of row x (B: the block width, a constant the compiler unrolls). */   \
  static inline void NAME##_block(int n, int q, int o0, int b, const T *x, const double *y,        \
                                  const double *W, const double *shift, double *G, double *sums) { \
    double d[WS_OUTPUT_BLOCK] = {0.0}, r[WS_OUTPUT_BLOCK];                                         \
    if (b == WS_OUTPUT_BLOCK) {                                                                    \
      for (int j = 0; j < n; j++) {                                                                \
        double xj = (double)x[j];                                                                  \
        const double *wj = W + (int64_t)j * q + o0;                                                \
        for (int l = 0; l < WS_OUTPUT_BLOCK; l++)                                                  \
          d[l] += xj * wj[l];                                                                      \
      }                                                                                            \
    } else {                                                                                       \
      for (int j = 0; j < n; j++) {                                                                \
        double xj = (double)x[j];                                                                  \
        const double *wj = W + (int64_t)j * q + o0;                                                \
        for (int l = 0; l < b; l++)                                                                \
          d[l] += xj * wj[l];                                                                      \
      }                                                                                            \
    }                                                                                              \
    for (int l = 0; l < b; l++) {                                                                  \
      r[l] = d[l] + shift[o0 + l] - (y ? y[o0 + l] : 0.0);                                         \
      sums[o0 + l] += r[l] * r[l];                                                                 \
      sums[q + o0 + l] += r[l];                                                                    \
    }                                                                                              \
    if (b == WS_OUTPUT_BLOCK) {                                                                    \
      for (int j = 0; j < n; j++) {                                                                \
        double xj = (double)x[j], *gj = G + (int64_t)j * q + o0;                                   \
        for (int l = 0; l < WS_OUTPUT_BLOCK; l++)                                                  \
          gj[l] += xj * r[l];                                                                      \
      }                                                                                            \
    } else {                                                                                       \
      for (int j = 0; j < n; j++) {                                                                \
        double xj = (double)x[j], *gj = G + (int64_t)j * q + o0;                                   \
        for (int l = 0; l < b; l++)                                                                \
          gj[l] += xj * r[l];                                                                      \
      }                                                                                            \
    }                                                                                              \
  }                                                                                                \
  void NAME(int64_t rows, int n, int q, const T *X, const double *Y, const double *W,              \
            const double *shift, double *G, double *sums) {                                        \
    if (q == 1) {                                                                                  \
      NAME##_one(rows, n, X, Y, W, shift[0], G, sums);                                             \
      return;                                                                                      \
    }                                                                                              \
    for (int64_t i = 0; i < rows; i++)                                                             \
      for (int o0 = 0; o0 < q; o0 += WS_OUTPUT_BLOCK)                                              \
        NAME##_block(n, q, o0, q - o0 < WS_OUTPUT_BLOCK ? q - o0 : WS_OUTPUT_BLOCK, X + i * n,     \
                     Y ? Y + i * q : NULL, W, shift, G, sums);                                     \
  }

WS_DEFINE_RESIDUAL_GRADIENT(ws_kernels_residual_gradient_f64, double)
WS_DEFINE_RESIDUAL_GRADIENT(ws_kernels_residual_gradient_f32, float)

/* Member lists: each residual and gradient entry touches only the inputs an output uses,
 * so the cost is 2 nnz per row, whatever n q is. */
#define WS_DEFINE_RESIDUAL_GRADIENT_MEMBERS(NAME, T)                                               \
  void NAME(int64_t rows, int n, int q, const T *X, const double *Y, const double *shift,          \
            const int *start, const int *input, const double *wm, double *gm, double *sums) {      \
    for (int64_t i = 0; i < rows; i++) {                                                           \
      const T *x = X + i * n;                                                                      \
      for (int o = 0; o < q; o++) {                                                                \
        double d = 0.0;                                                                            \
        for (int e = start[o]; e < start[o + 1]; e++)                                              \
          d += (double)x[input[e]] * wm[e];                                                        \
        double r = d + shift[o] - (Y ? Y[i * q + o] : 0.0);                                        \
        for (int e = start[o]; e < start[o + 1]; e++)                                              \
          gm[e] += r * (double)x[input[e]];                                                        \
        sums[o] += r * r;                                                                          \
        sums[q + o] += r;                                                                          \
      }                                                                                            \
    }                                                                                              \
  }

WS_DEFINE_RESIDUAL_GRADIENT_MEMBERS(ws_kernels_residual_gradient_members_f64, double)
WS_DEFINE_RESIDUAL_GRADIENT_MEMBERS(ws_kernels_residual_gradient_members_f32, float)

void ws_kernels_members_accumulate(int64_t rows, int n, int q, const double *X, const double *Y,
                                   const int *start, const int *input, double *gm) {
  for (int64_t i = 0; i < rows; i++) {
    const double *x = X + i * n;
    for (int o = 0; o < q; o++) {
      double yo = Y[i * q + o];
      for (int e = start[o]; e < start[o + 1]; e++)
        gm[e] += yo * x[input[e]];
    }
  }
}

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

void ws_kernels_gram_accumulate(int64_t rows, int k, int q, const double *Z, const double *Y,
                                double *G, double *ZY) {
  if (rows <= 0) return;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, k, (int)rows, 1.0, Z, k, 1.0, G, k);
  if (!Y) return;
  if (q == 1)
    cblas_dgemv(CblasColMajor, CblasNoTrans, k, (int)rows, 1.0, Z, k, Y, 1, 1.0, ZY, 1);
  else
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, k, q, (int)rows, 1.0, Z, k, Y, q, 1.0, ZY,
                k);
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
