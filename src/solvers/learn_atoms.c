/* The atoms of learned sharing: the points the clustering moves, each a group of the
 * starting structure or a single free weight (README "Learned sharing", interplay). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_impl.h"

static int compare_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static uint64_t fnv1a(const void *data, size_t bytes) {
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < bytes; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

WsErr ws_learn_atoms_create(int n, const int64_t *ids, const char *what, WsLearnAtoms *a) {
  memset(a, 0, sizeof *a);
  a->n = n;
  for (int j = 0; ids && j < n; j++)
    WS_CHECK(ids[j] >= -2, WS_ERR_INPUT,
             "%s: group id %lld of weight %d is invalid (ids are >= 0, -1 for a free weight, "
             "-2 for one fixed at zero)",
             what, (long long)ids[j], j);
  int64_t *sorted;
  WS_ALLOC(sorted, n);
  int shared = 0, free_weights = 0;
  for (int j = 0; j < n; j++) {
    int64_t id = ids ? ids[j] : -1;
    if (id >= 0) sorted[shared++] = id;
    free_weights += id == -1;
  }
  qsort(sorted, (size_t)shared, sizeof *sorted, compare_i64);
  int groups = 0;
  for (int i = 0; i < shared; i++)
    if (i == 0 || sorted[i] != sorted[i - 1]) sorted[groups++] = sorted[i];
  a->P = groups + free_weights;
  a->atom_of = ws_memory_calloc((size_t)(n > 0 ? n : 1), sizeof *a->atom_of);
  a->size = ws_memory_calloc((size_t)(a->P > 0 ? a->P : 1), sizeof *a->size);
  a->first = ws_memory_calloc((size_t)(a->P > 0 ? a->P : 1), sizeof *a->first);
  a->id = ws_memory_calloc((size_t)(a->P > 0 ? a->P : 1), sizeof *a->id);
  if (!a->atom_of || !a->size || !a->first || !a->id) {
    free(sorted);
    ws_learn_atoms_free(a);
    return WS_ERR_RUNTIME;
  }
  memcpy(a->id, sorted, (size_t)groups * sizeof *sorted);
  free(sorted);
  int next_free = groups;
  for (int j = 0; j < n; j++) {
    int64_t id = ids ? ids[j] : -1;
    int t = -1;
    if (id >= 0) {
      int64_t *hit = bsearch(&id, a->id, (size_t)groups, sizeof *hit, compare_i64);
      t = (int)(hit - a->id);
    } else if (id == -1) {
      t = next_free++;
      a->id[t] = -1;
    }
    a->atom_of[j] = t;
    if (t >= 0 && a->size[t]++ == 0) a->first[t] = j;
  }
  a->checksum = ids ? fnv1a(ids, (size_t)n * sizeof *ids) : fnv1a("none", 4);
  return WS_OK;
}

void ws_learn_atoms_free(WsLearnAtoms *a) {
  free(a->atom_of);
  free(a->size);
  free(a->first);
  free(a->id);
  memset(a, 0, sizeof *a);
}

void ws_learn_atoms_name(const WsLearnAtoms *a, int atom, char *text, size_t size) {
  if (a->id[atom] >= 0)
    snprintf(text, size, "group %lld (%d weights)", (long long)a->id[atom], a->size[atom]);
  else
    snprintf(text, size, "weight %d", a->first[atom]);
}
