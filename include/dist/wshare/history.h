/* The per-iteration history of a run (loss, |A grad L|, cumulative seconds), written to
 * results and checkpoints. */
#ifndef WSHARE_HISTORY_H
#define WSHARE_HISTORY_H

#include <stdint.h>

#include <hdf5.h>

#include "wshare/error.h"

typedef struct {
  int64_t len, cap;
  double *loss, *grad_norm, *seconds;
} WsHistory;

WsErr ws_history_create(WsHistory **h);
/* Frees the history (NULL is ignored) and sets *h to NULL. */
void ws_history_destroy(WsHistory **h);
WsErr ws_history_append(WsHistory *h, double loss, double grad_norm, double seconds);
/* Makes room for len entries and sets the length (for restoring from a checkpoint). */
WsErr ws_history_resize(WsHistory *h, int64_t len);
/* Local: replaces h by /history/loss, /history/grad_norm and /history/seconds of an open
 * file; what names the file in messages. */
WsErr ws_history_read(WsHistory *h, hid_t file, const char *what);

#endif
