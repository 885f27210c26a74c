/* Iterative solvers behind one interface.  A solver owns its state (parameters, momentum,
 * directions, scalars) and exposes it as named fields so a checkpoint can save and restore
 * it exactly; it never opens a file.  Each ws_solver_iterate is one pass over the rows and
 * one MPI_Allreduce (which also carries the run's control flags). */
#ifndef WSHARE_SOLVER_H
#define WSHARE_SOLVER_H

#include <stdint.h>

#include "wshare/objective.h"

typedef struct {
  double step; /* gradient step; <= 0 means estimate it (--step auto) */
  double rtol;
  double atol;
} WsSolverOptions;

typedef struct {
  double loss;
  double grad_norm; /* |A grad L| at the point evaluated this iteration */
  double rss;
  int converged;
  int diverged;
  double flags[WS_NFLAGS]; /* summed over ranks */
} WsStepInfo;

/* A named piece of solver state: data points into the solver, len doubles. */
typedef struct {
  const char *name;
  double *data;
  int64_t len;
} WsStateField;

enum { WS_STATE_MAX_FIELDS = 16 };

typedef struct WsSolver WsSolver;

/* 1 if name is an iterative solver (gd, agd, cg). */
int ws_solver_is_iterative(const char *name);
/* Collective: creates the solver at theta0 (dim values); estimates the step if asked. */
WsErr ws_solver_create(const char *name, const WsProblem *prob, const WsSolverOptions *opt,
                       const double *theta0, WsSolver **s);
void ws_solver_destroy(WsSolver **s);
/* Collective: one iteration. */
WsErr ws_solver_iterate(WsSolver *s, const double *flags_in, WsStepInfo *info);
/* Collective: evaluates the objective at the current parameters (for the final summary of a
 * run stopped before its last point was evaluated). */
WsErr ws_solver_evaluate(WsSolver *s, WsStepInfo *info);

const char *ws_solver_name(const WsSolver *s);
const double *ws_solver_theta(const WsSolver *s);
int64_t ws_solver_iterations(const WsSolver *s);
double ws_solver_step(const WsSolver *s);
/* Every piece of state needed to continue exactly; returns the number of fields. */
int ws_solver_state(WsSolver *s, WsStateField *fields);

#endif
