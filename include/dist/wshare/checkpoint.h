/* Checkpoint files (README "File formats"): DIR/ckpt-NNNNNNNN.h5 holding the solver's state fields,
 * the history, the effective configuration and the problem fingerprint.  Rank 0 writes (all state
 * is replicated) to a temporary name, flushes, fsyncs and renames, so only complete checkpoints
 * carry the final name; the newest `keep` are kept.  Reading happens on rank 0 and is broadcast, so
 * a restart may use any number of ranks.  Row-partitioned fields (wshare/state.h) are written by
 * every rank into its rows of the temporary before it is marked complete, and read by every rank
 * for the rows of its current partition. */
#ifndef WSHARE_CHECKPOINT_H
#define WSHARE_CHECKPOINT_H

#include "wshare/comm.h"
#include "wshare/h5file.h"
#include "wshare/history.h"
#include "wshare/state.h"

typedef struct {
  const WsStateField *fields;
  int n_fields;
  WsHistory *history;
  const char *config;
  const char *fingerprint;
  double elapsed; /* seconds of solving so far, over all runs */
} WsCheckpointContent;

/* Collective: writes the checkpoint of iteration into dir and prunes to keep files. */
WsErr ws_checkpoint_write(const char *dir, int keep, int64_t iteration,
                          const WsCheckpointContent *c, MPI_Comm comm, char path[WS_PATH_MAX]);

/* Local: 1 when a file of this name (no directory) in a checkpoint directory is one that
 * wshare replaces or prunes: a checkpoint or its temporary. */
int ws_checkpoint_owns_name(const char *name);

/* Collective: the newest checkpoint in dir that opens and is complete ("" if none); a
 * broken one is skipped with a warning naming it. */
WsErr ws_checkpoint_find(const char *dir, MPI_Comm comm, char path[WS_PATH_MAX]);

/* Collective: fills c->fields and c->history from path, after checking completeness and
 * that its fingerprint equals c->fingerprint; sets c->elapsed. */
WsErr ws_checkpoint_read(const char *path, WsCheckpointContent *c, MPI_Comm comm);

#endif
