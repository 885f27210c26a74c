/* Learned sharing (README "Learned sharing"): wshare finds which weights share a value.
 *
 * Among the weights free to share (every weight, or the groups and free weights of a
 * starting structure, a group never being split), it seeks the ties with at most K distinct
 * values that fit best: a free fit, the importance of each point (its curvature, the Hessian
 * diagonal summed over its block), the exact weighted 1-D k-means of the free values for
 * every K of the path, an exact tied refit of each (with an improvement step kept when it
 * lowers the loss), K chosen by BIC or by the loss on held-out rows, and the final refit on
 * all rows.
 *
 * It runs as an iterative solver of the run loop: each iteration is one stage (the pass
 * forming the Gram matrix, the free fit, one K of the path, the exact scoring pass, the final
 * refit), and its state fields hold everything finished so far, so a run stopped by a signal
 * or a time limit resumes at the next stage.  The labels are computed from data every rank
 * holds bit for bit (every reduction is broadcast from rank 0), so all ranks use the same
 * ties.  Collective unless said otherwise. */
#ifndef WSHARE_LEARN_H
#define WSHARE_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "wshare/solver.h"

typedef enum { WS_LEARN_BIC, WS_LEARN_HOLDOUT } WsLearnCriterion;

typedef struct {
  int groups;     /* --learn-groups K; 0: auto (the path and the criterion) */
  int max_groups; /* --learn-max-groups; 0: min(n, 64) */
  WsLearnCriterion criterion;
  int zero;               /* --learn-zero: one more cluster, pinned at 0 (pruned weights) */
  int standardize;        /* --standardize for the iterative free fit */
  int64_t max_iter;       /* iterations of the iterative free fit */
  const int64_t *start;   /* starting ids, one per weight (>= 0 group, -1 free, -2 fixed at
                           * zero), or NULL: every weight free */
  const char *start_name; /* where they came from, for messages */
} WsLearnOptions;

/* What a finished run found (pointers into the solver; valid until it is destroyed). */
typedef struct {
  int k;                      /* the chosen number of groups */
  const int64_t *groups;      /* n: 0 .. k-1 by ascending value; -2 fixed at zero or pruned */
  const double *group_values; /* k, ascending */
  int path_len;
  const double *path_k, *path_rss, *path_criterion; /* path_len each */
  const double *path_gain; /* relative loss removed by the improvement step (0: not kept) */
  WsLearnCriterion criterion;
  int chosen;         /* index of k in the path */
  const char *reason; /* why k */
  const char *route;  /* how the path was computed */
  int improvable;     /* the improvement step was measured (Gram route) */
} WsLearnOutputs;

/* Creates the learn solver on prob (whose sharing must be none: learn works on all weights;
 * the ties it finds are its own).  Input errors: a bad starting id, --learn-groups larger
 * than the points to cluster, holdout without held-out rows, holdout when the Gram matrix
 * does not fit in memory. */
WsErr ws_learn_create(WsProblem *prob, const WsLearnOptions *opt, const WsSolverOptions *sopt,
                      WsSolver **s);
/* Local: the settings that must match for a checkpoint of this run to continue it
 * (criterion, K, starting structure, route), as one line. */
void ws_learn_fingerprint(const WsSolver *s, char *text, size_t size);
/* Local: the outputs; an error unless s is a learn solver that has finished. */
WsErr ws_learn_outputs(const WsSolver *s, WsLearnOutputs *out);

#endif
