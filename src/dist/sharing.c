#include "wshare/sharing.h"
#include "wshare/memory.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(uint64_t h, const void *data, size_t bytes) {
  const unsigned char *p = data;
  for (size_t i = 0; i < bytes; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

static WsErr sharing_alloc(WsSharingKind kind, int n, int q, WsSharing **out) {
  WS_CHECK((int64_t)n * q <= INT32_MAX, WS_ERR_INPUT,
           "%d inputs x %d outputs are too many weights (at most %d)", n, q, INT32_MAX);
  WsSharing *sh;
  WS_ALLOC(sh, 1);
  *out = sh;
  sh->kind = kind;
  sh->n = n;
  sh->q = q;
  sh->nw = n * q;
  sh->per_output = 1;
  sh->is_projector = 1;
  WS_ALLOC(sh->work, sh->nw);
  return WS_OK;
}

WsErr ws_sharing_create_none(int n, int q, WsSharing **out) {
  WS_CALL(sharing_alloc(WS_SHARING_NONE, n, q, out));
  WsSharing *sh = *out;
  sh->k = sh->nw;
  sh->k1 = n;
  WS_ALLOC(sh->scale, sh->k);
  for (int t = 0; t < sh->k; t++)
    sh->scale[t] = 1.0;
  sh->checksum = fnv1a(0xcbf29ce484222325ULL, "none", 4);
  if (q > 1) sh->checksum = fnv1a(sh->checksum, &q, sizeof q);
  return WS_OK;
}

static int compare_int64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The tied columns of count ids (groups in ascending id order, then the unshared ones in
 * order; -2 in none): fills sh's tied_of (count), tied_id and scale (k), k and n_groups. */
static WsErr tie_ids(WsSharing *sh, int count, const int64_t *ids) {
  int64_t *sorted;
  WS_ALLOC(sorted, count);
  int n_shared = 0, n_unshared = 0;
  for (int e = 0; e < count; e++) {
    if (ids[e] >= 0)
      sorted[n_shared++] = ids[e];
    else if (ids[e] == -1)
      n_unshared++;
  }
  qsort(sorted, (size_t)n_shared, sizeof *sorted, compare_int64);
  int n_groups = 0;
  for (int i = 0; i < n_shared; i++)
    if (i == 0 || sorted[i] != sorted[i - 1]) sorted[n_groups++] = sorted[i];
  sh->n_groups = n_groups;
  sh->k = n_groups + n_unshared;
  sh->tied_of = ws_memory_calloc((size_t)count, sizeof *sh->tied_of);
  sh->tied_id = ws_memory_calloc((size_t)sh->k, sizeof *sh->tied_id);
  sh->scale = ws_memory_calloc((size_t)sh->k, sizeof *sh->scale);
  if (!sh->tied_of || !sh->tied_id || !sh->scale) {
    free(sorted);
    return ws_error_trace(WS_ERR_RUNTIME, __FILE__, __LINE__, __func__);
  }
  memcpy(sh->tied_id, sorted, (size_t)n_groups * sizeof *sorted);
  free(sorted);
  int next_unshared = n_groups;
  for (int e = 0; e < count; e++) {
    int t;
    if (ids[e] == -2) {
      sh->tied_of[e] = -1; /* a zero row of S: in no tied column */
      continue;
    }
    if (ids[e] == -1) {
      t = next_unshared++;
      sh->tied_id[t] = -1;
    } else {
      int64_t *hit = bsearch(&ids[e], sh->tied_id, (size_t)n_groups, sizeof *hit, compare_int64);
      t = (int)(hit - sh->tied_id);
    }
    sh->tied_of[e] = t;
    sh->scale[t] += 1.0;
  }
  for (int t = 0; t < sh->k; t++)
    sh->scale[t] = 1.0 / sh->scale[t];
  return WS_OK;
}

/* One output's ties given to each of q outputs: tied column t1 becomes t1 q + o. */
static WsErr replicate_outputs(WsSharing *sh) {
  int n = sh->n, q = sh->q, k1 = sh->k;
  int *tied_of1 = sh->tied_of;
  int64_t *tied_id1 = sh->tied_id;
  double *scale1 = sh->scale;
  sh->k1 = k1;
  sh->k = k1 * q;
  sh->tied_of = ws_memory_calloc((size_t)sh->nw, sizeof *sh->tied_of);
  sh->tied_id = ws_memory_calloc((size_t)sh->k, sizeof *sh->tied_id);
  sh->scale = ws_memory_calloc((size_t)sh->k, sizeof *sh->scale);
  int ok = sh->tied_of && sh->tied_id && sh->scale;
  for (int j = 0; ok && j < n; j++)
    for (int o = 0; o < q; o++)
      sh->tied_of[j * q + o] = tied_of1[j] < 0 ? -1 : tied_of1[j] * q + o;
  for (int t = 0; ok && t < k1; t++)
    for (int o = 0; o < q; o++) {
      sh->tied_id[t * q + o] = tied_id1[t];
      sh->scale[t * q + o] = scale1[t];
    }
  free(tied_of1);
  free(tied_id1);
  free(scale1);
  WS_CHECK(ok, WS_ERR_RUNTIME, "out of memory for the ties of %d outputs", q);
  return WS_OK;
}

/* Member lists, output by output, inputs ascending. */
static WsErr build_members(WsSharing *sh) {
  int n = sh->n, q = sh->q;
  sh->nnz = 0;
  for (int e = 0; e < sh->nw; e++)
    sh->nnz += sh->tied_of[e] >= 0;
  WS_ALLOC(sh->member_start, q + 1);
  WS_ALLOC(sh->member_input, sh->nnz);
  WS_ALLOC(sh->member_tied, sh->nnz);
  int pos = 0;
  for (int o = 0; o < q; o++) {
    sh->member_start[o] = pos;
    for (int j = 0; j < n; j++) {
      int t = sh->tied_of[j * q + o];
      if (t < 0) continue;
      sh->member_input[pos] = j;
      sh->member_tied[pos++] = t;
    }
  }
  sh->member_start[q] = pos;
  return WS_OK;
}

WsErr ws_sharing_create_groups(int n, int q, int per_output, const int64_t *ids, const char *what,
                               WsSharing **out) {
  if (q == 1) per_output = 1;
  int count = per_output ? n : n * q, n_free = 0;
  for (int e = 0; e < count; e++) {
    if (ids[e] >= -2) {
      n_free += ids[e] != -2;
      continue;
    }
    if (per_output)
      return ws_error_set(WS_ERR_INPUT,
                          "%s: group id %lld of weight %d is invalid (ids are >= 0, -1 for not "
                          "shared, -2 for fixed at zero)",
                          what, (long long)ids[e], e);
    return ws_error_set(WS_ERR_INPUT,
                        "%s: group id %lld of weight (%d, %d) is invalid (ids are >= 0, -1 for "
                        "not shared, -2 for fixed at zero)",
                        what, (long long)ids[e], e / q, e % q);
  }
  WS_CHECK(n_free > 0, WS_ERR_INPUT,
           "%s: every weight is fixed at zero (group id -2): nothing to fit", what);
  WS_CALL(sharing_alloc(WS_SHARING_GROUPS, n, q, out));
  WsSharing *sh = *out;
  sh->per_output = per_output;
  WS_CALL(tie_ids(sh, count, ids));
  sh->k1 = sh->k;
  if (per_output && q > 1) WS_CALL(replicate_outputs(sh));
  WS_CALL(build_members(sh));
  sh->checksum = fnv1a(0xcbf29ce484222325ULL, ids, (size_t)count * sizeof *ids);
  if (q > 1) {
    int shape[2] = {q, per_output};
    sh->checksum = fnv1a(sh->checksum, shape, sizeof shape);
  }
  return WS_OK;
}

WsErr ws_sharing_create_matrix(int n, const double *A, double tol, WsSharing **out) {
  WS_CALL(sharing_alloc(WS_SHARING_MATRIX, n, 1, out));
  WsSharing *sh = *out;
  WS_ALLOC(sh->A, (size_t)n * n);
  memcpy(sh->A, A, (size_t)n * n * sizeof *A);
  sh->checksum = fnv1a(0xcbf29ce484222325ULL, A, (size_t)n * n * sizeof *A);

  double asym = 0.0, idem = 0.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      asym = fmax(asym, fabs(A[i * n + j] - A[j * n + i]));
      double a2 = 0.0;
      for (int l = 0; l < n; l++)
        a2 += A[i * n + l] * A[l * n + j];
      idem = fmax(idem, fabs(a2 - A[i * n + j]));
    }
  sh->is_projector = asym <= tol && idem <= tol;
  if (!sh->is_projector) return WS_OK;

  /* The range of a symmetric projector is spanned by its eigenvectors of eigenvalue 1. */
  double *V, *eig;
  WS_ALLOC(V, (size_t)n * n);
  WS_ALLOC(eig, n);
  memcpy(V, A, (size_t)n * n * sizeof *A);
  lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', n, V, n, eig);
  if (info != 0) {
    free(V);
    free(eig);
    return ws_error_set(WS_ERR_RUNTIME,
                        "eigen-decomposition of the sharing matrix failed "
                        "(LAPACK dsyev info %d)",
                        (int)info);
  }
  int k = 0;
  for (int j = 0; j < n; j++)
    k += eig[j] > 0.5;
  sh->k = sh->k1 = k;
  WS_ALLOC(sh->basis, (size_t)n * (k > 0 ? k : 1));
  WS_ALLOC(sh->scale, k);
  int t = 0;
  for (int j = 0; j < n; j++) {
    if (eig[j] <= 0.5) continue;
    for (int i = 0; i < n; i++)
      sh->basis[i * k + t] = V[i * n + j];
    sh->scale[t++] = 1.0;
  }
  free(V);
  free(eig);
  return WS_OK;
}

void ws_sharing_destroy(WsSharing **sh) {
  if (!sh || !*sh) return;
  free((*sh)->tied_of);
  free((*sh)->tied_id);
  free((*sh)->scale);
  free((*sh)->A);
  free((*sh)->basis);
  free((*sh)->member_start);
  free((*sh)->member_input);
  free((*sh)->member_tied);
  free((*sh)->work);
  free(*sh);
  *sh = NULL;
}

void ws_sharing_reduce(const WsSharing *sh, const double *w, double *u) {
  switch (sh->kind) {
  case WS_SHARING_NONE:
    memcpy(u, w, (size_t)sh->nw * sizeof *w);
    break;
  case WS_SHARING_GROUPS:
    memset(u, 0, (size_t)sh->k * sizeof *u);
    for (int e = 0; e < sh->nw; e++)
      if (sh->tied_of[e] >= 0) u[sh->tied_of[e]] += w[e];
    break;
  case WS_SHARING_MATRIX:
    for (int t = 0; t < sh->k; t++) {
      double s = 0.0;
      for (int i = 0; i < sh->n; i++)
        s += sh->basis[i * sh->k + t] * w[i];
      u[t] = s;
    }
    break;
  }
}

void ws_sharing_expand(const WsSharing *sh, const double *u, double *w) {
  switch (sh->kind) {
  case WS_SHARING_NONE:
    memcpy(w, u, (size_t)sh->nw * sizeof *w);
    break;
  case WS_SHARING_GROUPS:
    for (int e = 0; e < sh->nw; e++)
      w[e] = sh->tied_of[e] >= 0 ? u[sh->tied_of[e]] : 0.0;
    break;
  case WS_SHARING_MATRIX:
    for (int i = 0; i < sh->n; i++) {
      double s = 0.0;
      for (int t = 0; t < sh->k; t++)
        s += sh->basis[i * sh->k + t] * u[t];
      w[i] = s;
    }
    break;
  }
}

int ws_sharing_input_column(const WsSharing *sh, int j) {
  if (sh->kind == WS_SHARING_NONE) return j;
  if (sh->kind == WS_SHARING_MATRIX) return -1;
  int t = sh->tied_of[(int64_t)j * sh->q];
  return t < 0 ? -1 : t / sh->q;
}

void ws_sharing_reduce_inputs(const WsSharing *sh, const double *x, double *z) {
  if (sh->kind == WS_SHARING_NONE) {
    memcpy(z, x, (size_t)sh->n * sizeof *x);
    return;
  }
  if (sh->q == 1) {
    ws_sharing_reduce(sh, x, z);
    return;
  }
  memset(z, 0, (size_t)sh->k1 * sizeof *z);
  for (int j = 0; j < sh->n; j++) {
    int t = ws_sharing_input_column(sh, j);
    if (t >= 0) z[t] += x[j];
  }
}

void ws_sharing_precondition(WsSharing *sh, const double *d, const double *g, double *out) {
  if (sh->kind == WS_SHARING_NONE) {
    for (int j = 0; j < sh->nw; j++)
      out[j] = d[j] * g[j];
    return;
  }
  double *u = sh->work;
  ws_sharing_reduce(sh, g, u);
  for (int t = 0; t < sh->k; t++)
    u[t] *= d[t];
  ws_sharing_expand(sh, u, out);
}

void ws_sharing_merge(WsSharing *sh, double *w) {
  if (sh->kind == WS_SHARING_MATRIX && !sh->is_projector) {
    /* Not a projector: apply A literally, as the seed's fixed-point iteration does. */
    int n = sh->n;
    double *tmp = sh->work;
    for (int i = 0; i < n; i++) {
      double s = 0.0;
      for (int j = 0; j < n; j++)
        s += sh->A[i * n + j] * w[j];
      tmp[i] = s;
    }
    memcpy(w, tmp, (size_t)n * sizeof *w);
    return;
  }
  if (sh->kind == WS_SHARING_NONE) return;
  ws_sharing_precondition(sh, sh->scale, w, w);
}

double ws_sharing_basis_norm2(const WsSharing *sh, int j) {
  return sh->kind == WS_SHARING_GROUPS ? 1.0 / sh->scale[j] : 1.0;
}

const char *ws_sharing_kind_name(WsSharingKind kind) {
  static const char *const names[] = {"none", "groups", "matrix"};
  return names[kind];
}
