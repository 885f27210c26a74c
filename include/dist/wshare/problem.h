/* The tied least-squares problem (README, top) over the distributed design, for q outputs:
 *   L(u) = (1/2m) sum_i sum_o (x~_i.W[:, o] + c_o - y_io)^2 + (lambda/2) |W|^2,   W = S u,
 * in the tied parameters u (k values; S is the sharing's basis, wshare/sharing.h).  With an
 * intercept the columns are centred (x~ = x - mu), which decouples the intercept: its
 * optimum c_o = ybar_o holds for every W, so it is set in closed form and never iterated;
 * the reported intercept is b_o = c_o - mu.W[:, o].  A sharing matrix that is not a
 * projector has no basis: then u = w (k = n) and the solvers merge literally
 * (ws_problem_merge).
 *
 * Each evaluation is one local pass over the rows for all outputs, the map S^T of the raw
 * gradient on this rank, and one MPI_Allreduce of k + q values (the tied gradient and each
 * output's RSS) and the run's control values (wshare/control.h).  The pass is dense (all n q
 * weights) or, for sparse ties, over the member lists (README "Solvers": the dense/sparse rule).
 * The reduction buffer and the weights are the handle's scratch, so the passes take a non-const
 * handle. */
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
  int n;           /* inputs */
  int q;           /* outputs */
  int nw;          /* weights: n q */
  int k;           /* parameters iterated: the tied columns, or n for the literal merge */
  int literal;     /* a sharing matrix that is not a projector: u = w, merged literally */
  int sparse;      /* passes over the member lists rather than all n q weights */
  double *c;       /* q: the intercepts' shifts, ybar with an intercept, else 0 */
  double *shift;   /* q: a pass's shift of each output (c, or 0 for the Hessian) */
  double *precond; /* d (k) of the preconditioner u <- u - step d .* g; 1 when literal */
  double *norm2;   /* diagonal of S^T S (k); 1 when literal */
  double *w, *gw;  /* scratch: the weights S u and the raw gradient (nw each; nnz if sparse) */
  double *rss_out; /* q: each output's RSS at the last gradient evaluation */
  double *buf;     /* scratch: one chunk's tied gradient (k) */
  double *reduce;  /* reduction buffer: k + q + WS_CONTROL_COUNT */
  double *sums;    /* scratch: a pass's local sums of r^2 and r per output (2 q) */
  /* Compressed iterations (ws_problem_compress): this rank's rows of the tied design
   * Z~ = X~ S1 (part.count x k1, the centred tied rows of one output), which every pass then
   * sweeps instead of X; NULL: passes sweep X. */
  double *Z;
  int *input_col; /* n: each input's tied column for ties that sum inputs (groups, none), or NULL */
  WsTimers *timers;
} WsProblem;

typedef struct {
  double loss;
  double rss; /* sum of squared residuals over all outputs (each: p->rss_out) */
  double control[WS_CONTROL_COUNT];
} WsEval;

/* Collective: the problem over des and sh (which it uses, not owns; they must have the same
 * outputs); with an intercept the design's columns are centred. */
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
/* Collective: one pass of LSQR's bidiagonalization on the tied design Z (Z u = the centred
 * X~ S u, this rank's rows; README "Solvers", lsqr).  rows holds this rank's part.count x q
 * values.  With from_y, rows <- (y - c) - Z v (the residual LSQR starts from); otherwise
 * rows <- Z v - rows (the caller scales rows by alpha beforehand).  Then zt = Z^T rows (k),
 * ss[o] = |rows[:, o]|^2 (q) and control the control values, all summed over ranks: one sweep
 * over the rows and one allreduce of k + q + control values, like the gradient. */
WsErr ws_problem_bidiag(WsProblem *p, const double *v, double *rows, const double *control_in,
                        int from_y, double *zt, double *ss, double *control);
/* Bytes that one evaluation's allreduce carries. */
int64_t ws_problem_allreduce_bytes(const WsProblem *p);

/* Local: u <- A u for the literal merge of a sharing matrix that is not a projector;
 * nothing otherwise (tied parameters satisfy the ties by construction). */
void ws_problem_merge(WsProblem *p, double *u);
/* Local: out = d .* g. */
void ws_problem_precondition(const WsProblem *p, const double *g, double *out);
/* Local: |A grad_W L| of a tied gradient g, sqrt(sum_t |s_t|^2 (a_t g_t)^2) with the merge's
 * scaling a (the stopping test's norm; the intercept's component is zero by construction);
 * for the literal merge |A g|, with work (n) as scratch. */
double ws_problem_projected_norm(WsProblem *p, const double *g, double *work);
/* Local: |W|^2 = u^T S^T S u. */
double ws_problem_weight_norm2(const WsProblem *p, const double *u);

/* Local: the weights W = S u (n x q). */
void ws_problem_expand(const WsProblem *p, const double *u, double *w);
/* Local: the tied parameters of the merged weights, S u = A w (u = w when literal). */
void ws_problem_tie(const WsProblem *p, const double *w, double *u);
/* Local: the intercepts b_o = c_o - mu.W[:, o] in original units (q), for weights w. */
void ws_problem_intercept(const WsProblem *p, const double *w, double *b);

/* Collective: replaces the preconditioner by the inverse diagonal of the tied Hessian, i.e.
 * standardizes the tied design's columns (ties stay in original units). */
WsErr ws_problem_standardize(WsProblem *p);
/* Collective: estimate of the largest eigenvalue of diag(d) H on the tied space (power
 * iteration), the curvature that sets gradient steps. */
WsErr ws_problem_lipschitz(WsProblem *p, double *L);

/* Local: whether the passes may sweep the tied design Z~ = X~ S1 instead of X (README
 * "Solvers", compressed iterations): a projector with the same ties for every output (or one
 * output) and k1 <= n / 4 tied columns; WSHARE_COMPRESS=off never, =on whenever the ties
 * allow.  why (size bytes) says which. */
int ws_problem_compressible(const WsProblem *p, char *why, size_t size);
/* Collective: forms this rank's rows of Z~ in one pass over X (the pass's time goes to the
 * setup slot); every later gradient, Hessian, bidiagonalization and tied-row pass sweeps Z~,
 * k1 values per row instead of n.  The results agree with the uncompressed passes to
 * rounding. */
WsErr ws_problem_compress(WsProblem *p);

/* Local, per-output ties only (q = 1, none, or groups given per input): tied rows
 * z_i = S1^T x~_i (one output's k1 tied columns; centred when the design is) of rows
 * [i0, i0 + rows) into tied (rows x k1); raw (rows x n) is scratch. */
void ws_problem_tied_rows(const WsProblem *p, int64_t i0, int64_t rows, double *raw, double *tied);

#endif
