/* The sharing ("merge") operator A (README "Commands and options", sharing) and the tied
 * basis S behind it, over the weights W (n inputs x q outputs, row-major: weight e = j q + o;
 * q = 1 is a vector of n weights).
 *
 * Every sharing is described by a basis S (n q x k) of the tied weights, w = S u, and a
 * diagonal scaling d (k) such that the orthogonal projector is A = S diag(d) S^T; S^T S is
 * diagonal (ws_sharing_basis_norm2):
 *   none:    S = I, d = 1;
 *   groups:  S has an indicator column per group id >= 0 (ascending ids) followed by a unit
 *            column per unshared weight (id -1); a weight fixed at zero (id -2) is a zero
 *            row of S, in no tied column, so A sets it to 0; d = 1 / group size;
 *   matrix:  a symmetric projector A gives an orthonormal basis S of its range, d = 1; a
 *            matrix that is not a projector has no basis (k = 0) and only merges literally.
 * With q > 1 the ties are either the same for every output (none, and groups given per
 * input: "per output", each output its own copy of every tied column, t = t1 q + o for the
 * column t1 of one output), or given per weight (n x q groups: ties across inputs and
 * outputs).  Groups also keep member lists: for each output, the weights that belong to a
 * tied column, which the sparse passes and the direct solvers use.
 * Operations are local (weights are replicated on every rank).  The merge and the
 * preconditioner use the handle's scratch vector, so they take a non-const handle. */
#ifndef WSHARE_SHARING_H
#define WSHARE_SHARING_H

#include <stdint.h>

#include "wshare/error.h"

typedef enum { WS_SHARING_NONE, WS_SHARING_GROUPS, WS_SHARING_MATRIX } WsSharingKind;

typedef struct {
  WsSharingKind kind;
  int n;             /* inputs (rows of W) */
  int q;             /* outputs (columns of W) */
  int nw;            /* weights: n q */
  int k;             /* tied columns over all outputs (0 for a matrix that is not a projector) */
  int per_output;    /* every output has the same ties (tied column t1 q + o) */
  int k1;            /* tied columns of one output when per_output (k = k1 q), else k */
  int n_groups;      /* distinct ids >= 0: the first tied columns (n_groups q when per_output) */
  int is_projector;  /* A = A^T = A^2 within tolerance */
  int *tied_of;      /* groups: tied column of each weight (nw), -1 when fixed at zero */
  int64_t *tied_id;  /* groups: group id of each tied column, -1 for unshared (k) */
  double *scale;     /* d (k) */
  double *A;         /* matrix: n x n, row-major */
  double *basis;     /* matrix projector: S, n x k, row-major */
  int nnz;           /* groups: weights that are in a tied column */
  int *member_start; /* groups: output o's members are member_start[o] .. member_start[o+1]-1 */
  int *member_input; /* groups: each member's input j (ascending within an output) */
  int *member_tied;  /* groups: each member's tied column */
  uint64_t checksum; /* of the defining data, for checkpoint fingerprints */
  double *work;      /* scratch of nw values (k <= nw) so the merge never allocates */
} WsSharing;

/* n inputs and q outputs, no ties. */
WsErr ws_sharing_create_none(int n, int q, WsSharing **sh);
/* ids: one integer per input when per_output (the same ties for each of the q outputs, or
 * q = 1), else one per weight (n x q, row-major); ids need not be sorted or contiguous;
 * -1 = not shared, -2 = fixed at zero (ids below -2, or every weight fixed, are input
 * errors).  what names the source for messages. */
WsErr ws_sharing_create_groups(int n, int q, int per_output, const int64_t *ids, const char *what,
                               WsSharing **sh);
/* A: n x n row-major (one output); tested for being a symmetric projector within tol. */
WsErr ws_sharing_create_matrix(int n, const double *A, double tol, WsSharing **sh);
void ws_sharing_destroy(WsSharing **sh);

/* w <- A w (the merge), w of nw values. */
void ws_sharing_merge(WsSharing *sh, double *w);
/* u = S^T w (k values: per-group sums for groups). */
void ws_sharing_reduce(const WsSharing *sh, const double *w, double *u);
/* w = S u. */
void ws_sharing_expand(const WsSharing *sh, const double *u, double *w);
/* Per-output ties only: z = S1^T x (k1 values) for one output's n values x. */
void ws_sharing_reduce_inputs(const WsSharing *sh, const double *x, double *z);
/* Per-output ties only: the tied column of one output that input j belongs to (-1 when
 * fixed at zero); the basis for a matrix has none (-1). */
int ws_sharing_input_column(const WsSharing *sh, int j);
/* out = S diag(d) S^T g with d given (k): with d = sh->scale this is the merge A g. */
void ws_sharing_precondition(WsSharing *sh, const double *d, const double *g, double *out);
/* Local: diagonal of S^T S (group sizes for groups, 1 otherwise) for column j. */
double ws_sharing_basis_norm2(const WsSharing *sh, int j);
const char *ws_sharing_kind_name(WsSharingKind kind);

#endif
