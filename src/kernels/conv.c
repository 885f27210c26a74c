#include "wshare/conv.h"

#include <limits.h>

/* Rows of X per block of ws_conv_forward: the taps of an output are found once per block,
 * and a block of rows stays in cache while every output reads it. */
enum { CONV_BLOCK_ROWS = 32 };

WsErr ws_conv_init(WsConv *cv, int channels, int height, int width, int filters, int kh, int kw,
                   int stride) {
  WS_CHECK(channels >= 1 && height >= 1 && width >= 1 && filters >= 1 && kh >= 1 && kw >= 1 &&
               stride >= 1,
           WS_ERR_INPUT, "convolution: every size must be at least 1");
  WS_CHECK(kh <= height && kw <= width, WS_ERR_INPUT,
           "convolution: the %d x %d kernel does not fit the %d x %d input", kh, kw, height, width);
  int64_t n = (int64_t)channels * height * width;
  int64_t out_h = (height - kh) / stride + 1, out_w = (width - kw) / stride + 1;
  int64_t q = (int64_t)filters * out_h * out_w;
  WS_CHECK(n <= INT_MAX && q <= INT_MAX && n * q <= INT64_MAX / 8, WS_ERR_INPUT,
           "convolution: %lld inputs and %lld outputs are too many", (long long)n, (long long)q);
  *cv = (WsConv){.channels = channels,
                 .height = height,
                 .width = width,
                 .filters = filters,
                 .kh = kh,
                 .kw = kw,
                 .stride = stride,
                 .out_h = (int)out_h,
                 .out_w = (int)out_w,
                 .n = n,
                 .q = q,
                 .entries = (int64_t)filters * channels * kh * kw,
                 .taps = (int64_t)channels * kh * kw};
  return WS_OK;
}

void ws_conv_taps(const WsConv *cv, int64_t o, int64_t *inputs, int64_t *entries) {
  int64_t per_filter = (int64_t)cv->out_h * cv->out_w;
  int64_t f = o / per_filter, pos = o % per_filter;
  int64_t y0 = pos / cv->out_w * cv->stride, x0 = pos % cv->out_w * cv->stride;
  int64_t t = 0;
  for (int c = 0; c < cv->channels; c++)
    for (int ky = 0; ky < cv->kh; ky++)
      for (int kx = 0; kx < cv->kw; kx++, t++) {
        inputs[t] = ((int64_t)c * cv->height + y0 + ky) * cv->width + x0 + kx;
        entries[t] = f * cv->taps + t;
      }
}

void ws_conv_groups(const WsConv *cv, int64_t i0, int64_t rows, int64_t *ids, int64_t *taps) {
  int64_t q = cv->q, T = cv->taps;
  for (int64_t k = 0; k < rows * q; k++)
    ids[k] = -2;
  for (int64_t o = 0; o < q; o++) {
    ws_conv_taps(cv, o, taps, taps + T);
    for (int64_t t = 0; t < T; t++)
      if (taps[t] >= i0 && taps[t] < i0 + rows) ids[(taps[t] - i0) * q + o] = taps[T + t];
  }
}

void ws_conv_forward(const WsConv *cv, int64_t rows, const double *X, const double *kernel,
                     const double *bias, double *Y, int64_t *taps) {
  int64_t n = cv->n, q = cv->q, T = cv->taps, per_filter = (int64_t)cv->out_h * cv->out_w;
  for (int64_t i0 = 0; i0 < rows; i0 += CONV_BLOCK_ROWS) {
    int64_t block = rows - i0 < CONV_BLOCK_ROWS ? rows - i0 : CONV_BLOCK_ROWS;
    for (int64_t o = 0; o < q; o++) {
      ws_conv_taps(cv, o, taps, taps + T);
      double b = bias ? bias[o / per_filter] : 0.0;
      for (int64_t i = i0; i < i0 + block; i++) {
        const double *x = X + i * n;
        double s = 0.0;
        for (int64_t t = 0; t < T; t++)
          s += x[taps[t]] * kernel[taps[T + t]];
        Y[i * q + o] = s + b;
      }
    }
  }
}
