/* Row blocks of large datasets (README "File formats"): each rank reads, maps or writes
 * only its own block of rows of a 1-D or 2-D dataset.  Collective over the file's
 * communicator unless said otherwise. */
#ifndef WSHARE_DATASET_H
#define WSHARE_DATASET_H

#include "wshare/h5file.h"
#include "wshare/partition.h"

typedef enum { WS_DTYPE_F64 = 0, WS_DTYPE_F32 = 1 } WsDtype;

/* Reads rows [part.start, part.start + part.count) of a 1-D or 2-D float dataset into buf
 * (row-major, converted to dtype). */
WsErr ws_dataset_read_rows(const WsH5File *f, const char *name, const WsPartition *part,
                           int64_t cols, WsDtype dtype, void *buf);

/* A rank's rows mapped straight from the file (zero-copy). */
typedef struct {
  void *base; /* the mapping (page-aligned), NULL when not mapped */
  size_t length;
  void *rows; /* the first of this rank's rows inside the mapping */
} WsRowMap;

/* Maps rows [part.start, part.start + part.count) of a 2-D dataset read-only when its
 * storage allows it (contiguous, unfiltered, in the native type of dtype), which avoids
 * copying the rows and first-touching fresh memory.  *mapped is 0 (and nothing is mapped
 * on any rank) when it does not, or when the environment sets WSHARE_IO=hdf5; the caller
 * then uses ws_dataset_read_rows. */
WsErr ws_dataset_map_rows(const WsH5File *f, const char *name, const WsPartition *part,
                          int64_t cols, WsDtype dtype, WsRowMap *map, int *mapped);
/* Local: 1 when ws_dataset_map_rows would map the dataset's rows (its storage allows it and
 * WSHARE_IO does not forbid it); for estimating memory before any row is read. */
int ws_dataset_can_map(const WsH5File *f, const char *name, WsDtype dtype);
/* Local: releases a mapping (an empty one is ignored). */
void ws_dataset_unmap_rows(WsRowMap *map);

/* Writes this rank's rows of a 1-D or 2-D dataset dset of f. */
WsErr ws_dataset_write_rows(const WsH5File *f, hid_t dset, const WsPartition *part, int64_t cols,
                            hid_t mem_type, const void *buf);

#endif
