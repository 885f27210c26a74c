/* Local passes over a block of rows: plain arrays in, numbers out; no MPI, no HDF5.
 * X is row-major with leading dimension n.  All accumulation is in double. */
#ifndef WSHARE_KERNELS_H
#define WSHARE_KERNELS_H

#include <stdint.h>

/* For each row i and output o: r_io = x_i.W[:, o] + shift[o] - Y[i, o] (Y rows x q,
 * row-major; NULL: 0), and G[:, o] += r_io x_i, sums[o] += r_io^2, sums[q + o] += r_io.  W and G
 * are n x q, row-major.  R (rows x q; NULL: not kept) receives the residuals r_io; it may be Y
 * itself (each entry is read before it is overwritten), which is how LSQR's u = Z v - alpha u
 * and Z^T u come out of one pass.  One sweep over X for all outputs: each row is reused from cache
 * for every output's dot product and gradient right after it is read. */
void ws_kernels_residual_gradient_f64(int64_t rows, int n, int q, const double *X, const double *Y,
                                      const double *W, const double *shift, double *G, double *sums,
                                      double *R);
void ws_kernels_residual_gradient_f32(int64_t rows, int n, int q, const float *X, const double *Y,
                                      const double *W, const double *shift, double *G, double *sums,
                                      double *R);
/* The same pass over member lists (sparse W): output o uses entries e = start[o] ..
 * start[o + 1] - 1, each the input input[e] with weight wm[e]: r_io = sum_e x_i[input[e]]
 * wm[e] + shift[o] - Y[i, o], gm[e] += r_io x_i[input[e]], the sums and R as above.  Costs
 * 2 nnz per row instead of 2 n q. */
void ws_kernels_residual_gradient_members_f64(int64_t rows, int n, int q, const double *X,
                                              const double *Y, const double *shift,
                                              const int *start, const int *input, const double *wm,
                                              double *gm, double *sums, double *R);
void ws_kernels_residual_gradient_members_f32(int64_t rows, int n, int q, const float *X,
                                              const double *Y, const double *shift,
                                              const int *start, const int *input, const double *wm,
                                              double *gm, double *sums, double *R);
/* gm[e] += sum_i Y[i, o] X[i, input[e]] over the member lists above (the right-hand side of
 * normal equations with sparse ties). */
void ws_kernels_members_accumulate(int64_t rows, int n, int q, const double *X, const double *Y,
                                   const int *start, const int *input, double *gm);

/* Expands rows of raw values into powers: out row = [x_1 .. x_1^d, x_2 .. x_2^d, ...]. */
void ws_kernels_poly_expand(int64_t rows, int n_raw, int degree, const double *raw, double *out);

/* Converts rows of float or double to double (src_is_f32 selects the source type). */
void ws_kernels_to_f64(int64_t count, const void *src, int src_is_f32, double *out);

/* G += Z^T Z (upper triangle, k x k column-major) and ZY += Z^T Y (k x q column-major) for a
 * slab of rows Z (row-major, rows x k) and Y (row-major, rows x q; NULL: G only). */
void ws_kernels_gram_accumulate(int64_t rows, int k, int q, const double *Z, const double *Y,
                                double *G, double *ZY);

/* Tied rows of a block of rows x n values (row-major, f64 or f32), straight from where they
 * are stored: Z[i, t] = the sum, over the inputs j with col[j] = t in ascending j, of
 * x_ij - mean[j] (mean NULL: x_ij); an input with col[j] < 0 is in no tied column.  Z is
 * rows x k, overwritten. */
void ws_kernels_tied_rows(int64_t rows, int n, int k, const void *X, int is_f32, const int *col,
                          const double *mean, double *Z);

/* Number of non-finite values in the first count entries; *first gets the index of the
 * first one (or -1). */
int64_t ws_kernels_count_nonfinite(int64_t count, const void *v, int is_f32, int64_t *first);

#endif
