/* The tied least-squares problem (README, top) over the distributed design:
 *   L(u) = (1/2m) sum_i |x~_i W + c - y_i|^2 + (lambda/2) |W|^2,   W = S u,
 * in the tied parameters u (k values; S is the sharing's basis, wshare/sharing.h).  With an
 * intercept the columns are centred (x~ = x - mu), which decouples the intercept: its
 * optimum c = ybar holds for every W, so it is set in closed form and never iterated; the
 * reported intercept is b = c - mu.W.  A sharing matrix that is not a projector has no
 * basis: then u = w (k = n) and the solvers merge literally (ws_problem_merge).
 *
 * Each evaluation is one local pass over the rows, the map S^T of the raw gradient on this
 * rank, and one MPI_Allreduce of k + 2 values and the run's control values
 * (wshare/control.h).  The reduction buffer and the weights are the handle's scratch, so the
 * passes take a non-const handle. */
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
  int k;           /* parameters iterated: the tied columns, or n for the literal merge */
  int literal;     /* a sharing matrix that is not a projector: u = w, merged literally */
  double c;        /* the intercept's shift: ybar with an intercept, else 0 */
  double *precond; /* d (k) of the preconditioner u <- u - step d .* g; 1 when literal */
  double *norm2;   /* diagonal of S^T S (k); 1 when literal */
  double *w, *gw;  /* scratch: the weights S u and the raw gradient (n each) */
  double *buf;     /* reduction buffer: k + 2 + WS_CONTROL_COUNT */
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

/* Collective: g = grad_u L(u) (k), loss, and the control values summed over ranks. */
WsErr ws_problem_gradient(WsProblem *p, const double *u, const double *control_in, double *g,
                          WsEval *ev);
/* Collective: q = H v, the Hessian of L in u applied to v (k), and the control values. */
WsErr ws_problem_hessian(WsProblem *p, const double *v, const double *control_in, double *q,
                         WsEval *ev);
/* Bytes that one evaluation's allreduce carries. */
int64_t ws_problem_allreduce_bytes(const WsProblem *p);

/* Local: u <- A u for the literal merge of a sharing matrix that is not a projector;
 * nothing otherwise (tied parameters satisfy the ties by construction). */
void ws_problem_merge(WsProblem *p, double *u);
/* Local: out = d .* g. */
void ws_problem_precondition(const WsProblem *p, const double *g, double *out);
/* Local: |A grad_w L| of a tied gradient g, sqrt(sum_t |s_t|^2 (a_t g_t)^2) with the merge's
 * scaling a (the stopping test's norm; the intercept's component is zero by construction);
 * for the literal merge |A g|, with work (n) as scratch. */
double ws_problem_projected_norm(WsProblem *p, const double *g, double *work);
/* Local: |W|^2 = u^T S^T S u. */
double ws_problem_weight_norm2(const WsProblem *p, const double *u);

/* Local: the weights W = S u (n). */
void ws_problem_expand(const WsProblem *p, const double *u, double *w);
/* Local: the tied parameters of the merged weights, S u = A w (u = w when literal). */
void ws_problem_tie(const WsProblem *p, const double *w, double *u);
/* Local: the intercept b = c - mu.W in original units, for weights w (n). */
double ws_problem_intercept(const WsProblem *p, const double *w);

/* Collective: replaces the preconditioner by the inverse diagonal of the tied Hessian, i.e.
 * standardizes the tied design's columns (ties stay in original units). */
WsErr ws_problem_standardize(WsProblem *p);
/* Collective: estimate of the largest eigenvalue of diag(d) H on the tied space (power
 * iteration), the curvature that sets gradient steps. */
WsErr ws_problem_lipschitz(WsProblem *p, double *L);

/* Local: tied rows z_i = S^T x~_i (centred when the design is) of rows [i0, i0 + rows) into
 * tied (rows x k); raw (rows x n) is scratch. */
void ws_problem_tied_rows(const WsProblem *p, int64_t i0, int64_t rows, double *raw, double *tied);

#endif
