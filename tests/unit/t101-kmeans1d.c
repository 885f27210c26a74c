/* Exact weighted 1-D k-means (wshare/kmeans1d.h) against independent computations:
 * brute force over every contiguous partition of the sorted values (n <= 12) and over every
 * set partition (n <= 8), and an exhaustive O(K n^2) programme with incremental (West)
 * segment costs for a few hundred values; all references in long double.  Then ties, zero
 * weights, tiny and constant inputs, large offsets, determinism under permutation, bad
 * input, and the growth of the work from n = 1e4 to 1e5.  Silent on success. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/kmeans1d.h"

#define MAXB 16 /* brute-force sizes */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("t101-kmeans1d: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void check_ok(WsErr err, const char *what) {
  if (err != WS_OK) fail("%s failed: %s", what, ws_error_message());
}

/* splitmix64 */
static double uniform(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

/* A random instance with repeated values (some exactly 0) and some zero weights. */
static void random_instance(uint64_t seed, int64_t n, double *x, double *h) {
  static const double pool[] = {-2.0, -1.0, 0.0, 0.5, 1.0, 3.0};
  uint64_t s = seed * 7919u + 17u;
  int unit = uniform(&s) < 0.2;
  for (int64_t j = 0; j < n; j++) {
    x[j] = uniform(&s) < 0.3 ? pool[(int)(uniform(&s) * 6)] : 6.0 * uniform(&s) - 3.0;
    h[j] = unit ? 1.0 : uniform(&s) < 0.15 ? 0.0 : 0.1 + 2.0 * uniform(&s);
  }
}

/* Weighted sum of squares of the listed members about their weighted mean (two-pass, the mean
 * shifted by the first member so that equal values give exactly 0). */
static long double group_cost(const double *x, const double *h, const int *mem, int cnt) {
  long double sw = 0, swu = 0, c = 0, x0 = cnt > 0 ? x[mem[0]] : 0;
  for (int t = 0; t < cnt; t++)
    sw += h[mem[t]], swu += h[mem[t]] * (x[mem[t]] - x0);
  if (sw == 0) return 0;
  long double mean = x0 + swu / sw;
  for (int t = 0; t < cnt; t++) {
    long double d = x[mem[t]] - mean;
    c += h[mem[t]] * d * d;
  }
  return c;
}

static long double zero_group_cost(const double *x, const double *h, const int *mem, int cnt) {
  long double c = 0;
  for (int t = 0; t < cnt; t++)
    c += (long double)h[mem[t]] * x[mem[t]] * x[mem[t]];
  return c;
}

/* best[f] = the least cost with exactly f free groups (and, with pin, at most one zero
 * group), over all contiguous partitions of the values sorted by x. */
static void brute_contiguous(int n, const double *x, const double *h, int pin, long double *best) {
  int idx[MAXB];
  for (int j = 0; j < n; j++)
    idx[j] = j;
  for (int a = 1; a < n; a++) /* insertion sort by x */
    for (int b = a; b > 0 && x[idx[b - 1]] > x[idx[b]]; b--) {
      int t = idx[b];
      idx[b] = idx[b - 1], idx[b - 1] = t;
    }
  for (int f = 0; f <= n; f++)
    best[f] = INFINITY;
  for (unsigned mask = 0; mask < (1u << (n - 1)); mask++) {
    int seg_start[MAXB + 1], s = 0;
    seg_start[s++] = 0;
    for (int c = 0; c < n - 1; c++)
      if (mask & (1u << c)) seg_start[s++] = c + 1;
    seg_start[s] = n;
    long double free_cost[MAXB], zc[MAXB], total = 0;
    for (int g = 0; g < s; g++) {
      free_cost[g] = group_cost(x, h, idx + seg_start[g], seg_start[g + 1] - seg_start[g]);
      zc[g] = zero_group_cost(x, h, idx + seg_start[g], seg_start[g + 1] - seg_start[g]);
      total += free_cost[g];
    }
    if (total < best[s]) best[s] = total;
    for (int z = 0; pin && z < s; z++) {
      long double c = total - free_cost[z] + zc[z];
      if (c < best[s - 1]) best[s - 1] = c;
    }
  }
}

/* The same over every set partition (restricted growth strings), n <= 8. */
static void brute_sets(int n, const double *x, const double *h, int pin, long double *best) {
  int a[MAXB] = {0}, mx[MAXB] = {0};
  for (int f = 0; f <= n; f++)
    best[f] = INFINITY;
  for (;;) {
    int b = mx[n - 1] + 1, mem[MAXB][MAXB], cnt[MAXB] = {0};
    for (int j = 0; j < n; j++)
      mem[a[j]][cnt[a[j]]++] = j;
    long double free_cost[MAXB], total = 0;
    for (int g = 0; g < b; g++)
      total += free_cost[g] = group_cost(x, h, mem[g], cnt[g]);
    if (total < best[b]) best[b] = total;
    for (int z = 0; pin && z < b; z++) {
      long double c = total - free_cost[z] + zero_group_cost(x, h, mem[z], cnt[z]);
      if (c < best[b - 1]) best[b - 1] = c;
    }
    int j = n - 1; /* next string: a[j] <= max(a[0..j-1]) + 1 */
    while (j > 0 && a[j] == mx[j - 1] + 1)
      j--;
    if (j == 0) return;
    a[j]++;
    mx[j] = a[j] > mx[j - 1] ? a[j] : mx[j - 1];
    for (int t = j + 1; t < n; t++)
      a[t] = 0, mx[t] = mx[j];
  }
}

static int64_t count_distinct(int64_t n, const double *x) {
  double *s = malloc((size_t)(n > 0 ? n : 1) * sizeof(*s));
  memcpy(s, x, (size_t)n * sizeof(*s));
  int64_t m = 0;
  for (int64_t a = 0; a < n; a++) { /* O(n^2) but independent of the library's sort */
    int seen = 0;
    for (int64_t b = 0; b < a && !seen; b++)
      seen = s[b] == s[a];
    m += !seen;
  }
  free(s);
  return m;
}

/* Scale for the absolute part of the tolerance: the library's prefix sums of h (x - r)^2 (r
 * a value of the data) carry a rounding error of about n 2^-104 times their total, which is
 * at most sum h range^2. */
static long double total_scale(int64_t n, const double *x, const double *h) {
  long double lo = INFINITY, hi = -INFINITY, s = 0;
  for (int64_t j = 0; j < n; j++)
    lo = fminl(lo, x[j]), hi = fmaxl(hi, x[j]);
  for (int64_t j = 0; j < n; j++)
    s += h[j] * (hi - lo) * (hi - lo);
  return s;
}

static int close_cost(long double got, long double want, long double scale) {
  return fabsl(got - want) <= 1e-12L * fabsl(want) + 1e-28L * scale;
}

/* Checks the labels of one K: structure (labels in range, every free cluster non-empty,
 * order by value, equal values together, centres strictly ascending and equal to their
 * members' means) and returns the labelling's cost, each cluster about its members' mean in
 * long double (the reported centres are doubles: at 1e8 their rounding alone moves the cost
 * of a 1e-3 spread by 1e-9 relative). */
static long double check_labels(const char *what, int64_t n, const double *x, const double *h,
                                int k, int pin, int64_t m, const int *lab, const double *cen,
                                int used) {
  int64_t want_used = k < m ? k : m;
  if (used != want_used)
    fail("%s K=%d: %d clusters used, want %lld", what, k, used, (long long)want_used);
  long double *sw = calloc((size_t)used + 1, sizeof(long double));
  long double *swx = calloc((size_t)used + 1, sizeof(long double));
  long double *cnt = calloc((size_t)used + 1, sizeof(long double));
  long double *sx = calloc((size_t)used + 1, sizeof(long double));
  long double *x0 = calloc((size_t)used + 1, sizeof(long double));
  double *lo = malloc(((size_t)used + 1) * sizeof(double)),
         *hi = malloc(((size_t)used + 1) * sizeof(double));
  for (int c = 0; c < used; c++)
    lo[c] = INFINITY, hi[c] = -INFINITY;
  for (int64_t j = 0; j < n; j++) {
    int l = lab[j];
    if (l == WS_KMEANS1D_ZERO && pin) continue;
    if (l < 0 || l >= used)
      fail("%s K=%d: label %d of value %lld out of range", what, k, l, (long long)j);
    if (cnt[l] == 0) x0[l] = x[j]; /* shift: equal values give exactly their value */
    sw[l] += h[j], swx[l] += h[j] * (x[j] - x0[l]), cnt[l] += 1, sx[l] += x[j] - x0[l];
    lo[l] = fmin(lo[l], x[j]), hi[l] = fmax(hi[l], x[j]);
  }
  for (int64_t a = 0; a < n; a++)
    for (int64_t b = 0; b < n && n <= 2000; b++) {
      if (x[a] == x[b] && lab[a] != lab[b])
        fail("%s K=%d: equal values in different clusters", what, k);
      if (x[a] < x[b] && lab[a] >= 0 && lab[b] >= 0 && lab[a] > lab[b])
        fail("%s K=%d: labels not in value order", what, k);
    }
  for (int c = 0; c < used; c++) {
    if (cnt[c] == 0) fail("%s K=%d: free cluster %d is empty", what, k, c);
    if (c > 0 && !(cen[c] > cen[c - 1])) fail("%s K=%d: centres not strictly ascending", what, k);
    long double mean = x0[c] + (sw[c] > 0 ? swx[c] / sw[c] : sx[c] / cnt[c]);
    long double tol = 4 * DBL_EPSILON * fabsl(mean) + 1e-12L * (hi[c] - lo[c]);
    if (fabsl(cen[c] - mean) > tol)
      fail("%s K=%d: centre %d = %.17g, members' mean %.17Lg", what, k, c, cen[c], mean);
    sx[c] = mean;
  }
  long double cost = 0;
  for (int64_t j = 0; j < n; j++) {
    long double d = lab[j] == WS_KMEANS1D_ZERO ? x[j] : x[j] - sx[lab[j]];
    cost += h[j] * d * d;
  }
  free(sw), free(swx), free(cnt), free(sx), free(x0), free(lo), free(hi);
  return cost;
}

/* The programme against best[f] (exact f free groups) for every K up to k_max. */
static void check_against(const char *what, int64_t n, const double *x, const double *h, int k_max,
                          int pin, const long double *best) {
  WsKmeans1d *p = NULL;
  check_ok(ws_kmeans1d_create(n, x, h, k_max, pin, &p), what);
  int64_t m = count_distinct(n, x);
  if (ws_kmeans1d_distinct(p) != m)
    fail("%s: %lld distinct values, want %lld", what, (long long)ws_kmeans1d_distinct(p),
         (long long)m);
  long double scale = total_scale(n, x, h), opt = INFINITY, prev = INFINITY;
  int *lab = malloc((size_t)n * sizeof(int));
  double *cen = malloc((size_t)k_max * sizeof(double));
  for (int k = 1; k <= k_max; k++) {
    for (int f = 0; f <= k && f <= n; f++)
      opt = fminl(opt, best[f]); /* at most k free */
    double cost;
    int used;
    check_ok(ws_kmeans1d_cost(p, k, &cost), what);
    if (!close_cost(cost, opt, scale))
      fail("%s pin=%d K=%d: cost %.17g, brute force %.17Lg", what, pin, k, cost, opt);
    if (!close_cost(fminl(cost, prev), cost, scale))
      fail("%s pin=%d K=%d: cost increased with K", what, pin, k);
    prev = cost;
    check_ok(ws_kmeans1d_labels(p, k, lab, cen, &used), what);
    long double lc = check_labels(what, n, x, h, k, pin, m, lab, cen, used);
    if (!close_cost(lc, opt, scale))
      fail("%s pin=%d K=%d: labels cost %.17Lg, brute force %.17Lg", what, pin, k, lc, opt);
    if (k >= m && cost != 0.0)
      fail("%s K=%d >= %lld distinct: cost %g, want 0", what, k, (long long)m, cost);
  }
  free(lab), free(cen);
  ws_kmeans1d_destroy(&p);
  if (p) fail("destroy did not clear the handle");
}

static void check_brute(const char *what, int n, const double *x, const double *h, int k_max) {
  long double best[MAXB + 1];
  for (int pin = 0; pin <= 1; pin++) {
    brute_contiguous(n, x, h, pin, best);
    check_against(what, n, x, h, k_max, pin, best);
    if (n <= 8) {
      long double sets[MAXB + 1], at_most_sets = INFINITY, at_most_cont = INFINITY;
      brute_sets(n, x, h, pin, sets);
      for (int f = 0; f <= n; f++) { /* contiguity: no set partition beats the contiguous ones */
        at_most_sets = fminl(at_most_sets, sets[f]), at_most_cont = fminl(at_most_cont, best[f]);
        if (at_most_sets < at_most_cont * (1 - 1e-15L) - 1e-28L * total_scale(n, x, h))
          fail("%s pin=%d: a set partition with <= %d groups beats the contiguous ones", what, pin,
               f);
      }
      check_against(what, n, x, h, k_max, pin, sets);
    }
  }
}

static void test_brute_random(void) {
  double x[MAXB], h[MAXB];
  char what[64];
  for (int n = 1; n <= 12; n++)
    for (uint64_t seed = 0; seed < (n <= 8 ? 60u : 25u); seed++) {
      random_instance(seed + 1000u * (uint64_t)n, n, x, h);
      snprintf(what, sizeof what, "random n=%d seed=%llu", n, (unsigned long long)seed);
      check_brute(what, n, x, h, n + 2);
    }
}

/* West's incremental weighted mean and sum of squares: cost[j][i] of sorted [j, i). */
static void west_costs(int n, const double *x, const double *h, long double *c, long double *z) {
  for (int j = 0; j < n; j++) {
    long double sw = 0, mean = 0, m2 = 0, zz = 0;
    for (int i = j + 1; i <= n; i++) {
      double xv = x[i - 1], w = h[i - 1];
      zz += (long double)w * xv * xv;
      if (w > 0) {
        long double sw_new = sw + w, delta = xv - mean;
        mean += delta * w / sw_new;
        m2 += w * delta * (xv - mean);
        sw = sw_new;
      }
      c[(size_t)j * (n + 1) + i] = m2;
      z[(size_t)j * (n + 1) + i] = zz;
    }
  }
}

static int cmp_pair(const void *a, const void *b) {
  const double *p = a, *q = b;
  return (p[0] > q[0]) - (p[0] < q[0]);
}

/* Exhaustive dynamic programme, every split tried (no monotonicity assumed). */
static void test_exhaustive_dp(void) {
  const int k_max = 24;
  for (int trial = 0; trial < 4; trial++) {
    int n = 150 + 80 * trial;
    double *pair = malloc((size_t)n * 2 * sizeof(double)), *x = malloc((size_t)n * sizeof(double)),
           *h = malloc((size_t)n * sizeof(double));
    random_instance(77u + (uint64_t)trial, n, x, h);
    for (int j = 0; j < n; j++)
      pair[2 * j] = x[j], pair[2 * j + 1] = h[j];
    qsort(pair, (size_t)n, 2 * sizeof(double), cmp_pair);
    for (int j = 0; j < n; j++)
      x[j] = pair[2 * j], h[j] = pair[2 * j + 1];
    size_t cells = (size_t)(n + 1) * (size_t)(n + 1);
    long double *c = calloc(cells, sizeof(long double)), *z = calloc(cells, sizeof(long double));
    west_costs(n, x, h, c, z);
    long double *f = malloc((size_t)(k_max + 1) * (n + 1) * sizeof(long double));
    long double *g = malloc((size_t)(k_max + 1) * (n + 1) * sizeof(long double));
    long double best[2][64];
    for (int i = 0; i <= n; i++)
      f[i] = i == 0 ? 0 : INFINITY, g[i] = z[i]; /* G_0: all zero */
    for (int k = 1; k <= k_max; k++) {
      long double *fk = f + (size_t)k * (n + 1), *fp = fk - (n + 1);
      long double *gk = g + (size_t)k * (n + 1), *gp = gk - (n + 1);
      for (int i = 0; i <= n; i++) {
        fk[i] = gk[i] = INFINITY;
        for (int j = 0; j < i; j++) {
          fk[i] = fminl(fk[i], fp[j] + c[(size_t)j * (n + 1) + i]);
          gk[i] = fminl(gk[i], gp[j] + c[(size_t)j * (n + 1) + i]);
        }
      }
      for (int i = 0; i <= n; i++)
        for (int j = 0; j <= i; j++)
          gk[i] = fminl(gk[i], fk[j] + (j == i ? 0 : z[(size_t)j * (n + 1) + i]));
      best[0][k] = fk[n], best[1][k] = gk[n];
    }
    /* check_against wants the cost per exact free count: the programme's values are
     * already the optimum for exactly k groups of the sorted items. */
    for (int pin = 0; pin <= 1; pin++) {
      long double bf[64];
      bf[0] = pin ? g[n] : INFINITY;
      for (int k = 1; k <= k_max; k++)
        bf[k] = best[pin][k];
      char what[64];
      snprintf(what, sizeof what, "exhaustive DP n=%d", n);
      check_against(what, n, x, h, k_max, pin, bf);
    }
    free(pair), free(x), free(h), free(c), free(z), free(f), free(g);
  }
}

static void test_special(void) {
  {
    double x[] = {2.0}, h[] = {3.0};
    check_brute("n=1", 1, x, h, 5);
  }
  {
    double x[] = {1.5, 1.5, 1.5, 1.5, 1.5}, h[] = {1, 2, 0, 1, 4};
    check_brute("constant", 5, x, h, 4);
  }
  {
    double x[] = {1, 1, 2, 2, 2, 5, 5, -1, -1, 0, 0}, h[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    check_brute("ties", 11, x, h, 8);
  }
  {
    double x[] = {0.3, -1.0, 2.0, 2.5, 0.0, 7.0, -3.0}, h[] = {0, 1, 0, 2, 0, 0, 1};
    check_brute("zero weights", 7, x, h, 9);
  }
  {
    double x[] = {0.3, -1.0, 2.0, 2.5}, h[] = {0, 0, 0, 0};
    check_brute("all weights zero", 4, x, h, 5);
  }
  {
    double x[] = {0.0, -0.0, 0.0, 4.0, 4.0}, h[] = {1, 1, 1, 1, 1};
    check_brute("signed zeros", 5, x, h, 3);
  }
  {
    double x[] = {0.7, -0.2, 1.1}, h[] = {1, 2, 3};
    check_brute("K_max > n", 3, x, h, 10);
  }
  { /* the documented tie rules, on exact ties made with zero weights */
    const double x[] = {1, 2, 3}, h[] = {1, 0, 1};
    int lab[3], want_free[] = {0, 1, 1}, want_zero[] = {0, WS_KMEANS1D_ZERO};
    WsKmeans1d *p = NULL;
    check_ok(ws_kmeans1d_create(3, x, h, 2, 0, &p), "tie rule");
    check_ok(ws_kmeans1d_labels(p, 2, lab, NULL, NULL), "tie rule");
    if (memcmp(lab, want_free, sizeof want_free))
      fail("tie rule: {1, 2 (h=0), 3} in 2 clusters gave labels %d %d %d, want 0 1 1", lab[0],
           lab[1], lab[2]);
    ws_kmeans1d_destroy(&p);
    check_ok(ws_kmeans1d_create(2, x, h, 1, 1, &p), "tie rule");
    check_ok(ws_kmeans1d_labels(p, 1, lab, NULL, NULL), "tie rule");
    if (memcmp(lab, want_zero, sizeof want_zero))
      fail("tie rule: {1, 2 (h=0)} in 1 cluster + zero gave labels %d %d, want 0 -2", lab[0],
           lab[1]);
    ws_kmeans1d_destroy(&p);
  }
  /* Large offset relative to the spread: plain double prefix sums lose every digit here,
   * shown by computing them, so the test is known to be sensitive. */
  for (int wide = 0; wide <= 1; wide++) {
    double x[12], h[12];
    uint64_t s = 99u + (uint64_t)wide;
    for (int j = 0; j < 12; j++) {
      x[j] = wide ? (j % 2 ? 1e8 : 0.0) + uniform(&s) : 1e8 + 1e-3 * uniform(&s);
      h[j] = 0.5 + uniform(&s);
    }
    double s0 = 0, s1 = 0, s2 = 0;
    for (int j = 0; j < 12; j++)
      s0 += h[j], s1 += h[j] * x[j], s2 += h[j] * x[j] * x[j];
    int all[12];
    for (int j = 0; j < 12; j++)
      all[j] = j;
    long double c1 = group_cost(x, h, all, 12), naive = s2 - s1 * s1 / s0;
    if (!wide && fabsl(naive - c1) < 1e-3L * c1)
      fail("large offset: the naive sum is accurate, the test is too easy");
    check_brute(wide ? "two clusters 1e8 apart" : "offset 1e8, spread 1e-3", 12, x, h, 8);
  }
}

static int64_t evaluations_for(int64_t n, int k_max) {
  double *x = malloc((size_t)n * sizeof(double)), *h = malloc((size_t)n * sizeof(double));
  uint64_t s = (uint64_t)n;
  for (int64_t j = 0; j < n; j++)
    x[j] = uniform(&s) * 10.0 - 5.0, h[j] = 0.1 + uniform(&s);
  WsKmeans1d *p = NULL;
  check_ok(ws_kmeans1d_create(n, x, h, k_max, 0, &p), "scaling");
  int64_t e = ws_kmeans1d_evaluations(p);
  ws_kmeans1d_destroy(&p);
  free(x), free(h);
  return e;
}

static void test_scaling(void) {
  int64_t e4 = evaluations_for(10000, 64), e5 = evaluations_for(100000, 64);
  if (e4 <= 0 || (double)e5 / (double)e4 > 15.0)
    fail("scaling: %lld segment evaluations at n=1e4, %lld at 1e5 (ratio %.2f > 15)", (long long)e4,
         (long long)e5, (double)e5 / (double)e4);
}

static void test_determinism(void) {
  const int64_t n = 3000;
  const int k_max = 20;
  double *x = malloc(n * sizeof(double)), *h = malloc(n * sizeof(double));
  double *xp = malloc(n * sizeof(double)), *hp = malloc(n * sizeof(double));
  int64_t *perm = malloc(n * sizeof(int64_t));
  int *l0 = malloc(n * sizeof(int)), *l1 = malloc(n * sizeof(int)), *l2 = malloc(n * sizeof(int));
  double c0[32], c1[32], c2[32];
  random_instance(4242u, n, x, h);
  for (int64_t j = 0; j < n; j += 97)
    x[j] = 0.0; /* some zeros, given as -0 below */
  uint64_t s = 5u;
  for (int64_t j = 0; j < n; j++)
    perm[j] = j;
  for (int64_t j = n - 1; j > 0; j--) {
    int64_t r = (int64_t)(uniform(&s) * (double)(j + 1)), t = perm[j];
    perm[j] = perm[r], perm[r] = t;
  }
  for (int64_t q = 0; q < n; q++) {
    xp[q] = x[perm[q]] == 0.0 ? -0.0 : x[perm[q]];
    hp[q] = h[perm[q]];
  }
  for (int pin = 0; pin <= 1; pin++) {
    WsKmeans1d *a = NULL, *b = NULL, *c = NULL;
    check_ok(ws_kmeans1d_create(n, x, h, k_max, pin, &a), "determinism");
    check_ok(ws_kmeans1d_create(n, x, h, k_max, pin, &b), "determinism");
    check_ok(ws_kmeans1d_create(n, xp, hp, k_max, pin, &c), "determinism");
    for (int k = 1; k <= k_max; k++) {
      double ca, cb, cc;
      check_ok(ws_kmeans1d_cost(a, k, &ca), "cost");
      check_ok(ws_kmeans1d_cost(b, k, &cb), "cost");
      check_ok(ws_kmeans1d_cost(c, k, &cc), "cost");
      if (memcmp(&ca, &cb, sizeof ca) || memcmp(&ca, &cc, sizeof ca))
        fail("determinism pin=%d K=%d: costs differ (%.17g %.17g %.17g)", pin, k, ca, cb, cc);
      check_ok(ws_kmeans1d_labels(a, k, l0, c0, NULL), "labels");
      check_ok(ws_kmeans1d_labels(b, k, l1, c1, NULL), "labels");
      check_ok(ws_kmeans1d_labels(c, k, l2, c2, NULL), "labels");
      for (int64_t q = 0; q < n; q++)
        if (l0[q] != l1[q] || l2[q] != l0[perm[q]])
          fail("determinism pin=%d K=%d: labels differ at %lld", pin, k, (long long)q);
      if (memcmp(c0, c1, (size_t)k * sizeof(double)) || memcmp(c0, c2, (size_t)k * sizeof(double)))
        fail("determinism pin=%d K=%d: centres differ", pin, k);
    }
    ws_kmeans1d_destroy(&a), ws_kmeans1d_destroy(&b), ws_kmeans1d_destroy(&c);
  }
  free(x), free(h), free(xp), free(hp), free(perm), free(l0), free(l1), free(l2);
}

static void expect_input_error(WsErr err, WsKmeans1d *p, const char *needle, const char *what) {
  if (err != WS_ERR_INPUT) fail("%s: error code %d, want %d", what, (int)err, (int)WS_ERR_INPUT);
  if (p) fail("%s: a handle was returned", what);
  if (!strstr(ws_error_message(), needle))
    fail("%s: message \"%s\" does not name \"%s\"", what, ws_error_message(), needle);
}

static void test_errors(void) {
  double x[] = {1, 2, 3, 4}, h[] = {1, 1, 1, 1};
  WsKmeans1d *p = NULL;
  h[2] = -1.0;
  expect_input_error(ws_kmeans1d_create(4, x, h, 3, 0, &p), p, "importance 2 is -1", "negative h");
  h[2] = INFINITY;
  expect_input_error(ws_kmeans1d_create(4, x, h, 3, 1, &p), p, "importance 2 is inf", "infinite h");
  h[2] = 1.0, x[1] = NAN;
  expect_input_error(ws_kmeans1d_create(4, x, h, 3, 0, &p), p, "value 1 is nan", "NaN x");
  x[1] = 1e200;
  expect_input_error(ws_kmeans1d_create(4, x, h, 3, 0, &p), p, "too large", "overflowing x");
  x[1] = 2.0;
  expect_input_error(ws_kmeans1d_create(4, x, h, 0, 0, &p), p, "must be >= 1", "k_max = 0");
  check_ok(ws_kmeans1d_create(4, x, NULL, 3, 0, &p), "h = NULL");
  double c;
  int lab[4];
  if (ws_kmeans1d_cost(p, 4, &c) != WS_ERR_INPUT ||
      ws_kmeans1d_labels(p, 0, lab, NULL, NULL) != WS_ERR_INPUT)
    fail("K outside 1 .. k_max accepted");
  check_ok(ws_kmeans1d_cost(p, 2, &c), "cost");
  if (fabs(c - 1.0) > 1e-15) fail("unit weights {1,2,3,4}, K=2: cost %.17g, want 1", c);
  ws_kmeans1d_destroy(&p);
  ws_kmeans1d_destroy(&p); /* NULL is accepted */
  int used = -1;           /* no values at all: legal, cost 0, no clusters */
  check_ok(ws_kmeans1d_create(0, NULL, NULL, 2, 1, &p), "n = 0");
  check_ok(ws_kmeans1d_cost(p, 2, &c), "cost");
  check_ok(ws_kmeans1d_labels(p, 2, NULL, NULL, &used), "labels");
  if (c != 0.0 || used != 0) fail("n = 0: cost %g and %d clusters, want 0 and 0", c, used);
  ws_kmeans1d_destroy(&p);
  ws_kmeans1d_destroy(NULL);
}

int main(void) {
  test_errors();
  test_special();
  test_brute_random();
  test_exhaustive_dp();
  test_determinism();
  test_scaling();
  return 0;
}
