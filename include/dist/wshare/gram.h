/* The tied Gram matrix of a problem from one pass over the rows, never storing X S:
 *   per-output ties (q = 1, none, groups given per input): G = Z~^T Z~ for one output's tied
 *     design Z~ = X~ S1 (k1 columns) and ZY = Z~^T (Y - ybar), one right-hand side per
 *     output, accumulated slab by slab with DSYRK on the tied rows;
 *   ties across outputs (n x q groups): G = sum_o S_o^T (X~^T X~) S_o over all K tied
 *     columns, with X~^T X~ from DSYRK on the raw rows, and the right-hand side
 *     ZY = sum_o S_o^T X~^T (y_o - ybar_o) accumulated from the member lists (m nnz).
 * X~ is centred when the problem has an intercept. */
#ifndef WSHARE_GRAM_H
#define WSHARE_GRAM_H

#include "wshare/problem.h"

/* The Gram pass works on slabs of rows of about 2^22 doubles (32 MiB) of expanded and tied
 * rows, so each DSYRK does enough work per sweep over G and the scratch stays small: the
 * rows of a slab for rows of width values (the memory estimate counts it from here). */
enum { WS_GRAM_SLAB_DOUBLES = 1 << 22, WS_GRAM_SLAB_MIN = 64, WS_GRAM_SLAB_MAX = 4096 };
static inline int64_t ws_gram_slab_limit(int width) {
  int64_t slab = WS_GRAM_SLAB_DOUBLES / (width > 0 ? width : 1);
  return slab < WS_GRAM_SLAB_MIN   ? WS_GRAM_SLAB_MIN
         : slab > WS_GRAM_SLAB_MAX ? WS_GRAM_SLAB_MAX
                                   : slab;
}

/* Local: the Gram matrix's order kg and its right-hand sides nrhs (k1 and q for per-output
 * ties, K and 1 across outputs). */
void ws_gram_shape(const WsProblem *p, int *kg, int *nrhs);
/* Collective: fills G (kg x kg, full, column-major) and ZY (kg x nrhs, column-major), summed
 * over all ranks; the pass's time goes to the compute slot. */
WsErr ws_gram_compute(WsProblem *p, double *G, double *ZY);

#endif
