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

typedef struct {
  hid_t file;
  char path[WS_PATH_MAX];
  MPI_Comm comm;
} WsH5File;

typedef struct {
  int ndims;
  int64_t dims[2]; /* the first two extents (1 past ndims) */
  int64_t count;   /* elements in all */
  H5T_class_t type_class;
  size_t type_size;
} WsDatasetInfo;

/* HDF5 failures: WS_H5(expr, fmt, ...) returns WS_ERR_RUNTIME from the caller when expr (a
 * hid_t or herr_t) is negative, with the message fmt (name the file and object) followed
 * by HDF5's own reason (the OS error of a failed write, e.g. "No space left on device").
 * WS_H5_TRY(err, expr, fmt, ...) is the same for functions with cleanup: it evaluates
 * expr only while err is WS_OK and stores the failure in err. */
WsErr ws_h5file_failed(const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define WS_H5(expr, ...)                                                                           \
  do {                                                                                             \
    if ((expr) < 0) return ws_h5file_failed(__FILE__, __LINE__, __func__, __VA_ARGS__);            \
  } while (0)
#define WS_H5_TRY(err, expr, ...)                                                                  \
  do {                                                                                             \
    if ((err) == WS_OK && (expr) < 0)                                                              \
      (err) = ws_h5file_failed(__FILE__, __LINE__, __func__, __VA_ARGS__);                         \
  } while (0)
/* Local: the reason HDF5 gave for its most recent failure, reduced to the OS or MPI error
 * when there is one ("" when HDF5 recorded nothing). */
void ws_h5file_reason(char *text, size_t size);
/* Local: "float", "integer", "string", "compound", ... for messages. */
const char *ws_h5file_class_name(H5T_class_t type_class);
/* Local: "float32", "int8", ... for numbers, "a string type", "a compound type", ... */
const char *ws_h5file_type_name(H5T_class_t type_class, size_t size);

/* Collective: opens an existing file read-only; a missing or non-HDF5 file is an input
 * error naming it. */
WsErr ws_h5file_open(const char *path, MPI_Comm comm, WsH5File **f);
/* Local: opens an existing file read-only on this rank alone, with the same checks and
 * messages. */
WsErr ws_h5file_open_local(const char *path, hid_t *file);
/* Collective: opens an existing file for writing its datasets in parallel (checkpoints'
 * row-partitioned state, in their temporary). */
WsErr ws_h5file_open_rw(const char *path, MPI_Comm comm, WsH5File **f);
/* Collective: creates a file that does not exist yet (wshare writes temporaries only,
 * wshare/outfile.h). */
WsErr ws_h5file_create(const char *path, MPI_Comm comm, WsH5File **f);
/* Collective: closes the file (NULL is ignored) and sets *f to NULL, for cleanup paths. */
void ws_h5file_close(WsH5File **f);
/* Closing a file that was written, so that its last buffered writes are checked: err is
 * the status of the writing so far; when it or the final flush failed, the remaining
 * writes are discarded (the caller removes the file) and the close still completes.  A
 * failure is a runtime error naming what (the file as the user knows it) and the OS error.
 * ws_h5file_close_hid is local (a file of one rank); ws_h5file_close_written is collective,
 * returns the same status on every rank and sets *f to NULL. */
WsErr ws_h5file_close_hid(hid_t file, WsErr err, const char *what);
WsErr ws_h5file_close_written(WsH5File **f, WsErr err, const char *what);
/* A failed write to file: like ws_h5file_failed, but when HDF5 recorded no OS error (MPI-IO
 * drivers do not) the reason is learned by writing to the file itself, which the caller is
 * about to remove. */
WsErr ws_h5file_write_failed(hid_t file, const char *src, int line, const char *func,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* 1 if the dataset exists (a missing group on the way counts as missing). */
int ws_h5file_exists(const WsH5File *f, const char *name);
/* Shape and type of a dataset (any number of dimensions; callers check the ones they
 * need); a missing dataset is an input error naming file and name. */
WsErr ws_h5file_info(const WsH5File *f, const char *name, WsDatasetInfo *info);
/* Collective: reads a whole small dataset of exactly count values on every rank,
 * converted to double or int64; another size is an input error. */
WsErr ws_h5file_read_f64(const WsH5File *f, const char *name, int64_t count, double *buf);
WsErr ws_h5file_read_i64(const WsH5File *f, const char *name, int64_t count, int64_t *buf);

#endif
