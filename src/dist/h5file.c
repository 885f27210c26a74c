#define _GNU_SOURCE /* memfd_create */
#include "wshare/h5file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The most telling entry of HDF5's error stack: an OS error (errno) beats an MPI error,
 * which beats the innermost description. */
typedef struct {
  char text[512];
  int rank; /* 0 none, 1 innermost, 2 MPI, 3 OS */
} Reason;

static herr_t pick_reason(unsigned n, const H5E_error2_t *e, void *data) {
  (void)n;
  Reason *r = data;
  const char *d = e->desc ? e->desc : "";
  const char *errno_at = strstr(d, "errno = ");
  if (errno_at && r->rank < 3) {
    int code = atoi(errno_at + 8);
    if (code > 0) {
      snprintf(r->text, sizeof r->text, "%s", strerror(code));
      r->rank = 3;
    }
  } else if (strstr(d, "MPI_") && r->rank < 2) {
    snprintf(r->text, sizeof r->text, "%s", d);
    r->rank = 2;
  } else if (r->rank < 1 && d[0]) {
    snprintf(r->text, sizeof r->text, "%s", d);
    r->rank = 1;
  }
  return 0;
}

void ws_h5file_reason(char *text, size_t size) {
  Reason r = {.rank = 0};
  /* Upward: the innermost (most specific) entry first. */
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, pick_reason, &r);
  snprintf(text, size, "%s", r.text);
}

/* Records "message: reason" (or the message alone when there is no reason). */
static WsErr set_with_reason(const char *src, int line, const char *func, const char *reason,
                             const char *fmt, va_list ap) {
  char text[1024];
  vsnprintf(text, sizeof text, fmt, ap);
  if (!reason[0]) return ws_error_set_at(src, line, func, WS_ERR_RUNTIME, "%s", text);
  return ws_error_set_at(src, line, func, WS_ERR_RUNTIME, "%s: %s", text, reason);
}

WsErr ws_h5file_failed(const char *file, int line, const char *func, const char *fmt, ...) {
  char reason[512];
  ws_h5file_reason(reason, sizeof reason);
  va_list ap;
  va_start(ap, fmt);
  WsErr err = set_with_reason(file, line, func, reason, fmt, ap);
  va_end(ap);
  return err;
}

const char *ws_h5file_type_name(H5T_class_t type_class, size_t size) {
  static const char *const floats[] = {"float16", "float32", "float64", "float128"};
  static const char *const ints[] = {"int8", "int16", "int32", "int64"};
  int log2 = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : size == 16 ? 4 : -1;
  if (type_class == H5T_FLOAT && log2 >= 1 && log2 <= 4) return floats[log2 - 1];
  if (type_class == H5T_INTEGER && log2 >= 0 && log2 <= 3) return ints[log2];
  switch (type_class) {
  case H5T_STRING:
    return "a string type";
  case H5T_COMPOUND:
    return "a compound type";
  case H5T_ENUM:
    return "an enum type";
  case H5T_ARRAY:
    return "an array type";
  case H5T_VLEN:
    return "a variable-length type";
  default:
    return ws_h5file_class_name(type_class);
  }
}

const char *ws_h5file_class_name(H5T_class_t type_class) {
  switch (type_class) {
  case H5T_INTEGER:
    return "integer";
  case H5T_FLOAT:
    return "float";
  case H5T_STRING:
    return "string";
  case H5T_COMPOUND:
    return "compound";
  case H5T_ENUM:
    return "enum";
  case H5T_ARRAY:
    return "array";
  case H5T_VLEN:
    return "variable-length";
  case H5T_BITFIELD:
    return "bitfield";
  case H5T_OPAQUE:
    return "opaque";
  case H5T_REFERENCE:
    return "reference";
  case H5T_TIME:
    return "time";
  default:
    return "unknown";
  }
}

/* Why H5Fopen failed on an HDF5 file, as a user would say it. */
static WsErr open_failed(const char *path) {
  char reason[512];
  ws_h5file_reason(reason, sizeof reason);
  const char *t = strstr(reason, "truncated file");
  long long eof = -1, stored = -1;
  const char *e = t ? strstr(t, "eof = ") : NULL, *se = t ? strstr(t, "stored_eof = ") : NULL;
  if (e && se && sscanf(e, "eof = %lld", &eof) == 1 &&
      sscanf(se, "stored_eof = %lld", &stored) == 1)
    return ws_error_set(WS_ERR_INPUT,
                        "cannot open file '%s': truncated (%lld bytes, HDF5 recorded %lld)", path,
                        eof, stored);
  if (reason[0])
    return ws_error_set(WS_ERR_INPUT, "cannot open file '%s' with HDF5: %s", path, reason);
  return ws_error_set(WS_ERR_INPUT, "cannot open file '%s' with HDF5", path);
}

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

/* Local: why path cannot be opened as an HDF5 file before HDF5 is asked, if it cannot. */
static WsErr check_readable(const char *path) {
  struct stat st;
  WS_CHECK(access(path, R_OK) == 0, WS_ERR_INPUT, "cannot open file '%s': %s", path,
           strerror(errno));
  WS_CHECK(stat(path, &st) != 0 || !S_ISDIR(st.st_mode), WS_ERR_INPUT,
           "cannot open file '%s': is a directory (expected an HDF5 file)", path);
  WS_CHECK(H5Fis_hdf5(path) > 0, WS_ERR_INPUT, "cannot open file '%s': not an HDF5 file", path);
  return WS_OK;
}

WsErr ws_h5file_open_local(const char *path, hid_t *file) {
  *file = H5I_INVALID_HID;
  WS_CALL(check_readable(path));
  *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  return *file < 0 ? open_failed(path) : WS_OK;
}

static WsErr open_existing(const char *path, MPI_Comm comm, unsigned flags, WsH5File **out) {
  *out = NULL;
  WS_CALL(ws_comm_agree(comm, check_readable(path)));
  WsH5File *f = NULL;
  WS_CALL(file_alloc(path, comm, &f));
  WsErr err = WS_OK;
  hid_t fapl = mpio_fapl(comm);
  if (fapl < 0) {
    err = ws_h5file_failed(__FILE__, __LINE__, __func__, "cannot set up MPI-IO to open '%s'", path);
  } else {
    f->file = H5Fopen(path, flags, fapl);
    if (f->file < 0) err = open_failed(path);
    H5Pclose(fapl);
  }
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
  WsErr err = WS_OK;
  hid_t fapl = H5I_INVALID_HID;
  WS_H5_TRY(err, fapl = mpio_fapl(comm), "cannot set up MPI-IO to create '%s'", path);
  /* Exclusive: the names wshare writes are temporaries of its own (wshare/outfile.h), so
   * an existing file of that name is never someone else's to truncate. */
  WS_H5_TRY(err, f->file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl),
            "cannot create file '%s'", path);
  if (fapl >= 0) H5Pclose(fapl);
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

/* The OS error behind a failed write to file: MPI-IO drivers hand HDF5 a short count
 * without errno, so write one block past the end of the (doomed, temporary) file and see
 * what the OS says.  "" when the probe goes through. */
static void probe_write_error(hid_t file, char *text, size_t size) {
  text[0] = '\0';
  char name[WS_PATH_MAX];
  if (H5Fget_name(file, name, sizeof name) <= 0) return;
  int fd = open(name, O_WRONLY);
  if (fd < 0) return;
  struct stat st;
  static const char block[4096];
  int failed =
      fstat(fd, &st) != 0 || pwrite(fd, block, sizeof block, st.st_size) < 0 || fsync(fd) != 0;
  if (failed) snprintf(text, size, "%s", strerror(errno));
  close(fd);
}

WsErr ws_h5file_write_failed(hid_t file, const char *src, int line, const char *func,
                             const char *fmt, ...) {
  char reason[512];
  Reason r = {.rank = 0};
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, pick_reason, &r);
  if (r.rank == 3)
    snprintf(reason, sizeof reason, "%s", r.text);
  else
    probe_write_error(file, reason, sizeof reason);
  if (!reason[0]) snprintf(reason, sizeof reason, "%s", r.text);
  va_list ap;
  va_start(ap, fmt);
  WsErr err = set_with_reason(src, line, func, reason, fmt, ap);
  va_end(ap);
  return err;
}

/* After a failed write HDF5 still holds dirty metadata, and H5Fclose would try to write it
 * again; when that fails too, HDF5 1.10 frees the file but keeps its ID, and crashes
 * closing it at exit.  So the failed file's descriptors are pointed at an anonymous
 * memory file first: the close then completes, and the temporary is removed anyway. */
static void discard_writes(hid_t file) {
  char name[WS_PATH_MAX];
  struct stat target;
  if (H5Fget_name(file, name, sizeof name) <= 0 || stat(name, &target) != 0) return;
  int sink = memfd_create("wshare-discarded", 0);
  if (sink < 0) sink = open("/dev/null", O_RDWR);
  if (sink < 0) return;
  DIR *fds = opendir("/proc/self/fd");
  struct dirent *e;
  while (fds && (e = readdir(fds))) {
    int fd = atoi(e->d_name);
    struct stat st;
    if (fd > 2 && fd != sink && fd != dirfd(fds) && fstat(fd, &st) == 0 &&
        st.st_dev == target.st_dev && st.st_ino == target.st_ino)
      dup2(sink, fd);
  }
  if (fds) closedir(fds);
  close(sink);
}

WsErr ws_h5file_close_hid(hid_t file, WsErr err, const char *what) {
  if (!err && H5Fflush(file, H5F_SCOPE_LOCAL) < 0)
    err = ws_h5file_write_failed(file, __FILE__, __LINE__, __func__, "cannot write '%s'", what);
  if (err) discard_writes(file);
  if (H5Fclose(file) < 0 && !err)
    err = ws_h5file_failed(__FILE__, __LINE__, __func__, "cannot write '%s'", what);
  return err;
}

WsErr ws_h5file_close_written(WsH5File **f, WsErr local, const char *what) {
  if (!f || !*f) return ws_error_trace(local, __FILE__, __LINE__, __func__);
  MPI_Comm comm = (*f)->comm;
  hid_t file = (*f)->file;
  free(*f);
  *f = NULL;
  /* Flush, discard and close are collective with MPI-IO: every rank takes the same path. */
  WsErr err = ws_comm_agree(comm, local);
  if (!err && H5Fflush(file, H5F_SCOPE_LOCAL) < 0)
    err = ws_h5file_write_failed(file, __FILE__, __LINE__, __func__, "cannot write '%s'", what);
  err = ws_comm_agree(comm, err);
  if (err) discard_writes(file);
  if (H5Fclose(file) < 0 && !err)
    err = ws_h5file_failed(__FILE__, __LINE__, __func__, "cannot write '%s'", what);
  return ws_comm_agree(comm, err);
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
  H5O_info_t oinfo;
  WS_CHECK(H5Oget_info_by_name2(f->file, name, &oinfo, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 &&
               oinfo.type == H5O_TYPE_DATASET,
           WS_ERR_INPUT, "%s: %s is not a dataset (a group or another object)", f->path, name);
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  WS_CHECK(d >= 0, WS_ERR_INPUT, "%s: cannot open dataset %s", f->path, name);
  hid_t s = H5Dget_space(d), t = H5Dget_type(d);
  hsize_t dims[H5S_MAX_RANK];
  int nd = s < 0 ? -1 : H5Sget_simple_extent_dims(s, dims, NULL);
  info->ndims = nd;
  info->dims[0] = nd > 0 ? (int64_t)dims[0] : 1;
  info->dims[1] = nd > 1 ? (int64_t)dims[1] : 1;
  info->count = nd < 0 ? 0 : 1;
  for (int i = 0; i < nd; i++)
    info->count *= (int64_t)dims[i];
  info->type_class = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  info->type_size = t < 0 ? 0 : H5Tget_size(t);
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  H5Dclose(d);
  WS_CHECK(nd >= 0 && t >= 0, WS_ERR_INPUT, "%s: cannot read the shape and type of %s", f->path,
           name);
  return WS_OK;
}

/* Reads all count values of a dataset; a dataset of another size is refused rather than
 * read past the end of buf. */
static WsErr read_all(const WsH5File *f, const char *name, int64_t count, hid_t mem_type,
                      void *buf) {
  WsDatasetInfo info;
  WS_CALL(ws_h5file_info(f, name, &info));
  WS_CHECK(info.type_class == H5T_INTEGER || info.type_class == H5T_FLOAT, WS_ERR_INPUT,
           "%s: dataset %s must be numeric (integer or float), found %s", f->path, name,
           ws_h5file_class_name(info.type_class));
  WS_CHECK(info.count == count, WS_ERR_INPUT, "%s: dataset %s has %lld values, expected %lld",
           f->path, name, (long long)info.count, (long long)count);
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  WS_H5(d, "%s: cannot open dataset %s", f->path, name);
  herr_t status = H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  WsErr err = WS_OK;
  if (status < 0)
    err =
        ws_h5file_failed(__FILE__, __LINE__, __func__, "%s: cannot read dataset %s", f->path, name);
  H5Dclose(d);
  return err;
}

WsErr ws_h5file_read_f64(const WsH5File *f, const char *name, int64_t count, double *buf) {
  return ws_comm_agree(f->comm, read_all(f, name, count, H5T_NATIVE_DOUBLE, buf));
}

WsErr ws_h5file_read_i64(const WsH5File *f, const char *name, int64_t count, int64_t *buf) {
  return ws_comm_agree(f->comm, read_all(f, name, count, H5T_NATIVE_INT64, buf));
}
