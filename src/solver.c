#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver_impl.h"

static const WsSolverOps *const ws_solvers[] = {&ws_solver_gd_ops, &ws_solver_agd_ops,
                                                &ws_solver_cg_ops};

static const WsSolverOps *find_ops(const char *name) {
  for (size_t i = 0; i < sizeof ws_solvers / sizeof *ws_solvers; i++)
    if (strcmp(ws_solvers[i]->name, name) == 0) return ws_solvers[i];
  return NULL;
}

int ws_solver_is_iterative(const char *name) {
  return find_ops(name) != NULL;
}

WsErr ws_solver_create(const char *name, const WsProblem *prob, const WsSolverOptions *opt,
                       const double *theta0, WsSolver **out) {
  const WsSolverOps *ops = find_ops(name);
  WS_CHECK(ops, WS_ERR_INPUT, "unknown iterative solver '%s'", name);
  WS_CHECK(!ops->needs_projector || prob->sharing->is_projector, WS_ERR_INPUT,
           "--solver %s needs a sharing matrix that is a symmetric projector (A = A^T = A^2); "
           "this one is not: use --solver gd",
           name);
  WsSolver *s;
  WS_ALLOC(s, 1);
  *out = s;
  s->ops = ops;
  s->prob = prob;
  s->opt = *opt;
  int dim = prob->dim;
  s->theta = ws_calloc((size_t)dim, sizeof *s->theta);
  s->g = ws_calloc((size_t)dim, sizeof *s->g);
  s->work = ws_calloc((size_t)dim, sizeof *s->work);
  int ok = s->theta && s->g && s->work;
  for (int v = 0; v < ops->n_vectors; v++) {
    s->vec[v] = ws_calloc((size_t)dim, sizeof *s->vec[v]);
    ok = ok && s->vec[v];
  }
  WS_CALL(ws_alloc_agree(prob->comm, ok));
  memcpy(s->theta, theta0, (size_t)dim * sizeof *theta0);
  s->common[WS_S_GNORM0] = -1.0;
  s->common[WS_S_STEP] = opt->step;
  if (ops->uses_step && opt->step <= 0.0) {
    double L;
    WS_CALL(ws_problem_lipschitz(prob, &L));
    s->common[WS_S_STEP] = 1.0 / L;
  }
  return ops->start ? ops->start(s) : WS_OK;
}

void ws_solver_destroy(WsSolver **s) {
  if (!s || !*s) return;
  for (int v = 0; v < 6; v++)
    free((*s)->vec[v]);
  free((*s)->theta);
  free((*s)->g);
  free((*s)->work);
  free(*s);
  *s = NULL;
}

WsErr ws_solver_iterate(WsSolver *s, const double *flags_in, WsStepInfo *info) {
  memset(info, 0, sizeof *info);
  WS_CALL(s->ops->iterate(s, flags_in, info));
  s->common[WS_S_ITERATION] += 1.0;
  return WS_OK;
}

WsErr ws_solver_evaluate(WsSolver *s, WsStepInfo *info) {
  WsEval ev;
  WS_CALL(ws_objective_gradient(s->prob, s->theta, NULL, s->g, &ev));
  double gnorm = ws_problem_projected_norm(s->prob, s->g, s->work);
  memset(info, 0, sizeof *info);
  ws_solver_judge(s, &ev, gnorm, info);
  return WS_OK;
}

void ws_solver_judge(WsSolver *s, const WsEval *ev, double gnorm, WsStepInfo *info) {
  if (s->common[WS_S_GNORM0] < 0.0) {
    s->common[WS_S_GNORM0] = gnorm;
    s->common[WS_S_LOSS0] = ev->loss;
  }
  double tol = fmax(s->opt.rtol * s->common[WS_S_GNORM0], s->opt.atol);
  info->loss = ev->loss;
  info->rss = ev->rss;
  info->grad_norm = gnorm;
  info->converged = gnorm <= tol;
  info->diverged = !isfinite(ev->loss) || !isfinite(gnorm) ||
                   (s->common[WS_S_LOSS0] > 0.0 && ev->loss > 1e3 * s->common[WS_S_LOSS0]);
  memcpy(info->flags, ev->flags, sizeof info->flags);
}

const char *ws_solver_name(const WsSolver *s) {
  return s->ops->name;
}
const double *ws_solver_theta(const WsSolver *s) {
  return s->theta;
}
int64_t ws_solver_iterations(const WsSolver *s) {
  return (int64_t)s->common[WS_S_ITERATION];
}
double ws_solver_step(const WsSolver *s) {
  return s->common[WS_S_STEP];
}

int ws_solver_state(WsSolver *s, WsStateField *fields) {
  int nf = 0;
  int dim = s->prob->dim;
  fields[nf++] = (WsStateField){"theta", s->theta, dim};
  fields[nf++] = (WsStateField){"common", s->common, WS_S_COUNT};
  fields[nf++] = (WsStateField){"precond", s->prob->precond,
                                s->prob->sharing->k > 0 ? s->prob->sharing->k : 1};
  for (int v = 0; v < s->ops->n_vectors; v++)
    fields[nf++] = (WsStateField){s->ops->vector_names[v], s->vec[v], dim};
  if (s->ops->n_scalars > 0) fields[nf++] = (WsStateField){"scalars", s->scalar, s->ops->n_scalars};
  return nf;
}
