/* Private: what the solvers share behind include/wshare/solver.h. */
#ifndef WSHARE_SOLVER_IMPL_H
#define WSHARE_SOLVER_IMPL_H

#include "wshare/solver.h"

enum { WS_SOLVER_MAX_VECTORS = 6, WS_SOLVER_MAX_SCALARS = 4 };
/* lsqr reorthogonalizes against a kept, replicated basis up to this many tied columns (k x k
 * doubles: at most 32 MB); the memory estimate (footprint.c) counts it from here. */
enum { WS_LSQR_REORTH_MAX_K = 2048 };
/* cholesky: replicated LAPACK up to this many tied columns (k^3/3 flops on every rank is
 * cheaper than the grid's communication), ScaLAPACK on a square grid beyond; overridable at
 * compile time so that tests can run either path on any problem.  qr blocks its columns by at
 * most WS_QR_NB_MAX.  The memory estimate (footprint.c) counts both from here. */
#ifndef WS_DIRECT_LAPACK_MAX_K
#define WS_DIRECT_LAPACK_MAX_K 2000
#endif
enum { WS_QR_NB_MAX = 64 };

typedef struct {
  const char *name;
  int uses_step;       /* takes --step (gd, agd) */
  int needs_projector; /* refuses a sharing matrix that is not a projector */
  /* Iterative solvers: their own k-vectors (tied space) and scalars, saved in checkpoints by
   * name. */
  int n_vectors;
  const char *vector_names[WS_SOLVER_MAX_VECTORS];
  int n_scalars;
  const char *scalar_names[WS_SOLVER_MAX_SCALARS];
  /* Fills the solver's vectors and scalars at the start (u already set). */
  WsErr (*start)(WsSolver *s);
  WsErr (*iterate)(WsSolver *s, const double *control_in, WsStepInfo *info);
  /* What to change after a divergence. */
  void (*advice)(const WsSolver *s, char *text, size_t size);
  /* Direct solvers: the one-shot solve. */
  WsErr (*solve)(WsSolver *s, WsSolution *sol);
  /* Optional, for solvers whose state is not a few dim-vectors (learn): their own state
   * fields, solution, description, and the release of their private data (s->impl). */
  int (*state)(WsSolver *s, WsStateField *fields, int max);
  WsErr (*finish)(WsSolver *s, WsSolution *sol);
  void (*describe)(const WsSolver *s, char *text, size_t size);
  void (*destroy)(WsSolver *s);
} WsSolverOps;

/* Common scalars, saved in checkpoints with the solver's own. */
enum { WS_S_ITERATION, WS_S_STEP, WS_S_GNORM0, WS_S_LOSS0, WS_S_COUNT };

struct WsSolver {
  const WsSolverOps *ops;
  WsProblem *prob;
  WsSolverOptions opt;
  const char *used;                     /* the solver that produced the answer */
  char reason[256];                     /* auto's reason */
  double *u;                            /* the tied parameters (k) */
  double common[WS_S_COUNT];            /* iteration, step, first |A g|, first loss */
  double *vec[WS_SOLVER_MAX_VECTORS];   /* solver-specific vectors, k each */
  double scalar[WS_SOLVER_MAX_SCALARS]; /* solver-specific scalars */
  double *g, *work;                     /* scratch, k and max(k, n) (not state) */
  int evaluated;   /* u is the point the last iteration evaluated (set by iterate) */
  WsStepInfo last; /* what the last iteration saw */
  void *impl;      /* the solver's private data (ops->destroy frees it) */
};

/* Collective: a solver running ops on prob (what ws_solver_create does once it knows the
 * ops). */
WsErr ws_solver_create_ops(const WsSolverOps *ops, const char *name, const char *reason,
                           WsProblem *prob, const WsSolverOptions *opt, WsSolver **s);

/* Records the first evaluation, then fills info: converged when |A g| <= max(rtol |A g0|,
 * atol); diverged when the loss is non-finite or has grown a thousandfold. */
void ws_solver_judge(WsSolver *s, const WsEval *ev, double gnorm, WsStepInfo *info);
/* Local: the state fields every iterative solver has (u, common, precond, its vectors and
 * scalars), at most max; returns their number (0 when they do not fit). */
int ws_solver_common_state(WsSolver *s, WsStateField *fields, int max);
/* The step advice shared by the gradient solvers (gd, agd). */
void ws_solver_step_advice(const WsSolver *s, char *text, size_t size);

extern const WsSolverOps ws_solver_gd_ops;
extern const WsSolverOps ws_solver_agd_ops;
extern const WsSolverOps ws_solver_cg_ops;
extern const WsSolverOps ws_solver_lsqr_ops;
extern const WsSolverOps ws_solver_cholesky_ops;
extern const WsSolverOps ws_solver_qr_ops;
extern const WsSolverOps ws_solver_auto_direct_ops;

/* auto's choice for prob on its ranks: the ops to use, and why (README "Solvers"). */
const WsSolverOps *ws_solver_auto_choose(const WsProblem *prob, char *why, size_t size);

#endif
