/* gd: the seed's method done right, in the tied parameters: u <- u - step * d .* grad_u L(u),
 * which is w <- A (w - step * M grad L(w)) for w = S u (M = A unless --standardize rescales
 * the tied columns).  For a sharing matrix that is not a projector, u = w, d = 1 and the
 * merge after each step is the seed's literal fixed-point iteration. */
#include "solver_impl.h"

static WsErr gd_iterate(WsSolver *s, const double *control_in, WsStepInfo *info) {
  WsProblem *p = s->prob;
  WsEval ev;
  WS_CALL(ws_problem_gradient(p, s->u, control_in, s->g, &ev));
  ws_solver_judge(s, &ev, ws_problem_projected_norm(p, s->g, s->work), info);
  /* A converged iterate is not moved: it is the point just evaluated. */
  s->evaluated = info->converged;
  if (info->converged || info->diverged) return WS_OK;
  ws_problem_precondition(p, s->g, s->work);
  double step = s->common[WS_S_STEP];
  for (int t = 0; t < p->k; t++)
    s->u[t] -= step * s->work[t];
  ws_problem_merge(p, s->u);
  return WS_OK;
}

const WsSolverOps ws_solver_gd_ops = {
    .name = "gd",
    .uses_step = 1,
    .iterate = gd_iterate,
    .advice = ws_solver_step_advice,
};
