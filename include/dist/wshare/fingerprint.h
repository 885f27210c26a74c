/* The problem fingerprint stored in checkpoints: what must match for a checkpoint to
 * continue this run (data shapes, outputs and type, a checksum of y, the sharing structure and the
 * options that change the problem).  Kept as "key=value" lines, compared key by key. */
#ifndef WSHARE_FINGERPRINT_H
#define WSHARE_FINGERPRINT_H

#include "wshare/design.h"
#include "wshare/sharing.h"

enum { WS_FINGERPRINT_MAX = 1024 };

typedef struct {
  double ridge;
  int intercept;
  int standardize;
  int reproducible; /* --reproducible: a restart keeps the summation mode */
  const char *solver;
} WsProblemOptions;

/* Collective (the y checksum is a sum over ranks, independent of the partition). */
WsErr ws_fingerprint_compute(const WsDesign *des, const WsSharing *sh, const WsProblemOptions *o,
                             MPI_Comm comm, char text[WS_FINGERPRINT_MAX]);
/* WS_OK when equal; otherwise an input error naming what differs, in terms of what. */
WsErr ws_fingerprint_compare(const char *saved, const char *current, const char *what);

#endif
