/* Reproducible summation (repro_sum.h): every order and grouping of the same multiset
 * gives the same bytes; the value is within the documented bound of the exact sum (an
 * independent exact reference: Shewchuk's nonoverlapping partials, rounded like fsum);
 * special values.  Silent on success; one line and exit 1 on failure. */
#include "wshare/repro_sum.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    fprintf(stderr, "t201-repro-sum: " __VA_ARGS__);                                               \
    fputc('\n', stderr);                                                                           \
    exit(1);                                                                                       \
  } while (0)
#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) FAIL(__VA_ARGS__);                                                                \
  } while (0)

/* Counter-based bits (splitmix64 of seed and index), so every case can be replayed. */
static uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static uint64_t bits_at(uint64_t seed, uint64_t index) {
  return mix(mix(seed) ^ index);
}
static uint64_t below(uint64_t seed, uint64_t index, uint64_t n) {
  return bits_at(seed, index) % n;
}

static double from_bits(uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}
static uint64_t to_bits(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
static int same(double a, double b) {
  return (isnan(a) && isnan(b)) || to_bits(a) == to_bits(b);
}

/* ---- Exact reference: nonoverlapping partials in increasing magnitude (valid while no
 * partial overflows, which the generators below respect). ---- */
enum { PARTIALS_MAX = 256 };
typedef struct {
  double p[PARTIALS_MAX];
  int n;
} Exact;

static void exact_add(Exact *e, double x) {
  int i = 0;
  for (int j = 0; j < e->n; j++) {
    double y = e->p[j];
    if (fabs(x) < fabs(y)) {
      double t = x;
      x = y;
      y = t;
    }
    double hi = x + y;
    double lo = y - (hi - x);
    if (lo != 0.0) e->p[i++] = lo;
    x = hi;
  }
  CHECK(i < PARTIALS_MAX, "reference expansion overflowed");
  e->p[i++] = x;
  e->n = i;
}

/* The exact sum correctly rounded to nearest (the final step of Python's fsum). */
static double exact_round(const Exact *e) {
  int n = e->n;
  if (n == 0) return 0.0;
  double hi = e->p[--n], lo = 0.0;
  while (n > 0) {
    double x = hi, y = e->p[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0.0) break;
  }
  if (n > 0 && ((lo < 0 && e->p[n - 1] < 0) || (lo > 0 && e->p[n - 1] > 0))) {
    double y = lo * 2, x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

/* ---- Term generators: each returns term i of a multiset of kind k. ---- */
enum { KINDS = 8 };

static double random_double(uint64_t seed, uint64_t i, int field_lo, int field_hi) {
  uint64_t r = bits_at(seed, 3 * i);
  uint64_t field = (uint64_t)field_lo + below(seed, 3 * i + 1, (uint64_t)(field_hi - field_lo + 1));
  return from_bits((r & 0x800fffffffffffffULL) | field << 52);
}

static double term(int kind, uint64_t seed, uint64_t i) {
  switch (kind) {
  case 0: /* one scale, random signs: the typical chunk sums of a gradient entry */
    return random_double(seed, i, 1021, 1025);
  case 1: /* the whole range, subnormals included (values below 2^1008: no overflow) */
    return random_double(seed, i, 0, 2030);
  case 2: /* 1e300 with 1e-300 and 1 */
    return (i % 3 == 0   ? 1e300
            : i % 3 == 1 ? 1e-300
                         : 1.0) *
           (1.0 + (double)(i % 7) / 8) * ((bits_at(seed, i) & 1) ? -1 : 1);
  case 3: /* equal-and-opposite pairs plus a few small terms: the sum is the small ones */
    if (i % 16 == 15) return random_double(seed, i, 980, 990);
    return (i & 1 ? -1 : 1) * fabs(random_double(seed, i / 2, 1000, 1060));
  case 4: /* near-cancellation: pairs a, -(a + a 2^-40 r) */
  {
    double a = random_double(seed, i / 2, 1015, 1030);
    if (i % 2 == 0) return a;
    return -(a + a * 0x1p-40 * ((double)(bits_at(seed, i) >> 11) * 0x1p-53));
  }
  case 5: /* tiny only (|x| < 2^-978): the window is at the bottom, nothing is dropped */
    return random_double(seed, i, 0, 44);
  case 6: /* exponents within 10 of each other: nothing is dropped */
    return random_double(seed, i, 1300, 1310);
  default: /* zeros of both signs, subnormals, and ordinary values mixed */
  {
    uint64_t r = below(seed, i, 4);
    if (r == 0) return (bits_at(seed, i + 77) & 1) ? -0.0 : 0.0;
    if (r == 1) return random_double(seed, i, 0, 0);
    return random_double(seed, i, 900, 1100);
  }
  }
}

/* ---- The bound of repro_sum.h, and ordinary summation's, checked against the exact sum. ---- */
static void check_accuracy(const double *x, int64_t n, double got, const char *what) {
  Exact e = {.n = 0};
  double maxabs = 0, sumabs = 0;
  int dropped_possible = 0;
  for (int64_t i = 0; i < n; i++) {
    exact_add(&e, x[i]);
    if (fabs(x[i]) > maxabs) maxabs = fabs(x[i]);
    sumabs += fabs(x[i]);
  }
  for (int64_t i = 0; i < n; i++)
    if (x[i] != 0 && fabs(x[i]) < 0x1p-11 * maxabs) dropped_possible = 1;
  if (maxabs < 0x1p-978) dropped_possible = 0;
  double want = exact_round(&e);
  if (!dropped_possible)
    CHECK(same(got, want), "%s: %a is not the correctly rounded exact sum %a (n=%lld)", what, got,
          want, (long long)n);
  /* got - S exactly, then rounded: the error itself to within a relative 2^-53. */
  exact_add(&e, -got);
  double err = fabs(exact_round(&e));
  double bound = 0x1p-53 * fabs(want) * (1 + 0x1p-52) + 0x1p-63 * (double)n * maxabs;
  CHECK(err <= bound * (1 + 0x1p-40), "%s: error %a above the bound %a (n=%lld)", what, err, bound,
        (long long)n);
  if (n >= 3)
    CHECK(err <= (double)(n - 1) * 0x1p-53 * sumabs * (1 + 0x1p-40),
          "%s: error %a above ordinary summation's bound (n=%lld)", what, err, (long long)n);
}

/* ---- Orders and groupings: E entries, each with its own multiset of n terms. ---- */
static void check_orders(uint64_t seed, int64_t n, int64_t E) {
  double *x = malloc((size_t)(n * E) * sizeof *x); /* row i = the i-th term of every entry */
  double *col = malloc((size_t)n * sizeof *col);
  int64_t *perm = malloc((size_t)n * sizeof *perm);
  enum { GROUPS_MAX = 9 };
  WsReproSum *ref = calloc((size_t)E, sizeof *ref);
  WsReproSum *acc = calloc((size_t)(GROUPS_MAX * E), sizeof *acc);
  double *vref = malloc((size_t)E * sizeof *vref), *v = malloc((size_t)E * sizeof *v);
  CHECK(x && col && perm && ref && acc && vref && v, "out of memory");
  for (int64_t i = 0; i < n; i++)
    for (int64_t e = 0; e < E; e++)
      x[i * E + e] = term((int)(e % KINDS), seed + (uint64_t)e, i);

  for (int64_t i = 0; i < n; i++)
    ws_repro_sum_deposit(ref, x + i * E, E);
  ws_repro_sum_finish(ref, vref, E);
  for (int64_t e = 0; e < E; e++) {
    for (int64_t i = 0; i < n; i++)
      col[i] = x[i * E + e];
    char what[96];
    snprintf(what, sizeof what, "seed %llu entry %lld kind %d", (unsigned long long)seed,
             (long long)e, (int)(e % KINDS));
    check_accuracy(col, n, vref[e], what);
    CHECK(same(ws_repro_sum_array(col, n), vref[e]), "%s: ws_repro_sum_array differs", what);
  }

  for (uint64_t trial = 0; trial < 24; trial++) {
    uint64_t ts = mix(seed * 1000 + trial);
    for (int64_t i = 0; i < n; i++)
      perm[i] = i;
    if (trial == 1)
      for (int64_t i = 0; i < n; i++)
        perm[i] = n - 1 - i;
    else if (trial > 1)
      for (int64_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
        int64_t j = (int64_t)below(ts, (uint64_t)i, (uint64_t)i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
    int groups = trial < 2 ? 1 : 1 + (int)below(ts, 1u << 20, GROUPS_MAX);
    ws_repro_sum_zero(acc, groups * E);
    for (int64_t k = 0; k < n; k++) {
      int g = (int)below(ts, (1u << 21) + (uint64_t)k, (uint64_t)groups);
      const double *row = x + perm[k] * E;
      if (trial % 2) { /* one entry at a time, in a scrambled entry order */
        for (int64_t j = 0; j < E; j++) {
          int64_t e = (j * 7 + (int64_t)trial) % E;
          ws_repro_sum_deposit(acc + g * E + e, row + e, 1);
        }
      } else {
        ws_repro_sum_deposit(acc + g * E, row, E);
      }
    }
    /* Merge random pairs until one accumulator is left (a random reduction tree). */
    int live[GROUPS_MAX];
    for (int g = 0; g < groups; g++)
      live[g] = g;
    for (int left = groups, step = 0; left > 1; left--, step++) {
      int a = (int)below(ts, (1u << 22) + 2 * (uint64_t)step, (uint64_t)left);
      int b = (int)below(ts, (1u << 22) + 2 * (uint64_t)step + 1, (uint64_t)left - 1);
      if (b >= a) b++;
      ws_repro_sum_merge(acc + live[a] * E, acc + live[b] * E, E);
      live[b] = live[left - 1];
      if (a == left - 1) a = b;
    }
    const WsReproSum *result = acc + live[0] * E;
    ws_repro_sum_finish(result, v, E);
    for (int64_t e = 0; e < E; e++) {
      CHECK(memcmp(&result[e], &ref[e], sizeof ref[e]) == 0,
            "seed %llu trial %llu entry %lld (%d groups): accumulator state differs",
            (unsigned long long)seed, (unsigned long long)trial, (long long)e, groups);
      CHECK(same(v[e], vref[e]), "seed %llu trial %llu entry %lld: %a differs from %a",
            (unsigned long long)seed, (unsigned long long)trial, (long long)e, v[e], vref[e]);
    }
  }
  free(x), free(col), free(perm), free(ref), free(acc), free(vref), free(v);
}

/* ---- Small multisets given literally: the value in every order and grouping. ---- */
static double sum_list(const double *x, int n) {
  return ws_repro_sum_array(x, n);
}

/* Every permutation of x (n <= 5), and every split into two accumulators merged both ways,
 * gives bitwise want. */
static void expect_all_orders(const double *x, int n, double want, const char *what) {
  int idx[5] = {0, 1, 2, 3, 4};
  double y[5];
  int perms = 1;
  for (int k = 2; k <= n; k++)
    perms *= k;
  for (int p = 0; p < perms; p++) {
    /* p-th permutation by the factorial number system */
    int pool[5] = {0, 1, 2, 3, 4}, q = p;
    for (int k = 0; k < n; k++) {
      int j = q % (n - k);
      q /= n - k;
      idx[k] = pool[j];
      for (int t = j; t < n - k - 1; t++)
        pool[t] = pool[t + 1];
    }
    for (int k = 0; k < n; k++)
      y[k] = x[idx[k]];
    double got = sum_list(y, n);
    CHECK(same(got, want), "%s: %a in permutation %d, expected %a", what, got, p, want);
    for (int cut = 0; cut <= n; cut++) {
      WsReproSum a[2] = {{{0, 0, 0}, 0, 0}, {{0, 0, 0}, 0, 0}}, b[2];
      for (int k = 0; k < n; k++)
        ws_repro_sum_deposit(&a[k >= cut], &y[k], 1);
      memcpy(b, a, sizeof a);
      ws_repro_sum_merge(&a[0], &a[1], 1);
      ws_repro_sum_merge(&b[1], &b[0], 1);
      CHECK(memcmp(&a[0], &b[1], sizeof a[0]) == 0, "%s: merge is not commutative", what);
      ws_repro_sum_finish(&a[0], &got, 1);
      CHECK(same(got, want), "%s: %a after a merge at %d, expected %a", what, got, cut, want);
    }
  }
}

static void check_special(void) {
  const double inf = INFINITY, nan = NAN, big = DBL_MAX, tiny = 0x1p-1074;
  double v;

  /* NaN and Inf propagate like IEEE addition (NaN payload not kept). */
  expect_all_orders((double[]){nan}, 1, nan, "{NaN}");
  expect_all_orders((double[]){1, nan, 2}, 3, nan, "{1, NaN, 2}");
  expect_all_orders((double[]){inf, -inf}, 2, inf - inf, "{+Inf, -Inf}");
  expect_all_orders((double[]){inf, 1, -big}, 3, inf, "{+Inf, 1, -DBL_MAX}");
  expect_all_orders((double[]){-inf, -inf, 5}, 3, -inf, "{-Inf, -Inf, 5}");
  expect_all_orders((double[]){inf, nan, -inf}, 3, nan, "{+Inf, NaN, -Inf}");
  expect_all_orders((double[]){big, big, inf}, 3, inf, "{DBL_MAX, DBL_MAX, +Inf}");

  /* Zeros: -0 exactly when every term is -0; the empty sum is +0. */
  ws_repro_sum_finish(&(WsReproSum){{0, 0, 0}, 0, 0}, &v, 1);
  CHECK(same(v, 0.0), "the empty sum is %a, not +0", v);
  expect_all_orders((double[]){-0.0}, 1, -0.0, "{-0}");
  expect_all_orders((double[]){-0.0, -0.0, -0.0}, 3, -0.0, "{-0, -0, -0}");
  expect_all_orders((double[]){-0.0, 0.0}, 2, -0.0 + 0.0, "{-0, +0}");
  expect_all_orders((double[]){1, -1}, 2, 1.0 - 1.0, "{1, -1}");
  expect_all_orders((double[]){-0.0, 1, -1}, 3, 0.0, "{-0, 1, -1}");
  for (int e = -1074; e <= -900; e++) { /* cancelled small terms, whatever their size */
    double t = ldexp(1.5, e);
    expect_all_orders((double[]){t, -t, -0.0}, 3, 0.0, "{t, -t, -0} for a small t");
  }

  /* Subnormals are summed exactly. */
  {
    enum { N = 1000 };
    double x[N];
    for (int k = 0; k < N; k++)
      x[k] = (k + 1) * tiny;
    v = sum_list(x, N);
    CHECK(same(v, ldexp(N * (N + 1) / 2, -1074)), "sum of k 2^-1074: %a", v);
  }
  expect_all_orders((double[]){DBL_MIN, -tiny}, 2, DBL_MIN - tiny, "{DBL_MIN, -2^-1074}");
  expect_all_orders((double[]){-tiny, -tiny, -tiny}, 3, -3 * tiny, "{-2^-1074 x 3}");
  expect_all_orders((double[]){DBL_MIN, -DBL_MIN / 2, tiny}, 3, DBL_MIN / 2 + tiny,
                    "{DBL_MIN, -DBL_MIN/2, 2^-1074}");

  /* Huge ranges: 1e-300 next to 1e300 is below the window (documented), in every order. */
  expect_all_orders((double[]){1e300, 1e-300}, 2, 1e300 + 1e-300, "{1e300, 1e-300}");
  expect_all_orders((double[]){1e300, 1e-300, -1e300}, 3, 0.0, "{1e300, 1e-300, -1e300}");
  check_accuracy((double[]){1e300, 1e-300, -1e300}, 3, 0.0, "{1e300, 1e-300, -1e300}");
  expect_all_orders((double[]){1e-300, 1e-300, -1e-300, 3e-300}, 4, 4e-300,
                    "{1e-300, 1e-300, -1e-300, 3e-300}");

  /* Overflow: no intermediate overflow; Inf exactly when the sum rounds out of range. */
  expect_all_orders((double[]){big, big, -big}, 3, big, "{DBL_MAX, DBL_MAX, -DBL_MAX}");
  expect_all_orders((double[]){big, big}, 2, big + big, "{DBL_MAX, DBL_MAX}");
  CHECK(isinf(big + big), "IEEE DBL_MAX + DBL_MAX is not Inf");
  expect_all_orders((double[]){-big, -big}, 2, -big - big, "{-DBL_MAX, -DBL_MAX}");
  expect_all_orders((double[]){big, 0x1p970}, 2, big + 0x1p970, "{DBL_MAX, 2^970} (tie: Inf)");
  expect_all_orders((double[]){big, 0x1p969}, 2, big + 0x1p969, "{DBL_MAX, 2^969}");
  expect_all_orders((double[]){-big, -0x1p970, 0x1p969}, 3, -big, "{-DBL_MAX, -2^970, 2^969}");
  {
    enum { N = 1999 };
    double x[N];
    for (int k = 0; k < N; k++)
      x[k] = (k % 2 ? -big : big);
    v = sum_list(x, N);
    CHECK(same(v, big), "1000 DBL_MAX - 999 DBL_MAX gives %a", v);
    x[N - 2] = 1.0; /* 1000 DBL_MAX - 998 DBL_MAX + 1: overflows */
    CHECK(isinf(sum_list(x, N)), "1000 DBL_MAX - 998 DBL_MAX + 1 does not overflow");
  }

  /* Merging accumulators that saw specials. */
  {
    WsReproSum a[3] = {{{0, 0, 0}, 0, 0}, {{0, 0, 0}, 0, 0}, {{0, 0, 0}, 0, 0}};
    ws_repro_sum_deposit(&a[0], &inf, 1);
    double minf = -inf, mz = -0.0;
    ws_repro_sum_deposit(&a[1], &minf, 1);
    ws_repro_sum_deposit(&a[2], &mz, 1);
    ws_repro_sum_merge(&a[2], &a[0], 1);
    ws_repro_sum_finish(&a[2], &v, 1);
    CHECK(same(v, inf), "-0 merged with +Inf gives %a", v);
    ws_repro_sum_merge(&a[2], &a[1], 1);
    ws_repro_sum_finish(&a[2], &v, 1);
    CHECK(isnan(v), "+Inf merged with -Inf gives %a", v);
  }
}

/* Two arbitrary doubles (random bit patterns): IEEE a + b is correctly rounded, so it must
 * agree bitwise whenever nothing is dropped, and otherwise lie within the bound. */
static void check_pairs(void) {
  for (uint64_t i = 0; i < 2000000; i++) {
    double a = from_bits(bits_at(7, 2 * i)), b = from_bits(bits_at(7, 2 * i + 1));
    if (i % 4 == 1 && isnormal(a) && isnormal(b)) /* bring b near a: the pair overlaps */
      b = ldexp(b, ilogb(a) - ilogb(b) - (int)below(9, i, 70));
    if (i % 4 == 2) b = -a * (1 + ldexp((double)(i % 1024), -(int)below(11, i, 60)));
    double x[2] = {a, b}, got = sum_list(x, 2), want = a + b;
    double big = fmax(fabs(a), fabs(b)), small = fmin(fabs(a), fabs(b));
    if (isnan(want) || isinf(a) || isinf(b) || small == 0 || small >= 0x1p-11 * big ||
        big < 0x1p-978) {
      CHECK(same(got, want), "pair %a + %a: %a, IEEE gives %a", a, b, got, want);
    } else if (!isinf(want)) {
      check_accuracy(x, 2, got, "pair");
    }
    x[0] = b, x[1] = a;
    CHECK(same(sum_list(x, 2), got), "pair %a + %a depends on the order", a, b);
  }
}

/* Many deposits of values whose digits are all ones: the carries of finish are exercised
 * near the capacity of a bin. */
static void check_carries(void) {
  enum { N = 1 << 20 };
  double *x = malloc(N * sizeof *x);
  CHECK(x, "out of memory");
  double ones = ldexp(0x1.fffffffffffffp0, 40); /* 53 one bits across the bins */
  for (int k = 0; k < N; k++)
    x[k] = (k % 5 == 4) ? -ldexp(ones, -20) : ones;
  check_accuracy(x, N, sum_list(x, N), "2^20 terms of 53 one bits");
  free(x);
}

static void check_dot(void) {
  enum { N = 777 };
  double x[N], y[N], p[N];
  for (int k = 0; k < N; k++) {
    x[k] = term(1, 3, (uint64_t)k) * 0x1p-600;
    y[k] = term(0, 4, (uint64_t)k);
    p[k] = x[k] * y[k];
  }
  double d = ws_repro_sum_dot(x, y, N);
  CHECK(same(d, ws_repro_sum_array(p, N)), "dot differs from the sum of the products");
  for (int k = 0; k < N / 2; k++) { /* reverse the pairs */
    double t = x[k];
    x[k] = x[N - 1 - k], x[N - 1 - k] = t;
    t = y[k], y[k] = y[N - 1 - k], y[N - 1 - k] = t;
  }
  CHECK(same(ws_repro_sum_dot(y, x, N), d), "dot depends on the order of the pairs");
}

int main(void) {
  check_special();
  for (uint64_t seed = 1; seed <= 40; seed++)
    check_orders(seed, 1 + (int64_t)below(seed, 0, 300), 16);
  check_orders(99, 1, 8); /* single terms are exact */
  check_pairs();
  check_carries();
  check_dot();
  return 0;
}
