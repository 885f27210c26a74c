#include "wshare/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The directory part of path ("." when it has none). */
static void directory_of(const char *path, char dir[WS_PATH_MAX]) {
  char copy[WS_PATH_MAX];
  snprintf(copy, sizeof copy, "%s", path);
  snprintf(dir, WS_PATH_MAX, "%s", dirname(copy));
}

WsErr ws_outfile_begin(const char *final, const char *temp, WsOutfile *o) {
  memset(o, 0, sizeof *o);
  snprintf(o->shown, sizeof o->shown, "%s", final);
  /* Writing through a symlink keeps the link: the rename replaces its target. */
  char *resolved = realpath(final, NULL);
  int n = snprintf(o->final, sizeof o->final, "%s", resolved ? resolved : final);
  free(resolved);
  WS_CHECK(n < (int)sizeof o->final, WS_ERR_INPUT, "output path '%s' is too long", final);
  if (temp) {
    n = snprintf(o->temp, sizeof o->temp, "%s", temp);
  } else {
    char dir[WS_PATH_MAX], copy[WS_PATH_MAX];
    directory_of(o->final, dir);
    snprintf(copy, sizeof copy, "%s", o->final);
    n = snprintf(o->temp, sizeof o->temp, "%s/.%s.%ld.tmp", dir, basename(copy), (long)getpid());
  }
  WS_CHECK(n < (int)sizeof o->temp, WS_ERR_INPUT, "output path '%s' is too long", final);
  return WS_OK;
}

WsErr ws_outfile_begin_all(const char *final, MPI_Comm comm, WsOutfile *o) {
  int rank;
  WS_MPI(MPI_Comm_rank(comm, &rank));
  WsErr err = rank == 0 ? ws_outfile_begin(final, NULL, o) : WS_OK;
  WS_CALL(ws_comm_agree(comm, err));
  WS_MPI(MPI_Bcast(o, (int)sizeof *o, MPI_BYTE, 0, comm));
  return WS_OK;
}

WsErr ws_outfile_create_h5(const WsOutfile *o, int exclusive, hid_t *file) {
  *file = H5Fcreate(o->temp, exclusive ? H5F_ACC_EXCL : H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (*file >= 0) return WS_OK;
  int taken = exclusive && errno == EEXIST;
  WsErr err = ws_h5file_failed(__FILE__, __LINE__, __func__, "cannot write '%s'", o->shown);
  /* A create that failed half-way may have made the file; an exclusive one that found the
   * name taken did not, and what it found is left alone. */
  if (!taken) ws_outfile_abandon(o);
  return err;
}

static WsErr fsync_path(const char *path, const char *shown, int directory) {
  int fd = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  WS_CHECK(fd >= 0, WS_ERR_RUNTIME, "cannot write '%s': cannot open '%s' to sync it: %s", shown,
           path, strerror(errno));
  int rc = fsync(fd), saved = errno;
  close(fd);
  WS_CHECK(rc == 0, WS_ERR_RUNTIME, "cannot write '%s': %s", shown, strerror(saved));
  return WS_OK;
}

WsErr ws_outfile_commit(const WsOutfile *o) {
  char dir[WS_PATH_MAX];
  directory_of(o->final, dir);
  WsErr err = fsync_path(o->temp, o->shown, 0);
  if (!err && rename(o->temp, o->final) != 0)
    err = ws_error_set(WS_ERR_RUNTIME, "cannot write '%s': renaming '%s' into place failed: %s",
                       o->shown, o->temp, strerror(errno));
  if (err) {
    ws_outfile_abandon(o);
    return err;
  }
  /* The rename is durable only once the directory is. */
  return fsync_path(dir, o->shown, 1);
}

WsErr ws_outfile_finish_all(const WsOutfile *o, WsErr local, MPI_Comm comm) {
  int rank;
  WS_MPI(MPI_Comm_rank(comm, &rank));
  /* Every rank has closed the file once it reaches this agreement. */
  WsErr err = ws_comm_agree(comm, local);
  if (rank == 0) {
    if (err)
      ws_outfile_abandon(o);
    else
      err = ws_outfile_commit(o);
  }
  return ws_comm_agree(comm, err);
}

void ws_outfile_abandon(const WsOutfile *o) {
  if (o->temp[0]) unlink(o->temp);
}
