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

#include "wshare/dataset.h"
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

/* Creates the part->rows x width dataset of a row-partitioned field, its storage allocated
 * now, so that the ranks' parallel writes only fill it. */
static WsErr create_rows_dataset(hid_t f, const char *name, const WsStateField *field) {
  hsize_t dims[2] = {(hsize_t)field->part->rows, (hsize_t)field->width};
  hid_t space = H5Screate_simple(2, dims, NULL);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  herr_t st = space < 0 || lcpl < 0 || dcpl < 0 ? -1 : 0;
  if (st >= 0) st = H5Pset_create_intermediate_group(lcpl, 1);
  if (st >= 0) st = H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
  hid_t d = st < 0 ? H5I_INVALID_HID
                   : H5Dcreate2(f, name, H5T_NATIVE_DOUBLE, space, lcpl, dcpl, H5P_DEFAULT);
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (lcpl >= 0) H5Pclose(lcpl);
  if (space >= 0) H5Sclose(space);
  WS_CHECK(d >= 0, WS_ERR_RUNTIME, "cannot create dataset %s", name);
  return WS_OK;
}

static int has_partitioned(const WsCheckpointContent *c) {
  for (int i = 0; i < c->n_fields; i++)
    if (c->fields[i].part) return 1;
  return 0;
}

static WsErr write_content(hid_t f, int64_t iteration, const WsCheckpointContent *c) {
  /* The fingerprint first: it is what marks any file of this name as a wshare checkpoint,
   * torn or not. */
  WsErr err = ws_h5small_attr_str(f, "fingerprint", c->fingerprint);
  if (!err) err = ws_h5small_attr_str(f, "wshare_version", WSHARE_VERSION);
  char name[256];
  for (int i = 0; i < c->n_fields && !err; i++) {
    snprintf(name, sizeof name, "/state/%s", c->fields[i].name);
    err = c->fields[i].part ? create_rows_dataset(f, name, &c->fields[i])
                            : ws_h5small_write_f64(f, name, c->fields[i].data, c->fields[i].len);
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

/* Rank 0: the temporary with the replicated content (and the row-partitioned fields'
 * datasets, still to be filled), left open in *file when keep_open. */
static WsErr begin_on_root(const WsOutfile *out, int64_t iteration, const WsCheckpointContent *c,
                           int keep_open, hid_t *file) {
  *file = H5I_INVALID_HID;
  /* The directory is wshare's own: a temporary left by a killed run may be overwritten. */
  hid_t f;
  WS_CALL(ws_outfile_create_h5(out, 0, &f));
  WsErr err = write_content(f, iteration, c);
  if (!err && keep_open) {
    *file = f;
    return WS_OK;
  }
  return ws_h5file_close_hid(f, err, out->shown);
}

/* Collective: every rank writes its rows of each row-partitioned field. */
static WsErr write_partitioned(const WsOutfile *out, const WsCheckpointContent *c, MPI_Comm comm) {
  WsH5File *f = NULL;
  WS_CALL(ws_h5file_open_rw(out->temp, comm, &f));
  WsErr err = WS_OK;
  char name[256];
  for (int i = 0; i < c->n_fields && !err; i++) {
    const WsStateField *field = &c->fields[i];
    if (!field->part) continue;
    snprintf(name, sizeof name, "/state/%s", field->name);
    hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
    err = ws_comm_agree(
        comm, d < 0 ? ws_error_set(WS_ERR_RUNTIME, "%s: cannot open %s", out->shown, name) : WS_OK);
    if (!err)
      err = ws_dataset_write_rows(f, d, field->part, field->width, H5T_NATIVE_DOUBLE, field->data);
    if (d >= 0) H5Dclose(d);
  }
  return ws_h5file_close_written(&f, err, out->shown);
}

/* Rank 0: marks the temporary complete (f: still open, or reopened here when negative),
 * commits it (fsync, rename, fsync of the directory) and prunes old checkpoints. */
static WsErr finish_on_root(const WsOutfile *out, const char *dir, int keep, hid_t f) {
  if (f < 0) f = H5Fopen(out->temp, H5F_ACC_RDWR, H5P_DEFAULT);
  WS_CHECK(f >= 0, WS_ERR_RUNTIME, "cannot reopen checkpoint '%s'", out->shown);
  if (fault_due()) {
    H5Fflush(f, H5F_SCOPE_GLOBAL);
    raise(SIGKILL);
  }
  /* Written last: a file without it was torn, whatever its name. */
  WsErr err = ws_h5small_attr_i64(f, "complete", 1);
  if (err) ws_error_prefix(err, out->shown);
  err = ws_h5file_close_hid(f, err, out->shown);
  if (!err) err = ws_outfile_commit(out);
  if (err) return err;
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
  char tmp[WS_PATH_MAX + 8];
  checkpoint_name(dir, iteration, path);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  WsErr err = WS_OK;
  if (rank == 0 && mkdir(dir, 0755) != 0 && errno != EEXIST)
    err = ws_error_set(WS_ERR_RUNTIME, "cannot create checkpoint directory '%s': %s", dir,
                       strerror(errno));
  WsOutfile out;
  if (!err) err = ws_outfile_begin(path, tmp, &out);
  WS_CALL(ws_comm_agree(comm, err));
  /* Replicated state from rank 0; row-partitioned state from every rank, into the same
   * temporary; only then the completeness mark and the rename.  Without row-partitioned
   * state the file stays open on rank 0 from creation to the mark. */
  int partitioned = has_partitioned(c);
  hid_t f = H5I_INVALID_HID;
  err =
      ws_comm_agree(comm, rank == 0 ? begin_on_root(&out, iteration, c, !partitioned, &f) : WS_OK);
  if (!err && partitioned) err = write_partitioned(&out, c, comm);
  if (!err)
    err = ws_comm_agree(comm, rank == 0 ? finish_on_root(&out, dir, keep, f) : WS_OK);
  else if (f >= 0)
    H5Fclose(f);
  if (err && rank == 0) ws_outfile_abandon(&out);
  return err ? ws_error_prefix(err, "checkpoint") : WS_OK;
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
    if (c->fields[i].part) continue;
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

/* Local: this rank's rows of a row-partitioned field (its partition, maybe not the writer's). */
static WsErr read_rows(hid_t file, const char *path, const WsStateField *field) {
  char name[256];
  snprintf(name, sizeof name, "/state/%s", field->name);
  const WsPartition *part = field->part;
  hid_t d = H5Lexists(file, "/state", H5P_DEFAULT) > 0 && H5Lexists(file, name, H5P_DEFAULT) > 0
                ? H5Dopen2(file, name, H5P_DEFAULT)
                : H5I_INVALID_HID;
  WS_CHECK(d >= 0, WS_ERR_INPUT, "%s: %s missing", path, name);
  hid_t fspace = H5Dget_space(d);
  hsize_t dims[2] = {0, 0};
  int nd = fspace < 0 ? -1 : H5Sget_simple_extent_dims(fspace, dims, NULL);
  herr_t st = 0;
  if (nd != 2 || dims[0] != (hsize_t)part->rows || dims[1] != (hsize_t)field->width) {
    st = -1;
    ws_error_set(WS_ERR_INPUT, "%s: %s is not %lld x %lld", path, name, (long long)part->rows,
                 (long long)field->width);
  }
  /* Pieces of at most 2^27 values: MPI-IO counts are int. */
  int64_t piece = ((int64_t)1 << 27) / (field->width > 0 ? field->width : 1);
  if (piece < 1) piece = 1;
  for (int64_t r = 0; r < part->count && st >= 0; r += piece) {
    int64_t rows = part->count - r < piece ? part->count - r : piece;
    hsize_t start[2] = {(hsize_t)(part->start + r), 0}, count[2] = {(hsize_t)rows, dims[1]};
    hsize_t mdims[1] = {(hsize_t)rows * dims[1]};
    hid_t mspace = H5Screate_simple(1, mdims, NULL);
    st = mspace < 0 ? -1 : H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    if (st >= 0)
      st = H5Dread(d, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT,
                   field->data + r * field->width);
    if (mspace >= 0) H5Sclose(mspace);
    if (st < 0) ws_error_set(WS_ERR_INPUT, "%s: cannot read %s", path, name);
  }
  if (fspace >= 0) H5Sclose(fspace);
  H5Dclose(d);
  return st < 0 ? WS_ERR_INPUT : WS_OK;
}

/* Collective: every rank reads its rows of the row-partitioned fields. */
static WsErr read_partitioned(const char *path, WsCheckpointContent *c, MPI_Comm comm) {
  WsH5File *f = NULL;
  WS_CALL(ws_h5file_open(path, comm, &f));
  WsErr err = WS_OK;
  for (int i = 0; i < c->n_fields && !err; i++)
    if (c->fields[i].part) err = read_rows(f->file, path, &c->fields[i]);
  ws_h5file_close(&f);
  return ws_comm_agree(comm, err);
}

WsErr ws_checkpoint_read(const char *path, WsCheckpointContent *c, MPI_Comm comm) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  WS_CALL(ws_comm_agree(comm, rank == 0 ? read_on_root(path, c) : WS_OK));
  for (int i = 0; i < c->n_fields; i++)
    if (!c->fields[i].part)
      WS_MPI(MPI_Bcast(c->fields[i].data, (int)c->fields[i].len, MPI_DOUBLE, 0, comm));
  if (has_partitioned(c)) WS_CALL(read_partitioned(path, c, comm));
  long long len = c->history->len;
  WS_MPI(MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm));
  WS_CALL(ws_comm_agree(comm, ws_history_resize(c->history, len)));
  WS_MPI(MPI_Bcast(c->history->loss, (int)len, MPI_DOUBLE, 0, comm));
  WS_MPI(MPI_Bcast(c->history->grad_norm, (int)len, MPI_DOUBLE, 0, comm));
  WS_MPI(MPI_Bcast(c->history->seconds, (int)len, MPI_DOUBLE, 0, comm));
  WS_MPI(MPI_Bcast(&c->elapsed, 1, MPI_DOUBLE, 0, comm));
  return WS_OK;
}
