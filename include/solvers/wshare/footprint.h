/* What a run allocates, one function per need (README "Errors and exit codes", the memory
 * rule), summed by wshare/memcheck.h against the memory the ranks can have.  A new solver
 * adds its own function here and a case in ws_footprint_solver.  Estimates are upper
 * bounds of the large allocations; buffers of a few kilobytes are left out.  Local. */
#ifndef WSHARE_FOOTPRINT_H
#define WSHARE_FOOTPRINT_H

#include "wshare/memcheck.h"

/* The shape of a problem as known before its rows are read. */
typedef struct {
  int64_t rows;
  int n_raw;   /* columns stored */
  int n;       /* model columns (the polynomial terms of the raw columns) */
  int q;       /* outputs */
  int x_bytes; /* bytes per value of X in memory: 4 for float32, else 8 */
  int mapped;  /* X's rows are mapped from the file (page cache, not allocated) */
} WsFootprintShape;

/* A rank's rows: X as held in memory (mapped rows count as page cache, not here), y, the
 * row scratch of the polynomial expansion and the column means. */
void ws_footprint_design(WsMemNeeds *n, const WsFootprintShape *s);
/* The sharing operator: ids and maps for groups; a dense matrix A read, copied and
 * decomposed (about four n x n matrices at the peak). */
void ws_footprint_sharing(WsMemNeeds *n, const WsFootprintShape *s, int matrix);
/* An iterative solver's vectors over the weights and the intercept (its history grows
 * with the iterations made, 24 bytes each, and is not counted). */
void ws_footprint_iterative(WsMemNeeds *n, const WsFootprintShape *s);
/* cholesky: the replicated k x k tied Gram matrix, the slabs of the Gram pass and, beyond
 * the replicated LAPACK size, the ScaLAPACK blocks of the matrix. */
void ws_footprint_cholesky(WsMemNeeds *n, const WsFootprintShape *s, int k);
/* qr: the tied design copied into ScaLAPACK's blocks (local rows x tied columns), its
 * workspace, the residual vectors and the replicated triangular factor. */
void ws_footprint_qr(WsMemNeeds *n, const WsFootprintShape *s, int k, int intercept, int ridge);
/* lsqr: an iterative solver's vectors, this rank's rows of u (q per row), its k-vectors and
 * the replicated basis of the reorthogonalization. */
void ws_footprint_lsqr(WsMemNeeds *n, const WsFootprintShape *s, int k);
/* Compressed iterations: this rank's rows of the tied design Z (k1 doubles per row). */
void ws_footprint_compressed(WsMemNeeds *n, int k1);
/* The needs of solver (a name as ws_solver_name gives it) on k tied columns. */
void ws_footprint_solver(WsMemNeeds *n, const WsFootprintShape *s, const char *solver, int k,
                         int intercept, int ridge);

/* predict: the predictions of a rank's rows and the model's weights. */
void ws_footprint_predict(WsMemNeeds *n, const WsFootprintShape *s);
/* gen: the rank's block of X and y in the storage type, the weights and group ids. */
void ws_footprint_gen(WsMemNeeds *n, const WsFootprintShape *s);

#endif
