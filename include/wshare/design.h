/* A rank's share of the design: its block of rows of X (float or double, as stored) and y,
 * with polynomial features expanded on the fly and, with an intercept, the columns centred
 * implicitly by their global means (the model X w + b is written as (X - 1 mu^T) w + c,
 * c = b + mu.w, which decouples the intercept from w without copying X). */
#ifndef WSHARE_DESIGN_H
#define WSHARE_DESIGN_H

#include "wshare/dataset.h"
#include "wshare/rowread.h"
#include "wshare/timer.h"

typedef struct {
  WsPartition part; /* rows in all and this rank's block */
  int n_raw;        /* columns stored in the file */
  int degree;       /* polynomial degree (1 = raw columns) */
  int n;            /* model columns: n_raw * degree */
  WsDtype dtype;
  /* This rank's rows of X (part.count x n_raw, row-major, in runs: mapped or read, in dtype),
   * and the stored type and storage of X (README "Input files"). */
  WsRowBlock *x_rows;
  WsRowInfo x_info;
  double *y;    /* part.count, converted to double */
  int centred;  /* columns centred by mean (with an intercept) */
  double *mean; /* n: global column means of the expanded columns (centred only) */
  double y_sum; /* global sums of y and y^2 */
  double y_sumsq;
  double *slab; /* scratch for expanded rows */
  double *slab_y;
} WsDesign;

typedef struct {
  const char *path;
  const char *x_name;
  const char *y_name; /* NULL: no y (predict without targets) */
  int degree;
  WsLayout x_layout; /* X stored m x n (rows) or n x m (columns) */
} WsDesignSource;

/* Collective: reads this rank's rows of X and y, checks shapes and finiteness (a NaN or
 * Inf is reported by row number from whichever rank holds it), computes sums of y. */
WsErr ws_design_read(const WsDesignSource *src, MPI_Comm comm, WsTimers *timers, WsDesign **des);
void ws_design_destroy(WsDesign **des);
/* Collective: computes the global column means and switches on centring. */
WsErr ws_design_centre(WsDesign *des, MPI_Comm comm, WsTimers *timers);

/* Local pass: with r_i = x~_i.w + c - y_i (x~ centred if enabled; y omitted when use_y is
 * 0), adds sum_i r_i x~_i to g (n), and r^2, r sums to sums[0..1].  Not divided by m. */
void ws_design_gradient(const WsDesign *des, const double *w, double c, int use_y, double *g,
                        double sums[2]);
/* Local row i of X as stored in memory (n_raw values of dtype). */
static inline const void *ws_design_raw_row(const WsDesign *des, int64_t i) {
  return ws_rowread_row(des->x_rows, i, NULL);
}
/* Expands rows [i0, i0 + rows) of this rank into out (rows x n, row-major, uncentred). */
void ws_design_rows(const WsDesign *des, int64_t i0, int64_t rows, double *out);
/* Rows per slab used by the slab-wise passes. */
enum { WS_SLAB_ROWS = 64 };
/* Rows in the slab starting at local row i0. */
static inline int64_t ws_design_slab_rows(const WsDesign *des, int64_t i0) {
  int64_t left = des->part.count - i0;
  return left < WS_SLAB_ROWS ? left : WS_SLAB_ROWS;
}

#endif
