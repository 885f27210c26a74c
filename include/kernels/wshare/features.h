/* Polynomial features (README "Models", polynomial surfaces): which model columns a row of
 * raw values expands into, and their values in a polynomial basis.  Plain arrays in, numbers
 * out; no MPI, no HDF5.
 *
 * A model column (a "term") is a product of powers of raw columns, x_c1^p1 x_c2^p2 ...  With
 * WS_FEATURES_SEPARATE the terms are x_j^p for each raw column j and 1 <= p <= D, column by
 * column, power by power; with WS_FEATURES_TOTAL every monomial of total degree 1..D in
 * graded lexicographic order (for x, z and D = 2: x, z, x^2, xz, z^2).  In the monomial
 * basis a power p of x is x^p itself; in the Legendre and Chebyshev bases it is P_p(t) or
 * T_p(t) of t, x mapped to [-1, 1] by t = (x - lo) (2 / (hi - lo)) - 1 in double with the
 * column's bounds lo, hi (t = 0 for a constant column), so x^a z^b stands for
 * B_a(t_x) B_b(t_z).
 * Basis values come from the three-term recurrences, never from pow. */
#ifndef WSHARE_FEATURES_H
#define WSHARE_FEATURES_H

#include <stdint.h>

#include "wshare/ddouble.h"
#include "wshare/error.h"

typedef enum { WS_FEATURES_SEPARATE = 0, WS_FEATURES_TOTAL = 1 } WsFeaturesTerms;
typedef enum {
  WS_FEATURES_MONOMIAL = 0,
  WS_FEATURES_LEGENDRE = 1,
  WS_FEATURES_CHEBYSHEV = 2
} WsFeaturesBasis;

enum { WS_FEATURES_MAX_DEGREE = 64 };

typedef struct {
  int n_raw;  /* raw columns */
  int degree; /* D >= 1 */
  WsFeaturesTerms terms;
  WsFeaturesBasis basis;
  int n;         /* model columns (terms) */
  double *lo;    /* n_raw bounds of the map to [-1, 1]; NULL in the monomial basis */
  double *hi;    /* n_raw */
  double *scale; /* n_raw: 2 / (hi - lo), 0 for a constant column */
  double *shift; /* n_raw: -1, 0 for a constant column */
  int *nf;       /* n: number of factors of each term (1 .. degree) */
  int *factor;   /* n x degree: factor i of term t is table entry factor[t * degree + i] */
  double *table; /* (degree + 1) x n_raw scratch: B_p(t_j) at p * n_raw + j */
  double *rec;   /* 2 x degree: the recurrence's coefficients a_k, then b_k */
} WsFeatures;

/* The names of the choices, NULL-terminated and in the order of the enums (option values,
 * result attributes). */
const char *const *ws_features_terms_names(void);
const char *const *ws_features_basis_names(void);

/* Local: the number of model columns of n_raw raw columns to degree D (n_raw D, or
 * C(n_raw + D, D) - 1 for total terms) into *n; an input error when it, or the basis table
 * of a row, (D + 1) n_raw, exceeds INT_MAX. */
WsErr ws_features_count(int n_raw, int degree, WsFeaturesTerms terms, int *n);

/* Local: the terms of n_raw raw columns to degree D in the given basis.  lo and hi (n_raw
 * each, copied) are the bounds of the map to [-1, 1] and are needed, and read, only for a
 * basis other than monomial. */
WsErr ws_features_create(int n_raw, int degree, WsFeaturesTerms terms, WsFeaturesBasis basis,
                         const double *lo, const double *hi, WsFeatures **out);
void ws_features_destroy(WsFeatures **f);

/* 1 when the model columns are the raw columns themselves (degree 1, monomial basis). */
int ws_features_identity(const WsFeatures *f);

/* Term t as factors x_cols[i]^pows[i], i < the return value (columns ascending). */
int ws_features_term(const WsFeatures *f, int t, int *cols, int *pows);

/* Expands rows of raw values (rows x n_raw, row-major) into model columns (rows x n).  The
 * raw rows may sit at the tail of out (raw == out + rows (n - n_raw)): output row i ends
 * before raw row i + 1 starts, and no value of raw row i is overwritten before it is read.
 * Uses f's scratch table. */
void ws_features_expand(WsFeatures *f, int64_t rows, const double *raw, double *out);

/* The same for one row in double-double (the qr solver's exact design): products and
 * recurrences in double-double from the stored x (monomials) or the mapped t (other bases;
 * t itself is computed in double, as in ws_features_expand).  table holds (degree + 1) x
 * n_raw values of scratch. */
void ws_features_expand_dd(const WsFeatures *f, const double *raw, WsDD *table, WsDD *out);

/* lo[j] = min(lo[j], column j), hi[j] = max(hi[j], column j) over rows of X (row-major,
 * n_raw columns, float when is_f32, else double). */
void ws_features_range(int64_t rows, int n_raw, const void *X, int is_f32, double *lo, double *hi);

#endif
