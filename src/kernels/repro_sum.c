#include "wshare/repro_sum.h"

#include <math.h>
#include <string.h>

/* Bin width in bits; the header's accuracy bound and capacity follow from it (a digit is
 * below 2^32, so 2^31 - 1 digits fit an int64 with room for the carries of finish). */
enum { BIN_BITS = 32 };
#define DIGIT_MASK    0xffffffffULL
#define FRACTION_MASK 0xfffffffffffffULL
#define HIDDEN_BIT    (1ULL << 52)
#define SIGN_BIT      (1ULL << 63)

enum {
  SEEN_NAN = 1u,
  SEEN_POS_INF = 2u,
  SEEN_NEG_INF = 4u,
  SEEN_NEG_ZERO = 8u,
  SEEN_SMALL = 16u /* a term below 2^-978 other than -0: see deposit_rare */
};

void ws_repro_sum_zero(WsReproSum *acc, int64_t count) {
  if (count > 0) memset(acc, 0, (size_t)count * sizeof *acc);
}

/* Moves the window up so that its lowest bin is lo (> a->lo), dropping the bins below. */
static void raise_window(WsReproSum *a, int32_t lo) {
  int64_t shift = (int64_t)lo - a->lo;
  for (int k = 0; k < WS_REPRO_SUM_BINS; k++)
    a->bin[k] = k + shift < WS_REPRO_SUM_BINS ? a->bin[k + shift] : 0;
  a->lo = lo;
}

/* Adds the digits of m 2^t (units of 2^-1074; m < 2^53, t >= 0) that fall in the window,
 * negated when negative, raising the window first if the term's leading bit is above it. */
static inline void add_digits(WsReproSum *a, uint64_t m, int32_t t, uint64_t negative) {
  int32_t lo = ((t + 52) >> 5) - (WS_REPRO_SUM_BINS - 1);
  if (lo > a->lo) raise_window(a, lo);
  /* Position of the mantissa's lowest bit within the window: at most 43, since the leading
   * bit t + 52 lies below the window's top 32 (lo + 3). */
  int32_t p = t - BIN_BITS * a->lo;
  /* Below the window: drop the low bits (branch-free, as small terms come in any order). */
  int32_t drop = p < 0 ? -p : 0;
  drop = drop > 63 ? 63 : drop; /* m < 2^53, so m >> 63 is 0 */
  m >>= drop;
  p = p + drop < 0 ? 0 : p + drop;
  uint64_t low = m << p;                /* bits 0..63 of m 2^p */
  uint64_t high = (m >> 1) >> (63 - p); /* bits 64..95 (m >> (64 - p), also for p = 0) */
  int64_t s = -(int64_t)negative;       /* 0 or -1: (d ^ s) - s is d or -d */
  a->bin[0] += ((int64_t)(low & DIGIT_MASK) ^ s) - s;
  a->bin[1] += ((int64_t)(low >> 32) ^ s) - s;
  a->bin[2] += ((int64_t)high ^ s) - s;
}

/* Normal numbers from this biased exponent up put the window's lowest bin at 1 or above,
 * which by itself proves that the sum had a term other than -0. */
enum { FAST_FIELD_MIN = 45 };

/* Terms off the fast path: zeros, subnormals and normals below 2^-978 (they leave the
 * window at the bottom, so only a flag can tell a cancelled sum from a sum of -0s),
 * infinities and NaN. */
static void deposit_rare(WsReproSum *a, uint64_t u) {
  uint64_t negative = u >> 63;
  int32_t field = (int32_t)((u >> 52) & 0x7ff);
  uint64_t m = u & FRACTION_MASK;
  if (field == 0x7ff) {
    a->flags |= m ? SEEN_NAN : negative ? SEEN_NEG_INF : SEEN_POS_INF;
    return;
  }
  a->flags |= (u == SIGN_BIT) ? SEEN_NEG_ZERO : SEEN_SMALL;
  /* |x| = m 2^t in units of 2^-1074; subnormals (field 0) have t = 0 and no hidden bit. */
  add_digits(a, m | (uint64_t)(field != 0) << 52, field - (field != 0), negative);
}

static inline void deposit_one(WsReproSum *a, double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  uint32_t field = (uint32_t)(u >> 52) & 0x7ff;
  if (field - FAST_FIELD_MIN >= 0x7ffu - FAST_FIELD_MIN)
    deposit_rare(a, u);
  else
    add_digits(a, (u & FRACTION_MASK) | HIDDEN_BIT, (int32_t)field - 1, u >> 63);
}

void ws_repro_sum_deposit(WsReproSum *acc, const double *x, int64_t count) {
  for (int64_t i = 0; i < count; i++)
    deposit_one(&acc[i], x[i]);
}

void ws_repro_sum_merge(WsReproSum *dst, const WsReproSum *src, int64_t count) {
  for (int64_t i = 0; i < count; i++) {
    WsReproSum *d = &dst[i];
    const WsReproSum *s = &src[i];
    if (s->lo > d->lo) raise_window(d, s->lo);
    int64_t shift = (int64_t)d->lo - s->lo; /* src's bins below dst's window are dropped */
    if (shift == 0)                         /* the usual case, without the bounds test */
      for (int k = 0; k < WS_REPRO_SUM_BINS; k++)
        d->bin[k] += s->bin[k];
    else
      for (int k = 0; k + shift < WS_REPRO_SUM_BINS; k++)
        d->bin[k] += s->bin[k + shift];
    d->flags |= s->flags;
  }
}

/* An unsigned 128-bit integer for the final rounding (finish is not on the hot path). */
typedef struct {
  uint64_t hi, lo;
} U128;

static U128 u128_shr(U128 a, int r) {
  U128 z = {0, 0};
  if (r >= 128) return z;
  if (r >= 64) {
    z.lo = a.hi >> (r - 64);
  } else if (r > 0) {
    z.hi = a.hi >> r;
    z.lo = (a.lo >> r) | (a.hi << (64 - r));
  } else {
    z = a;
  }
  return z;
}

/* The bits of a below position r (0 < r < 128). */
static U128 u128_low_bits(U128 a, int r) {
  if (r < 64) {
    a.hi = 0;
    a.lo &= (1ULL << r) - 1;
  } else if (r > 64) {
    a.hi &= (1ULL << (r - 64)) - 1;
  } else {
    a.hi = 0;
  }
  return a;
}

static int u128_cmp(U128 a, U128 b) {
  if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
  if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
  return 0;
}

/* Position of the highest set bit of w (w != 0). */
static int leading_bit64(uint64_t w) {
#if defined(__GNUC__)
  return 63 - __builtin_clzll(w);
#else
  int pos = 0;
  while (w >>= 1)
    pos++;
  return pos;
#endif
}

static int leading_bit(U128 a) {
  return a.hi ? 64 + leading_bit64(a.hi) : leading_bit64(a.lo);
}

/* The double mant 2^(pos - 1074) with the given sign bit, for 0 < mant <= 2^53 and pos >= 0
 * such that it is representable (at most 53 significant bits, subnormal or not), or the
 * signed infinity when it is beyond the double range.  Built from the bits: exact. */
static double compose(uint64_t mant, int pos, uint64_t sign) {
  if (mant >> 53) { /* 2^53 after rounding up: one bit fewer, exactly */
    mant >>= 1;
    pos++;
  }
  int lead = leading_bit64(mant);
  int64_t field = (int64_t)pos + lead - 51; /* biased exponent when normal */
  uint64_t u;
  if (field <= 0)
    u = mant << pos; /* subnormal: the fraction counts units of 2^-1074 */
  else if (field >= 0x7ff)
    u = (uint64_t)0x7ff << 52;
  else
    u = (uint64_t)field << 52 | ((mant << (52 - lead)) & FRACTION_MASK);
  u |= sign;
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

static double finish_one(const WsReproSum *a) {
  uint32_t f = a->flags;
  if ((f & SEEN_NAN) || ((f & SEEN_POS_INF) && (f & SEEN_NEG_INF))) return NAN;
  if (f & SEEN_POS_INF) return INFINITY;
  if (f & SEEN_NEG_INF) return -INFINITY;
  /* Propagate the carries into one two's-complement integer top:d1:d0 (d0, d1 digits).
   * The divisions are exact and stay within int64 by the capacity limit. */
  const int64_t radix = (int64_t)1 << BIN_BITS;
  int64_t d0 = (int64_t)((uint64_t)a->bin[0] & DIGIT_MASK);
  int64_t t1 = a->bin[1] + (a->bin[0] - d0) / radix;
  int64_t d1 = (int64_t)((uint64_t)t1 & DIGIT_MASK);
  int64_t top = a->bin[2] + (t1 - d1) / radix;
  U128 mag = {(uint64_t)top, ((uint64_t)d1 << 32) | (uint64_t)d0};
  int negative = top < 0;
  if (negative) { /* two's-complement negation of the 128-bit value */
    mag.lo = ~mag.lo + 1;
    mag.hi = ~mag.hi + (mag.lo == 0);
  }
  if (mag.hi == 0 && mag.lo == 0)
    return ((f & SEEN_NEG_ZERO) && !(f & SEEN_SMALL) && a->lo == 0) ? -0.0 : 0.0;
  /* Round at the 53rd bit below the leading one, or at 2^-1074 for subnormal results, so
   * that compose is exact (or overflows to Inf exactly when IEEE rounding would). */
  int base = BIN_BITS * a->lo; /* absolute position of bit 0 of mag */
  int lead = base + leading_bit(mag);
  int cut = (lead > 52 ? lead - 52 : 0) - base; /* bits of mag to round away */
  uint64_t mant;
  if (cut <= 0) {
    mant = mag.lo; /* fewer than 54 bits: exact */
    cut = 0;
  } else {
    mant = u128_shr(mag, cut).lo;
    U128 rest = u128_low_bits(mag, cut);
    U128 half = {0, 0};
    if (cut - 1 >= 64)
      half.hi = 1ULL << (cut - 1 - 64);
    else
      half.lo = 1ULL << (cut - 1);
    int c = u128_cmp(rest, half);
    if (c > 0 || (c == 0 && (mant & 1))) mant++;
  }
  return compose(mant, base + cut, negative ? SIGN_BIT : 0);
}

void ws_repro_sum_finish(const WsReproSum *acc, double *out, int64_t count) {
  for (int64_t i = 0; i < count; i++)
    out[i] = finish_one(&acc[i]);
}

double ws_repro_sum_array(const double *x, int64_t count) {
  WsReproSum acc = {{0, 0, 0}, 0, 0};
  for (int64_t i = 0; i < count; i++)
    deposit_one(&acc, x[i]);
  return finish_one(&acc);
}

double ws_repro_sum_dot(const double *x, const double *y, int64_t count) {
  WsReproSum acc = {{0, 0, 0}, 0, 0};
  for (int64_t i = 0; i < count; i++)
    deposit_one(&acc, x[i] * y[i]);
  return finish_one(&acc);
}
