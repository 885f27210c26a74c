#include "wshare/solution.h"

#include <stdlib.h>

WsErr ws_solution_create(int n, int q, WsSolution **out) {
  WsSolution *sol;
  WS_ALLOC(sol, 1);
  *out = sol;
  sol->n = n;
  sol->q = q;
  WS_ALLOC(sol->w, (int64_t)n * q);
  WS_ALLOC(sol->stderr_w, (int64_t)n * q);
  WS_ALLOC(sol->intercept, q);
  WS_ALLOC(sol->rss_out, q);
  WS_ALLOC(sol->intercept_stderr, q);
  WS_ALLOC(sol->residual_sd, q);
  return WS_OK;
}

void ws_solution_destroy(WsSolution **sol) {
  if (!sol || !*sol) return;
  free((*sol)->w);
  free((*sol)->stderr_w);
  free((*sol)->intercept);
  free((*sol)->rss_out);
  free((*sol)->intercept_stderr);
  free((*sol)->residual_sd);
  free(*sol);
  *sol = NULL;
}
