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

static WsErr sharing_alloc(WsSharingKind kind, int n, WsSharing **out) {
  WsSharing *sh;
  WS_ALLOC(sh, 1);
  sh->kind = kind;
  sh->n = n;
  sh->is_projector = 1;
  WS_ALLOC(sh->work, n);
  *out = sh;
  return WS_OK;
}

WsErr ws_sharing_create_none(int n, WsSharing **out) {
  WS_CALL(sharing_alloc(WS_SHARING_NONE, n, out));
  WsSharing *sh = *out;
  sh->k = n;
  WS_ALLOC(sh->scale, n);
  for (int j = 0; j < n; j++)
    sh->scale[j] = 1.0;
  sh->checksum = fnv1a(0xcbf29ce484222325ULL, "none", 4);
  return WS_OK;
}

static int compare_int64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

WsErr ws_sharing_create_groups(int n, const int64_t *ids, const char *what, WsSharing **out) {
  int n_free = 0;
  for (int j = 0; j < n; j++) {
    WS_CHECK(ids[j] >= -2, WS_ERR_INPUT,
             "%s: group id %lld of weight %d is invalid (ids are >= 0, -1 for not shared, -2 for "
             "fixed at zero)",
             what, (long long)ids[j], j);
    n_free += ids[j] != -2;
  }
  WS_CHECK(n_free > 0, WS_ERR_INPUT,
           "%s: every weight is fixed at zero (group id -2): nothing to fit", what);
  WS_CALL(sharing_alloc(WS_SHARING_GROUPS, n, out));
  WsSharing *sh = *out;
  int64_t *sorted;
  WS_ALLOC(sorted, n);
  int n_shared = 0, n_unshared = 0;
  for (int j = 0; j < n; j++) {
    if (ids[j] >= 0)
      sorted[n_shared++] = ids[j];
    else if (ids[j] == -1)
      n_unshared++;
  }
  qsort(sorted, (size_t)n_shared, sizeof *sorted, compare_int64);
  int n_groups = 0;
  for (int i = 0; i < n_shared; i++)
    if (i == 0 || sorted[i] != sorted[i - 1]) sorted[n_groups++] = sorted[i];
  sh->n_groups = n_groups;
  sh->k = n_groups + n_unshared;
  WS_ALLOC(sh->tied_of, n);
  WS_ALLOC(sh->tied_id, sh->k);
  WS_ALLOC(sh->scale, sh->k);
  memcpy(sh->tied_id, sorted, (size_t)n_groups * sizeof *sorted);
  free(sorted);
  int next_unshared = n_groups;
  for (int j = 0; j < n; j++) {
    int t;
    if (ids[j] == -2) {
      sh->tied_of[j] = -1; /* a zero row of S: in no tied column */
      continue;
    }
    if (ids[j] == -1) {
      t = next_unshared++;
      sh->tied_id[t] = -1;
    } else {
      int64_t *hit = bsearch(&ids[j], sh->tied_id, (size_t)n_groups, sizeof *hit, compare_int64);
      t = (int)(hit - sh->tied_id);
    }
    sh->tied_of[j] = t;
    sh->scale[t] += 1.0;
  }
  for (int t = 0; t < sh->k; t++)
    sh->scale[t] = 1.0 / sh->scale[t];
  sh->checksum = fnv1a(0xcbf29ce484222325ULL, ids, (size_t)n * sizeof *ids);
  return WS_OK;
}

WsErr ws_sharing_create_matrix(int n, const double *A, double tol, WsSharing **out) {
  WS_CALL(sharing_alloc(WS_SHARING_MATRIX, n, out));
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
  sh->k = k;
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
  free((*sh)->work);
  free(*sh);
  *sh = NULL;
}

void ws_sharing_reduce(const WsSharing *sh, const double *w, double *u) {
  switch (sh->kind) {
  case WS_SHARING_NONE:
    memcpy(u, w, (size_t)sh->n * sizeof *w);
    break;
  case WS_SHARING_GROUPS:
    memset(u, 0, (size_t)sh->k * sizeof *u);
    for (int j = 0; j < sh->n; j++)
      if (sh->tied_of[j] >= 0) u[sh->tied_of[j]] += w[j];
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
    memcpy(w, u, (size_t)sh->n * sizeof *w);
    break;
  case WS_SHARING_GROUPS:
    for (int j = 0; j < sh->n; j++)
      w[j] = sh->tied_of[j] >= 0 ? u[sh->tied_of[j]] : 0.0;
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

void ws_sharing_precondition(WsSharing *sh, const double *d, const double *g, double *out) {
  if (sh->kind == WS_SHARING_NONE) {
    for (int j = 0; j < sh->n; j++)
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
