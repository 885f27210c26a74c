/* A convolution layer written as a dense layer (README "Models", convolutions as shared
 * weights): which weight W[i, o] of the dense layer (input i, output o) is which kernel
 * entry, and which are structurally zero.  Plain arrays in, numbers out; no MPI, no HDF5.
 *
 * Input: C channels of an H x W image (H = 1 for conv1d), flattened channel by channel,
 * row by row: i = (c H + y) W + x.  F filters of C x KH x KW kernel entries, flattened the
 * same way: e = ((f C + c) KH + ky) KW + kx.  Stride S in both directions, no padding, so
 * OH = (H - KH) / S + 1 by OW = (W - KW) / S + 1 output positions per filter, flattened
 * filter by filter: o = (f OH + oy) OW + ox.  Output o of filter f at (oy, ox) is
 *     Y_o = sum_{c, ky, kx} X_{(c H + oy S + ky) W + ox S + kx} k_{((f C + c) KH + ky) KW + kx}
 * (+ the filter's bias), so W[i, o] is kernel entry e for those C KH KW "taps" of o and
 * zero (group id -2) for every other input. */
#ifndef WSHARE_CONV_H
#define WSHARE_CONV_H

#include <stdint.h>

#include "wshare/error.h"

typedef struct {
  int channels, height, width; /* C, H, W */
  int filters, kh, kw, stride; /* F, KH, KW, S */
  int out_h, out_w;            /* OH, OW */
  int64_t n, q, entries, taps; /* inputs C H W; outputs F OH OW; entries F C KH KW; C KH KW */
} WsConv;

/* Local: checks and fills the shape (every size at least 1, the kernel within the image,
 * n and q representable); an input error names what does not fit. */
WsErr ws_conv_init(WsConv *cv, int channels, int height, int width, int filters, int kh, int kw,
                   int stride);

/* The taps of output o: inputs[t] and the kernel entry entries[t] that weights it,
 * t < cv->taps, in kernel-entry order. */
void ws_conv_taps(const WsConv *cv, int64_t o, int64_t *inputs, int64_t *entries);

/* Rows [i0, i0 + rows) of the n x q group ids (row-major: ids[(i - i0) q + o]): the kernel
 * entry of W[i, o], or -2 where input i is not a tap of output o.  Uses taps scratch
 * (2 cv->taps values). */
void ws_conv_groups(const WsConv *cv, int64_t i0, int64_t rows, int64_t *ids, int64_t *taps);

/* Y (rows x q, row-major) = X (rows x n, row-major) W + bias of each output's filter (bias
 * may be NULL), summing each output's taps in kernel-entry order.  Uses taps scratch. */
void ws_conv_forward(const WsConv *cv, int64_t rows, const double *X, const double *kernel,
                     const double *bias, double *Y, int64_t *taps);

#endif
