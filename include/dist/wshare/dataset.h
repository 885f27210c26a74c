/* Row blocks of large datasets written in parallel (README "File formats"): each rank writes
 * only its own block of rows of a 1-D or 2-D dataset.  Reading rows is the row reader's
 * (wshare/rowread.h).  Collective over the file's communicator. */
#ifndef WSHARE_DATASET_H
#define WSHARE_DATASET_H

#include "wshare/h5file.h"
#include "wshare/partition.h"

typedef enum { WS_DTYPE_F64 = 0, WS_DTYPE_F32 = 1 } WsDtype;

/* Collective: writes this rank's rows of a 1-D or 2-D dataset dset of f. */
WsErr ws_dataset_write_rows(const WsH5File *f, hid_t dset, const WsPartition *part, int64_t cols,
                            hid_t mem_type, const void *buf);

#endif
