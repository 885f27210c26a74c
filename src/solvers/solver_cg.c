/* cg: preconditioned conjugate gradient on the normal equations of the tied problem in the
 * tied parameters, H u = S^T X~^T (y - c) / m (preconditioner diag(d): the merge's scaling,
 * or the standardized tied scaling).
 * The first iteration evaluates the gradient; each later one is a single Hessian pass
 * (t = X_b p and X_b^T t per cached row block) and one allreduce.  The loss is carried by
 * its exact quadratic recurrence, the residual by the usual CG recurrence. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "solver_impl.h"

enum { CG_RESIDUAL, CG_DIRECTION, CG_PRODUCT }; /* r = -grad L, p, H p (scratch) */
enum { CG_RZ, CG_LOSS, CG_STARTED };            /* r.Mr, current loss, first gradient done */

static double dot(int n, const double *a, const double *b) {
  double s = 0.0;
  for (int j = 0; j < n; j++)
    s += a[j] * b[j];
  return s;
}

/* z = M r, then p = z + beta p, tracking r.z. */
static void cg_new_direction(WsSolver *s, int first) {
  WsProblem *p = s->prob;
  int k = p->k;
  double *r = s->vec[CG_RESIDUAL], *dir = s->vec[CG_DIRECTION], *z = s->work;
  ws_problem_precondition(p, r, z);
  double rz = dot(k, r, z);
  double beta = first || s->scalar[CG_RZ] == 0.0 ? 0.0 : rz / s->scalar[CG_RZ];
  for (int j = 0; j < k; j++)
    dir[j] = z[j] + beta * dir[j];
  s->scalar[CG_RZ] = rz;
}

static WsErr cg_iterate(WsSolver *s, const double *control_in, WsStepInfo *info) {
  WsProblem *p = s->prob;
  int k = p->k;
  double *r = s->vec[CG_RESIDUAL], *dir = s->vec[CG_DIRECTION], *q = s->vec[CG_PRODUCT];
  WsEval ev;
  if (s->scalar[CG_STARTED] == 0.0) {
    WS_CALL(ws_problem_gradient(p, s->u, control_in, s->g, &ev));
    for (int j = 0; j < k; j++)
      r[j] = -s->g[j];
    s->scalar[CG_LOSS] = ev.loss;
    s->scalar[CG_STARTED] = 1.0;
    ws_solver_judge(s, &ev, ws_problem_projected_norm(p, r, s->work), info);
    if (!info->converged && !info->diverged) cg_new_direction(s, 1);
    return WS_OK;
  }
  WS_CALL(ws_problem_hessian(p, dir, control_in, q, &ev));
  double pq = dot(k, dir, q);
  WS_CHECK(pq > 0.0 && isfinite(pq), WS_ERR_RUNTIME,
           "cg broke down at iteration %lld (p.Hp = %g): the tied design is rank deficient; "
           "add --ridge or use --solver qr",
           (long long)s->common[WS_S_ITERATION], pq);
  double alpha = s->scalar[CG_RZ] / pq;
  double pr = dot(k, dir, r);
  for (int j = 0; j < k; j++) {
    s->u[j] += alpha * dir[j];
    r[j] -= alpha * q[j];
  }
  /* L(u + a p) = L - a p.r + a^2 p.Hp / 2, since grad L = -r. */
  double loss = s->scalar[CG_LOSS] - alpha * pr + 0.5 * alpha * alpha * pq;
  s->scalar[CG_LOSS] = loss;
  ev.loss = loss;
  ev.rss = 2.0 * (double)p->design->part.rows *
           (loss - 0.5 * p->ridge * ws_problem_weight_norm2(p, s->u));
  ws_solver_judge(s, &ev, ws_problem_projected_norm(p, r, s->work), info);
  if (!info->converged && !info->diverged) cg_new_direction(s, 0);
  return WS_OK;
}

/* cg takes no step: a loss that blows up means the normal equations are close to singular
 * or badly scaled. */
static void cg_advice(const WsSolver *s, char *text, size_t size) {
  (void)s;
  snprintf(text, size,
           "the tied design is close to rank deficient or badly scaled; add --ridge, "
           "--standardize, or use --solver qr");
}

const WsSolverOps ws_solver_cg_ops = {
    .name = "cg",
    .needs_projector = 1,
    .n_vectors = 3,
    .vector_names = {"residual", "direction", "product"},
    .n_scalars = 3,
    .scalar_names = {"rz", "loss", "started"},
    .iterate = cg_iterate,
    .advice = cg_advice,
};
