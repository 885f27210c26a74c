/* Double-double arithmetic (wshare/ddouble.h): the error-free transformations are exact
 * (checked against long double, which holds the 64-bit-mantissa sums and products of the
 * test's 26-bit operands exactly), and the compound operations keep about 2^-104 relative
 * accuracy against exactly representable references (division: by multiplying back). */
#include <float.h>
#include <math.h>

#include "unit.h"
#include "wshare/ddouble.h"
#include "wshare/rng.h"

/* A double with a 26-bit mantissa and exponent in [-20, 20]: products of two fit in 52
 * bits, sums of two in far less than long double's 64. */
static double short_value(uint64_t i) {
  double u = ws_rng_uniform(3, 1, i), e = floor(ws_rng_uniform(3, 2, i) * 41.0) - 20.0;
  double m = floor(u * 67108864.0) + 1.0; /* 26 bits */
  return ldexp(ws_rng_uniform(3, 3, i) < 0.5 ? -m : m, (int)e - 26);
}

int main(void) {
  unit_name = "t002-ddouble";
  _Static_assert(LDBL_MANT_DIG >= 64, "the test needs x87 long double");
  for (uint64_t i = 0; i < 200000; i++) {
    double a = short_value(2 * i), b = short_value(2 * i + 1);
    long double exact_sum = (long double)a + (long double)b;
    long double exact_prod = (long double)a * (long double)b;
    WsDD s = ws_ddouble_two_sum(a, b);
    UNIT_CHECK((long double)s.hi + (long double)s.lo == exact_sum && s.hi == a + b,
               "two_sum(%a, %a) = %a + %a", a, b, s.hi, s.lo);
    WsDD f = fabs(a) >= fabs(b) ? ws_ddouble_fast_two_sum(a, b) : ws_ddouble_fast_two_sum(b, a);
    UNIT_CHECK((long double)f.hi + (long double)f.lo == exact_sum, "fast_two_sum(%a, %a)", a, b);
    WsDD p = ws_ddouble_two_prod(a, b);
    UNIT_CHECK((long double)p.hi + (long double)p.lo == exact_prod && p.hi == a * b,
               "two_prod(%a, %a) = %a + %a", a, b, p.hi, p.lo);
  }
  /* (1 + 2^-60)^2 = 1 + 2^-59 + 2^-120: double-double keeps the 2^-59, double loses it. */
  WsDD x = ws_ddouble_add_d(ws_ddouble_from(1.0), ldexp(1.0, -60));
  WsDD x2 = ws_ddouble_mul(x, x);
  UNIT_CHECK(x2.hi == 1.0 && fabs(x2.lo - ldexp(1.0, -59)) <= ldexp(1.0, -104),
             "(1 + 2^-60)^2 = %a + %a", x2.hi, x2.lo);
  /* Cancellation: (1 + 2^-70) - 1 = 2^-70 exactly. */
  WsDD c = ws_ddouble_add(x, ws_ddouble_neg(ws_ddouble_from(1.0)));
  WsDD y = ws_ddouble_add_d(ws_ddouble_from(1.0), ldexp(1.0, -70));
  WsDD d = ws_ddouble_add_d(y, -1.0);
  UNIT_CHECK(c.hi == ldexp(1.0, -60) && c.lo == 0.0, "(1 + 2^-60) - 1 = %a + %a", c.hi, c.lo);
  UNIT_CHECK(d.hi == ldexp(1.0, -70) && d.lo == 0.0, "(1 + 2^-70) - 1 = %a + %a", d.hi, d.lo);
  /* mul_d: (1 + 2^-60) * 3 = 3 + 3 * 2^-60. */
  WsDD t = ws_ddouble_mul_d(x, 3.0);
  UNIT_CHECK(t.hi == 3.0 && t.lo == 3.0 * ldexp(1.0, -60), "(1 + 2^-60) * 3 = %a + %a", t.hi, t.lo);
  /* div_d: (3 + 3 * 2^-60) / 3 = 1 + 2^-60 exactly; 1 / 3 to about 2^-104 (q 3 - 1 is
   * formed exactly enough in double-double to see it). */
  WsDD q = ws_ddouble_div_d(t, 3.0);
  UNIT_CHECK(q.hi == 1.0 && q.lo == ldexp(1.0, -60), "(3 + 3 2^-60) / 3 = %a + %a", q.hi, q.lo);
  for (int k = 3; k < 200; k += 7) {
    WsDD r = ws_ddouble_div_d(ws_ddouble_from(1.0), (double)k);
    WsDD back = ws_ddouble_add_d(ws_ddouble_mul_d(r, (double)k), -1.0);
    UNIT_CHECK(fabs(back.hi) <= ldexp(1.0, -103), "1 / %d: (q %d - 1) = %a", k, k, back.hi);
  }
  /* Powers: x^(d+1) of a 26-bit x are exact in double-double up to the 4th power. */
  double base = 1.0 + ldexp(1.0, -25);
  WsDD pw[4];
  ws_ddouble_powers(base, 4, pw);
  long double ref = 1.0L;
  for (int k = 0; k < 4; k++) {
    ref *= (long double)base;
    long double got = (long double)pw[k].hi + (long double)pw[k].lo;
    UNIT_CHECK(fabsl(got - ref) <= ldexpl(1.0L, -100), "(1 + 2^-25)^%d: %La vs %La", k + 1, got,
               ref);
  }
  return 0;
}
