/* The sharing operator (wshare/sharing.h): for groups (unsorted, non-contiguous ids, with
 * unshared weights; per input for 1 and 3 outputs, and across 2 outputs), none (1 and 3
 * outputs), and a projector matrix, the merge A = S diag(d) S^T is a
 * symmetric projector, reduce and expand are adjoint (S^T and S), the merge is the
 * preconditioner with d = scale, and the basis norms are the diagonal of S^T S.  A matrix
 * that is not a projector is detected and merged literally; weights fixed at zero (id -2)
 * are zero rows of S; member lists list every tied weight once; bad group ids are refused
 * with their message. */
#include <math.h>
#include <string.h>

#include "unit.h"
#include "wshare/rng.h"
#include "wshare/sharing.h"

enum { N = 7, NW = 3 * N };

/* The dense matrix of the merge on R^nw, column by column. */
static void dense_merge(WsSharing *sh, double *A) {
  int nw = sh->nw;
  double e[NW];
  for (int j = 0; j < nw; j++) {
    memset(e, 0, sizeof e);
    e[j] = 1.0;
    ws_sharing_merge(sh, e);
    for (int i = 0; i < nw; i++)
      A[i * nw + j] = e[i];
  }
}

static void check_projector(WsSharing *sh, const char *what) {
  int nw = sh->nw;
  double A[NW * NW], A2[NW * NW];
  dense_merge(sh, A);
  for (int i = 0; i < nw; i++)
    for (int j = 0; j < nw; j++) {
      double s = 0.0;
      for (int l = 0; l < nw; l++)
        s += A[i * nw + l] * A[l * nw + j];
      A2[i * nw + j] = s;
    }
  for (int i = 0; i < nw * nw; i++) {
    UNIT_CHECK(fabs(A[i] - A[(i % nw) * nw + i / nw]) <= 1e-14, "%s: A is not symmetric", what);
    UNIT_CHECK(fabs(A2[i] - A[i]) <= 1e-14, "%s: A^2 != A at %d", what, i);
  }
  /* Adjointness: <S^T w, u> = <w, S u>, and S^T S diagonal = basis_norm2. */
  int k = sh->k, N = nw;
  double w[NW], u[NW], Su[NW], Stw[NW];
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
    double ut[NW] = {0}, col[NW];
    ut[t] = 1.0;
    ws_sharing_expand(sh, ut, col);
    double norm2 = 0.0;
    for (int j = 0; j < N; j++)
      norm2 += col[j] * col[j];
    UNIT_CHECK(fabs(norm2 - ws_sharing_basis_norm2(sh, t)) <= 1e-13, "%s: basis norm %d", what, t);
  }
  /* The merge is the preconditioner with d = scale. */
  double m1[NW], m2[NW];
  memcpy(m1, w, sizeof w);
  ws_sharing_merge(sh, m1);
  ws_sharing_precondition(sh, sh->scale, w, m2);
  for (int j = 0; j < N; j++)
    UNIT_CHECK(fabs(m1[j] - m2[j]) <= 1e-14, "%s: merge != precondition(scale)", what);
  if (sh->kind != WS_SHARING_GROUPS) return;
  /* Member lists: output by output, each weight of a tied column once, inputs ascending. */
  int q = sh->q, count = 0;
  for (int o = 0; o < q; o++)
    for (int e = sh->member_start[o]; e < sh->member_start[o + 1]; e++, count++) {
      int j = sh->member_input[e];
      UNIT_CHECK(sh->tied_of[j * q + o] == sh->member_tied[e], "%s: member %d", what, e);
      UNIT_CHECK(e == sh->member_start[o] || sh->member_input[e - 1] < j, "%s: order", what);
    }
  int present = 0;
  for (int e = 0; e < sh->nw; e++)
    present += sh->tied_of[e] >= 0;
  UNIT_CHECK(count == present && sh->nnz == present, "%s: %d members, %d weights tied", what, count,
             present);
}

int main(void) {
  unit_name = "t301-sharing";
  WsSharing *sh = NULL;
  /* Groups 40 (weights 0, 3, 6), 7 (1, 5) and unshared 2, 4. */
  const int64_t ids[N] = {40, 7, -1, 40, -1, 7, 40};
  UNIT_CHECK(ws_sharing_create_groups(N, 1, 1, ids, "test", &sh) == WS_OK, "groups");
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

  UNIT_CHECK(ws_sharing_create_none(N, 1, &sh) == WS_OK && sh->k == N, "none");
  check_projector(sh, "none");
  ws_sharing_destroy(&sh);
  UNIT_CHECK(ws_sharing_create_none(N, 3, &sh) == WS_OK && sh->k == 3 * N && sh->k1 == N,
             "none, 3 outputs");
  check_projector(sh, "none, 3 outputs");
  ws_sharing_destroy(&sh);

  /* Groups given per input with 3 outputs: each output its own copy, tied column t1 q + o,
   * the same map per output as with one. */
  UNIT_CHECK(ws_sharing_create_groups(N, 3, 1, ids, "test", &sh) == WS_OK, "groups, 3 outputs");
  UNIT_CHECK(sh->per_output && sh->k == 12 && sh->k1 == 4 && sh->n_groups == 2 &&
                 sh->tied_of[3 * 3 + 2] == 1 * 3 + 2 && sh->tied_id[1 * 3 + 2] == 40,
             "groups, 3 outputs: k %d, k1 %d", sh->k, sh->k1);
  check_projector(sh, "groups, 3 outputs");
  double x1[N] = {1, 2, 3, 4, 5, 6, 8}, z1[N];
  ws_sharing_reduce_inputs(sh, x1, z1);
  UNIT_CHECK(z1[0] == 8.0 && z1[1] == 13.0 && z1[2] == 3.0 && z1[3] == 5.0,
             "groups, 3 outputs: one output's tied row");
  ws_sharing_destroy(&sh);

  /* Ties across outputs (N x 2 ids): a kernel entry shared by both outputs, fixed zeros, an
   * unshared weight; the tied columns are the ids in ascending order, then the unshared. */
  const int64_t joint[N * 2] = {9, -2, 4, 9, -2, 4, -1, -2, -2, -2, 4, 9, -2, -1};
  UNIT_CHECK(ws_sharing_create_groups(N, 2, 0, joint, "test", &sh) == WS_OK, "across outputs");
  UNIT_CHECK(!sh->per_output && sh->k == 4 && sh->n_groups == 2 && sh->tied_id[0] == 4 &&
                 sh->tied_of[0] == 1 && sh->tied_of[3] == 1 && sh->tied_of[2] == 0 &&
                 sh->tied_of[1] == -1 && sh->scale[0] == 1.0 / 3 && sh->nnz == 8,
             "across outputs: k %d, nnz %d", sh->k, sh->nnz);
  check_projector(sh, "across outputs");
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
  UNIT_CHECK(ws_sharing_create_groups(N, 1, 1, fixed, "test", &sh) == WS_OK, "fixed zeros");
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
  UNIT_CHECK(ws_sharing_create_groups(N, 1, 1, bad, "f.h5: /groups", &sh) == WS_ERR_INPUT,
             "bad ids");
  UNIT_CHECK(strcmp(ws_error_message(),
                    "f.h5: /groups: group id -3 of weight 5 is invalid (ids are >= 0, -1 for not "
                    "shared, -2 for fixed at zero)") == 0,
             "message: %s", ws_error_message());
  /* Nothing left to fit. */
  const int64_t none_free[N] = {-2, -2, -2, -2, -2, -2, -2};
  UNIT_CHECK(ws_sharing_create_groups(N, 1, 1, none_free, "f.h5: /groups", &sh) == WS_ERR_INPUT,
             "all fixed");
  UNIT_CHECK(strcmp(ws_error_message(), "f.h5: /groups: every weight is fixed at zero (group id "
                                        "-2): nothing to fit") == 0,
             "message: %s", ws_error_message());
  return 0;
}
