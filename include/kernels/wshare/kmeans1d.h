/* Exact weighted 1-D k-means for the whole path K = 1 .. k_max (README "Learned sharing").
 *
 * Minimises sum_j h_j (x_j - c_label(j))^2 over labelings with at most K distinct centres,
 * optionally with one extra cluster whose centre is pinned at exactly 0 (the pruned
 * weights).  Optimal clusters are contiguous runs of the sorted values, so one dynamic
 * programme over the sorted distinct values gives every K at once.  Kernels layer: plain
 * arrays in, numbers out; no MPI, no HDF5.
 *
 * Determinism: equal values always share a cluster, and the result depends only on the
 * multiset of (x_j, h_j) pairs, so permuting the input permutes the labels and changes no
 * bit of costs or centres; ties between equal-cost solutions resolve by fixed rules
 * (see ws_kmeans1d_create). */
#ifndef WSHARE_KMEANS1D_H
#define WSHARE_KMEANS1D_H

#include <stdint.h>

#include "wshare/memory.h"

/* Label of a member of the pinned-zero cluster (how wshare writes pruned weights). */
#define WS_KMEANS1D_ZERO (-2)

typedef struct WsKmeans1d WsKmeans1d;

/* Runs the dynamic programme for K = 1 .. k_max on n values x with importances h (h may
 * be NULL: all 1).  With pin_zero, one more cluster with centre fixed at 0 (cost
 * sum h_j x_j^2 over its members, possibly empty) is available besides the K free ones.
 *
 * Rules (all deterministic):
 *  - Equal values (including -0 and +0) are merged into one distinct value whose weight
 *    is the sum of theirs.  With m distinct values and K >= m, every distinct value is
 *    its own free cluster (cost 0, pinned-zero cluster empty): K is clipped to m.
 *  - For K < m exactly K free clusters are non-empty; their centres are the weighted
 *    means, or the unweighted means when all members have h = 0.
 *  - Among equal-cost choices, walking back from the largest value, each cluster starts as
 *    early as possible (the smallest split index), and on an exact tie between ending with
 *    the pinned-zero cluster or with a free one, the pinned-zero cluster is taken.
 * n may be 0 (every cost 0, nothing to label).  Negative or non-finite h, non-finite x,
 * k_max < 1, or values so large that the sums of squares overflow are WS_ERR_INPUT.  Not
 * collective.  Cost: O(k_max m log m) segment evaluations, 4 (8 with pin_zero) bytes per (K,
 * distinct value) for the split points. */
WsErr ws_kmeans1d_create(int64_t n, const double *x, const double *h, int k_max, int pin_zero,
                         WsKmeans1d **out);

/* Frees the path; accepts NULL and sets *path to NULL. */
void ws_kmeans1d_destroy(WsKmeans1d **path);

/* *cost = the optimal cost with at most k free centres (1 <= k <= k_max): non-increasing in
 * k (up to rounding), and exactly 0 once k >= the number of distinct values. */
WsErr ws_kmeans1d_cost(const WsKmeans1d *path, int k, double *cost);

/* The optimal clustering for k (1 <= k <= k_max).  labels (n entries) gets, for each input,
 * its cluster 0 .. used-1 in ascending order of centre value, or WS_KMEANS1D_ZERO for the
 * pinned-zero cluster; centres (may be NULL) gets the used centres, strictly ascending (a
 * free centre may happen to be 0); *used (may be NULL) = min(k, number of distinct values).
 * centres[used .. k-1] are not written.  Not collective. */
WsErr ws_kmeans1d_labels(const WsKmeans1d *path, int k, int *labels, double *centres, int *used);

/* The number of distinct values m. */
int64_t ws_kmeans1d_distinct(const WsKmeans1d *path);

/* How many segment costs the programme evaluated (free and pinned-zero segments): a
 * machine-independent measure of its work. */
int64_t ws_kmeans1d_evaluations(const WsKmeans1d *path);

#endif
