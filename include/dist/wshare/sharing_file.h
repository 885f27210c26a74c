/* Reading the sharing structure of a run from HDF5 (README "Commands and options",
 * sharing): a groups dataset (one integer per model column, the same ties for every output;
 * or n x q, one per weight) or a dense matrix A (one output only), checked against the
 * design's model columns and outputs.  Collective over the file's communicator. */
#ifndef WSHARE_SHARING_FILE_H
#define WSHARE_SHARING_FILE_H

#include "wshare/design.h"
#include "wshare/h5file.h"
#include "wshare/sharing.h"

/* The default kind for a data file: groups when it has /groups, else none. */
WsSharingKind ws_sharing_file_default_kind(const WsH5File *data);
/* Builds the sharing of kind from dataset of f (NULL: /groups or /A) for the model columns
 * of des.  A matrix that is not a symmetric projector is accepted with a warning (only gd
 * runs then). */
WsErr ws_sharing_file_read(const WsH5File *f, WsSharingKind kind, const char *dataset,
                           const WsDesign *des, WsSharing **sh);

/* Collective: the ids of a groups dataset (NULL: /groups) of f, one per model column of des,
 * unchecked beyond shape and type (learned sharing reads its starting structure, -2 included,
 * this way).  A matrix is refused. */
WsErr ws_sharing_file_read_ids(const WsH5File *f, const char *dataset, const WsDesign *des,
                               int64_t *ids);

#endif
