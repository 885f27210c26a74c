/* A named piece of solver state: what a checkpoint saves and a restart restores, so that
 * the resumed run continues exactly (README "File formats", checkpoints). */
#ifndef WSHARE_STATE_H
#define WSHARE_STATE_H

#include <stdint.h>

#include "wshare/partition.h"

/* A field is replicated (every rank holds the same len values; rank 0 saves them) unless part
 * is set: then it is row-partitioned, this rank's part->count rows of width values (len =
 * count width), saved by every rank into its rows of one part->rows x width dataset and read
 * back by the rows of the restarted run's partition, which may have another rank count. */
typedef struct {
  const char *name; /* saved as /state/<name> */
  double *data;     /* points into the owner's memory */
  int64_t len;      /* doubles on this rank */
  const WsPartition *part;
  int64_t width;
} WsStateField;

enum { WS_STATE_MAX_FIELDS = 16 };

#endif
