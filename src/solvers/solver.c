/* The solver interface and registry: creating a solver by name (auto's choice included),
 * the common start/iterate/finish path of the iterative solvers, and the one-shot solve
 * of the direct ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solver_impl.h"

static const WsSolverOps *const ws_solvers[] = {&ws_solver_gd_ops, &ws_solver_agd_ops,
                                                &ws_solver_cg_ops, &ws_solver_lsqr_ops,
                                                &ws_solver_qr_ops, &ws_solver_cholesky_ops};

/* u, common, precond, the vectors and the scalars must fit a checkpoint's fields. */
_Static_assert(3 + WS_SOLVER_MAX_VECTORS + 1 <= WS_STATE_MAX_FIELDS, "state fields");

static const WsSolverOps *find_ops(const char *name) {
  for (size_t i = 0; i < sizeof ws_solvers / sizeof *ws_solvers; i++)
    if (strcmp(ws_solvers[i]->name, name) == 0) return ws_solvers[i];
  return NULL;
}

int ws_solver_known(const char *name) {
  return strcmp(name, "auto") == 0 || find_ops(name) != NULL;
}

WsErr ws_solver_create(const char *name, WsProblem *prob, const WsSolverOptions *opt,
                       WsSolver **out) {
  *out = NULL;
  char reason[256] = "";
  const WsSolverOps *ops = strcmp(name, "auto") == 0
                               ? ws_solver_auto_choose(prob, reason, sizeof reason)
                               : find_ops(name);
  WS_CHECK(ops, WS_ERR_INPUT, "unknown solver '%s'", name);
  /* QR's Householder reductions run over ScaLAPACK's row blocks, i.e. the ranks. */
  WS_CHECK(ops != &ws_solver_qr_ops || !prob->design->reproducible, WS_ERR_INPUT,
           "--solver qr cannot give results independent of the number of ranks; with "
           "--reproducible use --solver cholesky, lsqr, cg, agd or gd");
  return ws_solver_create_ops(ops, name, reason, prob, opt, out);
}

WsErr ws_solver_create_ops(const WsSolverOps *ops, const char *name, const char *reason,
                           WsProblem *prob, const WsSolverOptions *opt, WsSolver **out) {
  *out = NULL;
  WS_CHECK(ops->n_vectors <= WS_SOLVER_MAX_VECTORS && ops->n_scalars <= WS_SOLVER_MAX_SCALARS,
           WS_ERR_RUNTIME, "internal error: solver %s declares too much state", ops->name);
  WS_CHECK(!ops->needs_projector || prob->sharing->is_projector, WS_ERR_INPUT,
           "--solver %s needs a sharing matrix that is a symmetric projector (A = A^T = A^2); "
           "this one is not: use --solver gd",
           name);
  WsSolver *s = ws_memory_calloc(1, sizeof *s);
  WS_CALL(ws_comm_agree_alloc(prob->comm, s != NULL));
  *out = s;
  s->ops = ops;
  s->prob = prob;
  s->opt = *opt;
  s->used = ops->name;
  snprintf(s->reason, sizeof s->reason, "%s", reason);
  if (!ops->iterate) return WS_OK;
  size_t k = (size_t)(prob->k > 0 ? prob->k : 1);
  s->u = ws_memory_calloc(k, sizeof *s->u);
  s->g = ws_memory_calloc(k, sizeof *s->g);
  s->work = ws_memory_calloc(k > (size_t)prob->nw ? k : (size_t)prob->nw, sizeof *s->work);
  int ok = s->u && s->g && s->work;
  for (int v = 0; v < ops->n_vectors; v++) {
    s->vec[v] = ws_memory_calloc(k, sizeof *s->vec[v]);
    ok = ok && s->vec[v];
  }
  return ws_comm_agree_alloc(prob->comm, ok);
}

void ws_solver_destroy(WsSolver **s) {
  if (!s || !*s) return;
  if ((*s)->ops->destroy) (*s)->ops->destroy(*s);
  for (int v = 0; v < WS_SOLVER_MAX_VECTORS; v++)
    free((*s)->vec[v]);
  free((*s)->u);
  free((*s)->g);
  free((*s)->work);
  free(*s);
  *s = NULL;
}

int ws_solver_is_iterative(const WsSolver *s) {
  return s->ops->iterate != NULL;
}

const char *ws_solver_name(const WsSolver *s) {
  return s->used;
}

const char *ws_solver_reason(const WsSolver *s) {
  return s->reason;
}

int64_t ws_solver_iterations(const WsSolver *s) {
  return (int64_t)s->common[WS_S_ITERATION];
}

MPI_Comm ws_solver_comm(const WsSolver *s) {
  return s->prob->comm;
}

void ws_solver_describe(const WsSolver *s, char *text, size_t size) {
  if (s->ops->describe) {
    s->ops->describe(s, text, size);
    return;
  }
  char step[96] = "";
  if (s->ops->uses_step)
    snprintf(step, sizeof step, ", step %.6g%s", s->common[WS_S_STEP],
             s->opt.step > 0.0 ? "" : " (auto: 1/L, power iteration)");
  snprintf(text, size, "%s%s, rtol %g, atol %g", s->used, step, s->opt.rtol, s->opt.atol);
}

double ws_solver_tolerance(const WsSolver *s) {
  return fmax(s->opt.rtol * s->common[WS_S_GNORM0], s->opt.atol);
}

WsErr ws_solver_start(WsSolver *s, const double *w0) {
  WS_CHECK(s->ops->iterate, WS_ERR_RUNTIME, "internal error: %s is not iterative", s->ops->name);
  /* Iterates satisfy the ties from the start: the initial weights are merged. */
  ws_problem_tie(s->prob, w0, s->u);
  s->common[WS_S_GNORM0] = -1.0;
  s->common[WS_S_STEP] = s->opt.step;
  if (s->ops->uses_step && s->opt.step <= 0.0) {
    double L;
    WS_CALL(ws_problem_lipschitz(s->prob, &L));
    s->common[WS_S_STEP] = 1.0 / L;
  }
  return s->ops->start ? s->ops->start(s) : WS_OK;
}

int ws_solver_state(WsSolver *s, WsStateField *fields, int max) {
  if (s->ops->state) return s->ops->state(s, fields, max);
  return ws_solver_common_state(s, fields, max);
}

int ws_solver_common_state(WsSolver *s, WsStateField *fields, int max) {
  int nf = 0, k = s->prob->k;
  if (max < 3 + s->ops->n_vectors + 1) return 0;
  fields[nf++] = (WsStateField){.name = "tied", .data = s->u, .len = k};
  fields[nf++] = (WsStateField){.name = "common", .data = s->common, .len = WS_S_COUNT};
  fields[nf++] = (WsStateField){.name = "precond", .data = s->prob->precond, .len = k};
  for (int v = 0; v < s->ops->n_vectors; v++)
    fields[nf++] = (WsStateField){.name = s->ops->vector_names[v], .data = s->vec[v], .len = k};
  if (s->ops->n_scalars > 0)
    fields[nf++] = (WsStateField){.name = "scalars", .data = s->scalar, .len = s->ops->n_scalars};
  return nf;
}

WsErr ws_solver_iterate(WsSolver *s, const double *control_in, WsStepInfo *info) {
  memset(info, 0, sizeof *info);
  s->evaluated = 0;
  WS_CALL(s->ops->iterate(s, control_in, info));
  s->last = *info;
  s->common[WS_S_ITERATION] += 1.0;
  return WS_OK;
}

void ws_solver_judge(WsSolver *s, const WsEval *ev, double gnorm, WsStepInfo *info) {
  if (s->common[WS_S_GNORM0] < 0.0) {
    s->common[WS_S_GNORM0] = gnorm;
    s->common[WS_S_LOSS0] = ev->loss;
  }
  double tol = ws_solver_tolerance(s);
  info->loss = ev->loss;
  info->rss = ev->rss;
  info->grad_norm = gnorm;
  info->converged = gnorm <= tol;
  info->diverged = !isfinite(ev->loss) || !isfinite(gnorm) ||
                   (s->common[WS_S_LOSS0] > 0.0 && ev->loss > 1e3 * s->common[WS_S_LOSS0]);
  memcpy(info->control, ev->control, sizeof info->control);
}

WsErr ws_solver_finish(WsSolver *s, WsSolution *sol) {
  if (s->ops->finish) return s->ops->finish(s, sol);
  WsProblem *p = s->prob;
  if (!s->evaluated) {
    WsEval ev;
    WS_CALL(ws_problem_gradient(p, s->u, NULL, s->g, &ev));
    sol->loss = ev.loss;
    sol->rss = ev.rss;
    sol->grad_norm = ws_problem_projected_norm(p, s->g, s->work);
  } else {
    sol->loss = s->last.loss;
    sol->rss = s->last.rss;
    sol->grad_norm = s->last.grad_norm;
  }
  /* The last gradient evaluation was at u, either way. */
  memcpy(sol->rss_out, p->rss_out, (size_t)p->q * sizeof *sol->rss_out);
  ws_problem_expand(p, s->u, sol->w);
  ws_problem_intercept(p, sol->w, sol->intercept);
  return WS_OK;
}

void ws_solver_step_advice(const WsSolver *s, char *text, size_t size) {
  snprintf(text, size, "the step %g is too large; lower --step%s", s->common[WS_S_STEP],
           s->opt.step > 0.0 ? " (or use --step auto)" : " or use --solver cg");
}

void ws_solver_divergence_advice(const WsSolver *s, char *text, size_t size) {
  if (s->ops->advice)
    s->ops->advice(s, text, size);
  else
    snprintf(text, size, "check the data's scale");
}

WsErr ws_solver_solve(WsSolver *s, WsSolution *sol) {
  WS_CHECK(s->ops->solve, WS_ERR_RUNTIME, "internal error: %s is not a direct solver",
           s->ops->name);
  return s->ops->solve(s, sol);
}
