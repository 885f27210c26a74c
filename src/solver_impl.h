/* Private: what the iterative solvers share behind include/wshare/solver.h. */
#ifndef WSHARE_SOLVER_IMPL_H
#define WSHARE_SOLVER_IMPL_H

#include "wshare/solver.h"

typedef struct {
  const char *name;
  int uses_step;       /* takes --step (gd, agd) */
  int needs_projector; /* refuses a sharing matrix that is not a projector */
  int n_vectors;       /* solver-specific dim-vectors, named below */
  const char *vector_names[6];
  int n_scalars;
  const char *scalar_names[4];
  /* Fills the solver's vectors and scalars at the start (theta already set). */
  WsErr (*start)(WsSolver *s);
  WsErr (*iterate)(WsSolver *s, const double *flags_in, WsStepInfo *info);
} WsSolverOps;

/* Common scalars, saved in checkpoints with the solver's own. */
enum { WS_S_ITERATION, WS_S_STEP, WS_S_GNORM0, WS_S_LOSS0, WS_S_COUNT };

struct WsSolver {
  const WsSolverOps *ops;
  const WsProblem *prob;
  WsSolverOptions opt;
  double *theta;             /* (w, c) */
  double common[WS_S_COUNT]; /* iteration, step, first |A g|, first loss */
  double *vec[6];            /* solver-specific vectors, dim each */
  double scalar[4];          /* solver-specific scalars */
  double *g, *work;          /* scratch, dim each (not state) */
};

/* Records the first evaluation, then fills info: converged when |A g| <= max(rtol |A g0|,
 * atol); diverged when the loss is non-finite or has grown a thousandfold. */
void ws_solver_judge(WsSolver *s, const WsEval *ev, double gnorm, WsStepInfo *info);

extern const WsSolverOps ws_solver_gd_ops;
extern const WsSolverOps ws_solver_agd_ops;
extern const WsSolverOps ws_solver_cg_ops;

#endif
