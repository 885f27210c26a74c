/* What `wshare info` says about a file before its generic listing (README "wshare info"):
 * which kind of wshare file it is and its key facts.  Local: called on one rank, on a file
 * opened by every rank (reads here are independent). */
#ifndef WSHARE_CLI_DESCRIBE_H
#define WSHARE_CLI_DESCRIBE_H

#include <stdio.h>

#include "wshare/h5file.h"

typedef enum {
  WS_FILE_DATA,
  WS_FILE_RESULT,
  WS_FILE_CHECKPOINT,
  WS_FILE_PREDICTIONS,
  WS_FILE_OTHER
} WsFileKind;

/* The kind of an open file, from what it holds: a checkpoint carries a fingerprint from its
 * first write on, a result a solver and /w, predictions /y_pred, data a 2-D dataset. */
WsFileKind ws_describe_kind(const WsH5File *f);

/* Prints "kind: ..." and the key facts of that kind, one "name: value" line each. */
void ws_describe_summary(FILE *out, const WsH5File *f, WsFileKind kind);

/* The text of a string attribute of obj, fixed or variable length, as a new malloc'ed
 * string; NULL when absent, not a string, or more than one. */
char *ws_describe_attr_text(hid_t obj, const char *name);

/* Every dataset of the file, one line each: "  /name: shape type, storage". */
void ws_describe_datasets(FILE *out, const WsH5File *f);

#endif
