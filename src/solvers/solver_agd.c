/* agd: Nesterov's accelerated gradient with the gradient-based adaptive restart of
 * O'Donoghue and Candes: momentum is dropped whenever the step goes against the gradient
 * at the extrapolated point.  Same tied parameters and one allreduce per iteration as gd. */
#include <math.h>
#include <string.h>

#include "solver_impl.h"

enum { AGD_PREV, AGD_POINT }; /* vectors: previous iterate, extrapolated point */
enum { AGD_T, AGD_BETA };     /* scalars: momentum sequence t_k, next extrapolation weight */

static WsErr agd_start(WsSolver *s) {
  memcpy(s->vec[AGD_PREV], s->u, (size_t)s->prob->k * sizeof *s->u);
  s->scalar[AGD_T] = 1.0;
  s->scalar[AGD_BETA] = 0.0;
  return WS_OK;
}

static WsErr agd_iterate(WsSolver *s, const double *control_in, WsStepInfo *info) {
  WsProblem *p = s->prob;
  int k = p->k;
  double *x = s->u, *prev = s->vec[AGD_PREV], *y = s->vec[AGD_POINT];
  double beta = s->scalar[AGD_BETA];
  for (int j = 0; j < k; j++)
    y[j] = x[j] + beta * (x[j] - prev[j]);
  WsEval ev;
  WS_CALL(ws_problem_gradient(p, y, control_in, s->g, &ev));
  ws_solver_judge(s, &ev, ws_problem_projected_norm(p, s->g, s->work), info);
  /* A converged run returns the point just evaluated. */
  if (info->converged) memcpy(x, y, (size_t)k * sizeof *y);
  s->evaluated = info->converged;
  if (info->converged || info->diverged) return WS_OK;

  ws_problem_precondition(p, s->g, s->work);
  double step = s->common[WS_S_STEP];
  for (int j = 0; j < k; j++)
    y[j] -= step * s->work[j]; /* y becomes the new iterate */
  double ascent = 0.0;
  for (int j = 0; j < k; j++)
    ascent += s->g[j] * (y[j] - x[j]);
  memcpy(prev, x, (size_t)k * sizeof *x);
  memcpy(x, y, (size_t)k * sizeof *y);
  if (ascent > 0.0) {
    s->scalar[AGD_T] = 1.0;
    s->scalar[AGD_BETA] = 0.0;
  } else {
    double t = s->scalar[AGD_T];
    double t_next = 0.5 * (1.0 + sqrt(1.0 + 4.0 * t * t));
    s->scalar[AGD_BETA] = (t - 1.0) / t_next;
    s->scalar[AGD_T] = t_next;
  }
  return WS_OK;
}

const WsSolverOps ws_solver_agd_ops = {
    .name = "agd",
    .uses_step = 1,
    .needs_projector = 1,
    .n_vectors = 2,
    .vector_names = {"previous", "point"},
    .n_scalars = 2,
    .scalar_names = {"t", "beta"},
    .start = agd_start,
    .iterate = agd_iterate,
    .advice = ws_solver_step_advice,
};
