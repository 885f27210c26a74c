/* Private: the state of a learn run shared by learn.c (the stages of the Gram route, the
 * solver ops, the outputs), learn_passes.c (the exact passes, and the route without the Gram
 * matrix) and learn_select.c (scoring the path, choosing K).  README "Learned sharing". */
#ifndef WSHARE_LEARN_STATE_H
#define WSHARE_LEARN_STATE_H

#include "learn_impl.h"
#include "solver_impl.h"
#include "wshare/kmeans1d.h"

enum { STAGE_GRAM, STAGE_FREE, STAGE_PATH, STAGE_EXACT, STAGE_FINAL, STAGE_DONE };
enum { ROUTE_GRAM, ROUTE_PASSES };
/* The scalars of the state. */
enum {
  LS_STAGE,
  LS_K_NEXT, /* the next K of the path */
  LS_K_LO,   /* the first K of the path */
  LS_K_HI,   /* the last K of the path (known after the free fit) */
  LS_CHOSEN, /* index of the chosen K in the path */
  LS_YY0,    /* |y - ybar|^2 of the fit (or all) rows and of the held-out rows */
  LS_YY1,
  LS_ROWS0, /* rows of each set */
  LS_ROWS1,
  LS_YBAR,      /* the offset of y in the Gram matrices */
  LS_LIPSCHITZ, /* the step of the improvement step */
  LS_LOSS_FREE, /* loss of the free fit (on the fit rows) */
  LS_RSS_FREE0, /* its exact RSS on the fit (or all) rows and on the held-out rows */
  LS_RSS_FREE1,
  LS_RCOND_FREE, /* reciprocal condition of its scaled Gram matrix */
  LS_LOSS,       /* loss, RSS (all rows) and |A grad| (NaN: not known) of the model in theta */
  LS_RSS,
  LS_GNORM,
  LS_REFINED, /* exact refinement passes of the final fit */
  LS_COUNT
};
/* The columns of a path entry. */
enum {
  PC_K,
  PC_DLOSS,
  PC_GAIN,
  PC_RSS0,
  PC_RSS1,
  PC_CRIT,
  PC_RCOND,
  PC_STEPS,
  PC_DEFICIENT,
  PC_COUNT
};

typedef struct WsLearnRun {
  WsLearnOptions opt;
  WsLearnAtoms atoms;
  int route, sets, ones, dim, P, k_cap, n_path_max;
  /* State (checkpointed). */
  double scal[LS_COUNT];
  double *gram, *gram_b; /* sets blocks of dim x dim (1 value on the passes route), of dim */
  int64_t gram_len;
  double *model; /* n + 1: the weights and the shift c (the design's convention) reported */
  double *free, *free_grad, *importance, *labels, *fits, *path;
  /* Derived from the state, rebuilt after a restore. */
  double *A_fit, *b_fit, *rho;
  int rho_ready;
  double step_loss; /* the loss of what this iteration fitted (reported) */
  WsKmeans1d *dp;
  /* Outputs. */
  int64_t *groups;
  double *group_values, *out_k, *out_rss, *out_crit, *out_gain;
  char reason[256], route_text[256];
} WsLearnRun;

static inline int ws_learn_state_k_lo(const WsLearnRun *L) {
  return (int)L->scal[LS_K_LO];
}

static inline int ws_learn_state_path_len(const WsLearnRun *L) {
  return (int)L->scal[LS_K_HI] - ws_learn_state_k_lo(L) + 1;
}

/* The model's weights w (n) and shift c (the design's convention) of atom coordinates. */
static inline double ws_learn_state_weights(const WsLearnRun *L, const double *theta, double *w) {
  for (int j = 0; j < L->atoms.n; j++)
    w[j] = L->atoms.atom_of[j] >= 0 ? theta[L->atoms.atom_of[j]] : 0.0;
  return L->ones ? L->scal[LS_YBAR] + theta[L->P] : 0.0;
}

/* The intercept b = c - mu.w in original units of the model (w, c). */
static inline double ws_learn_state_intercept(const WsLearnRun *L, const WsDesign *des,
                                              const double *model) {
  if (!L->ones) return 0.0;
  double b = model[L->atoms.n];
  for (int j = 0; des->centred && j < L->atoms.n; j++)
    b -= des->mean[j] * model[j];
  return b;
}

/* learn_passes.c, collective: one answer for all ranks, whatever the last bits of their
 * replicated solves (as cholesky does): rank 0's solution x (len values, may be NULL) and its
 * factor's verdicts (rcond, bad), which decide collective steps such as refinement. */
WsErr ws_learn_passes_share(MPI_Comm comm, double *x, int len, WsLearnFactor *f);
/* learn_passes.c, collective: one exact pass at the fit x (merged coordinates of labels):
 * the data term's gradient summed by cluster, sum_i (pred_i - y_i) z_i, over all rows
 * (split = 0) or over the fit rows (g) and the held-out rows (g + K + ones), and each set's
 * RSS. */
WsErr ws_learn_passes_gradient(WsSolver *s, WsLearnRun *L, const int *labels, int K,
                               const double *x, int split, double *g, double *rss);
/* Iterative refinement of x with exact residuals of the fit rows (split) or all rows, m
 * rows, with the factor f of the merged system; *steps gets the passes made. */
WsErr ws_learn_passes_refine(WsSolver *s, WsLearnRun *L, const int *labels, int K,
                             const WsLearnFactor *f, int split, double m, double *x, int *steps);
/* The route without the Gram matrix: the free fit by cg and the importances from one pass. */
WsErr ws_learn_passes_free_fit(WsSolver *s, WsLearnRun *L);
/* ... and the refit of labels from its own merged Gram matrix (one pass), into r, its merged
 * coordinates x and factor f. */
WsErr ws_learn_passes_refit(WsSolver *s, WsLearnRun *L, const int *labels, int K, WsLearnRefit *r,
                            double *x, WsLearnFactor *f);

/* learn_select.c, collective: scores every fit of the path (from the Gram matrices and the
 * free fit's exact pass, or in one pass without them) and chooses K. */
WsErr ws_learn_select_score(WsSolver *s, WsLearnRun *L);

#endif
