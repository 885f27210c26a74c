#include "wshare/scalapack_grid.h"

#include <math.h>

int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ctx, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctx, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctx);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);

WsErr ws_grid_create(MPI_Comm comm, int nprow, int npcol, WsGrid *g) {
  int size;
  WS_MPI(MPI_Comm_size(comm, &size));
  g->ctx = -1;
  WS_CHECK(nprow >= 1 && npcol >= 1 && nprow * npcol == size, WS_ERR_RUNTIME,
           "BLACS grid %d x %d does not match %d ranks", nprow, npcol, size);
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

WsErr ws_grid_create_square(MPI_Comm comm, WsGrid *g) {
  int size;
  WS_MPI(MPI_Comm_size(comm, &size));
  int nprow = (int)sqrt((double)size);
  while (nprow > 1 && size % nprow != 0) nprow--;
  return ws_grid_create(comm, nprow, size / nprow, g);
}

void ws_grid_destroy(WsGrid *g) {
  if (!g || g->ctx < 0) return;
  Cblacs_gridexit(g->ctx);
  Cfree_blacs_system_handle(g->system);
  g->ctx = -1;
}

int64_t ws_grid_local_count(int64_t n, int64_t nb, int iproc, int nprocs) {
  int64_t blocks = n / nb, count = (blocks / nprocs) * nb;
  int64_t extra = blocks % nprocs;
  if (iproc < extra) count += nb;
  else if (iproc == extra) count += n % nb;
  return count;
}

int64_t ws_grid_global_index(int64_t local, int64_t nb, int iproc, int nprocs) {
  return ((local / nb) * nprocs + iproc) * nb + local % nb;
}

WsErr ws_grid_descriptor(const WsGrid *g, int64_t m, int64_t n, int64_t mb, int64_t nb,
                         int64_t lld, int desc[9]) {
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
