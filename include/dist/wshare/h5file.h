/* HDF5 files opened by all ranks of a communicator with the MPI-IO driver: open, create,
 * close, what a dataset is (shape, type), and whole reads of small datasets (groups, A,
 * initial weights), which every rank reads in full.  Functions taking a WsH5File are
 * collective over its communicator and return the same status on every rank, except
 * ws_h5file_exists and ws_h5file_info, which are local (all ranks see the same file). */
#ifndef WSHARE_H5FILE_H
#define WSHARE_H5FILE_H

#include <hdf5.h>
#include <stdint.h>

#include "wshare/comm.h"

enum { WS_PATH_MAX = 4096 };

/* Checks an HDF5 call (a negative return is a failure); what names the file or dataset. */
#define WS_H5(expr, what)                                                                          \
  do {                                                                                             \
    if ((expr) < 0)                                                                                \
      return ws_error_set(WS_ERR_RUNTIME, "%s: HDF5 call failed (%s)", (what), #expr);             \
  } while (0)

typedef struct {
  hid_t file;
  char path[WS_PATH_MAX];
  MPI_Comm comm;
} WsH5File;

typedef struct {
  int ndims;
  int64_t dims[2];
  H5T_class_t type_class;
  size_t type_size;
} WsDatasetInfo;

/* Collective: opens an existing file read-only; a missing or non-HDF5 file is an input
 * error naming it. */
WsErr ws_h5file_open(const char *path, MPI_Comm comm, WsH5File **f);
/* Collective: opens an existing file for writing its datasets in parallel (checkpoints'
 * row-partitioned state). */
WsErr ws_h5file_open_rw(const char *path, MPI_Comm comm, WsH5File **f);
/* Collective: creates (truncates) a file. */
WsErr ws_h5file_create(const char *path, MPI_Comm comm, WsH5File **f);
/* Collective: closes the file (NULL is ignored) and sets *f to NULL. */
void ws_h5file_close(WsH5File **f);
/* 1 if the dataset exists (a missing group on the way counts as missing). */
int ws_h5file_exists(const WsH5File *f, const char *name);
/* Shape and type of a dataset; a missing dataset is an input error naming file and name. */
WsErr ws_h5file_info(const WsH5File *f, const char *name, WsDatasetInfo *info);
/* Collective: reads a whole small dataset of exactly count values on every rank,
 * converted to double or int64; another size is an input error. */
WsErr ws_h5file_read_f64(const WsH5File *f, const char *name, int64_t count, double *buf);
WsErr ws_h5file_read_i64(const WsH5File *f, const char *name, int64_t count, int64_t *buf);

#endif
