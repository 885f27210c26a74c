#include "wshare/h5file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static hid_t mpio_fapl(MPI_Comm comm) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl >= 0 && H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
    H5Pclose(fapl);
    return H5I_INVALID_HID;
  }
  return fapl;
}

static WsErr file_alloc(const char *path, MPI_Comm comm, WsH5File **out) {
  WsH5File *f = ws_memory_calloc(1, sizeof *f);
  WS_CALL(ws_comm_agree_alloc(comm, f != NULL));
  f->file = H5I_INVALID_HID;
  f->comm = comm;
  snprintf(f->path, sizeof f->path, "%s", path);
  *out = f;
  return WS_OK;
}

static WsErr open_existing(const char *path, MPI_Comm comm, unsigned flags, WsH5File **out) {
  *out = NULL;
  WsErr err = WS_OK;
  if (access(path, R_OK) != 0)
    err = ws_error_set(WS_ERR_INPUT, "cannot open file '%s': %s", path, strerror(errno));
  else if (H5Fis_hdf5(path) <= 0)
    err = ws_error_set(WS_ERR_INPUT, "cannot open file '%s': not an HDF5 file", path);
  WS_CALL(ws_comm_agree(comm, err));
  WsH5File *f = NULL;
  WS_CALL(file_alloc(path, comm, &f));
  hid_t fapl = mpio_fapl(comm);
  f->file = fapl < 0 ? H5I_INVALID_HID : H5Fopen(path, flags, fapl);
  if (fapl >= 0) H5Pclose(fapl);
  err = f->file < 0 ? ws_error_set(WS_ERR_INPUT, "cannot open file '%s' with HDF5", path) : WS_OK;
  err = ws_comm_agree(comm, err);
  if (err) {
    ws_h5file_close(&f);
    return err;
  }
  *out = f;
  return WS_OK;
}

WsErr ws_h5file_create(const char *path, MPI_Comm comm, WsH5File **out) {
  *out = NULL;
  WsH5File *f = NULL;
  WS_CALL(file_alloc(path, comm, &f));
  hid_t fapl = mpio_fapl(comm);
  f->file = fapl < 0 ? H5I_INVALID_HID : H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (fapl >= 0) H5Pclose(fapl);
  WsErr err = f->file < 0 ? ws_error_set(WS_ERR_RUNTIME, "cannot create file '%s'", path) : WS_OK;
  err = ws_comm_agree(comm, err);
  if (err) {
    ws_h5file_close(&f);
    return err;
  }
  *out = f;
  return WS_OK;
}

WsErr ws_h5file_open(const char *path, MPI_Comm comm, WsH5File **out) {
  return open_existing(path, comm, H5F_ACC_RDONLY, out);
}

WsErr ws_h5file_open_rw(const char *path, MPI_Comm comm, WsH5File **out) {
  return open_existing(path, comm, H5F_ACC_RDWR, out);
}

void ws_h5file_close(WsH5File **f) {
  if (!f || !*f) return;
  if ((*f)->file >= 0) H5Fclose((*f)->file);
  free(*f);
  *f = NULL;
}

int ws_h5file_exists(const WsH5File *f, const char *name) {
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

WsErr ws_h5file_info(const WsH5File *f, const char *name, WsDatasetInfo *info) {
  WS_CHECK(name[0] == '/', WS_ERR_INPUT, "%s: dataset name '%s' must start with '/'", f->path,
           name);
  WS_CHECK(ws_h5file_exists(f, name), WS_ERR_INPUT, "%s: dataset %s not found", f->path, name);
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  WS_CHECK(d >= 0, WS_ERR_INPUT, "%s: %s is not a dataset", f->path, name);
  hid_t s = H5Dget_space(d), t = H5Dget_type(d);
  hsize_t dims[H5S_MAX_RANK];
  int nd = s < 0 ? -1 : H5Sget_simple_extent_dims(s, dims, NULL);
  info->ndims = nd;
  info->dims[0] = nd > 0 ? (int64_t)dims[0] : 1;
  info->dims[1] = nd > 1 ? (int64_t)dims[1] : 1;
  info->type_class = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  info->type_size = t < 0 ? 0 : H5Tget_size(t);
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  H5Dclose(d);
  WS_CHECK(nd >= 0 && t >= 0, WS_ERR_INPUT, "%s: cannot read the shape and type of %s", f->path,
           name);
  WS_CHECK(nd <= 2, WS_ERR_INPUT, "%s: dataset %s has %d dimensions (at most 2 expected)", f->path,
           name, nd);
  return WS_OK;
}

/* Reads all count values of a dataset; a dataset of another size is refused rather than
 * read past the end of buf. */
static WsErr read_all(const WsH5File *f, const char *name, int64_t count, hid_t mem_type,
                      void *buf) {
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  WS_CHECK(d >= 0, WS_ERR_INPUT, "%s: dataset %s not found", f->path, name);
  hid_t space = H5Dget_space(d);
  hssize_t have = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
  if (space >= 0) H5Sclose(space);
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

WsErr ws_h5file_read_f64(const WsH5File *f, const char *name, int64_t count, double *buf) {
  return ws_comm_agree(f->comm, read_all(f, name, count, H5T_NATIVE_DOUBLE, buf));
}

WsErr ws_h5file_read_i64(const WsH5File *f, const char *name, int64_t count, int64_t *buf) {
  return ws_comm_agree(f->comm, read_all(f, name, count, H5T_NATIVE_INT64, buf));
}
