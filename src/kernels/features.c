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
    f->factor[(int64_t)t * D + nf++] = idx[i] * (D + 1) + (j - i);
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
  int ok = f->nf && f->factor && f->table;
  if (ok && basis != WS_FEATURES_MONOMIAL) {
    f->lo = ws_memory_calloc((size_t)n_raw, sizeof *f->lo);
    f->hi = ws_memory_calloc((size_t)n_raw, sizeof *f->hi);
    ok = f->lo && f->hi;
    if (ok) {
      memcpy(f->lo, lo, (size_t)n_raw * sizeof *lo);
      memcpy(f->hi, hi, (size_t)n_raw * sizeof *hi);
    }
  }
  if (!ok) {
    ws_features_destroy(&f);
    return ws_error_trace(WS_ERR_RUNTIME, __FILE__, __LINE__, __func__);
  }
  if (terms == WS_FEATURES_TOTAL) {
    total_terms(f);
  } else {
    for (int j = 0; j < n_raw; j++)
      for (int p = 1; p <= degree; p++) {
        f->nf[j * degree + p - 1] = 1;
        f->factor[(int64_t)(j * degree + p - 1) * degree] = j * (degree + 1) + p;
      }
  }
  *out = f;
  return WS_OK;
}

void ws_features_destroy(WsFeatures **f) {
  if (!f || !*f) return;
  free((*f)->lo);
  free((*f)->hi);
  free((*f)->nf);
  free((*f)->factor);
  free((*f)->table);
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
    cols[i] = e / (D + 1);
    pows[i] = e % (D + 1);
  }
  return f->nf[t];
}

/* The mapped value: division rather than a precomputed scale, so that lo and hi map to
 * -1 and 1 exactly. */
static double map_value(const WsFeatures *f, int j, double x) {
  if (f->basis == WS_FEATURES_MONOMIAL) return x;
  double width = f->hi[j] - f->lo[j];
  return width > 0.0 ? 2.0 * (x - f->lo[j]) / width - 1.0 : 0.0;
}

void ws_features_basis_values(WsFeaturesBasis basis, double t, int degree, double *out) {
  out[0] = 1.0;
  out[1] = t;
  for (int k = 1; k < degree; k++) {
    if (basis == WS_FEATURES_MONOMIAL)
      out[k + 1] = out[k] * t;
    else if (basis == WS_FEATURES_CHEBYSHEV)
      out[k + 1] = 2.0 * t * out[k] - out[k - 1];
    else /* Bonnet: (k + 1) P_{k+1} = (2k + 1) t P_k - k P_{k-1} */
      out[k + 1] = ((2.0 * k + 1.0) * t * out[k] - k * out[k - 1]) / (k + 1.0);
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
  for (int64_t i = 0; i < rows; i++) {
    const double *x = raw + i * n_raw;
    for (int j = 0; j < n_raw; j++)
      ws_features_basis_values(f->basis, map_value(f, j, x[j]), D, f->table + (int64_t)j * (D + 1));
    double *o = out + i * n;
    for (int t = 0; t < n; t++) {
      const int *fac = f->factor + (int64_t)t * D;
      double v = f->table[fac[0]];
      for (int k = 1; k < f->nf[t]; k++)
        v *= f->table[fac[k]];
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
  int D = f->degree;
  for (int j = 0; j < f->n_raw; j++)
    basis_values_dd(f->basis, map_value(f, j, raw[j]), D, table + (int64_t)j * (D + 1));
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
