#include "wshare/footprint.h"

#include <string.h>

#include "solver_impl.h"
#include "wshare/design.h"
#include "wshare/gram.h"

/* The direct solvers' buffers are bounded as they allocate them: the Gram pass's slabs
 * (wshare/gram.h), qr's column blocks and cholesky's LAPACK limit (solver_impl.h). */
enum { DOUBLE = 8 };

static int64_t model_columns(const WsFootprintShape *s) {
  return s->n > 0 ? s->n : s->n_raw;
}

static int64_t outputs(const WsFootprintShape *s) {
  return s->q > 0 ? s->q : 1;
}

void ws_footprint_design(WsMemNeeds *n, const WsFootprintShape *s) {
  int64_t row = (int64_t)s->n_raw * s->x_bytes;
  if (s->mapped)
    n->mapped_per_row += row;
  else
    ws_memcheck_add(n, "X rows", row, 0, 0);
  ws_memcheck_add(n, "y", outputs(s) * DOUBLE, 0, 0);
  ws_memcheck_add(n, "row scratch", 0, 0, (WS_SLAB_ROWS + 1) * model_columns(s) * DOUBLE);
}

void ws_footprint_sharing(WsMemNeeds *n, const WsFootprintShape *s, int matrix) {
  int64_t cols = model_columns(s);
  if (matrix)
    ws_memcheck_add(n, "sharing matrix", 0, 0, 4 * cols * cols * DOUBLE);
  else
    ws_memcheck_add(n, "sharing", 0, 0, 4 * cols * DOUBLE);
}

void ws_footprint_iterative(WsMemNeeds *n, const WsFootprintShape *s) {
  /* theta, g, work, the start, the problem's buffer and up to six solver vectors. */
  int64_t dim = (model_columns(s) + 1) * outputs(s);
  ws_memcheck_add(n, "solver vectors", 0, 0, 11 * dim * DOUBLE);
}

static int64_t gram_slab(int64_t cols, int64_t k) {
  return ws_gram_slab_limit((int)(cols > k ? cols : k));
}

void ws_footprint_cholesky(WsMemNeeds *n, const WsFootprintShape *s, int k) {
  int64_t cols = model_columns(s), kk = (int64_t)k * k;
  ws_memcheck_add(n, "Gram matrix", 0, 0, kk * DOUBLE);
  ws_memcheck_add(n, "Gram pass slabs", 0, 0, gram_slab(cols, k) * (cols + k + 1) * DOUBLE);
  ws_memcheck_add(n, "tied vectors", 0, 0, 6 * (int64_t)k * DOUBLE);
  if (k > WS_DIRECT_LAPACK_MAX_K) ws_memcheck_add(n, "ScaLAPACK blocks", 0, kk * DOUBLE, 0);
}

void ws_footprint_qr(WsMemNeeds *n, const WsFootprintShape *s, int k, int intercept, int ridge) {
  int64_t kp = k + (intercept ? 1 : 0), nb = kp < WS_QR_NB_MAX ? kp : WS_QR_NB_MAX;
  /* The ridge rows (k of them) are spread over the ranks with the data rows. */
  int64_t extra = ridge ? k : 0;
  ws_memcheck_add(n, "QR tied design", kp * DOUBLE, extra * kp * DOUBLE, 0);
  ws_memcheck_add(n, "QR workspace", (nb + 3) * DOUBLE, extra * (nb + 3) * DOUBLE,
                  nb * (kp + nb) * DOUBLE);
  ws_memcheck_add(n, "QR factor", 0, 0, 3 * kp * kp * DOUBLE + 4 * model_columns(s) * DOUBLE);
}

void ws_footprint_lsqr(WsMemNeeds *n, const WsFootprintShape *s, int k) {
  ws_footprint_iterative(n, s);
  ws_memcheck_add(n, "lsqr residual rows", outputs(s) * DOUBLE, 0, 0);
  /* The kept basis of the reorthogonalization (solver_lsqr.c: up to 2048 tied columns). */
  int64_t kept = k <= WS_LSQR_REORTH_MAX_K ? k : 0;
  ws_memcheck_add(n, "lsqr vectors and basis", 0, 0, (kept + 6) * (int64_t)k * DOUBLE);
}

void ws_footprint_compressed(WsMemNeeds *n, int k1) {
  ws_memcheck_add(n, "tied design Z", (int64_t)k1 * DOUBLE, 0, 0);
}

void ws_footprint_solver(WsMemNeeds *n, const WsFootprintShape *s, const char *solver, int k,
                         int intercept, int ridge) {
  if (strcmp(solver, "lsqr") == 0)
    ws_footprint_lsqr(n, s, k);
  else if (strcmp(solver, "cholesky") == 0)
    ws_footprint_cholesky(n, s, k);
  else if (strcmp(solver, "qr") == 0)
    ws_footprint_qr(n, s, k, intercept, ridge);
  else
    ws_footprint_iterative(n, s);
}

void ws_footprint_predict(WsMemNeeds *n, const WsFootprintShape *s) {
  ws_memcheck_add(n, "predictions", outputs(s) * DOUBLE, 0, 0);
  ws_memcheck_add(n, "model", 0, 0, model_columns(s) * outputs(s) * DOUBLE);
}

void ws_footprint_gen(WsMemNeeds *n, const WsFootprintShape *s) {
  /* gen holds its whole block of X before writing it. */
  ws_memcheck_add(n, "X rows", (int64_t)s->n_raw * s->x_bytes, 0, 0);
  ws_memcheck_add(n, "y", s->x_bytes, 0, 0);
  ws_memcheck_add(n, "weights and ids", 0, 0, 3 * (int64_t)s->n_raw * DOUBLE);
}
