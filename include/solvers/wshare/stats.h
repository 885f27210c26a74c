/* Statistics of a fit (README "Solvers", statistics).  The standard errors of the direct
 * solvers are computed with their fit (src/solvers/stats.c); what is here is shared by
 * every command that reports a fit. */
#ifndef WSHARE_STATS_H
#define WSHARE_STATS_H

#include <stdint.h>

/* The one R^2 of wshare, used by solve and predict alike: 1 - RSS / TSS over m targets
 * with sum y_sum and sum of squares y_sumsq; TSS is centred about the mean when the model
 * has an intercept, uncentred (sum y^2) without one.  0 when TSS is 0. */
double ws_stats_r2(double rss, double y_sum, double y_sumsq, int64_t m, int intercept);

#endif
