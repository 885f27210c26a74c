/* Private: what the modules of learned sharing share (README "Learned sharing").
 *
 * The points of the clustering are the atoms: a group of the starting structure (never
 * split) or a single free weight.  Every fit works in atom coordinates theta = (u, c'): one
 * value u_a per atom and, with an intercept, the coefficient c' of a column of ones, against
 * y - ybar and the design's centred columns.  A partition of the atoms is a label per atom:
 * a cluster 0 .. K-1, or WS_KMEANS1D_ZERO for the cluster pinned at 0 (--learn-zero). */
#ifndef WSHARE_LEARN_IMPL_H
#define WSHARE_LEARN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "wshare/learn.h"

typedef struct {
  int n, P;          /* weights, atoms */
  int *atom_of;      /* n: the atom of each weight, or -1 (fixed at zero: id -2) */
  int *size;         /* P: weights of each atom */
  int *first;        /* P: the first weight of each atom (for messages) */
  int64_t *id;       /* P: the starting group id, or -1 for a single free weight */
  uint64_t checksum; /* of the starting ids */
} WsLearnAtoms;

/* Local: atoms of the starting ids (n entries: >= 0 groups, -1 free, -2 fixed at zero; NULL:
 * every weight free), in the order of the tied columns of the groups sharing (groups by
 * ascending id, then free weights by index).  An id below -2 is an input error naming
 * what. */
WsErr ws_learn_atoms_create(int n, const int64_t *ids, const char *what, WsLearnAtoms *a);
void ws_learn_atoms_free(WsLearnAtoms *a);
/* Local: "weight 3 (not shared)" or "group 7 (4 weights)", for messages. */
void ws_learn_atoms_name(const WsLearnAtoms *a, int atom, char *text, size_t size);

/* A least-squares system in atom coordinates: A theta = b with A = Z^T Z + Lambda (dim x dim,
 * full, column-major; the ridge Lambda on the atoms only), over m rows. */
typedef struct {
  int P, ones, dim;
  double m;
  const double *A, *b;
  double loss0; /* the free fit's loss: the scale of loss comparisons */
} WsLearnSystem;

/* A factored merged system: Jacobi-scaled (powers of two) Cholesky factor. */
typedef struct {
  int kd;
  double *U;    /* kd x kd upper factor of D M D */
  double *D;    /* kd */
  double rcond; /* reciprocal condition of D M D (0 when the factorization failed) */
  int bad;      /* -1: fine; else the merged column where M is not positive definite */
} WsLearnFactor;

/* Local: M (kd x kd, kd = K + ones) and rhs of the system merged by labels. */
void ws_learn_fit_merge(const WsLearnSystem *sys, const int *labels, int K, double *M, double *rhs);
/* Local: solves M x = rhs, keeping the scaled factor in f (allocated here, freed by
 * ws_learn_fit_factor_free).  f->bad >= 0 (rcond < kd eps included): singular, x untouched. */
WsErr ws_learn_fit_solve(int kd, const double *M, const double *rhs, double *x, WsLearnFactor *f);
/* Local: dx = M^-1 r with a factor from ws_learn_fit_solve. */
void ws_learn_fit_correct(const WsLearnFactor *f, const double *r, double *dx);
void ws_learn_fit_factor_free(WsLearnFactor *f);
/* Local: atom coordinates theta (P + ones) of merged coordinates x (K + ones). */
void ws_learn_fit_expand(int P, int ones, const int *labels, int K, const double *x, double *theta);
/* Local: L(theta) - L(theta_f) = (e^T A e + 2 e^T rho) / (2 m), e = theta - theta_f, with
 * rho = A theta_f - b: no cancellation against |y|^2. */
double ws_learn_fit_delta_loss(const WsLearnSystem *sys, const double *theta_f, const double *rho,
                               const double *theta, double *work);
/* Local: the largest eigenvalue of D^-1/2 A D^-1/2 over the atoms (D = diag A): the step of
 * the improvement step in the metric of the importances. */
double ws_learn_fit_lipschitz(const WsLearnSystem *sys, double *work);

/* The refit of one partition of the path and what the improvement step did to it. */
typedef struct {
  int *labels;   /* P */
  double *theta; /* P + ones, atom coordinates */
  double dloss;  /* loss - the free fit's loss */
  double rcond;  /* of the merged system */
  int deficient; /* the merged system is singular: no fit */
  int steps;     /* improvement steps kept */
  double gain;   /* loss the improvement step removed (>= 0) */
} WsLearnRefit;

/* Local: the refit of labels (K clusters) from sys, and with improve the projected-gradient
 * improvement step (README "Learned sharing", the method): re-cluster theta - D^-1 grad L / L_s
 * into K clusters by the exact k-means (importances h) and refit, while the loss falls.
 * theta_f, rho: the free fit and its residual (ws_learn_fit_delta_loss). */
WsErr ws_learn_fit_refit(const WsLearnSystem *sys, const double *theta_f, const double *rho,
                         const double *h, double lipschitz, int K, int pin_zero, int improve,
                         WsLearnRefit *r);

#endif
