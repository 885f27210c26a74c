#include "wshare/problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/kernels.h"
#include "wshare/pass_sum.h"
#include "wshare/repro_sum.h"
#include "wshare/rng.h"

/* A member costs about WS_SPARSE_COST dense entries (an indexed load of x and a separate
 * sweep per output; measured 1.7-2.3x on 200 000 x 64 rows with 32 outputs), so the
 * member-list pass is taken when nnz * WS_SPARSE_COST <= n q (README "Solvers");
 * WSHARE_KERNEL=dense|members forces either, for tests and benchmarks. */
enum { WS_SPARSE_COST = 2 };

static int choose_sparse(const WsSharing *sh) {
  if (sh->kind != WS_SHARING_GROUPS) return 0;
  const char *force = getenv("WSHARE_KERNEL");
  if (force && strcmp(force, "members") == 0) return 1;
  if (force && strcmp(force, "dense") == 0) return 0;
  return (int64_t)sh->nnz * WS_SPARSE_COST <= (int64_t)sh->nw;
}

WsErr ws_problem_create(MPI_Comm comm, WsDesign *des, WsSharing *sh, double ridge, int intercept,
                        WsTimers *timers, WsProblem **out) {
  WsProblem *p = ws_memory_calloc(1, sizeof *p);
  WS_CALL(ws_comm_agree_alloc(comm, p != NULL));
  *out = p;
  WS_CHECK(sh->n == des->n && sh->q == des->q, WS_ERR_RUNTIME,
           "internal error: the sharing is for %d x %d weights, the design has %d x %d", sh->n,
           sh->q, des->n, des->q);
  p->comm = comm;
  p->design = des;
  p->sharing = sh;
  p->ridge = ridge;
  p->intercept = intercept;
  p->n = des->n;
  p->q = des->q;
  p->nw = sh->nw;
  p->literal = !sh->is_projector;
  p->k = p->literal ? des->n : sh->k;
  p->sparse = choose_sparse(sh);
  p->timers = timers;
  size_t k = (size_t)(p->k > 0 ? p->k : 1), q = (size_t)p->q;
  size_t nw = (size_t)(p->sparse ? (sh->nnz > 0 ? sh->nnz : 1) : p->nw);
  p->buf = ws_memory_calloc(k, sizeof *p->buf);
  p->reduce = ws_memory_calloc(k + q + WS_CONTROL_COUNT, sizeof *p->reduce);
  p->sums = ws_memory_calloc(2 * q, sizeof *p->sums);
  p->precond = ws_memory_calloc(k, sizeof *p->precond);
  p->norm2 = ws_memory_calloc(k, sizeof *p->norm2);
  p->w = ws_memory_calloc(nw, sizeof *p->w);
  p->gw = ws_memory_calloc(nw, sizeof *p->gw);
  p->c = ws_memory_calloc(q, sizeof *p->c);
  p->shift = ws_memory_calloc(q, sizeof *p->shift);
  /* The tied column of each input, when the ties are sums of inputs (not a matrix's basis). */
  int sums_of_inputs =
      !p->literal && sh->kind != WS_SHARING_MATRIX && (sh->per_output || p->q == 1);
  if (sums_of_inputs) p->input_col = ws_memory_calloc((size_t)p->n, sizeof *p->input_col);
  p->rss_out = ws_memory_calloc(q, sizeof *p->rss_out);
  /* Agree before the collective centring, so a failed allocation on one rank stops all. */
  WS_CALL(ws_comm_agree_alloc(comm, p->buf && p->reduce && p->sums && p->precond && p->norm2 &&
                                        p->w && p->gw && p->c && p->shift && p->rss_out &&
                                        (p->input_col || !sums_of_inputs)));
  for (int j = 0; j < p->n && p->input_col; j++)
    p->input_col[j] = ws_sharing_input_column(sh, j);
  for (int t = 0; t < p->k; t++) {
    p->precond[t] = p->literal ? 1.0 : sh->scale[t];
    p->norm2[t] = p->literal ? 1.0 : ws_sharing_basis_norm2(sh, t);
  }
  if (intercept) {
    WS_CALL(ws_design_centre(des, comm, timers));
    /* Centred columns sum to zero, so each intercept's optimum is its mean response. */
    for (int o = 0; o < p->q; o++)
      p->c[o] = des->y_sum[o] / (double)des->part.rows;
  }
  return WS_OK;
}

void ws_problem_destroy(WsProblem **p) {
  if (!p || !*p) return;
  free((*p)->buf);
  free((*p)->reduce);
  free((*p)->sums);
  free((*p)->precond);
  free((*p)->norm2);
  free((*p)->w);
  free((*p)->gw);
  free((*p)->c);
  free((*p)->shift);
  free((*p)->rss_out);
  free((*p)->Z);
  free((*p)->input_col);
  free(*p);
  *p = NULL;
}

/* One evaluation's pass: the weights (or member weights) for u, the targets (NULL: 0) and
 * where the residuals go (NULL: nowhere). */
typedef struct {
  WsProblem *p;
  WsDesignWeights wt;
  const double *Y;
  double *R;
  /* Compressed passes: the tied weights (k1 x q, row-major: u itself) and each output's
   * shift (the columns of Z~ are centred already). */
  const double *u, *shift;
} ObjectivePass;

/* Local rows [i0, i0 + rows): the tied gradient (not divided by m) added to buf[0..k) and
 * each output's RSS to buf[k..k + q): the raw gradient is mapped to the tied space before
 * the reduction, so the allreduce carries k values, not n q.  (The residuals' sums are
 * needed only here, for the centring: the intercept, set in closed form, has no gradient to
 * reduce.)  A pass of wshare/pass_sum.h. */
static void objective_rows(void *ctx, int64_t i0, int64_t rows, double *buf) {
  const ObjectivePass *op = ctx;
  WsProblem *p = op->p;
  const WsSharing *sh = p->sharing;
  int k = p->k, q = p->q;
  double *sums = p->sums, *tied = p->buf;
  memset(sums, 0, (size_t)2 * q * sizeof *sums);
  if (p->Z) {
    /* The tied gradient comes straight out of the kernel over Z~'s k1 columns. */
    memset(tied, 0, (size_t)k * sizeof *tied);
    ws_kernels_residual_gradient_f64(rows, sh->k1, q, p->Z + i0 * sh->k1,
                                     op->Y ? op->Y + i0 * q : NULL, op->u, op->shift, tied, sums,
                                     op->R ? op->R + i0 * q : NULL);
  } else {
    memset(p->gw, 0, (size_t)(p->sparse ? sh->nnz : p->nw) * sizeof *p->gw);
    ws_design_gradient_rows(p->design, &op->wt, op->Y, op->R, i0, rows, p->gw, sums);
  }
  for (int o = 0; o < q; o++)
    buf[k + o] += sums[o];
  if (p->Z) {
    /* tied holds the tied gradient already. */
  } else if (p->sparse) {
    memset(tied, 0, (size_t)k * sizeof *tied);
    for (int e = 0; e < sh->nnz; e++)
      tied[sh->member_tied[e]] += p->gw[e];
  } else if (p->literal) {
    memcpy(tied, p->gw, (size_t)k * sizeof *tied);
  } else {
    ws_sharing_reduce(sh, p->gw, tied);
  }
  for (int t = 0; t < k; t++)
    buf[t] += tied[t];
}

/* Collective: the pass over every row with the shift c (NULL: 0), and the one reduction of
 * its k + q sums and the control values, into p->reduce. */
static WsErr reduced_pass(WsProblem *p, const double *u, const double *c, const double *Y,
                          double *R, const double *control_in) {
  int k = p->k, q = p->q;
  const WsSharing *sh = p->sharing;
  double *buf = p->reduce;
  ObjectivePass op = {p, {.W = p->w}, Y, R, u, p->shift};
  for (int o = 0; o < q; o++)
    p->shift[o] = c ? c[o] : 0.0;
  if (p->Z) {
    /* Z~ holds the weights' ties: no weights to expand, no design shifts to prepare. */
  } else if (p->sparse) {
    for (int e = 0; e < sh->nnz; e++)
      p->w[e] = u[sh->member_tied[e]];
    op.wt = (WsDesignWeights){NULL, sh->member_start, sh->member_input, p->w};
  } else {
    ws_problem_expand(p, u, p->w);
  }
  if (!p->Z) ws_design_gradient_prepare(p->design, &op.wt, c);
  memset(buf, 0, (size_t)(k + q) * sizeof *buf);
  for (int f = 0; f < WS_CONTROL_COUNT; f++)
    buf[k + q + f] = control_in ? control_in[f] : 0.0;
  return ws_pass_sum_run(p->design, p->comm, objective_rows, &op, k + q + WS_CONTROL_COUNT, buf,
                         WS_TIME_COMPUTE, p->timers);
}

/* The one pass + one allreduce behind both the gradient and the Hessian product. */
static WsErr objective_pass(WsProblem *p, const double *u, int use_y, const double *control_in,
                            double *out, WsEval *ev) {
  int k = p->k, q = p->q;
  double *buf = p->reduce;
  /* The Hessian's direction has no intercept component: it is not a parameter. */
  WS_CALL(reduced_pass(p, u, use_y ? p->c : NULL, use_y ? p->design->y : NULL, NULL, control_in));
  double m = (double)p->design->part.rows;
  for (int t = 0; t < k; t++)
    out[t] = buf[t] / m + p->ridge * p->norm2[t] * u[t];
  ev->rss = 0.0;
  for (int o = 0; o < q; o++) {
    ev->rss += buf[k + o];
    if (use_y) p->rss_out[o] = buf[k + o];
  }
  ev->loss = ev->rss / (2.0 * m) + 0.5 * p->ridge * ws_problem_weight_norm2(p, u);
  for (int f = 0; f < WS_CONTROL_COUNT; f++)
    ev->control[f] = buf[k + q + f];
  return WS_OK;
}

WsErr ws_problem_gradient(WsProblem *p, const double *u, const double *control_in, double *g,
                          WsEval *ev) {
  return objective_pass(p, u, 1, control_in, g, ev);
}

WsErr ws_problem_hessian(WsProblem *p, const double *v, const double *control_in, double *q,
                         WsEval *ev) {
  return objective_pass(p, v, 0, control_in, q, ev);
}

WsErr ws_problem_bidiag(WsProblem *p, const double *v, double *rows, const double *control_in,
                        int from_y, double *zt, double *ss, double *control) {
  int k = p->k, q = p->q;
  /* from_y: the kernel's residual of v is Z v - (y - c); its negative is what LSQR starts from. */
  WS_CALL(reduced_pass(p, v, from_y ? p->c : NULL, from_y ? p->design->y : rows, rows, control_in));
  double sign = from_y ? -1.0 : 1.0;
  if (from_y) {
    int64_t len = p->design->part.count * (int64_t)q;
    for (int64_t i = 0; i < len; i++)
      rows[i] = -rows[i];
  }
  for (int t = 0; t < k; t++)
    zt[t] = sign * p->reduce[t];
  memcpy(ss, p->reduce + k, (size_t)q * sizeof *ss);
  memcpy(control, p->reduce + k + q, WS_CONTROL_COUNT * sizeof *control);
  return WS_OK;
}

int64_t ws_problem_allreduce_bytes(const WsProblem *p) {
  /* Reproducible passes reduce binned accumulators instead of doubles. */
  int64_t each = p->design->reproducible ? (int64_t)sizeof(WsReproSum) : (int64_t)sizeof(double);
  return (int64_t)(p->k + p->q + WS_CONTROL_COUNT) * each;
}

void ws_problem_merge(WsProblem *p, double *u) {
  if (p->literal) ws_sharing_merge(p->sharing, u);
}

void ws_problem_precondition(const WsProblem *p, const double *g, double *out) {
  for (int t = 0; t < p->k; t++)
    out[t] = p->precond[t] * g[t];
}

double ws_problem_projected_norm(WsProblem *p, const double *g, double *work) {
  double s = 0.0;
  if (p->literal) {
    memcpy(work, g, (size_t)p->n * sizeof *g);
    ws_sharing_merge(p->sharing, work);
    for (int j = 0; j < p->n; j++)
      s += work[j] * work[j];
    return sqrt(s);
  }
  /* A g = S diag(a) S^T g, and S^T S is diagonal. */
  const double *a = p->sharing->scale;
  for (int t = 0; t < p->k; t++)
    s += p->norm2[t] * (a[t] * g[t]) * (a[t] * g[t]);
  return sqrt(s);
}

double ws_problem_weight_norm2(const WsProblem *p, const double *u) {
  double s = 0.0;
  for (int t = 0; t < p->k; t++)
    s += p->norm2[t] * u[t] * u[t];
  return s;
}

void ws_problem_expand(const WsProblem *p, const double *u, double *w) {
  if (p->literal)
    memcpy(w, u, (size_t)p->nw * sizeof *w);
  else
    ws_sharing_expand(p->sharing, u, w);
}

void ws_problem_tie(const WsProblem *p, const double *w, double *u) {
  if (p->literal) {
    memcpy(u, w, (size_t)p->nw * sizeof *u);
    return;
  }
  /* A = S diag(a) S^T with S^T S = diag(a)^-1, so u = diag(a) S^T w gives S u = A w. */
  ws_sharing_reduce(p->sharing, w, u);
  for (int t = 0; t < p->k; t++)
    u[t] *= p->sharing->scale[t];
}

void ws_problem_intercept(const WsProblem *p, const double *w, double *b) {
  int q = p->q;
  for (int o = 0; o < q; o++) {
    b[o] = p->intercept ? p->c[o] : 0.0;
    if (!p->intercept) continue;
    for (int j = 0; j < p->n; j++)
      b[o] -= p->design->mean[j] * w[(int64_t)j * q + o];
  }
}

void ws_problem_tied_rows(const WsProblem *p, int64_t i0, int64_t rows, double *raw, double *tied) {
  const WsDesign *des = p->design;
  int n = des->n, k1 = p->sharing->k1;
  if (p->Z) {
    memcpy(tied, p->Z + i0 * k1, (size_t)(rows * k1) * sizeof *tied);
    return;
  }
  if (p->input_col && ws_features_identity(des->features)) {
    /* Group ties over raw columns: summed from X as stored, run by run, without a copy. */
    const double *mean = des->centred ? des->mean : NULL;
    for (int64_t done = 0, avail; done < rows; done += avail) {
      const void *x = ws_rowread_row(des->x_rows, i0 + done, &avail);
      if (avail > rows - done) avail = rows - done;
      ws_kernels_tied_rows(avail, n, k1, x, des->dtype == WS_DTYPE_F32, p->input_col, mean,
                           tied + done * k1);
    }
    return;
  }
  ws_design_rows(des, i0, rows, raw);
  for (int64_t i = 0; i < rows; i++) {
    double *x = raw + i * n;
    if (des->centred)
      for (int j = 0; j < n; j++)
        x[j] -= des->mean[j];
    ws_sharing_reduce_inputs(p->sharing, x, tied + i * k1);
  }
}

int ws_problem_compressible(const WsProblem *p, char *why, size_t size) {
  const WsSharing *sh = p->sharing;
  const char *force = getenv("WSHARE_COMPRESS");
  int off = force && strcmp(force, "off") == 0, on = force && strcmp(force, "on") == 0;
  if (p->literal || !(sh->per_output || p->q == 1)) {
    snprintf(why, size, "%s",
             p->literal ? "a sharing matrix that is not a projector has no tied design"
                        : "ties across outputs have no common tied design");
    return 0;
  }
  if (off) {
    snprintf(why, size, "WSHARE_COMPRESS=off");
    return 0;
  }
  /* Z~ is k1 doubles per row where X is n values: a pass over it costs about k1 / n of one
   * over X (2 k1 / n for float32 X), so a quarter repays the pass that forms it within two
   * iterations. */
  int small = 4 * (int64_t)sh->k1 <= p->n;
  snprintf(why, size, "%d tied columns %s n / 4 = %d%s", sh->k1, small ? "<=" : ">", p->n / 4,
           on && !small ? "; WSHARE_COMPRESS=on" : "");
  return small || on;
}

WsErr ws_problem_compress(WsProblem *p) {
  if (p->Z) return WS_OK;
  double t0 = ws_timer_now();
  WsDesign *des = p->design;
  int64_t local = des->part.count;
  int k1 = p->sharing->k1;
  double *Z = ws_memory_calloc((size_t)(local > 0 ? local : 1) * k1, sizeof *Z);
  WS_CALL(ws_comm_agree_alloc(p->comm, Z != NULL));
  /* p->Z is set only once formed: until then the tied rows come from X. */
  ws_progress_begin(des->progress, "form Z = X S");
  for (int64_t i0 = 0; i0 < local; i0 += WS_SLAB_ROWS) {
    ws_problem_tied_rows(p, i0, ws_design_slab_rows(des, i0), des->slab, Z + i0 * k1);
    if (i0 % (1 << 14) == 0) ws_progress_update(des->progress, (double)i0 / (double)local, NULL);
  }
  ws_progress_done(des->progress);
  p->Z = Z;
  ws_timer_add(p->timers, WS_TIME_SETUP, t0);
  return WS_OK;
}

/* The tied Hessian's diagonal pass: z is scratch (k, or a slab of one output's tied rows). */
typedef struct {
  WsProblem *p;
  double *z;
} DiagonalPass;

/* Local rows [i0, i0 + rows): the tied Hessian's diagonal without the ridge (not divided by
 * m) added to diag (k).  Per-output ties from one output's tied rows (the same for every
 * output); ties across outputs from the member lists, summing each row's tied entries output
 * by output (z, k, is zero on entry and on return).  A pass of wshare/pass_sum.h. */
static void tied_diagonal(void *ctx, int64_t i0, int64_t rows, double *diag) {
  const DiagonalPass *dp = ctx;
  WsProblem *p = dp->p;
  double *z = dp->z;
  const WsSharing *sh = p->sharing;
  WsDesign *des = p->design;
  int n = des->n, q = p->q, k1 = sh->k1;
  for (int64_t s0 = i0; s0 < i0 + rows; s0 += WS_SLAB_ROWS) {
    int64_t slab = i0 + rows - s0 < WS_SLAB_ROWS ? i0 + rows - s0 : WS_SLAB_ROWS;
    if (sh->per_output) {
      ws_problem_tied_rows(p, s0, slab, des->slab, z);
      for (int64_t i = 0; i < slab * k1; i++)
        diag[(i % k1) * q] += z[i] * z[i];
      continue;
    }
    ws_design_rows(des, s0, slab, des->slab);
    for (int64_t i = 0; i < slab; i++) {
      const double *x = des->slab + i * n;
      for (int o = 0; o < q; o++) {
        const int *start = sh->member_start, *in = sh->member_input, *tied = sh->member_tied;
        for (int e = start[o]; e < start[o + 1]; e++)
          z[tied[e]] += x[in[e]] - (des->centred ? des->mean[in[e]] : 0.0);
        for (int e = start[o]; e < start[o + 1]; e++) {
          diag[tied[e]] += z[tied[e]] * z[tied[e]];
          z[tied[e]] = 0.0;
        }
      }
    }
  }
}

WsErr ws_problem_standardize(WsProblem *p) {
  WsSharing *sh = p->sharing;
  WS_CHECK(sh->is_projector, WS_ERR_INPUT,
           "--standardize needs sharing none, groups or a projector matrix");
  WsDesign *des = p->design;
  int k = sh->k;
  double *diag = ws_memory_calloc((size_t)k, sizeof *diag);
  size_t nz = sh->per_output ? (size_t)WS_SLAB_ROWS * sh->k1 : (size_t)k;
  double *z = ws_memory_calloc(nz, sizeof *z);
  if (ws_comm_agree_alloc(p->comm, diag && z)) {
    free(diag);
    free(z);
    return WS_ERR_RUNTIME;
  }
  DiagonalPass dp = {p, z};
  WsErr err = ws_pass_sum_run(des, p->comm, tied_diagonal, &dp, k, diag, WS_TIME_SETUP, p->timers);
  /* Per-output ties: every output's copy of a tied column has the same diagonal. */
  for (int t1 = 0; t1 < sh->k1 && sh->per_output && !err; t1++)
    for (int o = 1; o < p->q; o++)
      diag[t1 * p->q + o] = diag[t1 * p->q];
  double m = (double)des->part.rows;
  for (int t = 0; t < k && !err; t++) {
    double h = diag[t] / m + p->ridge * p->norm2[t];
    /* An all-zero tied column has no curvature: leave it unscaled. */
    p->precond[t] = h > 0.0 ? 1.0 / h : sh->scale[t];
  }
  free(diag);
  free(z);
  return err;
}

WsErr ws_problem_lipschitz(WsProblem *p, double *L) {
  /* Power iteration on diag(sqrt d) H diag(sqrt d), whose spectrum is that of diag(d) H. */
  int k = p->k;
  double *u = ws_memory_calloc((size_t)k, sizeof *u), *v = ws_memory_calloc((size_t)k, sizeof *v);
  if (ws_comm_agree_alloc(p->comm, u && v)) {
    free(u);
    free(v);
    return WS_ERR_RUNTIME;
  }
  double norm = 0.0;
  for (int t = 0; t < k; t++) {
    u[t] = ws_rng_uniform(0x5eed, 1, (uint64_t)t) + 0.5;
    norm += u[t] * u[t];
  }
  double lambda = 0.0, prev = 0.0;
  WsErr err = WS_OK;
  for (int it = 0; it < 50 && !err; it++) {
    norm = sqrt(norm);
    for (int t = 0; t < k; t++)
      u[t] = u[t] / norm * sqrt(p->precond[t]);
    WsEval ev;
    err = ws_problem_hessian(p, u, NULL, v, &ev);
    norm = 0.0;
    for (int t = 0; t < k; t++) {
      u[t] = v[t] * sqrt(p->precond[t]);
      norm += u[t] * u[t];
    }
    lambda = sqrt(norm);
    if (it >= 5 && fabs(lambda - prev) <= 1e-3 * lambda) break;
    prev = lambda;
  }
  free(u);
  free(v);
  WS_CALL(err);
  WS_CHECK(lambda > 0.0 && isfinite(lambda), WS_ERR_RUNTIME,
           "cannot estimate a step: the tied design has no curvature (all-zero columns?)");
  *L = lambda;
  return WS_OK;
}
