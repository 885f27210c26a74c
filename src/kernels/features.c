#include "wshare/features.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/kernels.h"
#include "wshare/memory.h"

const char *const *ws_features_terms_names(void) {
  static const char *const names[] = {"separate", "total", NULL};
  return names;
}

const char *const *ws_features_basis_names(void) {
  static const char *const names[] = {"monomial", "legendre", "chebyshev", NULL};
  return names;
}

WsErr ws_features_count(int n_raw, int degree, WsFeaturesTerms terms, int *n) {
  WS_CHECK(n_raw >= 1 && degree >= 1 && degree <= WS_FEATURES_MAX_DEGREE, WS_ERR_INPUT,
           "polynomial features: %d columns to degree %d (need at least one column and a degree "
           "of 1 to %d)",
           n_raw, degree, WS_FEATURES_MAX_DEGREE);
  /* The basis table of a row, (degree + 1) x n_raw, is indexed by int. */
  WS_CHECK((int64_t)(degree + 1) * n_raw <= INT_MAX, WS_ERR_INPUT,
           "polynomial features: %d columns to degree %d are too many", n_raw, degree);
  if (terms == WS_FEATURES_SEPARATE) {
    WS_CHECK((int64_t)n_raw * degree <= INT_MAX, WS_ERR_INPUT,
             "--poly-degree %d: %d columns give %lld model columns, more than %d", degree, n_raw,
             (long long)n_raw * degree, INT_MAX);
    *n = n_raw * degree;
    return WS_OK;
  }
  /* C(n_raw + k, k) = C(n_raw + k - 1, k - 1) (n_raw + k) / k is an integer at every step;
   * stop as soon as it passes INT_MAX (at most 2^31 times n_raw + k < 2^32: no overflow). */
  uint64_t c = 1;
  for (int k = 1; k <= degree && c <= (uint64_t)INT_MAX + 1; k++)
    c = c * (uint64_t)(n_raw + k) / (uint64_t)k;
  WS_CHECK(c - 1 <= (uint64_t)INT_MAX, WS_ERR_INPUT,
           "--poly-terms total: %d columns to degree %d give more than %d model columns", n_raw,
           degree, INT_MAX);
  *n = (int)(c - 1);
  return WS_OK;
}

/* Term t from the column indices of its factors, with repeats (idx ascending, d of them):
 * runs of one column become one factor of that power. */
static void set_term(WsFeatures *f, int t, const int *idx, int d) {
  int D = f->degree, nf = 0;
  for (int i = 0; i < d;) {
    int j = i;
    while (j < d && idx[j] == idx[i])
      j++;
    f->factor[(int64_t)t * D + nf++] = (j - i) * f->n_raw + idx[i];
    i = j;
  }
  f->nf[t] = nf;
}

/* Graded lexicographic order: by degree, then the ascending column-index sequences of a
 * degree in lexicographic order (x^2 = (0, 0), xz = (0, 1), z^2 = (1, 1)), which is the
 * descending lexicographic order of the exponent tuples. */
static void total_terms(WsFeatures *f) {
  int idx[WS_FEATURES_MAX_DEGREE], t = 0;
  for (int d = 1; d <= f->degree; d++) {
    memset(idx, 0, sizeof idx);
    for (;;) {
      set_term(f, t++, idx, d);
      int i = d - 1;
      while (i >= 0 && idx[i] == f->n_raw - 1)
        i--;
      if (i < 0) break;
      idx[i]++;
      for (int k = i + 1; k < d; k++)
        idx[k] = idx[i];
    }
  }
}

WsErr ws_features_create(int n_raw, int degree, WsFeaturesTerms terms, WsFeaturesBasis basis,
                         const double *lo, const double *hi, WsFeatures **out) {
  *out = NULL;
  int n;
  WS_CALL(ws_features_count(n_raw, degree, terms, &n));
  WsFeatures *f;
  WS_ALLOC(f, 1);
  *f = (WsFeatures){.n_raw = n_raw, .degree = degree, .terms = terms, .basis = basis, .n = n};
  f->nf = ws_memory_calloc((size_t)n, sizeof *f->nf);
  f->factor = ws_memory_calloc((size_t)n * degree, sizeof *f->factor);
  f->table = ws_memory_calloc((size_t)n_raw * (degree + 1), sizeof *f->table);
  f->rec = ws_memory_calloc((size_t)2 * degree, sizeof *f->rec);
  int ok = f->nf && f->factor && f->table && f->rec;
  if (ok && basis != WS_FEATURES_MONOMIAL) {
    f->lo = ws_memory_calloc((size_t)n_raw, sizeof *f->lo);
    f->hi = ws_memory_calloc((size_t)n_raw, sizeof *f->hi);
    f->scale = ws_memory_calloc((size_t)n_raw, sizeof *f->scale);
    f->shift = ws_memory_calloc((size_t)n_raw, sizeof *f->shift);
    ok = f->lo && f->hi && f->scale && f->shift;
    for (int j = 0; ok && j < n_raw; j++) {
      f->lo[j] = lo[j];
      f->hi[j] = hi[j];
      f->scale[j] = hi[j] > lo[j] ? 2.0 / (hi[j] - lo[j]) : 0.0;
      f->shift[j] = hi[j] > lo[j] ? -1.0 : 0.0;
    }
  }
  if (!ok) {
    ws_features_destroy(&f);
    return ws_error_trace(WS_ERR_RUNTIME, __FILE__, __LINE__, __func__);
  }
  for (int k = 1; k < degree; k++) {
    int cheb = basis == WS_FEATURES_CHEBYSHEV;
    f->rec[k] = cheb ? 2.0 : (2.0 * k + 1.0) / (k + 1.0);
    f->rec[degree + k] = cheb ? 1.0 : k / (k + 1.0);
  }
  if (terms == WS_FEATURES_TOTAL) {
    total_terms(f);
  } else {
    for (int j = 0; j < n_raw; j++)
      for (int p = 1; p <= degree; p++) {
        f->nf[j * degree + p - 1] = 1;
        f->factor[(int64_t)(j * degree + p - 1) * degree] = p * n_raw + j;
      }
  }
  *out = f;
  return WS_OK;
}

void ws_features_destroy(WsFeatures **f) {
  if (!f || !*f) return;
  free((*f)->lo);
  free((*f)->hi);
  free((*f)->scale);
  free((*f)->shift);
  free((*f)->nf);
  free((*f)->factor);
  free((*f)->table);
  free((*f)->rec);
  free(*f);
  *f = NULL;
}

int ws_features_identity(const WsFeatures *f) {
  return f->degree == 1 && f->basis == WS_FEATURES_MONOMIAL;
}

int ws_features_term(const WsFeatures *f, int t, int *cols, int *pows) {
  int D = f->degree;
  for (int i = 0; i < f->nf[t]; i++) {
    int e = f->factor[(int64_t)t * D + i];
    cols[i] = e % f->n_raw;
    pows[i] = e / f->n_raw;
  }
  return f->nf[t];
}

/* The mapped value t = (x - lo) scale + shift: x - lo first, which is exact for x near lo
 * (no cancellation of a large offset); a constant column has scale 0 and shift 0. */
static inline double map_value(const WsFeatures *f, int j, double x) {
  return (x - f->lo[j]) * f->scale[j] + f->shift[j];
}

/* The table of one row: B_p(t_j) at p n_raw + j, power by power across the columns (the
 * columns are independent, so each power is one vectorisable sweep).  B_{k+1} = a_k t B_k -
 * b_k B_{k-1} (f->rec: a_k, b_k; Chebyshev 2, 1; Legendre (2k + 1) / (k + 1), k / (k + 1),
 * Bonnet's recurrence with the division done once), or repeated products for monomials
 * (x^(k+1) = x^k x, as ws_kernels_poly_expand forms them). */
static void row_table(const WsFeatures *f, const double *x) {
  int n_raw = f->n_raw, D = f->degree;
  double *one = f->table, *t = f->table + n_raw;
  for (int j = 0; j < n_raw; j++)
    one[j] = 1.0;
  if (f->basis == WS_FEATURES_MONOMIAL) {
    for (int j = 0; j < n_raw; j++)
      t[j] = x[j];
    for (int k = 1; k < D; k++) {
      const double *bk = f->table + (int64_t)k * n_raw;
      double *next = f->table + (int64_t)(k + 1) * n_raw;
      for (int j = 0; j < n_raw; j++)
        next[j] = bk[j] * t[j];
    }
    return;
  }
  for (int j = 0; j < n_raw; j++)
    t[j] = map_value(f, j, x[j]);
  for (int k = 1; k < D; k++) {
    const double *bk = f->table + (int64_t)k * n_raw, *prev = bk - n_raw;
    double *next = f->table + (int64_t)(k + 1) * n_raw, a = f->rec[k], b = f->rec[D + k];
    for (int j = 0; j < n_raw; j++)
      next[j] = a * t[j] * bk[j] - b * prev[j];
  }
}

void ws_features_expand(WsFeatures *f, int64_t rows, const double *raw, double *out) {
  int n_raw = f->n_raw, D = f->degree, n = f->n;
  if (ws_features_identity(f)) {
    if (out != raw) memmove(out, raw, (size_t)rows * n_raw * sizeof *out);
    return;
  }
  if (f->terms == WS_FEATURES_SEPARATE && f->basis == WS_FEATURES_MONOMIAL) {
    ws_kernels_poly_expand(rows, n_raw, D, raw, out);
    return;
  }
  const double *tab = f->table;
  for (int64_t i = 0; i < rows; i++) {
    row_table(f, raw + i * n_raw);
    double *o = out + i * n;
    if (f->terms == WS_FEATURES_SEPARATE) {
      for (int j = 0; j < n_raw; j++)
        for (int p = 1; p <= D; p++)
          o[j * D + p - 1] = tab[(int64_t)p * n_raw + j];
      continue;
    }
    for (int t = 0; t < n; t++) {
      const int *fac = f->factor + (int64_t)t * D;
      double v = tab[fac[0]];
      for (int k = 1; k < f->nf[t]; k++)
        v *= tab[fac[k]];
      o[t] = v;
    }
  }
}

/* B_0 .. B_D of t in double-double. */
static void basis_values_dd(WsFeaturesBasis basis, double t, int degree, WsDD *out) {
  out[0] = ws_ddouble_from(1.0);
  if (basis == WS_FEATURES_MONOMIAL) {
    ws_ddouble_powers(t, degree, out + 1);
    return;
  }
  out[1] = ws_ddouble_from(t);
  for (int k = 1; k < degree; k++) {
    if (basis == WS_FEATURES_CHEBYSHEV) {
      out[k + 1] = ws_ddouble_add(ws_ddouble_mul_d(out[k], 2.0 * t), ws_ddouble_neg(out[k - 1]));
    } else {
      WsDD a = ws_ddouble_mul_d(ws_ddouble_mul_d(out[k], t), 2.0 * k + 1.0);
      WsDD b = ws_ddouble_mul_d(out[k - 1], -(double)k);
      out[k + 1] = ws_ddouble_div_d(ws_ddouble_add(a, b), k + 1.0);
    }
  }
}

void ws_features_expand_dd(const WsFeatures *f, const double *raw, WsDD *table, WsDD *out) {
  int n_raw = f->n_raw, D = f->degree;
  WsDD col[WS_FEATURES_MAX_DEGREE + 1];
  for (int j = 0; j < n_raw; j++) {
    double t = f->basis == WS_FEATURES_MONOMIAL ? raw[j] : map_value(f, j, raw[j]);
    basis_values_dd(f->basis, t, D, col);
    for (int p = 0; p <= D; p++)
      table[(int64_t)p * n_raw + j] = col[p];
  }
  for (int t = 0; t < f->n; t++) {
    const int *fac = f->factor + (int64_t)t * D;
    WsDD v = table[fac[0]];
    for (int k = 1; k < f->nf[t]; k++)
      v = ws_ddouble_mul(v, table[fac[k]]);
    out[t] = v;
  }
}

void ws_features_range(int64_t rows, int n_raw, const void *X, int is_f32, double *lo, double *hi) {
  for (int64_t i = 0; i < rows; i++)
    for (int j = 0; j < n_raw; j++) {
      double x =
          is_f32 ? (double)((const float *)X)[i * n_raw + j] : ((const double *)X)[i * n_raw + j];
      if (x < lo[j]) lo[j] = x;
      if (x > hi[j]) hi[j] = x;
    }
}
