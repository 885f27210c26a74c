/* A named piece of solver state: what a checkpoint saves and a restart restores, so that
 * the resumed run continues exactly (README "File formats", checkpoints). */
#ifndef WSHARE_STATE_H
#define WSHARE_STATE_H

#include <stdint.h>

typedef struct {
  const char *name; /* saved as /state/<name> */
  double *data;     /* points into the owner's memory */
  int64_t len;      /* doubles */
} WsStateField;

enum { WS_STATE_MAX_FIELDS = 16 };

#endif
