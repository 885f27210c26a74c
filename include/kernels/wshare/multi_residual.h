/* Residual sums of squares of several linear models over one block of rows, in one sweep:
 * the block is multiplied by all weight vectors at once (DGEMM), so X is read once however
 * many models are scored.  Kernels layer: plain arrays in, numbers out. */
#ifndef WSHARE_MULTI_RESIDUAL_H
#define WSHARE_MULTI_RESIDUAL_H

#include <stdint.h>

/* For each row i of X (rows x n, row-major) and model t < count (weights W + t n, shift
 * shift[t]): r = x_i.w_t + shift[t] - y_i, added squared to rss[t * sets + set[i]] (set may
 * be NULL: every row in set 0).  R is scratch of rows x count. */
void ws_multi_residual_sums(int64_t rows, int n, const double *X, const double *y, int count,
                            const double *W, const double *shift, const int *set, int sets,
                            double *R, double *rss);

#endif
