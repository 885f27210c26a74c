/* A rank's share of the design: its block of rows of X (float or double, as stored) and of
 * the targets Y (m x q: q outputs, q = 1 for a 1-D y), with polynomial features expanded on
 * the fly and, with an intercept, the columns centred implicitly by their global means (the
 * model X W + b is written as (X - 1 mu^T) W + c, c = b + mu^T W, which decouples the
 * intercept from W without copying X). */
#ifndef WSHARE_DESIGN_H
#define WSHARE_DESIGN_H

#include "wshare/progress.h"
#include "wshare/dataset.h"
#include "wshare/features.h"
#include "wshare/rowread.h"
#include "wshare/timer.h"

enum { WS_NAME_MAX = 256 };

typedef struct {
  WsPartition part; /* rows in all and this rank's block */
  int n_raw;        /* columns stored in the file */
  int degree;       /* polynomial degree (1 = raw columns) */
  int n;            /* model columns: features->n (n_raw * degree for separate terms) */
  WsDtype dtype;
  /* This rank's rows of X (part.count x n_raw, row-major, in runs: mapped or read, in dtype),
   * and the stored type and storage of X (README "Input files"). */
  WsRowBlock *x_rows;
  WsRowInfo x_info;
  int q;           /* outputs: columns of Y */
  double *y;       /* part.count x q, row-major, converted to double */
  int centred;     /* columns centred by mean (with an intercept) */
  double *mean;    /* n: global column means of the expanded columns (centred only) */
  double *y_sum;   /* q: global sums of each output's y and y^2 */
  double *y_sumsq; /* q */
  /* Scratch (so the passes below take a non-const handle): expanded rows, each output's shift
   * and a pass's local sums. */
  double *slab, *shift, *pass_sums;
  /* Reproducible passes (--reproducible): the partition is aligned to fixed chunks of rows
   * and every pass sums chunk by chunk, order-independently (wshare/pass_sum.h). */
  int reproducible;
  char x_name[WS_NAME_MAX]; /* the dataset of X, for messages */
  WsFeatures *features;     /* the model columns' terms, basis and map (README "Models") */
  /* Rank 0's progress reporter for the long single passes over these rows (reading them, the
   * Gram pass, learned sharing's passes); NULL on other ranks and with --quiet. */
  WsProgress *progress;
} WsDesign;

typedef struct {
  const char *x_name;
  const char *y_name; /* NULL: no y (predict without targets); 1-D or m x q */
  int degree;
  WsFeaturesTerms terms;
  WsFeaturesBasis basis;
  /* The map of a basis other than monomial to [-1, 1] (a model's, for predict): map_cols
   * bounds each; NULL: the global minimum and maximum of X's columns. */
  const double *map_lo, *map_hi;
  int map_cols;
  WsLayout x_layout;    /* X stored m x n (rows) or n x m (columns) */
  int reproducible;     /* results identical on any number of ranks (wshare/pass_sum.h) */
  WsProgress *progress; /* reports the read and is kept in the design; may be NULL */
} WsDesignSource;

/* The weights of a pass over the rows: dense W (n x q, row-major), or member lists, the
 * sparse form of tied weights (wshare/kernels.h): output o uses entries start[o] ..
 * start[o + 1] - 1, each an input input[e] with the weight wm[e]. */
typedef struct {
  const double *W; /* NULL: member lists */
  const int *start, *input;
  const double *wm;
} WsDesignWeights;

/* Collective over f's communicator: reads this rank's rows of X and y from f, checks shapes
 * and finiteness (a NaN or Inf is reported by row number from whichever rank holds it),
 * computes sums of y.  The reading time goes to the read slot of timers (may be NULL). */
WsErr ws_design_read(const WsH5File *f, const WsDesignSource *src, WsTimers *timers,
                     WsDesign **des);
void ws_design_destroy(WsDesign **des);
/* Collective: computes the global column means and switches on centring (once: a centred
 * design is left as it is). */
WsErr ws_design_centre(WsDesign *des, MPI_Comm comm, WsTimers *timers);

/* Local pass: with r_io = x~_i.W[:, o] + c_o - y_io (x~ centred if enabled; y omitted when
 * use_y is 0; c NULL: 0), adds sum_i r_io x~_i to g (dense: n x q like W; member lists: one
 * entry per member), and per output the sums of r^2 to sums[0..q) and of r to sums[q..2q).
 * Not divided by m.  One sweep over the rows serves all outputs. */
void ws_design_gradient(WsDesign *des, const WsDesignWeights *wt, const double *c, int use_y,
                        double *g, double *sums);
/* The same pass in two steps, for passes cut into chunks: prepare sets each output's shift
 * for the weights (once per pass); rows then adds the sums of local rows [i0, i0 + rows),
 * centring included, to g and sums (2 q), with the targets Y (this rank's rows, part.count x
 * q; NULL: 0) and, when R is not NULL, keeps each residual r_io in R (part.count x q; it may
 * be Y itself: LSQR's vector u). */
void ws_design_gradient_prepare(WsDesign *des, const WsDesignWeights *wt, const double *c);
void ws_design_gradient_rows(WsDesign *des, const WsDesignWeights *wt, const double *Y, double *R,
                             int64_t i0, int64_t rows, double *g, double *sums);
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
