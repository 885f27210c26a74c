/* The sharing operator (wshare/sharing.h): for groups (unsorted, non-contiguous ids, with
 * unshared weights), none, and a projector matrix, the merge A = S diag(d) S^T is a
 * symmetric projector, reduce and expand are adjoint (S^T and S), the merge is the
 * preconditioner with d = scale, and the basis norms are the diagonal of S^T S.  A matrix
 * that is not a projector is detected and merged literally; weights fixed at zero (id -2)
 * are zero rows of S; bad group ids are refused with their message. */
#include <math.h>
#include <string.h>

#include "unit.h"
#include "wshare/rng.h"
#include "wshare/sharing.h"

enum { N = 7 };

/* The dense matrix of a linear map on R^N, column by column. */
static void dense_merge(WsSharing *sh, double *A) {
  double e[N];
  for (int j = 0; j < N; j++) {
    memset(e, 0, sizeof e);
    e[j] = 1.0;
    ws_sharing_merge(sh, e);
    for (int i = 0; i < N; i++)
      A[i * N + j] = e[i];
  }
}

static void check_projector(WsSharing *sh, const char *what) {
  double A[N * N], A2[N * N];
  dense_merge(sh, A);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double s = 0.0;
      for (int l = 0; l < N; l++)
        s += A[i * N + l] * A[l * N + j];
      A2[i * N + j] = s;
    }
  for (int i = 0; i < N * N; i++) {
    UNIT_CHECK(fabs(A[i] - A[(i % N) * N + i / N]) <= 1e-14, "%s: A is not symmetric", what);
    UNIT_CHECK(fabs(A2[i] - A[i]) <= 1e-14, "%s: A^2 != A at %d", what, i);
  }
  /* Adjointness: <S^T w, u> = <w, S u>, and S^T S diagonal = basis_norm2. */
  int k = sh->k;
  double w[N], u[N], Su[N], Stw[N];
  for (int j = 0; j < N; j++)
    w[j] = ws_rng_normal(5, 1, (uint64_t)j);
  for (int t = 0; t < k; t++)
    u[t] = ws_rng_normal(5, 2, (uint64_t)t);
  ws_sharing_reduce(sh, w, Stw);
  ws_sharing_expand(sh, u, Su);
  double lhs = 0.0, rhs = 0.0;
  for (int t = 0; t < k; t++)
    lhs += Stw[t] * u[t];
  for (int j = 0; j < N; j++)
    rhs += w[j] * Su[j];
  UNIT_CHECK(fabs(lhs - rhs) <= 1e-13 * (fabs(lhs) + 1.0), "%s: reduce and expand not adjoint",
             what);
  for (int t = 0; t < k; t++) {
    double ut[N] = {0}, col[N];
    ut[t] = 1.0;
    ws_sharing_expand(sh, ut, col);
    double norm2 = 0.0;
    for (int j = 0; j < N; j++)
      norm2 += col[j] * col[j];
    UNIT_CHECK(fabs(norm2 - ws_sharing_basis_norm2(sh, t)) <= 1e-13, "%s: basis norm %d", what, t);
  }
  /* The merge is the preconditioner with d = scale. */
  double m1[N], m2[N];
  memcpy(m1, w, sizeof w);
  ws_sharing_merge(sh, m1);
  ws_sharing_precondition(sh, sh->scale, w, m2);
  for (int j = 0; j < N; j++)
    UNIT_CHECK(fabs(m1[j] - m2[j]) <= 1e-14, "%s: merge != precondition(scale)", what);
}

int main(void) {
  unit_name = "t301-sharing";
  WsSharing *sh = NULL;
  /* Groups 40 (weights 0, 3, 6), 7 (1, 5) and unshared 2, 4. */
  const int64_t ids[N] = {40, 7, -1, 40, -1, 7, 40};
  UNIT_CHECK(ws_sharing_create_groups(N, ids, "test", &sh) == WS_OK, "groups");
  UNIT_CHECK(sh->k == 4 && sh->n_groups == 2, "groups: k %d, %d groups", sh->k, sh->n_groups);
  UNIT_CHECK(sh->tied_id[0] == 7 && sh->tied_id[1] == 40, "tied columns in ascending id order");
  double w[N] = {1, 2, 3, 4, 5, 6, 8};
  ws_sharing_merge(sh, w);
  UNIT_CHECK(w[0] == 13.0 / 3 && w[3] == 13.0 / 3 && w[6] == 13.0 / 3 && w[1] == 4.0 &&
                 w[5] == 4.0 && w[2] == 3.0 && w[4] == 5.0,
             "groups: the merge averages each group");
  check_projector(sh, "groups");
  ws_sharing_destroy(&sh);
  UNIT_CHECK(sh == NULL, "destroy sets NULL");
  ws_sharing_destroy(&sh); /* NULL is fine */

  UNIT_CHECK(ws_sharing_create_none(N, &sh) == WS_OK && sh->k == N, "none");
  check_projector(sh, "none");
  ws_sharing_destroy(&sh);

  /* A projector onto span{(1,1,0,...)/sqrt2, e_3}: rank 2. */
  double P[N * N] = {0};
  P[0 * N + 0] = P[0 * N + 1] = P[1 * N + 0] = P[1 * N + 1] = 0.5;
  P[3 * N + 3] = 1.0;
  UNIT_CHECK(ws_sharing_create_matrix(N, P, 1e-10, &sh) == WS_OK && sh->is_projector && sh->k == 2,
             "projector matrix: k %d", sh ? sh->k : -1);
  check_projector(sh, "matrix");
  ws_sharing_destroy(&sh);

  /* Not a projector: detected, no basis, and merged literally as A w. */
  double B[N * N] = {0};
  for (int i = 0; i < N; i++)
    B[i * N + i] = 1.0;
  B[0 * N + 1] = 0.5;
  UNIT_CHECK(ws_sharing_create_matrix(N, B, 1e-10, &sh) == WS_OK && !sh->is_projector,
             "non-projector detected");
  double v[N] = {1, 2, 0, 0, 0, 0, 0};
  ws_sharing_merge(sh, v);
  UNIT_CHECK(v[0] == 2.0 && v[1] == 2.0, "literal merge: %g %g", v[0], v[1]);
  ws_sharing_destroy(&sh);

  /* Fixed at zero (-2): a zero row of S, so the merge sets those weights to 0 exactly and
   * they belong to no tied column. */
  const int64_t fixed[N] = {3, -2, -1, 3, -2, 5, 5};
  UNIT_CHECK(ws_sharing_create_groups(N, fixed, "test", &sh) == WS_OK, "fixed zeros");
  UNIT_CHECK(sh->k == 3 && sh->n_groups == 2 && sh->tied_of[1] == -1 && sh->tied_of[4] == -1,
             "fixed zeros: k %d, %d groups", sh->k, sh->n_groups);
  double z[N] = {1, 2, 3, 4, 5, 6, 8};
  ws_sharing_merge(sh, z);
  UNIT_CHECK(z[1] == 0.0 && z[4] == 0.0 && z[0] == 2.5 && z[3] == 2.5 && z[5] == 7.0 &&
                 z[6] == 7.0 && z[2] == 3.0,
             "fixed zeros: the merge zeroes them and averages the groups");
  check_projector(sh, "fixed zeros");
  ws_sharing_destroy(&sh);

  /* Ids below -2 are refused, naming the source, the id and the weight. */
  const int64_t bad[N] = {0, 0, -2, 1, 1, -3, 1};
  UNIT_CHECK(ws_sharing_create_groups(N, bad, "f.h5: /groups", &sh) == WS_ERR_INPUT, "bad ids");
  UNIT_CHECK(strcmp(ws_error_message(),
                    "f.h5: /groups: group id -3 of weight 5 is invalid (ids are >= 0, -1 for not "
                    "shared, -2 for fixed at zero)") == 0,
             "message: %s", ws_error_message());
  /* Nothing left to fit. */
  const int64_t none_free[N] = {-2, -2, -2, -2, -2, -2, -2};
  UNIT_CHECK(ws_sharing_create_groups(N, none_free, "f.h5: /groups", &sh) == WS_ERR_INPUT,
             "all fixed");
  UNIT_CHECK(strcmp(ws_error_message(), "f.h5: /groups: every weight is fixed at zero (group id "
                                        "-2): nothing to fit") == 0,
             "message: %s", ws_error_message());
  return 0;
}
