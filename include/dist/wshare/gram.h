/* The tied Gram matrix of a problem from one pass over the rows: G = Z~^T Z~ and
 * zy = Z~^T (y - ybar) for the tied design Z~ = X~ S (centred when the problem has an
 * intercept), accumulated slab by slab with DSYRK, never storing X S. */
#ifndef WSHARE_GRAM_H
#define WSHARE_GRAM_H

#include "wshare/problem.h"

/* Collective: fills G (k x k, full, column-major) and zy (k), k = the sharing's tied
 * columns, summed over all ranks; the pass's time goes to the compute slot. */
WsErr ws_gram_compute(WsProblem *p, double *G, double *zy);

#endif
