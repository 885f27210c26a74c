/* Reading input data files with parallel HDF5 (SPEC §3): each rank reads its own block of
 * rows; small datasets (groups, A) are read whole by every rank.  All functions taking a
 * comm are collective and return the same status on every rank. */
#ifndef WSHARE_DATASET_H
#define WSHARE_DATASET_H

#include <hdf5.h>
#include <stdint.h>

#include "wshare/error.h"
#include "wshare/partition.h"

typedef enum { WS_DTYPE_F64 = 0, WS_DTYPE_F32 = 1 } WsDtype;

typedef struct {
  hid_t file;
  char path[4096];
  MPI_Comm comm;
} WsH5File;

typedef struct {
  int ndims;
  int64_t dims[2];
  H5T_class_t type_class;
  size_t type_size;
} WsDatasetInfo;

/* Opens an existing file read-only with the MPI-IO driver. */
WsErr ws_h5_open_read(const char *path, MPI_Comm comm, WsH5File *f);
/* Creates (truncates) a file with the MPI-IO driver. */
WsErr ws_h5_create(const char *path, MPI_Comm comm, WsH5File *f);
void ws_h5_close(WsH5File *f);
/* 1 if the dataset exists (a missing group on the way counts as missing). */
int ws_h5_exists(const WsH5File *f, const char *name);
/* Shape and type of a dataset; a missing dataset is an input error naming file and name. */
WsErr ws_h5_info(const WsH5File *f, const char *name, WsDatasetInfo *info);

/* Reads a whole small dataset on every rank, converted to double or int64. */
WsErr ws_h5_read_all_f64(const WsH5File *f, const char *name, int64_t count, double *buf);
WsErr ws_h5_read_all_i64(const WsH5File *f, const char *name, int64_t count, int64_t *buf);

/* Writes rows of a 1-D or 2-D dataset created with ws_h5_create_dataset.  Collective. */
WsErr ws_h5_write_rows(const WsH5File *f, hid_t dset, const WsPartition *part, int64_t cols,
                       hid_t mem_type, const void *buf);

#endif
