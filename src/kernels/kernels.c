#include "wshare/kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Row by row: the dot product streams the row from memory, and the gradient update reuses
 * it from L1 right away, so X is read from memory once.  (Interleaving four rows' dot products
 * was measured 2.5x slower: four streams 2 KiB apart defeat the prefetchers.  Taking four rows
 * per sweep of g, their dot products one after the other, was measured 0.6-0.9x the time with
 * the baseline build but 1.1-1.2x with WSHARE_NATIVE, whose auto-vectorized loop below is
 * wider than hand-written two-double vectors: README "Performance".)  One output is the loop
 * of old, unchanged, and kept a function of its own: inlined into the dispatch its loops lost
 * their alignment and ran 13% slower (measured).  Several outputs are compute-bound instead:
 * they are taken in blocks of B = 8, 4, 2, 1 outputs (constant widths, so the loops over a
 * block unroll and vectorize; W's row j holds the block's weights side by side) for R = 2
 * rows at a time, which halves the sweeps over W and G per row.  Every block does, per entry
 * of G and per residual sum, the operations of one row at a time in the same order (barriers
 * stop the reassociation this file's -fassociative-math would allow), and the sums go on from
 * their values on entry, so any split of the rows into blocks or calls (runs of mapped chunks,
 * the reproducible mode's 256-row chunks) gives the same bits. */
/* Two doubles, the width of the baseline x86-64 vector unit (GCC/Clang vector extensions:
 * plain multiplies and adds, rounded as the scalar code would be). */
typedef double WsV2 __attribute__((vector_size(16)));

/* Rows per block of the member-list kernels. */
enum { WS_MEMBER_ROWS = 4 };

static inline WsV2 v2_load(const double *p) {
  WsV2 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void v2_store(double *p, WsV2 v) {
  memcpy(p, &v, sizeof v);
}

/* An optimization barrier: the value must be in a register here as it is, so the adds before
 * and after it are not reassociated into another order. */
static inline void ws_keep(double *v) {
  __asm__("" : "+x"(*v));
}

static inline void ws_keep_v2(WsV2 *v) {
  __asm__("" : "+x"(*v));
}

/* Outputs o0 .. o0 + 2V - 1 of R consecutive rows x (row stride n, targets y with stride q). */
#define WS_DEFINE_OUTPUT_BLOCK(NAME, T, V, R)                                                      \
  static inline void NAME##_b##V##r##R(int n, int q, int o0, const T *x, const double *y,          \
                                       const double *W, const double *shift, double *G,            \
                                       double *sums, double *res) {                                \
    WsV2 d[R][V], rv[R][V];                                                                        \
    for (int a = 0; a < R; a++)                                                                    \
      for (int v = 0; v < V; v++)                                                                  \
        d[a][v] = (WsV2){0.0, 0.0};                                                                \
    for (int j = 0; j < n; j++) {                                                                  \
      const double *wj = W + (int64_t)j * q + o0;                                                  \
      WsV2 w[V];                                                                                   \
      for (int v = 0; v < V; v++)                                                                  \
        w[v] = v2_load(wj + 2 * v);                                                                \
      for (int a = 0; a < R; a++) {                                                                \
        double xj = (double)x[(int64_t)a * n + j];                                                 \
        WsV2 xv = {xj, xj};                                                                        \
        for (int v = 0; v < V; v++)                                                                \
          d[a][v] += xv * w[v];                                                                    \
      }                                                                                            \
    }                                                                                              \
    for (int a = 0; a < R; a++)                                                                    \
      for (int v = 0; v < V; v++) {                                                                \
        double r[2];                                                                               \
        v2_store(r, d[a][v]);                                                                      \
        for (int l = 0; l < 2; l++) {                                                              \
          int o = o0 + 2 * v + l;                                                                  \
          r[l] += shift[o] - (y ? y[(int64_t)a * q + o] : 0.0);                                    \
          if (res) res[(int64_t)a * q + o] = r[l];                                                 \
          sums[o] += r[l] * r[l];                                                                  \
          sums[q + o] += r[l];                                                                     \
        }                                                                                          \
        rv[a][v] = v2_load(r);                                                                     \
      }                                                                                            \
    for (int j = 0; j < n; j++) {                                                                  \
      double *gj = G + (int64_t)j * q + o0;                                                        \
      WsV2 xv[R];                                                                                  \
      for (int a = 0; a < R; a++) {                                                                \
        double xj = (double)x[(int64_t)a * n + j];                                                 \
        xv[a] = (WsV2){xj, xj};                                                                    \
      }                                                                                            \
      for (int v = 0; v < V; v++) {                                                                \
        WsV2 acc = v2_load(gj + 2 * v);                                                            \
        for (int a = 0; a < R; a++) {                                                              \
          acc += xv[a] * rv[a][v];                                                                 \
          ws_keep_v2(&acc);                                                                        \
        }                                                                                          \
        v2_store(gj + 2 * v, acc);                                                                 \
      }                                                                                            \
    }                                                                                              \
  }

/* One output of R rows (an odd last output). */
#define WS_DEFINE_OUTPUT_ONE(NAME, T, R)                                                           \
  static inline void NAME##_b0r##R(int n, int q, int o, const T *x, const double *y,               \
                                   const double *W, const double *shift, double *G, double *sums,  \
                                   double *res) {                                                  \
    double r[R];                                                                                   \
    for (int a = 0; a < R; a++) {                                                                  \
      double d = 0.0;                                                                              \
      for (int j = 0; j < n; j++)                                                                  \
        d += (double)x[(int64_t)a * n + j] * W[(int64_t)j * q + o];                                \
      r[a] = d + shift[o] - (y ? y[(int64_t)a * q + o] : 0.0);                                     \
      if (res) res[(int64_t)a * q + o] = r[a];                                                     \
      sums[o] += r[a] * r[a];                                                                      \
      sums[q + o] += r[a];                                                                         \
    }                                                                                              \
    for (int j = 0; j < n; j++) {                                                                  \
      double acc = G[(int64_t)j * q + o];                                                          \
      for (int a = 0; a < R; a++) {                                                                \
        acc += (double)x[(int64_t)a * n + j] * r[a];                                               \
        ws_keep(&acc);                                                                             \
      }                                                                                            \
      G[(int64_t)j * q + o] = acc;                                                                 \
    }                                                                                              \
  }

#define WS_DEFINE_RESIDUAL_GRADIENT(NAME, T)                                                       \
  __attribute__((noinline)) static void NAME##_one(int64_t rows, int n, const T *X,                \
                                                   const double *y, const double *w, double shift, \
                                                   double *g, double *sums, double *res) {         \
    double s2 = sums[0], s1 = sums[1];                                                             \
    for (int64_t i = 0; i < rows; i++) {                                                           \
      const T *x = X + i * n;                                                                      \
      double d = 0.0;                                                                              \
      for (int j = 0; j < n; j++)                                                                  \
        d += (double)x[j] * w[j];                                                                  \
      double r = d + shift - (y ? y[i] : 0.0);                                                     \
      if (res) res[i] = r;                                                                         \
      for (int j = 0; j < n; j++)                                                                  \
        g[j] += r * (double)x[j];                                                                  \
      s2 += r * r;                                                                                 \
      s1 += r;                                                                                     \
    }                                                                                              \
    sums[0] = s2;                                                                                  \
    sums[1] = s1;                                                                                  \
  }                                                                                                \
  WS_DEFINE_OUTPUT_BLOCK(NAME, T, 4, 1)                                                            \
  WS_DEFINE_OUTPUT_BLOCK(NAME, T, 2, 1)                                                            \
  WS_DEFINE_OUTPUT_BLOCK(NAME, T, 1, 1)                                                            \
  WS_DEFINE_OUTPUT_BLOCK(NAME, T, 4, 2)                                                            \
  WS_DEFINE_OUTPUT_BLOCK(NAME, T, 2, 2)                                                            \
  WS_DEFINE_OUTPUT_BLOCK(NAME, T, 1, 2)                                                            \
  WS_DEFINE_OUTPUT_ONE(NAME, T, 1)                                                                 \
  WS_DEFINE_OUTPUT_ONE(NAME, T, 2)                                                                 \
  /* Outputs o .. o + B - 1 of one row, or of two when pair. */                                    \
  static inline void NAME##_block(int B, int pair, int n, int q, int o, const T *x,                \
                                  const double *y, const double *W, const double *shift,           \
                                  double *G, double *sums, double *res) {                          \
    if (B == 8 && pair) NAME##_b4r2(n, q, o, x, y, W, shift, G, sums, res);                        \
    if (B == 8 && !pair) NAME##_b4r1(n, q, o, x, y, W, shift, G, sums, res);                       \
    if (B == 4 && pair) NAME##_b2r2(n, q, o, x, y, W, shift, G, sums, res);                        \
    if (B == 4 && !pair) NAME##_b2r1(n, q, o, x, y, W, shift, G, sums, res);                       \
    if (B == 2 && pair) NAME##_b1r2(n, q, o, x, y, W, shift, G, sums, res);                        \
    if (B == 2 && !pair) NAME##_b1r1(n, q, o, x, y, W, shift, G, sums, res);                       \
    if (B == 1 && pair) NAME##_b0r2(n, q, o, x, y, W, shift, G, sums, res);                        \
    if (B == 1 && !pair) NAME##_b0r1(n, q, o, x, y, W, shift, G, sums, res);                       \
  }                                                                                                \
  void NAME(int64_t rows, int n, int q, const T *X, const double *Y, const double *W,              \
            const double *shift, double *G, double *sums, double *R) {                             \
    if (q == 1) {                                                                                  \
      NAME##_one(rows, n, X, Y, W, shift[0], G, sums, R);                                          \
      return;                                                                                      \
    }                                                                                              \
    for (int64_t i = 0; i < rows; i += 2) {                                                        \
      const T *x = X + i * n;                                                                      \
      const double *y = Y ? Y + i * q : NULL;                                                      \
      double *res = R ? R + i * q : NULL;                                                          \
      int o = 0, pair = i + 1 < rows;                                                              \
      /* Blocks of 8, then at most one each of 4, 2 and 1 for the rest. */                         \
      for (int B = 8; B >= 1; B /= 2)                                                              \
        for (; o + B <= q && (B == 8 || (q - o) & B); o += B)                                      \
          NAME##_block(B, pair, n, q, o, x, y, W, shift, G, sums, res);                            \
    }                                                                                              \
  }

WS_DEFINE_RESIDUAL_GRADIENT(ws_kernels_residual_gradient_f64, double)
WS_DEFINE_RESIDUAL_GRADIENT(ws_kernels_residual_gradient_f32, float)

/* Member lists: each residual and gradient entry touches only the inputs an output uses,
 * so the cost is 2 nnz per row, whatever n q is.  Rows go four at a time: one load of each
 * index and weight serves four rows, and each gm[e] is loaded and stored once per four rows
 * instead of once per row.  An output whose inputs are one run j0, j0 + 1, ... (every output
 * of a conv1d layer, a kernel row of conv2d; the inputs ascend, so first and last tell) is
 * read as a slice, without the gathers, so its loops vectorize.  Measured on the conv1d
 * benchmark's shape (README "Models"; 2 000 rows of 512 inputs, 4032 outputs of 9 inputs,
 * fastest of 7): 1.9x (gradient pass) and 2x (members' right-hand side) faster than one row
 * at a time with gathers.  As with the dense kernel's row pairs, the order of the terms follows the
 * block of rows, so the same rows give the same bits. */
#define WS_MEMBER_OUTPUT(T, J)                                                                     \
  do {                                                                                             \
    double d[WS_MEMBER_ROWS] = {0.0}, r[WS_MEMBER_ROWS] = {0.0};                                   \
    for (int e = e0; e < e1; e++) {                                                                \
      double w = wm[e];                                                                            \
      for (int a = 0; a < WS_MEMBER_ROWS; a++)                                                     \
        if (a < rows) d[a] += (double)x[(int64_t)a * n + (J)] * w;                                 \
    }                                                                                              \
    for (int a = 0; a < WS_MEMBER_ROWS; a++)                                                       \
      if (a < rows) r[a] = d[a] + shift[o] - (y ? y[(int64_t)a * q + o] : 0.0);                    \
    /* After y is read: res may be y itself. */                                                    \
    for (int a = 0; a < WS_MEMBER_ROWS && res; a++)                                                \
      if (a < rows) res[(int64_t)a * q + o] = r[a];                                                \
    for (int e = e0; e < e1; e++) {                                                                \
      double g = gm[e];                                                                            \
      for (int a = 0; a < WS_MEMBER_ROWS; a++)                                                     \
        if (a < rows) g += r[a] * (double)x[(int64_t)a * n + (J)];                                 \
      gm[e] = g;                                                                                   \
    }                                                                                              \
    /* In locals: stores through sums may alias x, so each would be a store. */                    \
    double s2 = sums[o], s1 = sums[q + o];                                                         \
    for (int a = 0; a < WS_MEMBER_ROWS; a++)                                                       \
      if (a < rows) {                                                                              \
        s2 += r[a] * r[a];                                                                         \
        s1 += r[a];                                                                                \
      }                                                                                            \
    sums[o] = s2;                                                                                  \
    sums[q + o] = s1;                                                                              \
  } while (0)

#define WS_DEFINE_RESIDUAL_GRADIENT_MEMBERS(NAME, T)                                               \
  static inline void NAME##_rows(int rows, int n, int q, const T *x, const double *y,              \
                                 const double *shift, const int *start, const int *input,          \
                                 const double *wm, double *gm, double *sums, double *res) {        \
    for (int o = 0; o < q; o++) {                                                                  \
      int e0 = start[o], e1 = start[o + 1];                                                        \
      if (e1 > e0 && input[e1 - 1] - input[e0] == e1 - 1 - e0) {                                   \
        int j0 = input[e0] - e0;                                                                   \
        WS_MEMBER_OUTPUT(T, j0 + e);                                                               \
      } else {                                                                                     \
        WS_MEMBER_OUTPUT(T, input[e]);                                                             \
      }                                                                                            \
    }                                                                                              \
  }                                                                                                \
  void NAME(int64_t rows, int n, int q, const T *X, const double *Y, const double *shift,          \
            const int *start, const int *input, const double *wm, double *gm, double *sums,        \
            double *R) {                                                                           \
    int64_t i = 0;                                                                                 \
    for (; i + WS_MEMBER_ROWS <= rows; i += WS_MEMBER_ROWS)                                        \
      NAME##_rows(WS_MEMBER_ROWS, n, q, X + i * n, Y ? Y + i * q : NULL, shift, start, input, wm,  \
                  gm, sums, R ? R + i * q : NULL);                                                 \
    for (; i < rows; i++)                                                                          \
      NAME##_rows(1, n, q, X + i * n, Y ? Y + i * q : NULL, shift, start, input, wm, gm, sums,     \
                  R ? R + i * q : NULL);                                                           \
  }

WS_DEFINE_RESIDUAL_GRADIENT_MEMBERS(ws_kernels_residual_gradient_members_f64, double)
WS_DEFINE_RESIDUAL_GRADIENT_MEMBERS(ws_kernels_residual_gradient_members_f32, float)

/* Rows four at a time and runs of inputs as slices, as the member-list pass above. */
#define WS_MEMBER_RHS(J)                                                                           \
  for (int e = e0; e < e1; e++) {                                                                  \
    double g = gm[e];                                                                              \
    for (int a = 0; a < WS_MEMBER_ROWS; a++)                                                       \
      if (a < rows) g += yo[a] * x[(int64_t)a * n + (J)];                                          \
    gm[e] = g;                                                                                     \
  }

static inline void members_accumulate_rows(int rows, int n, int q, const double *x, const double *y,
                                           const int *start, const int *input, double *gm) {
  for (int o = 0; o < q; o++) {
    double yo[WS_MEMBER_ROWS];
    for (int a = 0; a < WS_MEMBER_ROWS; a++)
      yo[a] = a < rows ? y[(int64_t)a * q + o] : 0.0;
    int e0 = start[o], e1 = start[o + 1];
    if (e1 > e0 && input[e1 - 1] - input[e0] == e1 - 1 - e0) {
      int j0 = input[e0] - e0;
      WS_MEMBER_RHS(j0 + e)
    } else {
      WS_MEMBER_RHS(input[e])
    }
  }
}

void ws_kernels_members_accumulate(int64_t rows, int n, int q, const double *X, const double *Y,
                                   const int *start, const int *input, double *gm) {
  int64_t i = 0;
  for (; i + WS_MEMBER_ROWS <= rows; i += WS_MEMBER_ROWS)
    members_accumulate_rows(WS_MEMBER_ROWS, n, q, X + i * n, Y + i * q, start, input, gm);
  for (; i < rows; i++)
    members_accumulate_rows(1, n, q, X + i * n, Y + i * q, start, input, gm);
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

void ws_kernels_tied_rows(int64_t rows, int n, int k, const void *X, int is_f32, const int *col,
                          const double *mean, double *Z) {
  memset(Z, 0, (size_t)(rows * k) * sizeof *Z);
  for (int64_t i = 0; i < rows; i++) {
    double *z = Z + i * k;
    if (is_f32) {
      const float *x = (const float *)X + i * n;
      for (int j = 0; j < n; j++)
        if (col[j] >= 0) z[col[j]] += (double)x[j] - (mean ? mean[j] : 0.0);
    } else {
      const double *x = (const double *)X + i * n;
      for (int j = 0; j < n; j++)
        if (col[j] >= 0) z[col[j]] += x[j] - (mean ? mean[j] : 0.0);
    }
  }
}

/* Elements per block of the non-finite scan: a block is tested with integer masks (which
 * vectorize, unlike isfinite with an early exit) and searched only when it holds one. */
enum { FINITE_BLOCK = 4096 };

/* Whether a block holds a value with all exponent bits set (Inf or NaN), for T stored in
 * the unsigned type U of its size. */
#define BLOCK_NONFINITE(name, T, U, exp)                                                           \
  static int name(int64_t count, const T *v) {                                                     \
    U hit = 0;                                                                                     \
    for (int64_t i = 0; i < count; i++) {                                                          \
      U b;                                                                                         \
      memcpy(&b, v + i, sizeof b);                                                                 \
      hit |= (U)((b & (exp)) == (exp));                                                            \
    }                                                                                              \
    return hit != 0;                                                                               \
  }
BLOCK_NONFINITE(block_nonfinite_f64, double, uint64_t, 0x7ff0000000000000ull)
BLOCK_NONFINITE(block_nonfinite_f32, float, uint32_t, 0x7f800000u)

int64_t ws_kernels_count_nonfinite(int64_t count, const void *v, int is_f32, int64_t *first) {
  int64_t bad = 0;
  *first = -1;
  for (int64_t i0 = 0; i0 < count; i0 += FINITE_BLOCK) {
    int64_t len = count - i0 < FINITE_BLOCK ? count - i0 : FINITE_BLOCK;
    if (is_f32 ? !block_nonfinite_f32(len, (const float *)v + i0)
               : !block_nonfinite_f64(len, (const double *)v + i0))
      continue;
    for (int64_t i = i0; i < i0 + len; i++) {
      double x = is_f32 ? (double)((const float *)v)[i] : ((const double *)v)[i];
      if (!isfinite(x)) {
        if (bad == 0) *first = i;
        bad++;
      }
    }
  }
  return bad;
}
