/* Double-double arithmetic: a value hi + lo with |lo| <= ulp(hi)/2, about 106 bits.
 *
 * The direct QR solver refines its solution against residuals and products Z^T r computed
 * in double-double, which is what lifts ill-conditioned designs (NIST Filip, Wampler) to
 * full double accuracy.  The error-free transformations below rely on IEEE round-to-nearest
 * and on the compiler not reassociating (no -ffast-math); contracting a*b+c into an fma is
 * harmless because every product that must be exact goes through fma() explicitly.
 * Core layer: no MPI, no HDF5. */
#ifndef WSHARE_DDOUBLE_H
#define WSHARE_DDOUBLE_H

#include <math.h>

typedef struct {
  double hi, lo;
} WsDD;

/* a as a double-double (exact). */
static inline WsDD ws_ddouble_from(double a) {
  WsDD r = {a, 0.0};
  return r;
}

/* a + b exactly as hi + lo (Knuth's TwoSum, no ordering assumption). */
static inline WsDD ws_ddouble_two_sum(double a, double b) {
  double s = a + b, bb = s - a;
  WsDD r = {s, (a - (s - bb)) + (b - bb)};
  return r;
}

/* a + b exactly when |a| >= |b| (Dekker's FastTwoSum). */
static inline WsDD ws_ddouble_fast_two_sum(double a, double b) {
  double s = a + b;
  WsDD r = {s, b - (s - a)};
  return r;
}

/* a * b exactly as hi + lo. */
static inline WsDD ws_ddouble_two_prod(double a, double b) {
  double p = a * b;
  WsDD r = {p, fma(a, b, -p)};
  return r;
}

/* a + b, relative error about 2^-104 even under cancellation (the "IEEE" variant). */
static inline WsDD ws_ddouble_add(WsDD a, WsDD b) {
  WsDD s = ws_ddouble_two_sum(a.hi, b.hi), t = ws_ddouble_two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = ws_ddouble_fast_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return ws_ddouble_fast_two_sum(s.hi, s.lo);
}

/* a + b for a double b. */
static inline WsDD ws_ddouble_add_d(WsDD a, double b) {
  WsDD s = ws_ddouble_two_sum(a.hi, b);
  s.lo += a.lo;
  return ws_ddouble_fast_two_sum(s.hi, s.lo);
}

/* -a (exact). */
static inline WsDD ws_ddouble_neg(WsDD a) {
  WsDD r = {-a.hi, -a.lo};
  return r;
}

/* a * b for a double b, relative error about 2^-104. */
static inline WsDD ws_ddouble_mul_d(WsDD a, double b) {
  WsDD p = ws_ddouble_two_prod(a.hi, b);
  p.lo += a.lo * b;
  return ws_ddouble_fast_two_sum(p.hi, p.lo);
}

/* a * b, relative error about 2^-104. */
static inline WsDD ws_ddouble_mul(WsDD a, WsDD b) {
  WsDD p = ws_ddouble_two_prod(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return ws_ddouble_fast_two_sum(p.hi, p.lo);
}

/* a / b for a double b, relative error about 2^-104: the remainder a - q1 b is exact up to
 * a's low part (q1 b is formed exactly and cancels a.hi by Sterbenz). */
static inline WsDD ws_ddouble_div_d(WsDD a, double b) {
  double q1 = a.hi / b;
  WsDD p = ws_ddouble_two_prod(q1, b);
  double r = ((a.hi - p.hi) - p.lo) + a.lo;
  return ws_ddouble_fast_two_sum(q1, r / b);
}

/* out[d] = x^(d+1) for d < degree, by repeated double-double multiplication (never pow):
 * the model is in powers of the stored x itself, and rounding x^p to double already moves
 * the solution of ill-conditioned polynomial fits. */
void ws_ddouble_powers(double x, int degree, WsDD *out);

#endif
