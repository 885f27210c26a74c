/* Reproducible summation: vectors of sums whose value does not depend on the order or the
 * grouping of the terms, so that chunk contributions can be added within a rank and across
 * ranks and give the same bits on any number of ranks.  Kernels layer: no MPI, no HDF5.
 *
 * Method: a window of integer bins on an absolute grid.  Every finite double is an integer
 * multiple of 2^-1074, i.e. a 2098-bit fixed-point number; its bits are cut into bins of
 * W = 32 absolute bit positions (bin b holds the weights 2^(32b-1074) .. 2^(32b+31-1074)).
 * An accumulator keeps K = 3 consecutive bins [lo, lo+3), with lo = max(0, B - 2) where B
 * is the bin of the leading bit of the largest |x| deposited so far.  A term contributes
 * the digits of |x| that fall in the window, with the sign of x (digits below the window
 * are dropped: the term is truncated toward zero onto the grid 2^(32lo-1074)).  Each bin
 * is an int64 that adds these signed 32-bit digits with no carries between bins, so
 * bin b holds exactly sum_i digit_b(x_i).  Why the result is independent of order and
 * grouping: the window depends only on the largest term; each term's digit in a given
 * absolute bin depends only on the term; integer addition is associative; and raising the
 * window (a larger term arrives, or a merge with an accumulator that saw one) discards
 * exactly the bins below, whose contents are precisely the dropped digits of the terms
 * already held, so the state equals the one of depositing every term directly into the
 * final window.  (Truncation nests: the digits of |x| cut at a coarser grid are the same
 * digits.  Rounding to nearest would not nest, because of the carry out of a dropped bin,
 * which is why the ReproBLAS-style binned method needs its "nested round-to-nearest"
 * care.)  The whole state, not just the result, is canonical: equal multisets give equal
 * bytes, so an MPI reduction over any tree yields the same bytes on every rank.
 *
 * Why this and not the alternatives: ReproBLAS-style floating bins (K = 3, W = 40) give
 * 2^-80 instead of 2^-64 below, but need 48 bytes, periodic renormalisation of the carries,
 * scaled bins near DBL_MAX and the round-to-odd trick; an exact long accumulator needs
 * 2098 + 64 bits (about 280 bytes) per entry, too much for 2000 x 2000 Gram matrices.
 *
 * Accuracy.  Let S be the exact sum of n finite terms and R the exact sum of the truncated
 * terms.  The grid unit g = 2^(32lo-1074) is at most 2^-64 max|x_i| (or 2^-1074 when
 * lo = 0, where nothing is dropped), so |S - R| < n g, and finish rounds R correctly to
 * nearest (ties to even).  Hence
 *     |result - S| <= 2^-53 |S| + 2^-63 n max|x_i|,
 * which for n >= 3 is never larger than the bound (n - 1) 2^-53 sum|x_i| of ordinary
 * recursive summation.  Terms with |x| >= 2^-11 max|x_i| are kept exactly; when all terms
 * are (or all |x| < 2^-978, i.e. lo = 0) the result is the correctly rounded exact sum,
 * the same as a single IEEE addition for n = 2.  (For two terms of which the smaller is
 * partly dropped, the result can differ from IEEE a + b at a rounding tie of R.)
 *
 * Special values, and where this differs from ordinary summation:
 *   - any NaN gives NaN; +Inf and -Inf together give NaN; otherwise an infinite term gives
 *     that infinity.  The NaN is the default quiet NaN (payloads are not carried).
 *   - zeros: the result is -0 exactly when at least one term was deposited and every term
 *     was -0 (the IEEE sum of the terms themselves); an exact zero otherwise is +0.
 *   - subnormals are on the grid and summed exactly.
 *   - overflow: the bins hold R exactly far beyond DBL_MAX, so there is no intermediate
 *     overflow: the result is +-Inf exactly when R rounds out of range (|R| >= 2^1024 -
 *     2^970).  DBL_MAX + DBL_MAX - DBL_MAX is DBL_MAX in every order, where ordinary
 *     summation gives Inf or DBL_MAX depending on the order.
 *   - capacity: at most 2^31 - 1 finite terms per entry, counted over all deposits and
 *     merges that reach it (with chunks of 256 rows, 5e11 rows); beyond that an int64 bin
 *     may overflow (not checked, to keep deposits cheap).
 *
 * Memory: 32 bytes per entry.  All-zero bytes are the empty sum, so calloc'd or memset
 * arrays are ready to use; the struct has no padding and may be sent as bytes. */
#ifndef WSHARE_REPRO_SUM_H
#define WSHARE_REPRO_SUM_H

#include <stdint.h>

enum { WS_REPRO_SUM_BINS = 3 };

/* One reproducible sum.  Read and written only through the functions below. */
typedef struct {
  int64_t bin[WS_REPRO_SUM_BINS]; /* bin[k]: sum of the terms' signed digits in bin lo + k */
  int32_t lo;                     /* absolute index of the window's lowest bin */
  uint32_t flags;                 /* NaN, +Inf, -Inf, -0 and tiny terms seen */
} WsReproSum;

/* Sets acc[0 .. count) to the empty sum (all bytes zero). */
void ws_repro_sum_zero(WsReproSum *acc, int64_t count);

/* acc[i] += x[i] for i < count.  Integer operations only, a few ns per entry
 * (scripts/bench/repro_sum measures it). */
void ws_repro_sum_deposit(WsReproSum *acc, const double *x, int64_t count);

/* dst[i] += src[i] for i < count: afterwards dst[i] holds the terms of both. */
void ws_repro_sum_merge(WsReproSum *dst, const WsReproSum *src, int64_t count);

/* out[i] = the value of acc[i], one double each (see the header comment for its accuracy
 * and special values).  acc is not changed: deposits may continue afterwards. */
void ws_repro_sum_finish(const WsReproSum *acc, double *out, int64_t count);

/* The reproducible sum of x[0 .. count): the same double for any permutation of x. */
double ws_repro_sum_array(const double *x, int64_t count);

/* sum_i x[i] * y[i] with each product rounded to double, summed reproducibly: the same
 * double for any permutation of the index pairs.  ws_repro_sum_dot(x, x, n) is the
 * reproducible squared 2-norm. */
double ws_repro_sum_dot(const double *x, const double *y, int64_t count);

#endif
