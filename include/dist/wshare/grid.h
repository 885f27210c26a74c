/* BLACS process grids on an MPI communicator, block-cyclic index arithmetic, and the
 * prototypes of the ScaLAPACK routines wshare calls (the Debian package ships no C header).
 *
 * Fortran routines take every argument by reference, with the hidden lengths of CHARACTER
 * arguments appended last (gfortran ABI); indices in descriptors are 1-based, the helpers
 * here are 0-based. */
#ifndef WSHARE_SCALAPACK_GRID_H
#define WSHARE_SCALAPACK_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "wshare/comm.h"

typedef struct {
  int system; /* BLACS system handle of the communicator */
  int ctx;    /* grid context; -1 when there is none */
  int nprow, npcol, myrow, mycol;
} WsGrid;

/* Collective: an nprow x npcol grid (row-major: rank r is process (r / npcol, r % npcol))
 * over all ranks of comm; nprow * npcol must equal the size of comm. */
WsErr ws_grid_create(MPI_Comm comm, int nprow, int npcol, WsGrid **g);
/* Collective: the grid as close to square as the number of ranks allows (nprow <= npcol). */
WsErr ws_grid_create_square(MPI_Comm comm, WsGrid **g);
/* Collective: releases the grid (NULL is ignored) and sets *g to NULL. */
void ws_grid_destroy(WsGrid **g);

/* Rows (or columns) of an n-long dimension in blocks of nb held by process iproc of nprocs
 * (ScaLAPACK's NUMROC with the first block on process 0). */
int64_t ws_grid_local_count(int64_t n, int64_t nb, int iproc, int nprocs);
/* Global index of local index `local` on process iproc. */
int64_t ws_grid_global_index(int64_t local, int64_t nb, int iproc, int nprocs);
/* Fills a ScaLAPACK array descriptor for an m x n matrix in mb x nb blocks on g's grid with
 * local leading dimension lld; fails if DESCINIT rejects the values. */
WsErr ws_grid_descriptor(const WsGrid *g, int64_t m, int64_t n, int64_t mb, int64_t nb, int64_t lld,
                         int desc[9]);

/* Collective: Cholesky A = U^T U of the symmetric positive definite n x n matrix A (column-
 * major, full, replicated: every rank passes the same values) on a near-square grid of
 * nb x nb blocks, each rank copying its blocks out of A.  On return *info > 0 means A is not
 * positive definite at column info - 1; otherwise *rcond is the reciprocal 1-norm condition
 * estimate (anorm = |A|_1) and udiag the diagonal of U.  Only when *rcond >= rcond_min it
 * also solves A X = B (B n x nrhs column-major, replicated, overwritten by X) and overwrites
 * A's upper triangle
 * with that of A^-1 (the lower triangle is zeroed); the results are identical on every
 * rank.  Returns an error only for a failure of the machinery, not for a singular A. */
WsErr ws_grid_cholesky(MPI_Comm comm, int n, int nrhs, int nb, double *A, double anorm,
                       double rcond_min, double *b, int *info, double *rcond, double *udiag);

void pdgeqrf_(const int *m, const int *n, double *a, const int *ia, const int *ja, const int *desca,
              double *tau, double *work, const int *lwork, int *info);
void pdormqr_(const char *side, const char *trans, const int *m, const int *n, const int *k,
              const double *a, const int *ia, const int *ja, const int *desca, const double *tau,
              double *c, const int *ic, const int *jc, const int *descc, double *work,
              const int *lwork, int *info, size_t side_len, size_t trans_len);
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info, size_t uplo_len);
void pdpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *ia,
              const int *ja, const int *desca, double *b, const int *ib, const int *jb,
              const int *descb, int *info, size_t uplo_len);
void pdpotri_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info, size_t uplo_len);
void pdpocon_(const char *uplo, const int *n, const double *a, const int *ia, const int *ja,
              const int *desca, const double *anorm, double *rcond, double *work, const int *lwork,
              int *iwork, const int *liwork, int *info, size_t uplo_len);

#endif
