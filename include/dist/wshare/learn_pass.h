/* The passes over the rows that learned sharing needs (README "Learned sharing"): the Gram
 * matrix of merged columns of the design, the residual sums of squares of several models in
 * one pass, and the gradient over one set of rows.  Each can split the rows into the fit
 * rows and the held-out rows of the holdout criterion.  Every result is summed over the
 * ranks and then broadcast from rank 0, so that all ranks hold the same bits and every
 * decision taken on them (the clustering) is the same everywhere. */
#ifndef WSHARE_LEARN_PASS_H
#define WSHARE_LEARN_PASS_H

#include "wshare/design.h"

/* Rows of the holdout criterion: global row i is held out when i mod 10 = 9, whatever the
 * number of ranks. */
enum { WS_ROWS_FIT = 0, WS_ROWS_HELD_OUT = 1 };
static inline int ws_learn_pass_row_set(int64_t global_row) {
  return global_row % 10 == 9 ? WS_ROWS_HELD_OUT : WS_ROWS_FIT;
}

/* The Gram matrix of merged columns: column c of Z is the sum of the design columns j with
 * map[j] = c (centred when the design is), and with `ones` a column of ones is appended
 * (index k).  Against y - ybar (ybar = the mean of y when the design is centred, else 0). */
typedef struct {
  int k, dim;     /* merged columns; dim = k + ones */
  int sets;       /* 1: all rows; 2: the fit rows (block 0) and the held-out rows (block 1) */
  int diag_only;  /* only the diagonals of the blocks were formed */
  double *G;      /* sets blocks of dim x dim (full, column-major), or of dim (diag_only) */
  double *b;      /* sets blocks of dim: Z^T (y - ybar) */
  double yy[2];   /* |y - ybar|^2 per set */
  double rows[2]; /* rows per set */
  double ybar;
} WsLearnGram;

/* Collective, one pass: the Gram of the k merged columns given by map (n entries, -1 leaves a
 * column out), split into the two row sets when split is set.  Time goes to the compute and
 * allreduce slots of timers (may be NULL). */
WsErr ws_learn_pass_gram(MPI_Comm comm, const WsDesign *des, const int *map, int k, int ones,
                         int split, int diag_only, WsTimers *timers, WsLearnGram *out);
/* Frees the blocks of g (local). */
void ws_learn_pass_gram_free(WsLearnGram *g);

/* Collective, one pass: for each of count models (weights W + t n, shift c[t], the design's
 * convention r_i = x~_i.w + c - y_i), the residual sum of squares over all rows (split = 0:
 * rss[t]) or over the fit and held-out rows (rss[2 t], rss[2 t + 1]). */
WsErr ws_learn_pass_rss(MPI_Comm comm, const WsDesign *des, int count, const double *W,
                        const double *c, int split, WsTimers *timers, double *rss);

/* Collective, one pass: g = sum_i r_i x~_i (n) and sums = (sum r_i^2, sum r_i) over all rows
 * (split = 0), or over the fit rows (g, sums) and the held-out rows (g + n, sums + 2), with r_i
 * as above; not divided by the number of rows. */
WsErr ws_learn_pass_gradient(MPI_Comm comm, WsDesign *des, const double *w, double c, int split,
                             WsTimers *timers, double *g, double *sums);

#endif
