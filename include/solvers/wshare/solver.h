/* Solvers behind one interface (README "Solvers").
 *
 * Iterative solvers (gd, agd, cg, lsqr) are started at initial weights (or restored from a
 * checkpoint through their state fields) and advanced one iteration at a time by the run
 * loop, each iteration one pass over the rows and one MPI_Allreduce that also carries the
 * run's control values; their state is exposed as named fields so that a checkpoint can
 * save and restore it exactly.  Direct solvers (cholesky, qr) solve in one call.  `auto`
 * picks one of them by the cost model of the README and says why.  A solver never opens
 * a file.  Every function is collective over the problem's communicator unless it says
 * otherwise. */
#ifndef WSHARE_SOLVER_H
#define WSHARE_SOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "wshare/problem.h"
#include "wshare/solution.h"
#include "wshare/state.h"

typedef struct {
  double step; /* gradient step; <= 0 means estimate it (--step auto) */
  double rtol;
  double atol;
} WsSolverOptions;

/* What one iteration saw. */
typedef struct {
  double loss;
  double grad_norm; /* |A grad L| at the point evaluated this iteration */
  double rss;
  int converged;
  int diverged;
  double control[WS_CONTROL_COUNT]; /* summed over ranks */
  /* Fraction of the work done, for solvers that know it (learned sharing: its stages);
   * 0: unknown (the run loop estimates it from |A grad L| and the limits). */
  double fraction;
} WsStepInfo;

typedef struct WsSolver WsSolver;

/* 1 if name is a solver (gd, agd, cg, lsqr, qr, cholesky or auto); local. */
int ws_solver_known(const char *name);
/* Creates solver name on prob.  "auto" chooses here (ws_solver_reason tells why).  A solver
 * that cannot handle the problem (e.g. cg on a sharing matrix that is not a projector) is
 * an input error. */
WsErr ws_solver_create(const char *name, WsProblem *prob, const WsSolverOptions *opt, WsSolver **s);
/* Frees the solver (NULL is ignored) and sets *s to NULL; local. */
void ws_solver_destroy(WsSolver **s);

/* Local queries. */
int ws_solver_is_iterative(const WsSolver *s);
/* The solver's name; after a solve, the one that produced the answer (auto may switch
 * from cholesky to qr). */
const char *ws_solver_name(const WsSolver *s);
/* Why auto chose this solver ("" when it was not chosen by auto). */
const char *ws_solver_reason(const WsSolver *s);
int64_t ws_solver_iterations(const WsSolver *s);
/* The communicator of the solver's problem. */
MPI_Comm ws_solver_comm(const WsSolver *s);
/* A line describing the iterative solver's settings (step, rtol, atol), after start or
 * restore. */
void ws_solver_describe(const WsSolver *s, char *text, size_t size);
/* Iterative: the stopping threshold max(rtol |A grad L(w0)|, atol) once the first point has
 * been evaluated. */
double ws_solver_tolerance(const WsSolver *s);

/* Iterative: starts at the initial weights w0 (prob->n values), merged onto the ties,
 * estimating the step if asked. */
WsErr ws_solver_start(WsSolver *s, const double *w0);
/* Iterative, local: every piece of state needed to continue exactly, at most max fields;
 * returns the number of fields.  Filling them (from a checkpoint) instead of calling
 * ws_solver_start resumes the run where the fields were taken. */
int ws_solver_state(WsSolver *s, WsStateField *fields, int max);
/* Iterative: one iteration. */
WsErr ws_solver_iterate(WsSolver *s, const double *control_in, WsStepInfo *info);
/* Iterative: the point reached as a solution, evaluated again only when the last
 * iteration did not evaluate it. */
WsErr ws_solver_finish(WsSolver *s, WsSolution *sol);
/* Iterative, local: what to change after a divergence ("the step 2 is too large; ..."). */
void ws_solver_divergence_advice(const WsSolver *s, char *text, size_t size);

/* Direct: the one-shot solve. */
WsErr ws_solver_solve(WsSolver *s, WsSolution *sol);

#endif
