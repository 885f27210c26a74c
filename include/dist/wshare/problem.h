/* The tied least-squares problem (README, top) over the distributed design:
 *   L(w, c) = (1/2m) sum_i (x~_i.w + c - y_i)^2 + (lambda/2) |w|^2
 * with the parameter vector theta = (w, c) (c present only with an intercept, columns
 * centred; the reported intercept is b = c - mu.w).  Each evaluation is one local pass
 * and one MPI_Allreduce that also carries the run's control values (wshare/control.h).
 * The reduction buffer is the handle's scratch, so the passes take a non-const handle. */
#ifndef WSHARE_OBJECTIVE_H
#define WSHARE_OBJECTIVE_H

#include "wshare/control.h"
#include "wshare/design.h"
#include "wshare/sharing.h"

typedef struct {
  MPI_Comm comm;
  WsDesign *design;
  WsSharing *sharing;
  double ridge;
  int intercept;
  int n;           /* weights */
  int dim;         /* n + intercept */
  double *precond; /* d (k) of the preconditioner M = S diag(d) S^T; sharing->scale = merge */
  double *buf;     /* reduction buffer: dim + 2 + WS_CONTROL_COUNT */
  WsTimers *timers;
} WsProblem;

typedef struct {
  double loss;
  double rss; /* sum of squared residuals */
  double control[WS_CONTROL_COUNT];
} WsEval;

/* Collective: the problem over des and sh (which it uses, not owns); with an intercept the
 * design's columns are centred. */
WsErr ws_problem_create(MPI_Comm comm, WsDesign *des, WsSharing *sh, double ridge, int intercept,
                        WsTimers *timers, WsProblem **p);
/* Frees the problem (NULL is ignored) and sets *p to NULL. */
void ws_problem_destroy(WsProblem **p);

/* Collective: g = grad L(theta) (dim), loss, and the control values summed over ranks. */
WsErr ws_problem_gradient(WsProblem *p, const double *theta, const double *control_in, double *g,
                          WsEval *ev);
/* Collective: q = H v, the Hessian of L applied to v (dim), and the control values. */
WsErr ws_problem_hessian(WsProblem *p, const double *v, const double *control_in, double *q,
                         WsEval *ev);

/* theta <- merge(theta): A on the weights, the intercept untouched. */
void ws_problem_merge(WsProblem *p, double *theta);
/* out = M g on the weights (M = A without --standardize), the intercept copied. */
void ws_problem_precondition(WsProblem *p, const double *g, double *out);
/* |A g| over weights and intercept (the stopping test's norm); work has dim entries. */
double ws_problem_projected_norm(WsProblem *p, const double *g, double *work);

/* Collective: replaces the preconditioner by the inverse diagonal of the tied Hessian, i.e.
 * standardizes the tied design's columns (ties stay in original units). */
WsErr ws_problem_standardize(WsProblem *p);
/* Collective: estimate of the largest eigenvalue of M H on the tied space (power iteration),
 * the curvature that sets gradient steps. */
WsErr ws_problem_lipschitz(WsProblem *p, double *L);

/* Local: tied rows z_i = S^T x~_i (centred when the design is) of rows [i0, i0 + rows) into
 * tied (rows x k); raw (rows x n) is scratch. */
void ws_problem_tied_rows(const WsProblem *p, int64_t i0, int64_t rows, double *raw, double *tied);

/* Intercept b in original units from theta. */
double ws_problem_intercept(const WsProblem *p, const double *theta);

#endif
