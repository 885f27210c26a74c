/* Local passes over a block of rows: plain arrays in, numbers out; no MPI, no HDF5.
 * X is row-major with leading dimension n.  All accumulation is in double. */
#ifndef WSHARE_KERNELS_H
#define WSHARE_KERNELS_H

#include <stdint.h>

/* For each row i: r_i = x_i.w + shift - y_i (y may be NULL: then y_i = 0), and
 * g += r_i x_i, sums[0] += r_i^2, sums[1] += r_i.  One sweep over X: each row block is
 * reused from cache for the gradient right after its dot products. */
void ws_kernels_residual_gradient_f64(int64_t rows, int n, const double *X, const double *y,
                                      const double *w, double shift, double *g, double sums[2]);
void ws_kernels_residual_gradient_f32(int64_t rows, int n, const float *X, const double *y,
                                      const double *w, double shift, double *g, double sums[2]);

/* Expands rows of raw values into powers: out row = [x_1 .. x_1^d, x_2 .. x_2^d, ...]. */
void ws_kernels_poly_expand(int64_t rows, int n_raw, int degree, const double *raw, double *out);

/* Converts rows of float or double to double (src_is_f32 selects the source type). */
void ws_kernels_to_f64(int64_t count, const void *src, int src_is_f32, double *out);

/* G += Z^T Z (upper triangle, k x k column-major) and zy += Z^T y for a slab of rows Z
 * (row-major, rows x k). */
void ws_kernels_gram_accumulate(int64_t rows, int k, const double *Z, const double *y, double *G,
                                double *zy);

/* Number of non-finite values in the first count entries; *first gets the index of the
 * first one (or -1). */
int64_t ws_kernels_count_nonfinite(int64_t count, const void *v, int is_f32, int64_t *first);

#endif
