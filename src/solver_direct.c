/* Placeholder while the direct solvers are written (see include/wshare/solver_direct.h). */
#include "wshare/solver_direct.h"

#include <stdlib.h>

WsErr ws_direct_solve(const char *name, const WsProblem *p, double *w, WsDirectStats *stats) {
  (void)p;
  (void)w;
  (void)stats;
  return ws_error_set(WS_ERR_INPUT, "solver %s is not available yet", name);
}

void ws_direct_stats_free(WsDirectStats *stats) {
  free(stats->stderr_w);
  stats->stderr_w = NULL;
}
