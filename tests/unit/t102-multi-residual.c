/* Residual sums of squares of several models in one sweep (wshare/multi_residual.h) against a
 * naive loop in long double, with and without a split of the rows into two sets, and the
 * sums added to what the output held. */
#include <math.h>

#include "unit.h"
#include "wshare/multi_residual.h"
#include "wshare/rng.h"

enum { ROWS = 41, N = 13, COUNT = 5 };

static void check(int split) {
  double X[ROWS * N], y[ROWS], W[COUNT * N], shift[COUNT], R[ROWS * COUNT], rss[COUNT * 2];
  int set[ROWS];
  for (int i = 0; i < ROWS * N; i++)
    X[i] = ws_rng_normal(3, 1, (uint64_t)i);
  for (int i = 0; i < ROWS; i++) {
    y[i] = 10.0 * ws_rng_normal(3, 2, (uint64_t)i);
    set[i] = i % 10 == 9;
  }
  for (int t = 0; t < COUNT * N; t++)
    W[t] = ws_rng_normal(3, 3, (uint64_t)t);
  for (int t = 0; t < COUNT; t++)
    shift[t] = 0.5 * t - 1.0;
  int sets = split ? 2 : 1;
  for (int t = 0; t < COUNT * sets; t++)
    rss[t] = 1.5; /* the kernel adds */
  ws_multi_residual_sums(ROWS, N, X, y, COUNT, W, shift, split ? set : NULL, sets, R, rss);
  for (int t = 0; t < COUNT; t++)
    for (int s = 0; s < sets; s++) {
      long double want = 1.5L, scale = 0.0L;
      for (int i = 0; i < ROWS; i++) {
        if (split && set[i] != s) continue;
        long double r = (long double)shift[t] - y[i];
        for (int j = 0; j < N; j++)
          r += (long double)X[i * N + j] * W[t * N + j];
        want += r * r;
        scale += r * r;
      }
      double got = rss[t * sets + s];
      UNIT_CHECK(fabsl(got - want) <= 1e-13L * scale, "model %d set %d: %.17g, want %.17Lg", t, s,
                 got, want);
    }
}

int main(void) {
  unit_name = "t102-multi-residual";
  check(0);
  check(1);
  return 0;
}
