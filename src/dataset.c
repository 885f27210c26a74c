#include "wshare/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* MPI-IO reads in pieces of at most this many bytes per rank: ROMIO counts are int. */
static const int64_t WS_IO_CHUNK_BYTES = (int64_t)1 << 30;

static hid_t mpio_fapl(MPI_Comm comm) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
  return fapl;
}

WsErr ws_h5_open_read(const char *path, MPI_Comm comm, WsH5File *f) {
  memset(f, 0, sizeof *f);
  f->file = H5I_INVALID_HID;
  f->comm = comm;
  snprintf(f->path, sizeof f->path, "%s", path);
  WsErr err = WS_OK;
  if (access(path, R_OK) != 0)
    err = ws_error_set(WS_ERR_INPUT, "cannot open file '%s': %s", path, strerror(errno));
  else if (H5Fis_hdf5(path) <= 0)
    err = ws_error_set(WS_ERR_INPUT, "cannot open file '%s': not an HDF5 file", path);
  WS_CALL(ws_error_agree(comm, err));
  hid_t fapl = mpio_fapl(comm);
  f->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  err = f->file < 0 ? ws_error_set(WS_ERR_INPUT, "cannot open file '%s' with HDF5", path) : WS_OK;
  return ws_error_agree(comm, err);
}

WsErr ws_h5_create(const char *path, MPI_Comm comm, WsH5File *f) {
  memset(f, 0, sizeof *f);
  f->comm = comm;
  snprintf(f->path, sizeof f->path, "%s", path);
  hid_t fapl = mpio_fapl(comm);
  f->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  WsErr err = f->file < 0 ? ws_error_set(WS_ERR_RUNTIME, "cannot create file '%s'", path) : WS_OK;
  return ws_error_agree(comm, err);
}

void ws_h5_close(WsH5File *f) {
  if (f && f->file >= 0) H5Fclose(f->file);
  if (f) f->file = H5I_INVALID_HID;
}

int ws_h5_exists(const WsH5File *f, const char *name) {
  /* Test each prefix: H5Lexists fails, rather than answering 0, past a missing group. */
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", name);
  if (buf[0] != '/' || buf[1] == '\0') return 0;
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    int ok = H5Lexists(f->file, buf, H5P_DEFAULT) > 0;
    *p = saved;
    if (!ok) return 0;
    if (saved == '\0') return 1;
  }
}

WsErr ws_h5_info(const WsH5File *f, const char *name, WsDatasetInfo *info) {
  WS_CHECK(name[0] == '/', WS_ERR_INPUT, "%s: dataset name '%s' must start with '/'", f->path,
           name);
  WS_CHECK(ws_h5_exists(f, name), WS_ERR_INPUT, "%s: dataset %s not found", f->path, name);
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  WS_CHECK(d >= 0, WS_ERR_INPUT, "%s: %s is not a dataset", f->path, name);
  hid_t s = H5Dget_space(d), t = H5Dget_type(d);
  hsize_t dims[H5S_MAX_RANK];
  int nd = H5Sget_simple_extent_dims(s, dims, NULL);
  info->ndims = nd;
  info->dims[0] = nd > 0 ? (int64_t)dims[0] : 1;
  info->dims[1] = nd > 1 ? (int64_t)dims[1] : 1;
  info->type_class = H5Tget_class(t);
  info->type_size = H5Tget_size(t);
  H5Tclose(t);
  H5Sclose(s);
  H5Dclose(d);
  WS_CHECK(nd <= 2, WS_ERR_INPUT, "%s: dataset %s has %d dimensions (at most 2 expected)", f->path,
           name, nd);
  return WS_OK;
}

static hid_t collective_dxpl(void) {
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  /* Every rank's rows are one contiguous piece of the file: two-phase aggregation only
   * adds copies, so keep the collective call but let each rank do its own I/O. */
  H5Pset_dxpl_mpio_collective_opt(dxpl, H5FD_MPIO_INDIVIDUAL_IO);
  return dxpl;
}

/* Reads or writes a block of rows in pieces small enough for MPI-IO; every rank makes the
 * same number of calls (derived from the common block size), as collectives require. */
static WsErr transfer_rows(const WsH5File *f, hid_t dset, const char *name, const WsPartition *part,
                           int64_t cols, hid_t mem_type, void *buf, int writing) {
  size_t elem = H5Tget_size(mem_type);
  int64_t row_bytes = cols * (int64_t)elem;
  int64_t rows_per_call = WS_IO_CHUNK_BYTES / (row_bytes > 0 ? row_bytes : 1);
  if (rows_per_call < 1) rows_per_call = 1;
  int64_t calls = (part->block + rows_per_call - 1) / rows_per_call;
  if (calls < 1) calls = 1;
  hid_t fspace = H5Dget_space(dset);
  int nd = H5Sget_simple_extent_ndims(fspace);
  hid_t dxpl = collective_dxpl();
  herr_t status = 0;
  for (int64_t c = 0; c < calls && status >= 0; c++) {
    int64_t first = c * rows_per_call;
    int64_t count = part->count - first;
    if (count > rows_per_call) count = rows_per_call;
    if (count < 0) count = 0;
    /* A 1-D dataset is addressed in elements: a "row" of it is cols consecutive values. */
    hsize_t start[2] = {(hsize_t)(part->start + first), 0};
    hsize_t extent[2] = {(hsize_t)count, (hsize_t)cols};
    if (nd == 1) {
      start[0] *= (hsize_t)cols;
      extent[0] *= (hsize_t)cols;
    }
    hsize_t mdims[1] = {(hsize_t)(count * cols > 0 ? count * cols : 1)};
    hid_t mspace = H5Screate_simple(1, mdims, NULL);
    if (count > 0) {
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, extent, NULL);
    } else {
      H5Sselect_none(fspace);
      H5Sselect_none(mspace);
    }
    char *p = (char *)buf + first * row_bytes;
    status = writing ? H5Dwrite(dset, mem_type, mspace, fspace, dxpl, p)
                     : H5Dread(dset, mem_type, mspace, fspace, dxpl, p);
    H5Sclose(mspace);
  }
  H5Pclose(dxpl);
  H5Sclose(fspace);
  WS_CHECK(status >= 0, WS_ERR_RUNTIME, "%s: %s of dataset %s failed", f->path,
           writing ? "write" : "read", name);
  return WS_OK;
}

WsErr ws_h5_write_rows(const WsH5File *f, hid_t dset, const WsPartition *part, int64_t cols,
                       hid_t mem_type, const void *buf) {
  WsErr err = transfer_rows(f, dset, "(output)", part, cols, mem_type, (void *)buf, 1);
  return ws_error_agree(f->comm, err);
}

/* Reads all count values of a dataset; a dataset of another size is refused rather than
 * read past the end of buf. */
static WsErr read_all(const WsH5File *f, const char *name, int64_t count, hid_t mem_type,
                      void *buf) {
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  WS_CHECK(d >= 0, WS_ERR_INPUT, "%s: dataset %s not found", f->path, name);
  hid_t space = H5Dget_space(d);
  hssize_t have = H5Sget_simple_extent_npoints(space);
  H5Sclose(space);
  if (have != count) {
    H5Dclose(d);
    return ws_error_set(WS_ERR_INPUT, "%s: dataset %s has %lld values, expected %lld", f->path,
                        name, (long long)have, (long long)count);
  }
  herr_t status = H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  H5Dclose(d);
  WS_CHECK(status >= 0, WS_ERR_INPUT, "%s: cannot read dataset %s", f->path, name);
  return WS_OK;
}

WsErr ws_h5_read_all_f64(const WsH5File *f, const char *name, int64_t count, double *buf) {
  return ws_error_agree(f->comm, read_all(f, name, count, H5T_NATIVE_DOUBLE, buf));
}

WsErr ws_h5_read_all_i64(const WsH5File *f, const char *name, int64_t count, int64_t *buf) {
  return ws_error_agree(f->comm, read_all(f, name, count, H5T_NATIVE_INT64, buf));
}
