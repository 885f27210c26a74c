#include "wshare/solution.h"

#include <stdlib.h>

WsErr ws_solution_create(int n, WsSolution **out) {
  WsSolution *sol;
  WS_ALLOC(sol, 1);
  *out = sol;
  sol->n = n;
  WS_ALLOC(sol->w, n);
  WS_ALLOC(sol->stderr_w, n);
  return WS_OK;
}

void ws_solution_destroy(WsSolution **sol) {
  if (!sol || !*sol) return;
  free((*sol)->w);
  free((*sol)->stderr_w);
  free(*sol);
  *sol = NULL;
}
