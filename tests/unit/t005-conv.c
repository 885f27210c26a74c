/* Convolution layers as dense layers (wshare/conv.h) against a direct convolution written
 * with nested loops over filters, positions, channels and kernel offsets: the dense W built
 * from the group ids, X W + bias, the forward kernel, the ids computed in row blocks, the
 * count of taps per output, the output sizes, and the shapes refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "wshare/conv.h"
#include "wshare/rng.h"

enum { ROWS = 37 };

/* The convolution itself, in long double: sample s, filter f, output position (oy, ox). */
static long double direct(const WsConv *cv, const double *x, const double *k, const double *bias,
                          int f, int oy, int ox) {
  long double s = bias ? bias[f] : 0.0L;
  for (int c = 0; c < cv->channels; c++)
    for (int ky = 0; ky < cv->kh; ky++)
      for (int kx = 0; kx < cv->kw; kx++) {
        int y = oy * cv->stride + ky, xx = ox * cv->stride + kx;
        s += (long double)x[(c * cv->height + y) * cv->width + xx] *
             k[((f * cv->channels + c) * cv->kh + ky) * cv->kw + kx];
      }
  return s;
}

static void check(int C, int H, int W, int F, int KH, int KW, int S) {
  WsConv cv;
  UNIT_CHECK(!ws_conv_init(&cv, C, H, W, F, KH, KW, S), "init %d %d %d %d %d %d %d", C, H, W, F, KH,
             KW, S);
  UNIT_CHECK(cv.out_h == (H - KH) / S + 1 && cv.out_w == (W - KW) / S + 1 && cv.n == C * H * W &&
                 cv.q == F * cv.out_h * cv.out_w && cv.entries == F * C * KH * KW,
             "shape of %d x %d, kernel %d x %d, stride %d", H, W, KH, KW, S);
  int64_t n = cv.n, q = cv.q, T = cv.taps;
  int64_t *ids = calloc((size_t)(n * q), sizeof *ids),
          *part = calloc((size_t)(n * q), sizeof *part);
  int64_t *taps = calloc((size_t)(2 * T), sizeof *taps);
  double *X = calloc((size_t)(ROWS * n), sizeof *X), *Y = calloc((size_t)(ROWS * q), sizeof *Y);
  double *k = calloc((size_t)cv.entries, sizeof *k), *bias = calloc((size_t)F, sizeof *bias);
  for (int64_t i = 0; i < ROWS * n; i++)
    X[i] = ws_rng_normal(2, 1, (uint64_t)i);
  for (int64_t e = 0; e < cv.entries; e++)
    k[e] = ws_rng_normal(2, 2, (uint64_t)e);
  for (int f = 0; f < F; f++)
    bias[f] = ws_rng_normal(2, 3, (uint64_t)f);
  ws_conv_groups(&cv, 0, n, ids, taps);
  /* In row blocks of 3 (as ranks write their rows): the same ids. */
  for (int64_t i0 = 0; i0 < n; i0 += 3)
    ws_conv_groups(&cv, i0, n - i0 < 3 ? n - i0 : 3, part + i0 * q, taps);
  UNIT_CHECK(memcmp(ids, part, sizeof *ids * (size_t)(n * q)) == 0, "ids in row blocks differ");
  /* Every output: each entry of its own filter exactly once, nothing else but -2. */
  int *seen = calloc((size_t)cv.entries, sizeof *seen);
  for (int64_t o = 0; o < q; o++) {
    int64_t f = o / (cv.out_h * cv.out_w), count = 0;
    memset(seen, 0, sizeof *seen * (size_t)cv.entries);
    for (int64_t i = 0; i < n; i++) {
      int64_t e = ids[i * q + o];
      UNIT_CHECK(e == -2 || (e >= f * T && e < (f + 1) * T), "W[%lld, %lld] = %lld", (long long)i,
                 (long long)o, (long long)e);
      if (e >= 0) {
        seen[e]++;
        count++;
      }
    }
    UNIT_CHECK(count == T, "output %lld has %lld taps, expected %lld", (long long)o,
               (long long)count, (long long)T);
    for (int64_t t = 0; t < T; t++)
      UNIT_CHECK(seen[f * T + t] == 1, "output %lld: entry %lld seen %d times", (long long)o,
                 (long long)(f * T + t), seen[f * T + t]);
  }
  ws_conv_forward(&cv, ROWS, X, k, bias, Y, taps);
  for (int s = 0; s < ROWS; s++)
    for (int f = 0; f < F; f++)
      for (int oy = 0; oy < cv.out_h; oy++)
        for (int ox = 0; ox < cv.out_w; ox++) {
          int64_t o = ((int64_t)f * cv.out_h + oy) * cv.out_w + ox;
          long double want = direct(&cv, X + s * n, k, bias, f, oy, ox), dense = bias[f];
          for (int64_t i = 0; i < n; i++)
            if (ids[i * q + o] >= 0) dense += (long double)X[s * n + i] * k[ids[i * q + o]];
          long double scale = 1.0L + fabsl(want);
          UNIT_CHECK(fabsl(dense - want) <= 1e-15L * scale, "dense X W, sample %d output %lld", s,
                     (long long)o);
          UNIT_CHECK(fabsl(Y[s * q + o] - want) <= 1e-14L * scale,
                     "forward, sample %d output %lld: %.17g vs %.17Lg", s, (long long)o,
                     Y[s * q + o], want);
        }
  free(ids);
  free(part);
  free(taps);
  free(X);
  free(Y);
  free(k);
  free(bias);
  free(seen);
}

int main(void) {
  unit_name = "t005-conv";
  check(2, 1, 11, 4, 1, 3, 2); /* conv1d: 2 channels, 4 filters, stride 2 (9 of 11 used) */
  check(1, 1, 5, 1, 1, 5, 1);  /* kernel as wide as the input: one position */
  check(3, 1, 8, 2, 1, 1, 3);  /* 1-wide kernel */
  check(2, 6, 7, 3, 3, 3, 1);  /* conv2d 3 x 3 */
  check(1, 7, 6, 2, 3, 2, 2);  /* conv2d 3 x 2, stride 2 */
  WsConv cv;
  UNIT_CHECK(ws_conv_init(&cv, 1, 1, 4, 1, 1, 5, 1) == WS_ERR_INPUT &&
                 strcmp(ws_error_message(),
                        "convolution: the 1 x 5 kernel does not fit the 1 x 4 input") == 0,
             "kernel wider than the input: '%s'", ws_error_message());
  UNIT_CHECK(ws_conv_init(&cv, 1, 1, 4, 0, 1, 2, 1) == WS_ERR_INPUT, "0 filters accepted");
  UNIT_CHECK(ws_conv_init(&cv, 1, 1, 4, 1, 1, 2, 0) == WS_ERR_INPUT, "stride 0 accepted");
  return 0;
}
