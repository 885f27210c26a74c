#include "wshare/grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ctx, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctx, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctx);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);

WsErr ws_grid_create(MPI_Comm comm, int nprow, int npcol, WsGrid **out) {
  *out = NULL;
  int size;
  WS_MPI(MPI_Comm_size(comm, &size));
  WS_CHECK(nprow >= 1 && npcol >= 1 && nprow * npcol == size, WS_ERR_RUNTIME,
           "BLACS grid %d x %d does not match %d ranks", nprow, npcol, size);
  WsGrid *g;
  WS_ALLOC(g, 1);
  *out = g;
  /* BLACS numbers the processes of a system handle by their rank in comm, so a row-major
   * nprow x 1 grid puts rank r on process row r: the row partition's own layout. */
  g->system = Csys2blacs_handle(comm);
  g->ctx = g->system;
  Cblacs_gridinit(&g->ctx, "Row", nprow, npcol);
  Cblacs_gridinfo(g->ctx, &g->nprow, &g->npcol, &g->myrow, &g->mycol);
  WS_CHECK(g->nprow == nprow && g->npcol == npcol, WS_ERR_RUNTIME,
           "BLACS could not create a %d x %d process grid", nprow, npcol);
  return WS_OK;
}

WsErr ws_grid_create_square(MPI_Comm comm, WsGrid **g) {
  int size;
  WS_MPI(MPI_Comm_size(comm, &size));
  int nprow = (int)sqrt((double)size);
  while (nprow > 1 && size % nprow != 0)
    nprow--;
  return ws_grid_create(comm, nprow, size / nprow, g);
}

void ws_grid_destroy(WsGrid **g) {
  if (!g || !*g) return;
  if ((*g)->ctx >= 0) {
    Cblacs_gridexit((*g)->ctx);
    Cfree_blacs_system_handle((*g)->system);
  }
  free(*g);
  *g = NULL;
}

int64_t ws_grid_local_count(int64_t n, int64_t nb, int iproc, int nprocs) {
  int64_t blocks = n / nb, count = (blocks / nprocs) * nb;
  int64_t extra = blocks % nprocs;
  if (iproc < extra)
    count += nb;
  else if (iproc == extra)
    count += n % nb;
  return count;
}

int64_t ws_grid_global_index(int64_t local, int64_t nb, int iproc, int nprocs) {
  return ((local / nb) * nprocs + iproc) * nb + local % nb;
}

WsErr ws_grid_descriptor(const WsGrid *g, int64_t m, int64_t n, int64_t mb, int64_t nb, int64_t lld,
                         int desc[9]) {
  WS_CHECK(m <= INT32_MAX && n <= INT32_MAX && lld <= INT32_MAX, WS_ERR_RUNTIME,
           "a %lld x %lld matrix is too large for ScaLAPACK's 32-bit indices", (long long)m,
           (long long)n);
  int im = (int)m, in = (int)n, imb = (int)mb, inb = (int)nb, illd = (int)lld, zero = 0, info;
  descinit_(desc, &im, &in, &imb, &inb, &zero, &zero, &g->ctx, &illd, &info);
  WS_CHECK(info == 0, WS_ERR_RUNTIME,
           "DESCINIT rejected argument %d for a %lld x %lld matrix in %lld x %lld blocks", -info,
           (long long)m, (long long)n, (long long)mb, (long long)nb);
  return WS_OK;
}

/* Local entries of the distributed n x n matrix: (li, lj) with global (gi, gj). */
#define WS_GRID_FOR_LOCAL(g, n, nb, mloc, nloc, BODY)                                              \
  for (int64_t lj = 0; lj < (nloc); lj++) {                                                        \
    int64_t gj = ws_grid_global_index(lj, (nb), (g)->mycol, (g)->npcol);                           \
    for (int64_t li = 0; li < (mloc); li++) {                                                      \
      int64_t gi = ws_grid_global_index(li, (nb), (g)->myrow, (g)->nprow);                         \
      BODY                                                                                         \
    }                                                                                              \
  }

/* The work of ws_grid_cholesky on an existing grid; a and x are this rank's pieces of A and
 * of b (n x nrhs, block-cyclic like A). */
static WsErr grid_cholesky_local(MPI_Comm comm, const WsGrid *g, int n, int nrhs, int nb, double *A,
                                 double anorm, double rcond_min, double *b, int *info,
                                 double *rcond, double *udiag) {
  int64_t mloc = ws_grid_local_count(n, nb, g->myrow, g->nprow);
  int64_t nloc = ws_grid_local_count(n, nb, g->mycol, g->npcol);
  int64_t bloc = ws_grid_local_count(nrhs, nb, g->mycol, g->npcol);
  int64_t lld = mloc > 1 ? mloc : 1;
  int desca[9], descb[9], one = 1, lwork = -1, liwork = -1, iq = 0;
  double wq = 0.0;
  double *a = ws_memory_calloc((size_t)(lld * (nloc > 0 ? nloc : 1)), sizeof *a);
  double *x = ws_memory_calloc((size_t)(lld * (bloc > 0 ? bloc : 1)), sizeof *x);
  double *work = NULL;
  int *iwork = NULL;
  WsErr err = ws_comm_agree(comm, a && x ? WS_OK : WS_ERR_RUNTIME);
  if (!err) err = ws_grid_descriptor(g, n, n, nb, nb, lld, desca);
  if (!err) err = ws_grid_descriptor(g, n, nrhs, nb, nb, lld, descb);
  err = ws_comm_agree(comm, err);
  if (err) goto done;
  /* Every rank holds all of A already: copying blocks out needs no communication. */
  WS_GRID_FOR_LOCAL(g, n, nb, mloc, nloc, a[li + lj * lld] = A[gi + gj * n];)
  WS_GRID_FOR_LOCAL(g, n, nb, mloc, bloc, x[li + lj * lld] = b[gi + gj * n];)

  pdpotrf_("U", &n, a, &one, &one, desca, info, 1);
  if (MPI_Allreduce(MPI_IN_PLACE, info, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
    err = ws_error_set(WS_ERR_RUNTIME, "MPI_Allreduce failed after PDPOTRF");
  if (err || *info != 0) goto done;
  memset(udiag, 0, (size_t)n * sizeof *udiag);
  WS_GRID_FOR_LOCAL(g, n, nb, mloc, nloc, if (gi == gj) udiag[gi] = a[li + lj * lld];)
  if (MPI_Allreduce(MPI_IN_PLACE, udiag, n, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS)
    err = ws_error_set(WS_ERR_RUNTIME, "MPI_Allreduce failed gathering the Cholesky diagonal");
  if (err) goto done;

  pdpocon_("U", &n, a, &one, &one, desca, &anorm, rcond, &wq, &lwork, &iq, &liwork, info, 1);
  lwork = (int)wq + 1;
  liwork = iq + 1;
  work = ws_memory_calloc((size_t)lwork, sizeof *work);
  iwork = ws_memory_calloc((size_t)liwork, sizeof *iwork);
  err = ws_comm_agree(comm, work && iwork ? WS_OK : WS_ERR_RUNTIME);
  if (err) goto done;
  pdpocon_("U", &n, a, &one, &one, desca, &anorm, rcond, work, &lwork, iwork, &liwork, info, 1);
  if (MPI_Allreduce(MPI_IN_PLACE, rcond, 1, MPI_DOUBLE, MPI_MIN, comm) != MPI_SUCCESS)
    err = ws_error_set(WS_ERR_RUNTIME, "MPI_Allreduce failed after PDPOCON");
  if (!err && *info == 0 && *rcond >= rcond_min) {
    pdpotrs_("U", &n, &nrhs, a, &one, &one, desca, x, &one, &one, descb, info, 1);
    if (*info == 0) pdpotri_("U", &n, a, &one, &one, desca, info, 1);
  }
  if (err) goto done;
  err = ws_comm_agree(
      comm, *info == 0
                ? WS_OK
                : ws_error_set(WS_ERR_RUNTIME, "PDPOCON/PDPOTRS/PDPOTRI failed (info %d)", *info));
  if (err || *rcond < rcond_min) goto done;

  /* One owner per entry: the sums below are exact and the same on every rank. */
  memset(b, 0, (size_t)n * nrhs * sizeof *b);
  WS_GRID_FOR_LOCAL(g, n, nb, mloc, bloc, b[gi + gj * n] = x[li + lj * lld];)
  memset(A, 0, (size_t)n * n * sizeof *A);
  WS_GRID_FOR_LOCAL(g, n, nb, mloc, nloc, if (gi <= gj) A[gi + gj * n] = a[li + lj * lld];)
  if (MPI_Allreduce(MPI_IN_PLACE, b, n * nrhs, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS ||
      MPI_Allreduce(MPI_IN_PLACE, A, n * n, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS)
    err = ws_error_set(WS_ERR_RUNTIME, "MPI_Allreduce failed gathering the Cholesky solution");
done:
  free(a);
  free(x);
  free(work);
  free(iwork);
  return err;
}

WsErr ws_grid_cholesky(MPI_Comm comm, int n, int nrhs, int nb, double *A, double anorm,
                       double rcond_min, double *b, int *info, double *rcond, double *udiag) {
  WsGrid *g = NULL;
  *info = 0;
  *rcond = 0.0;
  WsErr err = ws_comm_agree(comm, ws_grid_create_square(comm, &g));
  if (!err)
    err = grid_cholesky_local(comm, g, n, nrhs, nb, A, anorm, rcond_min, b, info, rcond, udiag);
  ws_grid_destroy(&g);
  return err;
}
