/* Exact weighted 1-D k-means by dynamic programming over the sorted distinct values.
 *
 * F_k[i] = min_j F_{k-1}[j] + C(j, i) is the best cost of the first i distinct values in k
 * free clusters, C(j, i) the weighted sum of squares of [j, i) about its weighted mean.  C
 * satisfies the quadrangle inequality, so the leftmost minimising j is non-decreasing in i
 * and each layer is computed by divide and conquer over i in O(m log m) evaluations.
 *
 * With the pinned-zero cluster two more tables: H_k[i], the first i values in k free
 * clusters followed by the zero cluster (possibly empty) ending at i, and G_k[i], the first
 * i values in k free clusters and the zero cluster somewhere among them:
 *   H_k[i] = min(F_k[i], H_k[i-1] + h x^2 of value i-1)     (the zero run extends, or is empty)
 *   G_k[i] = min(H_k[i], min_j G_{k-1}[j] + C(j, i))         (the last run is zero, or free)
 * The second term of G is again a monotone minimisation, solved the same way.
 *
 * Accuracy: C comes from prefix sums of h, h u, h u^2 with u = x - r (r the median distinct
 * value) kept in double-double, and the cancelling numerator of C = (S0 S2 - S1^2) / S0 is
 * formed from the double-double differences with exact fma products (see row_costs).  Plain
 * double prefix sums lose every digit when the values are large relative to their spread
 * (1e8 + 1e-3 noise, or two groups 1e8 apart): their rounding error is eps times the total
 * sum of squares.  In double-double it is about n 2^-104 sum h (x - r)^2, so a segment's cost
 * keeps about 12 digits unless its spread is below roughly 1e-10 of the range of all values.
 * The shift by r removes a common offset before any rounding. */
#include "wshare/kmeans1d.h"

#include <math.h>
#include <stdlib.h>

#include "wshare/ddouble.h"

struct WsKmeans1d {
  int64_t n, m;            /* inputs, distinct values */
  int k_max, kk, pin_zero; /* kk = min(k_max, m): the layers computed */
  int64_t *order;          /* n: original index of each sorted position */
  int64_t *start;          /* m + 1: first sorted position of each distinct value */
  double *value;           /* m: the distinct values, ascending */
  double *weight;          /* m: summed h of each distinct value */
  double *cost;            /* k_max: cost[k - 1] */
  int32_t *arg_free;       /* kk x (m + 1): leftmost j of F_k[i] */
  int32_t *arg_any;        /* pin_zero: kk x (m + 1) choices of G_k[i]: j >= 0 is the free
                            * run [j, i) after G_{k-1}[j]; -1 - j the zero run [j, i) after
                            * F_k[j] */
  int64_t evaluations;
};

/* Prefix sums of h, h u, h u^2 (u = x - r) in double-double, one array per component so
 * that the loop over the split points j of one row runs in SIMD lanes. */
typedef struct {
  double *block;                                           /* owns the arrays below */
  const double *w_hi, *w_lo, *u_hi, *u_lo, *uu_hi, *uu_lo; /* m + 1 each */
  WsDD *zero;                                              /* prefix sums of h x^2 (pin_zero) */
  double *row; /* scratch: prev[j] + C(j, i) of the row being minimised */
  int64_t evaluations;
} Segments;

typedef struct {
  double x, h;
  int64_t index;
} Entry;

/* (x, h, index) order: a total order, so qsort's instability cannot show, and the weights
 * of equal values are summed in an order that does not depend on the input order. */
static int entry_compare(const void *pa, const void *pb) {
  const Entry *a = pa, *b = pb;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->h != b->h) return a->h < b->h ? -1 : 1;
  return (a->index > b->index) - (a->index < b->index);
}

/* b - a for prefix sums a <= b: the high parts by an exact TwoSum, plus the difference of the
 * low parts, renormalised.  Its absolute error is about 2^-104 (|a| + |b|), all the accuracy
 * that a difference of prefix sums has. */
static inline WsDD prefix_diff(double b_hi, double b_lo, double a_hi, double a_lo) {
  WsDD s = ws_ddouble_two_sum(b_hi, -a_hi);
  return ws_ddouble_fast_two_sum(s.hi, s.lo + (b_lo - a_lo));
}

/* row[j - j0] = prev[j] + C(j, i) for j0 <= j <= j1 < i, C(j, i) the weighted sum of squares of
 * distinct values [j, i) about their weighted mean, (S0 S2 - S1^2) / S0.  The numerator
 * cancels when the spread is small: S1^2 is split into q_hi + q_lo exactly, S0 S2 - q_hi is
 * one fma (rounding error eps times the result, since the cancellation is exact inside the
 * fma), and the remaining terms are of order eps S0 S2, so their rounding is of order
 * eps^2 S0 S2.  Every product that must be exact is an explicit fma, so the compiler
 * contracting others cannot change the bound.  Branch-free, so that it vectorises. */
static void row_costs(Segments *seg, const double *prev, int64_t j0, int64_t j1, int64_t i) {
  const double *w_hi = seg->w_hi, *w_lo = seg->w_lo, *u_hi = seg->u_hi, *u_lo = seg->u_lo;
  const double *uu_hi = seg->uu_hi, *uu_lo = seg->uu_lo;
  const double bw_hi = w_hi[i], bw_lo = w_lo[i], bu_hi = u_hi[i], bu_lo = u_lo[i];
  const double buu_hi = uu_hi[i], buu_lo = uu_lo[i];
  double *row = seg->row;
  for (int64_t j = j0; j <= j1; j++) {
    WsDD s0 = prefix_diff(bw_hi, bw_lo, w_hi[j], w_lo[j]);
    WsDD s1 = prefix_diff(bu_hi, bu_lo, u_hi[j], u_lo[j]);
    WsDD s2 = prefix_diff(buu_hi, buu_lo, uu_hi[j], uu_lo[j]);
    double q_hi = s1.hi * s1.hi, q_lo = fma(s1.hi, s1.hi, -q_hi);
    double lead = fma(s0.hi, s2.hi, -q_hi);
    double num = lead + ((s0.hi * s2.lo + s0.lo * s2.hi) - (2.0 * s1.hi * s1.lo + q_lo));
    /* Selects, not branches: all weights 0, or a negative rounding residue, cost 0. */
    double den = s0.hi > 0.0 ? s0.hi : 1.0, top = num > 0.0 ? num : 0.0;
    top = s0.hi > 0.0 ? top : 0.0;
    row[j - j0] = prev[j] + top / den;
  }
  /* One distinct value: exactly 0, not a rounding residue. */
  if (j1 == i - 1) row[j1 - j0] = prev[j1];
  seg->evaluations += j1 - j0 + 1;
}

/* Cost h x^2 of putting distinct values [j, i) in the pinned-zero cluster. */
static double zero_cost(const WsDD *zero, int64_t j, int64_t i) {
  return prefix_diff(zero[i].hi, zero[i].lo, zero[j].hi, zero[j].lo).hi;
}

/* cur[i] = min_{jlo <= j < i, j <= jhi} prev[j] + C(j, i) for i in [lo, hi], with arg[i]
 * the leftmost minimiser.  The leftmost minimiser is monotone in i, so the middle row's
 * bounds the two halves.  Needs jlo < lo. */
static void layer_solve(Segments *seg, const double *prev, double *cur, int32_t *arg, int64_t lo,
                        int64_t hi, int64_t jlo, int64_t jhi) {
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2, jend = jhi < mid - 1 ? jhi : mid - 1, best_j = jlo;
    row_costs(seg, prev, jlo, jend, mid);
    double best = seg->row[0];
    for (int64_t j = jlo + 1; j <= jend; j++)
      if (seg->row[j - jlo] < best) best = seg->row[j - jlo], best_j = j;
    cur[mid] = best;
    arg[mid] = (int32_t)best_j;
    /* Recurse on the shorter half, loop on the longer: the stack stays O(log m). */
    if (mid - lo < hi - mid) {
      layer_solve(seg, prev, cur, arg, lo, mid - 1, jlo, best_j);
      lo = mid + 1, jlo = best_j;
    } else {
      layer_solve(seg, prev, cur, arg, mid + 1, hi, best_j, jhi);
      hi = mid - 1, jhi = best_j;
    }
  }
}

/* Sorts, merges equal values and fills order, start, value and weight. */
static WsErr collect(WsKmeans1d *p, const double *x, const double *h) {
  int64_t n = p->n;
  Entry *e = ws_memory_calloc((size_t)(n > 0 ? n : 1), sizeof(*e));
  if (!e) return WS_ERR_RUNTIME;
  for (int64_t j = 0; j < n; j++) {
    e[j].x = x[j] == 0.0 ? 0.0 : x[j]; /* -0 and +0 are one value */
    e[j].h = h ? h[j] : 1.0;
    e[j].index = j;
  }
  qsort(e, (size_t)n, sizeof(*e), entry_compare);
  int64_t m = 0;
  for (int64_t q = 0; q < n; q++) {
    if (q == 0 || e[q].x != e[q - 1].x) {
      p->start[m] = q;
      p->value[m] = e[q].x;
      p->weight[m] = 0.0;
      m++;
    }
    p->weight[m - 1] += e[q].h;
    p->order[q] = e[q].index;
  }
  p->start[m] = n;
  p->m = m;
  free(e);
  return WS_OK;
}

/* Fills the prefix sums of seg (allocated here; freed by the caller through seg->block and
 * seg->zero). */
static WsErr prefix_sums(const WsKmeans1d *p, Segments *seg) {
  int64_t m = p->m, len = m + 1;
  seg->block = ws_memory_calloc(7 * (size_t)len, sizeof(double));
  if (!seg->block) return WS_ERR_RUNTIME;
  double *w_hi = seg->block, *w_lo = w_hi + len, *u_hi = w_lo + len, *u_lo = u_hi + len;
  double *uu_hi = u_lo + len, *uu_lo = uu_hi + len;
  seg->w_hi = w_hi, seg->w_lo = w_lo, seg->u_hi = u_hi, seg->u_lo = u_lo;
  seg->uu_hi = uu_hi, seg->uu_lo = uu_lo, seg->row = uu_lo + len;
  if (p->pin_zero) {
    seg->zero = ws_memory_calloc((size_t)len, sizeof(WsDD));
    if (!seg->zero) return WS_ERR_RUNTIME;
  }
  double r = m > 0 ? p->value[m / 2] : 0.0;
  WsDD sw = {0, 0}, su = {0, 0}, suu = {0, 0};
  for (int64_t d = 0; d < m; d++) {
    double w = p->weight[d];
    WsDD u = ws_ddouble_two_sum(p->value[d], -r); /* exact */
    sw = ws_ddouble_add_d(sw, w);
    su = ws_ddouble_add(su, ws_ddouble_mul_d(u, w));
    suu = ws_ddouble_add(suu, ws_ddouble_mul_d(ws_ddouble_mul(u, u), w));
    w_hi[d + 1] = sw.hi, w_lo[d + 1] = sw.lo, u_hi[d + 1] = su.hi, u_lo[d + 1] = su.lo;
    uu_hi[d + 1] = suu.hi, uu_lo[d + 1] = suu.lo;
    if (p->pin_zero)
      seg->zero[d + 1] = ws_ddouble_add(
          seg->zero[d], ws_ddouble_mul_d(ws_ddouble_two_prod(p->value[d], p->value[d]), w));
  }
  double total_zero = p->pin_zero ? seg->zero[m].hi : 0.0;
  WS_CHECK(isfinite(sw.hi) && isfinite(suu.hi) && isfinite(sw.hi * suu.hi) && isfinite(total_zero),
           WS_ERR_INPUT,
           "kmeans1d: the weights or values are too large (sum h (x - median)^2 = %g, sum h = "
           "%g overflow)",
           suu.hi, sw.hi);
  return WS_OK;
}

/* All layers of the programme; fills cost, arg_free, arg_any. */
static WsErr run(WsKmeans1d *p, Segments *seg) {
  int64_t m = p->m, stride = m + 1;
  int kk = p->kk;
  double *f_prev = ws_memory_calloc((size_t)stride, sizeof(double));
  double *f_cur = ws_memory_calloc((size_t)stride, sizeof(double));
  double *g_prev = ws_memory_calloc((size_t)stride, sizeof(double));
  double *g_cur = ws_memory_calloc((size_t)stride, sizeof(double));
  double *g_free = ws_memory_calloc((size_t)stride, sizeof(double));
  int32_t *arg_tmp = ws_memory_calloc((size_t)stride, sizeof(int32_t));
  WsErr err = (f_prev && f_cur && g_prev && g_cur && g_free && arg_tmp) ? WS_OK : WS_ERR_RUNTIME;
  if (err == WS_OK && p->pin_zero) {
    for (int64_t i = 0; i <= m; i++)
      g_prev[i] = zero_cost(seg->zero, 0, i); /* G_0: all zero */
    seg->evaluations += m + 1;
  }
  for (int k = 1; err == WS_OK && k <= kk; k++) {
    int32_t *af = p->arg_free + (size_t)(k - 1) * (size_t)stride;
    /* F_0 is 0 at j = 0 only (f_prev starts zeroed): layer 1 looks at j = 0 alone. */
    layer_solve(seg, f_prev, f_cur, af, k, m, k - 1, k == 1 ? 0 : m - 1);
    if (p->pin_zero) {
      int32_t *aa = p->arg_any + (size_t)(k - 1) * (size_t)stride;
      layer_solve(seg, g_prev, g_free, arg_tmp, k, m, k - 1, m - 1);
      int64_t jz = k; /* start of the zero run of H_k[i] */
      for (int64_t i = k; i <= m; i++) {
        double hz = f_cur[jz] + zero_cost(seg->zero, jz, i);
        if (f_cur[i] < hz) jz = i, hz = f_cur[i];
        if (hz <= g_free[i]) { /* the zero cluster wins ties */
          g_cur[i] = hz;
          aa[i] = -1 - (int32_t)jz;
        } else {
          g_cur[i] = g_free[i];
          aa[i] = arg_tmp[i];
        }
      }
      seg->evaluations += m - k + 1;
      double *t = g_prev;
      g_prev = g_cur, g_cur = t;
    }
    p->cost[k - 1] = p->pin_zero ? g_prev[m] : f_cur[m];
    double *t = f_prev;
    f_prev = f_cur, f_cur = t;
  }
  for (int k = kk + 1; k <= p->k_max; k++)
    p->cost[k - 1] = kk > 0 ? p->cost[kk - 1] : 0.0;
  free(f_prev), free(f_cur), free(g_prev), free(g_cur), free(g_free), free(arg_tmp);
  return err;
}

static WsErr build(WsKmeans1d *p, const double *x, const double *h) {
  int64_t n = p->n;
  p->order = ws_memory_calloc((size_t)(n > 0 ? n : 1), sizeof(int64_t));
  p->start = ws_memory_calloc((size_t)n + 1, sizeof(int64_t));
  p->value = ws_memory_calloc((size_t)(n > 0 ? n : 1), sizeof(double));
  p->weight = ws_memory_calloc((size_t)(n > 0 ? n : 1), sizeof(double));
  p->cost = ws_memory_calloc((size_t)p->k_max, sizeof(double));
  if (!p->order || !p->start || !p->value || !p->weight || !p->cost) return WS_ERR_RUNTIME;
  WS_CALL(collect(p, x, h));
  p->kk = p->k_max < p->m ? p->k_max : (int)p->m;
  size_t cells = (size_t)p->kk * (size_t)(p->m + 1);
  p->arg_free = ws_memory_calloc(cells, sizeof(int32_t));
  if (p->pin_zero) p->arg_any = ws_memory_calloc(cells, sizeof(int32_t));
  if (!p->arg_free || (p->pin_zero && !p->arg_any)) return WS_ERR_RUNTIME;
  Segments seg = {0};
  WsErr err = prefix_sums(p, &seg);
  if (err == WS_OK) err = run(p, &seg);
  p->evaluations = seg.evaluations;
  free(seg.block), free(seg.zero);
  return err;
}

WsErr ws_kmeans1d_create(int64_t n, const double *x, const double *h, int k_max, int pin_zero,
                         WsKmeans1d **out) {
  *out = NULL;
  WS_CHECK(n >= 0 && (n == 0 || x), WS_ERR_INPUT, "kmeans1d: no values (n = %lld)", (long long)n);
  WS_CHECK(k_max >= 1, WS_ERR_INPUT, "kmeans1d: the number of clusters must be >= 1 (got %d)",
           k_max);
  WS_CHECK(n < INT32_MAX, WS_ERR_INPUT, "kmeans1d: %lld values, at most %d supported", (long long)n,
           INT32_MAX - 1);
  for (int64_t j = 0; j < n; j++) {
    WS_CHECK(isfinite(x[j]), WS_ERR_INPUT, "kmeans1d: value %lld is %g (not finite)", (long long)j,
             x[j]);
    WS_CHECK(!h || (isfinite(h[j]) && h[j] >= 0.0), WS_ERR_INPUT,
             "kmeans1d: importance %lld is %g (must be finite and >= 0)", (long long)j, h[j]);
  }
  WsKmeans1d *p = ws_memory_calloc(1, sizeof(*p));
  if (!p) return WS_ERR_RUNTIME;
  p->n = n, p->k_max = k_max, p->pin_zero = pin_zero != 0;
  WsErr err = build(p, x, h);
  if (err != WS_OK) {
    ws_kmeans1d_destroy(&p);
    return err;
  }
  *out = p;
  return WS_OK;
}

void ws_kmeans1d_destroy(WsKmeans1d **path) {
  if (!path || !*path) return;
  WsKmeans1d *p = *path;
  free(p->order), free(p->start), free(p->value), free(p->weight), free(p->cost);
  free(p->arg_free), free(p->arg_any);
  free(p);
  *path = NULL;
}

WsErr ws_kmeans1d_cost(const WsKmeans1d *path, int k, double *cost) {
  WS_CHECK(k >= 1 && k <= path->k_max, WS_ERR_INPUT,
           "kmeans1d: K = %d is outside the computed path 1 .. %d", k, path->k_max);
  *cost = path->cost[k - 1];
  return WS_OK;
}

/* Centre of free cluster [a, b) of distinct values: the weighted mean, or the unweighted
 * mean of the members when their weights are all 0.  Shifted by the first value for
 * accuracy, and clamped to the run's range so that centres of consecutive runs stay
 * strictly ascending. */
static double run_centre(const WsKmeans1d *p, int64_t a, int64_t b) {
  double base = p->value[a], sw = 0.0, swu = 0.0, sc = 0.0, scu = 0.0;
  for (int64_t d = a; d < b; d++) {
    double u = p->value[d] - base, c = (double)(p->start[d + 1] - p->start[d]);
    sw += p->weight[d], swu += p->weight[d] * u;
    sc += c, scu += c * u;
  }
  double centre = base + (sw > 0.0 ? swu / sw : scu / sc);
  double hi = p->value[b - 1];
  return centre < base ? base : centre > hi ? hi : centre;
}

WsErr ws_kmeans1d_labels(const WsKmeans1d *path, int k, int *labels, double *centres, int *used) {
  WS_CHECK(k >= 1 && k <= path->k_max, WS_ERR_INPUT,
           "kmeans1d: K = %d is outside the computed path 1 .. %d", k, path->k_max);
  WS_CHECK(labels || path->n == 0, WS_ERR_INPUT, "kmeans1d: no array for the labels");
  const WsKmeans1d *p = path;
  int64_t m = p->m, stride = m + 1;
  int kc = k < p->kk ? k : p->kk;
  if (used) *used = kc;
  /* Walk the split points back from (K, m); in_g says whether the state is in G (the zero
   * cluster still to come, or never) or in F (the zero cluster already placed). */
  int64_t i = m;
  int in_g = p->pin_zero;
  for (int kr = kc; i > 0;) {
    int64_t j;
    int label;
    if (in_g && kr == 0) {
      j = 0, label = WS_KMEANS1D_ZERO;
    } else if (in_g) {
      int32_t code = p->arg_any[(size_t)(kr - 1) * (size_t)stride + (size_t)i];
      if (code < 0) {
        j = -1 - (int64_t)code, label = WS_KMEANS1D_ZERO, in_g = 0;
      } else {
        j = code, label = --kr;
      }
    } else {
      j = p->arg_free[(size_t)(kr - 1) * (size_t)stride + (size_t)i], label = --kr;
    }
    if (label != WS_KMEANS1D_ZERO && centres) centres[label] = run_centre(p, j, i);
    for (int64_t q = p->start[j]; q < p->start[i]; q++)
      labels[p->order[q]] = label;
    i = j;
  }
  return WS_OK;
}

int64_t ws_kmeans1d_distinct(const WsKmeans1d *path) {
  return path->m;
}

int64_t ws_kmeans1d_evaluations(const WsKmeans1d *path) {
  return path->evaluations;
}
