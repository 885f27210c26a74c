/* The sharing ("merge") operator A (README "Commands and options", sharing) and the tied
 * basis S behind it.
 *
 * Every sharing is described by a basis S (n x k) of the tied weights, w = S u, and a
 * diagonal scaling d (k) such that the orthogonal projector is A = S diag(d) S^T:
 *   none:    S = I, d = 1;
 *   groups:  S has an indicator column per group id >= 0 (ascending ids) followed by a unit
 *            column per unshared weight (id -1); a weight fixed at zero (id -2) is a zero
 *            row of S, in no tied column, so A sets it to 0; d = 1 / group size;
 *   matrix:  a symmetric projector A gives an orthonormal basis S of its range, d = 1; a
 *            matrix that is not a projector has no basis (k = 0) and only merges literally.
 * Operations are local (weights are replicated on every rank).  The merge and the
 * preconditioner use the handle's scratch vector, so they take a non-const handle. */
#ifndef WSHARE_SHARING_H
#define WSHARE_SHARING_H

#include <stdint.h>

#include "wshare/error.h"

typedef enum { WS_SHARING_NONE, WS_SHARING_GROUPS, WS_SHARING_MATRIX } WsSharingKind;

typedef struct {
  WsSharingKind kind;
  int n;             /* weights */
  int k;             /* tied columns (0 for a matrix that is not a projector) */
  int n_groups;      /* groups sharing: distinct ids >= 0 (the first n_groups tied columns) */
  int is_projector;  /* A = A^T = A^2 within tolerance */
  int *tied_of;      /* groups: tied column of each weight (n), -1 when fixed at zero */
  int64_t *tied_id;  /* groups: group id of each tied column, -1 for unshared (k) */
  double *scale;     /* d (k) */
  double *A;         /* matrix: n x n, row-major */
  double *basis;     /* matrix projector: S, n x k, row-major */
  uint64_t checksum; /* of the defining data, for checkpoint fingerprints */
  double *work;      /* scratch of n values (k <= n) so the merge never allocates */
} WsSharing;

WsErr ws_sharing_create_none(int n, WsSharing **sh);
/* ids: one integer per weight; ids need not be sorted or contiguous; -1 = not shared, -2 =
 * fixed at zero (ids below -2, or every weight fixed, are input errors).  what names the
 * source for messages. */
WsErr ws_sharing_create_groups(int n, const int64_t *ids, const char *what, WsSharing **sh);
/* A: n x n row-major; tested for being a symmetric projector within tol. */
WsErr ws_sharing_create_matrix(int n, const double *A, double tol, WsSharing **sh);
void ws_sharing_destroy(WsSharing **sh);

/* w <- A w (the merge). */
void ws_sharing_merge(WsSharing *sh, double *w);
/* u = S^T w (k values: per-group sums for groups). */
void ws_sharing_reduce(const WsSharing *sh, const double *w, double *u);
/* w = S u. */
void ws_sharing_expand(const WsSharing *sh, const double *u, double *w);
/* out = S diag(d) S^T g with d given (k): with d = sh->scale this is the merge A g. */
void ws_sharing_precondition(WsSharing *sh, const double *d, const double *g, double *out);
/* Local: diagonal of S^T S (group sizes for groups, 1 otherwise) for column j. */
double ws_sharing_basis_norm2(const WsSharing *sh, int j);
const char *ws_sharing_kind_name(WsSharingKind kind);

#endif
