/* The fused residual/gradient kernels (wshare/kernels.h) give the same bits however the rows
 * are split into calls: one call for all rows, one call per row, and runs of 1, 2, 3, 5 and 7
 * rows, for float64 and float32 rows, n = 1 .. 1000 inputs and q = 1, 3, 8 outputs (one
 * output's blocks of four rows, several outputs' row pairs), with rows starting at odd
 * offsets (unaligned), with and without y and R (R in place of y too).  (The member-list
 * kernels are not covered: their blocks of four rows do not give the bits of one row at a
 * time yet.)  The kernels carry their sums across calls and the row blocks
 * perform each row's operations in the order of one row at a time (README "Performance"),
 * which is what chunked reads and the reproducible mode's 256-row chunks rely on. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "wshare/kernels.h"
#include "wshare/memory.h"
#include "wshare/rng.h"

enum { ROWS = 41 };

/* Which kernel and which optional arrays; the rest of one check's inputs. */
typedef struct {
  int f32, use_y, res_mode; /* res_mode: 0 no R, 1 R apart, 2 R = Y */
  int n, q;
  const double *Xd, *W, *shift;
  const float *Xf;
} Case;

/* The kernel over rows r0 .. r0 + rows - 1 of the case's arrays, accumulating into G and
 * sums; y is the (possibly overwritten) targets, res the residuals. */
static void run_rows(const Case *c, int64_t r0, int64_t rows, double *y, double *res, double *G,
                     double *sums) {
  const double *yr = c->use_y ? y + r0 * c->q : NULL;
  double *rr = c->res_mode == 0 ? NULL : c->res_mode == 1 ? res + r0 * c->q : y + r0 * c->q;
  if (c->f32)
    ws_kernels_residual_gradient_f32(rows, c->n, c->q, c->Xf + r0 * c->n, yr, c->W, c->shift, G,
                                     sums, rr);
  else
    ws_kernels_residual_gradient_f64(rows, c->n, c->q, c->Xd + r0 * c->n, yr, c->W, c->shift, G,
                                     sums, rr);
}

/* All rows in runs of the given lengths (cycled); y0 the targets, outputs into y, res, G, sums. */
static void run_split(const Case *c, const int *runs, int nruns, const double *y0, double *y,
                      double *res, double *G, double *sums) {
  int64_t len = (int64_t)c->n * c->q;
  memcpy(y, y0, sizeof *y * ROWS * c->q);
  memset(res, 0, sizeof *res * ROWS * c->q);
  for (int64_t j = 0; j < len; j++)
    G[j] = 0.25 * (double)(j % 5); /* the gradient goes on from what is there */
  for (int o = 0; o < 2 * c->q; o++)
    sums[o] = 0.5 * o;
  int64_t r = 0;
  for (int k = 0; r < ROWS; k = (k + 1) % nruns) {
    int64_t rows = runs[k] < ROWS - r ? runs[k] : ROWS - r;
    run_rows(c, r, rows, y, res, G, sums);
    r += rows;
  }
}

static int same_bits(const double *a, const double *b, int64_t count) {
  return memcmp(a, b, sizeof *a * (size_t)count) == 0;
}

static void check_case(const Case *c, const double *y0) {
  static const int whole[] = {ROWS}, single[] = {1}, mixed[] = {3, 1, 2, 7, 5, 2};
  const int *splits[] = {single, mixed};
  const int nsplit[] = {1, 6};
  int64_t len = (int64_t)c->n * c->q, ry = (int64_t)ROWS * c->q;
  double *G[2], *sums[2], *y[2], *res[2];
  for (int s = 0; s < 2; s++) {
    G[s] = ws_memory_calloc(len > 0 ? (size_t)len : 1, sizeof(double));
    sums[s] = ws_memory_calloc(2 * (size_t)c->q, sizeof(double));
    y[s] = ws_memory_calloc((size_t)ry, sizeof(double));
    res[s] = ws_memory_calloc((size_t)ry, sizeof(double));
    UNIT_CHECK(G[s] && sums[s] && y[s] && res[s], "out of memory");
  }
  run_split(c, whole, 1, y0, y[0], res[0], G[0], sums[0]);
  for (int k = 0; k < 2; k++) {
    run_split(c, splits[k], nsplit[k], y0, y[1], res[1], G[1], sums[1]);
    const char *what = !same_bits(G[0], G[1], len)              ? "gradient"
                       : !same_bits(sums[0], sums[1], 2 * c->q) ? "sums"
                       : !same_bits(y[0], y[1], ry)             ? "y"
                       : !same_bits(res[0], res[1], ry)         ? "residuals"
                                                                : NULL;
    UNIT_CHECK(!what,
               "%s kernel, n = %d, q = %d, y %d, R mode %d: the %s differ between one call and %s",
               c->f32 ? "f32" : "f64", c->n, c->q, c->use_y, c->res_mode, what,
               k == 0 ? "one call per row" : "runs of 3, 1, 2, 7, 5, 2 rows");
  }
  /* The results must not be trivially equal (e.g. nothing computed): the gradient moved. */
  int moved = 0;
  for (int64_t j = 0; j < len; j++)
    moved |= G[0][j] != 0.25 * (double)(j % 5);
  UNIT_CHECK(moved || len == 0, "n = %d, q = %d: the kernel left the gradient unchanged", c->n,
             c->q);
  for (int s = 0; s < 2; s++) {
    free(G[s]);
    free(sums[s]);
    free(y[s]);
    free(res[s]);
  }
}

int main(void) {
  unit_name = "t008-kernels-split";
  static const int ns[] = {1, 3, 16, 64, 100, 256, 1000}, qs[] = {1, 3, 8};
  for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
    for (size_t b = 0; b < sizeof qs / sizeof *qs; b++) {
      int n = ns[a], q = qs[b];
      /* One extra row in front and one element more: row 0 of the case starts at X + n + 1,
       * so rows are not aligned to 16 bytes (f64) or 8 (f32) whatever n is. */
      int64_t nx = (int64_t)(ROWS + 1) * n + 1;
      double *Xd = ws_memory_calloc((size_t)nx, sizeof(double));
      float *Xf = ws_memory_calloc((size_t)nx, sizeof(float));
      double *W = ws_memory_calloc((size_t)n * q, sizeof(double));
      double *y0 = ws_memory_calloc((size_t)ROWS * q, sizeof(double));
      double shift[8];
      UNIT_CHECK(Xd && Xf && W && y0, "out of memory");
      for (int64_t i = 0; i < nx; i++) {
        Xf[i] = (float)ws_rng_normal(7, (uint64_t)n, (uint64_t)i);
        Xd[i] = ws_rng_normal(8, (uint64_t)n, (uint64_t)i);
      }
      for (int64_t i = 0; i < (int64_t)n * q; i++)
        W[i] = ws_rng_normal(9, (uint64_t)n, (uint64_t)i);
      for (int64_t i = 0; i < (int64_t)ROWS * q; i++)
        y0[i] = ws_rng_normal(10, (uint64_t)n, (uint64_t)i);
      for (int o = 0; o < q; o++)
        shift[o] = 0.125 * (o + 1);
      for (int f32 = 0; f32 < 2; f32++)
        for (int use_y = 0; use_y < 2; use_y++)
          for (int res_mode = 0; res_mode < 3; res_mode++) {
            if (res_mode == 2 && !use_y) continue;
            Case c = {f32, use_y, res_mode, n, q, Xd + n + 1, W, shift, Xf + n + 1};
            check_case(&c, y0);
          }
      free(Xd);
      free(Xf);
      free(W);
      free(y0);
    }
  return 0;
}
