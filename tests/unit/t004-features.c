/* Polynomial features (wshare/features.h) against naive formulas: the number and the graded
 * lexicographic order of the terms (brute-force enumeration of exponent tuples), the values
 * of every term in the monomial, Legendre and Chebyshev bases (powers, the explicit sum for
 * P_n, cos(n acos t) and cosh(n acosh t) for T_n, in long double), the map to [-1, 1] and a
 * constant column, in-place expansion, the double-double expansion, the range kernel and the
 * too-many-columns error. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "wshare/features.h"
#include "wshare/kernels.h"
#include "wshare/rng.h"

enum { MAXN = 4, MAXD = 9, ROWS = 23 };

static long double factorial(int k) {
  long double r = 1.0L;
  for (int i = 2; i <= k; i++)
    r *= i;
  return r;
}

/* The explicit sum P_n(t) = 2^-n sum_k (-1)^k C(n, k) C(2n - 2k, n) t^(n - 2k). */
static long double legendre(int n, long double t) {
  long double s = 0.0L;
  for (int k = 0; 2 * k <= n; k++)
    s += (k % 2 ? -1.0L : 1.0L) * factorial(2 * n - 2 * k) /
         (factorial(k) * factorial(n - k) * factorial(n - 2 * k)) * powl(t, n - 2 * k);
  return s / powl(2.0L, n);
}

static long double chebyshev(int n, long double t) {
  if (fabsl(t) <= 1.0L) return cosl(n * acosl(t));
  long double v = coshl(n * acoshl(fabsl(t)));
  return t < 0 && n % 2 ? -v : v;
}

static long double basis(WsFeaturesBasis b, int p, long double t) {
  return b == WS_FEATURES_MONOMIAL   ? powl(t, p)
         : b == WS_FEATURES_LEGENDRE ? legendre(p, t)
                                     : chebyshev(p, t);
}

/* Exponent tuples e (n_raw entries, 1 <= sum <= D) in graded lexicographic order, by brute
 * force: every tuple of 0..D, kept if its degree fits, then sorted by degree and descending
 * lexicographic order. */
static int cmp_n;
static int cmp_tuples(const void *a, const void *b) {
  const int *x = a, *y = b;
  int dx = 0, dy = 0;
  for (int j = 0; j < cmp_n; j++) {
    dx += x[j];
    dy += y[j];
  }
  if (dx != dy) return dx - dy;
  for (int j = 0; j < cmp_n; j++)
    if (x[j] != y[j]) return y[j] - x[j];
  return 0;
}

static int brute_total(int n_raw, int D, int *tuples) {
  int count = 0, e[MAXN] = {0};
  long total = 1;
  for (int j = 0; j < n_raw; j++)
    total *= D + 1;
  for (long code = 0; code < total; code++) {
    long c = code;
    int deg = 0;
    for (int j = 0; j < n_raw; j++) {
      e[j] = (int)(c % (D + 1));
      c /= D + 1;
      deg += e[j];
    }
    if (deg < 1 || deg > D) continue;
    memcpy(tuples + count * n_raw, e, (size_t)n_raw * sizeof *e);
    count++;
  }
  cmp_n = n_raw;
  qsort(tuples, (size_t)count, (size_t)n_raw * sizeof *tuples, cmp_tuples);
  return count;
}

/* The exponent tuple of term t. */
static void term_tuple(const WsFeatures *f, int t, int *e) {
  int cols[MAXD], pows[MAXD];
  int nf = ws_features_term(f, t, cols, pows);
  memset(e, 0, (size_t)f->n_raw * sizeof *e);
  for (int i = 0; i < nf; i++) {
    UNIT_CHECK(i == 0 || cols[i] > cols[i - 1], "term %d: factor columns not ascending", t);
    UNIT_CHECK(pows[i] >= 1, "term %d: factor of power %d", t, pows[i]);
    e[cols[i]] = pows[i];
  }
}

static void check_terms(void) {
  int tuples[5000 * MAXN], e[MAXN];
  for (int n_raw = 1; n_raw <= MAXN; n_raw++)
    for (int D = 1; D <= (n_raw <= 2 ? MAXD : 5); D++) {
      int count = brute_total(n_raw, D, tuples), n;
      UNIT_CHECK(!ws_features_count(n_raw, D, WS_FEATURES_TOTAL, &n) && n == count,
                 "total count of %d columns, degree %d: %d, enumerated %d", n_raw, D, n, count);
      WsFeatures *f = NULL;
      UNIT_CHECK(
          !ws_features_create(n_raw, D, WS_FEATURES_TOTAL, WS_FEATURES_MONOMIAL, NULL, NULL, &f),
          "create total %d %d", n_raw, D);
      for (int t = 0; t < n; t++) {
        term_tuple(f, t, e);
        UNIT_CHECK(memcmp(e, tuples + t * n_raw, (size_t)n_raw * sizeof *e) == 0,
                   "%d columns, degree %d: term %d out of graded lexicographic order", n_raw, D, t);
      }
      ws_features_destroy(&f);
      UNIT_CHECK(!ws_features_create(n_raw, D, WS_FEATURES_SEPARATE, WS_FEATURES_MONOMIAL, NULL,
                                     NULL, &f) &&
                     f->n == n_raw * D,
                 "separate %d %d", n_raw, D);
      for (int j = 0; j < n_raw; j++)
        for (int p = 1; p <= D; p++) {
          term_tuple(f, j * D + p - 1, e);
          for (int i = 0; i < n_raw; i++)
            UNIT_CHECK(e[i] == (i == j ? p : 0), "separate term %d is not x_%d^%d", j * D + p - 1,
                       j, p);
        }
      ws_features_destroy(&f);
      UNIT_CHECK(f == NULL, "destroy leaves the handle");
    }
  /* The README's example: x, z, D = 2 gives x, z, x^2, xz, z^2. */
  WsFeatures *f = NULL;
  ws_features_create(2, 2, WS_FEATURES_TOTAL, WS_FEATURES_MONOMIAL, NULL, NULL, &f);
  static const int want[5][2] = {{1, 0}, {0, 1}, {2, 0}, {1, 1}, {0, 2}};
  for (int t = 0; t < 5; t++) {
    term_tuple(f, t, e);
    UNIT_CHECK(e[0] == want[t][0] && e[1] == want[t][1], "x, z, D = 2: term %d is x^%d z^%d", t,
               e[0], e[1]);
  }
  ws_features_destroy(&f);
  int n = 0;
  UNIT_CHECK(!ws_features_count(2, 6, WS_FEATURES_TOTAL, &n) && n == 27, "2 columns, degree 6: %d",
             n);
  UNIT_CHECK(ws_features_count(10000, 10, WS_FEATURES_TOTAL, &n) == WS_ERR_INPUT &&
                 strcmp(ws_error_message(),
                        "--poly-terms total: 10000 columns to degree 10 give more than 2147483647 "
                        "model columns") == 0,
             "too many total terms: '%s'", ws_error_message());
  UNIT_CHECK(ws_features_count(1 << 26, 64, WS_FEATURES_SEPARATE, &n) == WS_ERR_INPUT,
             "too many separate terms accepted");
  UNIT_CHECK(ws_features_count(3, 65, WS_FEATURES_TOTAL, &n) == WS_ERR_INPUT, "degree 65 accepted");
}

/* Every term of every row against the naive product of basis values of the mapped x. */
static void check_values(int n_raw, int D, WsFeaturesTerms terms, WsFeaturesBasis b) {
  double raw[ROWS * MAXN], lo[MAXN], hi[MAXN];
  for (int j = 0; j < n_raw; j++) {
    lo[j] = -3.0 + j;
    hi[j] = j == 1 ? lo[j] : 2.5 + 2 * j; /* column 1 is constant */
  }
  for (int i = 0; i < ROWS; i++)
    for (int j = 0; j < n_raw; j++) {
      double u = ws_rng_uniform(7, (uint64_t)j, (uint64_t)i);
      /* Mostly inside [lo, hi], some rows outside (predict extrapolates). */
      raw[i * n_raw + j] = j == 1 ? lo[j] : lo[j] + (hi[j] - lo[j]) * (1.4 * u - 0.2);
    }
  raw[0] = lo[0];
  raw[n_raw] = hi[0];
  WsFeatures *f = NULL;
  UNIT_CHECK(!ws_features_create(n_raw, D, terms, b, lo, hi, &f), "create");
  int n = f->n;
  double *out = calloc((size_t)ROWS * n, sizeof *out);
  double *inplace = calloc((size_t)ROWS * n, sizeof *inplace);
  WsDD *dd = calloc((size_t)n, sizeof *dd), *table = calloc((size_t)n_raw * (D + 1), sizeof *table);
  ws_features_expand(f, ROWS, raw, out);
  /* In place: the raw rows at the tail of the output. */
  double *tail = inplace + (int64_t)ROWS * (n - n_raw);
  memcpy(tail, raw, sizeof(double) * ROWS * n_raw);
  ws_features_expand(f, ROWS, tail, inplace);
  UNIT_CHECK(memcmp(out, inplace, sizeof(double) * ROWS * n) == 0, "in-place expansion differs");
  /* The column's bounds map to -1 exactly and to 1 within an ulp (term 0 is x_0 itself:
   * B_1(t) = t). */
  if (b != WS_FEATURES_MONOMIAL)
    UNIT_CHECK(out[0] == -1.0 && fabs(out[n] - 1.0) <= 2.3e-16, "lo, hi map to %.17g, %.17g",
               out[0], out[n]);
  const char *bn = ws_features_basis_names()[b], *tn = ws_features_terms_names()[terms];
  int cols[MAXD], pows[MAXD];
  for (int i = 0; i < ROWS; i++) {
    ws_features_expand_dd(f, raw + i * n_raw, table, dd);
    for (int t = 0; t < n; t++) {
      int nf = ws_features_term(f, t, cols, pows);
      long double want = 1.0L;
      for (int k = 0; k < nf; k++) {
        /* The map is defined in double (README "Models"); the basis values from it are
         * the quantity checked. */
        double x = raw[i * n_raw + cols[k]], tt = x, l = lo[cols[k]], h = hi[cols[k]];
        if (b != WS_FEATURES_MONOMIAL) tt = h > l ? (x - l) * (2.0 / (h - l)) - 1.0 : 0.0;
        want *= basis(b, pows[k], tt);
      }
      /* Monomials of raw values up to ~9^9 are checked relatively; basis values of t in
       * about [-1.4, 1.4] absolutely at their size. */
      long double scale = fmaxl(1.0L, fabsl(want));
      double got = out[(int64_t)i * n + t];
      UNIT_CHECK(fabsl(got - want) <= 1e-13L * scale, "%s %s D=%d row %d term %d: %.17g vs %.17Lg",
                 tn, bn, D, i, t, got, want);
      /* Double-double is limited here by the long double reference (~1e-18); rounding to
       * double alone would be ~1e-16. */
      long double gdd = (long double)dd[t].hi + dd[t].lo;
      UNIT_CHECK(fabsl(gdd - want) <= 2e-17L * scale,
                 "%s %s D=%d row %d term %d (double-double): %.20Lg vs %.20Lg", tn, bn, D, i, t,
                 gdd, want);
    }
  }
  free(out);
  free(inplace);
  free(dd);
  free(table);
  ws_features_destroy(&f);
}

/* The table path (total terms of one column) gives the bits of the separate-monomial
 * expansion of the kernels, and the double-double path the bits of ws_ddouble_powers. */
static void check_bitwise(void) {
  enum { D = 7 };
  double raw[ROWS], a[ROWS * D], c[ROWS * D];
  for (int i = 0; i < ROWS; i++)
    raw[i] = 4.0 * ws_rng_normal(3, 0, (uint64_t)i);
  WsFeatures *f = NULL;
  ws_features_create(1, D, WS_FEATURES_TOTAL, WS_FEATURES_MONOMIAL, NULL, NULL, &f);
  ws_features_expand(f, ROWS, raw, a);
  ws_kernels_poly_expand(ROWS, 1, D, raw, c);
  UNIT_CHECK(memcmp(a, c, sizeof a) == 0, "total terms of one column differ from x, .., x^D");
  WsDD table[D + 1], dd[D], pw[D];
  for (int i = 0; i < ROWS; i++) {
    ws_features_expand_dd(f, raw + i, table, dd);
    ws_ddouble_powers(raw[i], D, pw);
    UNIT_CHECK(memcmp(dd, pw, sizeof dd) == 0, "double-double powers of row %d differ", i);
  }
  ws_features_destroy(&f);
}

static void check_range(void) {
  double X[6] = {1.0, -2.0, 3.0, 5.0, -4.0, 0.5}, lo[2] = {INFINITY, INFINITY},
         hi[2] = {-INFINITY, -INFINITY};
  float Xf[6];
  for (int i = 0; i < 6; i++)
    Xf[i] = (float)X[i];
  ws_features_range(3, 2, X, 0, lo, hi);
  UNIT_CHECK(lo[0] == -4.0 && hi[0] == 3.0 && lo[1] == -2.0 && hi[1] == 5.0, "range f64");
  double lf[2] = {0.0, 10.0}, hf[2] = {0.0, 10.0};
  ws_features_range(3, 2, Xf, 1, lf, hf);
  UNIT_CHECK(lf[0] == -4.0 && hf[0] == 3.0 && lf[1] == -2.0 && hf[1] == 10.0, "range f32");
  ws_features_range(0, 2, X, 0, lf, hf); /* no rows: unchanged */
  UNIT_CHECK(lf[0] == -4.0 && hf[1] == 10.0, "range of no rows");
}

int main(void) {
  unit_name = "t004-features";
  check_terms();
  for (int b = 0; b <= WS_FEATURES_CHEBYSHEV; b++)
    for (int terms = 0; terms <= 1; terms++)
      for (int n_raw = 1; n_raw <= 3; n_raw++)
        for (int D = 1; D <= (terms ? 6 : MAXD); D++)
          check_values(n_raw, D, (WsFeaturesTerms)terms, (WsFeaturesBasis)b);
  check_bitwise();
  check_range();
  UNIT_CHECK(strcmp(ws_features_basis_names()[WS_FEATURES_CHEBYSHEV], "chebyshev") == 0 &&
                 ws_features_basis_names()[3] == NULL &&
                 strcmp(ws_features_terms_names()[WS_FEATURES_TOTAL], "total") == 0,
             "names");
  return 0;
}
