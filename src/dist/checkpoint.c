#include "wshare/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wshare/fingerprint.h"
#include "wshare/h5small.h"
#include "wshare/outfile.h"

/* Test hook: WSHARE_FAULT_CHECKPOINT=N kills rank 0 (SIGKILL) halfway through writing its
 * N-th checkpoint, to prove that a torn write never carries the final name. */
static int fault_due(void) {
  static int written = 0;
  const char *env = getenv("WSHARE_FAULT_CHECKPOINT");
  return env && ++written == atoi(env);
}

/* ckpt-<digits>.h5 exactly: temporaries (.tmp) and other files never count. */
static int is_checkpoint_name(const char *name, long long *iteration) {
  if (strncmp(name, "ckpt-", 5) != 0) return 0;
  size_t digits = strspn(name + 5, "0123456789");
  if (digits == 0 || strcmp(name + 5 + digits, ".h5") != 0) return 0;
  *iteration = atoll(name + 5);
  return 1;
}

int ws_checkpoint_owns_name(const char *name) {
  long long it;
  char copy[WS_PATH_MAX];
  snprintf(copy, sizeof copy, "%s", name);
  size_t len = strlen(copy);
  if (len > 4 && strcmp(copy + len - 4, ".tmp") == 0) copy[len - 4] = '\0';
  return is_checkpoint_name(copy, &it);
}

/* Sorted list of checkpoint iterations in dir, newest first. */
static int list_checkpoints(const char *dir, long long *iters, int max) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) && count < max) {
    long long it;
    if (is_checkpoint_name(e->d_name, &it)) iters[count++] = it;
  }
  closedir(d);
  for (int i = 1; i < count; i++)
    for (int j = i; j > 0 && iters[j] > iters[j - 1]; j--) {
      long long t = iters[j];
      iters[j] = iters[j - 1];
      iters[j - 1] = t;
    }
  return count;
}

static void checkpoint_name(const char *dir, long long iteration, char path[WS_PATH_MAX]) {
  snprintf(path, WS_PATH_MAX, "%s/ckpt-%08lld.h5", dir, iteration);
}

static WsErr write_content(hid_t f, int64_t iteration, const WsCheckpointContent *c) {
  /* The fingerprint first: it is what marks any file of this name as a wshare checkpoint,
   * torn or not. */
  WsErr err = ws_h5small_attr_str(f, "fingerprint", c->fingerprint);
  if (!err) err = ws_h5small_attr_str(f, "wshare_version", WSHARE_VERSION);
  char name[256];
  for (int i = 0; i < c->n_fields && !err; i++) {
    snprintf(name, sizeof name, "/state/%s", c->fields[i].name);
    err = ws_h5small_write_f64(f, name, c->fields[i].data, c->fields[i].len);
  }
  const WsHistory *h = c->history;
  if (!err) err = ws_h5small_write_f64(f, "/history/loss", h->loss, h->len);
  if (!err) err = ws_h5small_write_f64(f, "/history/grad_norm", h->grad_norm, h->len);
  if (!err) err = ws_h5small_write_f64(f, "/history/seconds", h->seconds, h->len);
  if (!err) err = ws_h5small_attr_i64(f, "iteration", iteration);
  if (!err) err = ws_h5small_attr_f64(f, "elapsed", c->elapsed);
  if (!err) err = ws_h5small_attr_str(f, "config", c->config);
  return err;
}

static WsErr write_on_root(const char *dir, int keep, int64_t iteration,
                           const WsCheckpointContent *c, char path[WS_PATH_MAX]) {
  char tmp[WS_PATH_MAX + 8];
  checkpoint_name(dir, iteration, path);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  WsOutfile out;
  WS_CALL(ws_outfile_begin(path, tmp, &out));
  /* The directory is wshare's own: a temporary left by a killed run may be overwritten. */
  hid_t f;
  WsErr err = ws_outfile_create_h5(&out, 0, &f);
  if (err) return ws_error_prefix(err, "checkpoint");
  err = write_content(f, iteration, c);
  if (!err && fault_due()) {
    H5Fflush(f, H5F_SCOPE_GLOBAL);
    raise(SIGKILL);
  }
  /* Written last: a file without it was torn, whatever its name. */
  if (!err) err = ws_h5small_attr_i64(f, "complete", 1);
  if (err) ws_error_prefix(err, path);
  err = ws_h5file_close_hid(f, err, path);
  if (!err) err = ws_outfile_commit(&out);
  if (err) {
    ws_outfile_abandon(&out);
    return ws_error_prefix(err, "checkpoint");
  }
  long long iters[1024];
  int count = list_checkpoints(dir, iters, 1024);
  for (int i = keep; i < count; i++) {
    char old[WS_PATH_MAX];
    checkpoint_name(dir, iters[i], old);
    unlink(old);
  }
  return WS_OK;
}

WsErr ws_checkpoint_write(const char *dir, int keep, int64_t iteration,
                          const WsCheckpointContent *c, MPI_Comm comm, char path[WS_PATH_MAX]) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  WsErr err = WS_OK;
  if (rank == 0) {
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
      err = ws_error_set(WS_ERR_RUNTIME, "cannot create checkpoint directory '%s': %s", dir,
                         strerror(errno));
    if (!err) err = write_on_root(dir, keep, iteration, c, path);
  }
  return ws_comm_agree(comm, err);
}

/* Opens path and checks the completeness mark; on success *file is open. */
static WsErr open_complete(const char *path, hid_t *file) {
  *file = H5I_INVALID_HID;
  WS_CHECK(access(path, R_OK) == 0, WS_ERR_INPUT, "checkpoint '%s' not found", path);
  WS_CHECK(H5Fis_hdf5(path) > 0, WS_ERR_INPUT,
           "checkpoint '%s' is not a readable HDF5 file (truncated or corrupt)", path);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  WS_CHECK(f >= 0, WS_ERR_INPUT, "checkpoint '%s' cannot be opened (truncated or corrupt)", path);
  /* Every checkpoint carries its fingerprint from the first write on; a file without one
   * is some other HDF5 file, not a torn checkpoint. */
  if (H5Aexists(f, "fingerprint") <= 0) {
    H5Fclose(f);
    return ws_error_set(WS_ERR_INPUT, "'%s' is not a wshare checkpoint (no fingerprint)", path);
  }
  double complete = 0.0;
  if (H5Aexists(f, "complete") <= 0 || ws_h5small_read_attr_f64(f, path, "complete", &complete) ||
      complete != 1.0) {
    H5Fclose(f);
    return ws_error_set(WS_ERR_INPUT, "checkpoint '%s' is incomplete (torn write)", path);
  }
  *file = f;
  return WS_OK;
}

WsErr ws_checkpoint_find(const char *dir, MPI_Comm comm, char path[WS_PATH_MAX]) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  path[0] = '\0';
  if (rank == 0) {
    long long iters[1024];
    int count = list_checkpoints(dir, iters, 1024);
    for (int i = 0; i < count; i++) {
      char candidate[WS_PATH_MAX];
      checkpoint_name(dir, iters[i], candidate);
      hid_t f;
      if (open_complete(candidate, &f) == WS_OK) {
        H5Fclose(f);
        snprintf(path, WS_PATH_MAX, "%s", candidate);
        break;
      }
      ws_comm_warn(comm, "skipping %s", ws_error_message());
    }
  }
  WS_MPI(MPI_Bcast(path, WS_PATH_MAX, MPI_CHAR, 0, comm));
  return WS_OK;
}

static WsErr read_on_root(const char *path, WsCheckpointContent *c) {
  hid_t f;
  WS_CALL(open_complete(path, &f));
  char *fingerprint = NULL;
  WsErr err = ws_h5small_read_attr_str(f, path, "fingerprint", &fingerprint);
  if (!err) err = ws_fingerprint_compare(fingerprint, c->fingerprint, path);
  free(fingerprint);
  char name[256];
  for (int i = 0; i < c->n_fields && !err; i++) {
    snprintf(name, sizeof name, "/state/%s", c->fields[i].name);
    err = ws_h5small_read_f64(f, path, name, c->fields[i].data, c->fields[i].len);
  }
  int64_t len = ws_h5small_length(f, "/history/loss");
  if (!err && len < 0) err = ws_error_set(WS_ERR_INPUT, "%s: /history/loss missing", path);
  if (!err) err = ws_history_resize(c->history, len);
  if (!err) err = ws_h5small_read_f64(f, path, "/history/loss", c->history->loss, len);
  if (!err) err = ws_h5small_read_f64(f, path, "/history/grad_norm", c->history->grad_norm, len);
  if (!err) err = ws_h5small_read_f64(f, path, "/history/seconds", c->history->seconds, len);
  if (!err) err = ws_h5small_read_attr_f64(f, path, "elapsed", &c->elapsed);
  H5Fclose(f);
  return err;
}

WsErr ws_checkpoint_read(const char *path, WsCheckpointContent *c, MPI_Comm comm) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  WS_CALL(ws_comm_agree(comm, rank == 0 ? read_on_root(path, c) : WS_OK));
  for (int i = 0; i < c->n_fields; i++)
    WS_MPI(MPI_Bcast(c->fields[i].data, (int)c->fields[i].len, MPI_DOUBLE, 0, comm));
  long long len = c->history->len;
  WS_MPI(MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm));
  WS_CALL(ws_comm_agree(comm, ws_history_resize(c->history, len)));
  WS_MPI(MPI_Bcast(c->history->loss, (int)len, MPI_DOUBLE, 0, comm));
  WS_MPI(MPI_Bcast(c->history->grad_norm, (int)len, MPI_DOUBLE, 0, comm));
  WS_MPI(MPI_Bcast(c->history->seconds, (int)len, MPI_DOUBLE, 0, comm));
  WS_MPI(MPI_Bcast(&c->elapsed, 1, MPI_DOUBLE, 0, comm));
  return WS_OK;
}
