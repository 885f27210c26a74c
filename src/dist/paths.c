#include "wshare/paths.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wshare/checkpoint.h"
#include "wshare/h5file.h"

/* The directory and last component of path ("." and path when it has no '/'). */
static void split(const char *path, char dir[WS_PATH_MAX], char base[WS_PATH_MAX]) {
  char a[WS_PATH_MAX], b[WS_PATH_MAX];
  snprintf(a, sizeof a, "%s", path);
  snprintf(b, sizeof b, "%s", path);
  snprintf(dir, WS_PATH_MAX, "%s", dirname(a));
  snprintf(base, WS_PATH_MAX, "%s", basename(b));
}

/* The real path of path, or of its directory joined with its name when it does not exist
 * yet; 0 when neither resolves. */
static int canonical(const char *path, char out[WS_PATH_MAX]) {
  char buf[PATH_MAX];
  if (realpath(path, buf)) {
    snprintf(out, WS_PATH_MAX, "%s", buf);
    return 1;
  }
  char dir[WS_PATH_MAX], base[WS_PATH_MAX];
  split(path, dir, base);
  if (!realpath(dir, buf)) return 0;
  return snprintf(out, WS_PATH_MAX, "%s/%s", buf, base) < WS_PATH_MAX;
}

int ws_paths_same(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  char ca[WS_PATH_MAX], cb[WS_PATH_MAX];
  return canonical(a, ca) && canonical(b, cb) && strcmp(ca, cb) == 0;
}

/* dir must exist, be a directory and be writable; what says whose directory it is. */
static WsErr usable_directory(const char *command, const char *option, const char *what,
                              const char *dir) {
  struct stat st;
  WS_CHECK(stat(dir, &st) == 0, WS_ERR_INPUT, "%s: %s '%s': directory '%s' does not exist", command,
           option, what, dir);
  WS_CHECK(S_ISDIR(st.st_mode), WS_ERR_INPUT, "%s: %s '%s': '%s' is not a directory", command,
           option, what, dir);
  WS_CHECK(access(dir, W_OK | X_OK) == 0, WS_ERR_INPUT,
           "%s: %s '%s': directory '%s' is not writable (%s)", command, option, what, dir,
           strerror(errno));
  return WS_OK;
}

static WsErr check_output(const char *command, const char *option, const char *path,
                          const WsPathInput *inputs, int n_inputs) {
  WS_CHECK(path[0], WS_ERR_INPUT, "%s: %s is empty (expected a file name)", command, option);
  for (int i = 0; i < n_inputs; i++)
    WS_CHECK(!inputs[i].path || !ws_paths_same(path, inputs[i].path), WS_ERR_INPUT,
             "%s: %s '%s' is the same file as %s '%s'; an output never replaces an input", command,
             option, path, inputs[i].option, inputs[i].path);
  struct stat st;
  if (stat(path, &st) == 0) {
    WS_CHECK(!S_ISDIR(st.st_mode), WS_ERR_INPUT,
             "%s: %s '%s' is a directory (expected a file name)", command, option, path);
    /* The result is renamed into place, which would replace a device or fifo itself. */
    WS_CHECK(S_ISREG(st.st_mode), WS_ERR_INPUT,
             "%s: %s '%s' exists and is not a regular file (a device, fifo or socket)", command,
             option, path);
  }
  /* The temporary goes beside the file the name resolves to. */
  char target[PATH_MAX], dir[WS_PATH_MAX], base[WS_PATH_MAX];
  split(realpath(path, target) ? target : path, dir, base);
  return usable_directory(command, option, path, dir);
}

WsErr ws_paths_check_output(MPI_Comm comm, const char *command, const char *option,
                            const char *path, const WsPathInput *inputs, int n_inputs) {
  int rank;
  WS_MPI(MPI_Comm_rank(comm, &rank));
  return ws_comm_agree(comm,
                       rank == 0 ? check_output(command, option, path, inputs, n_inputs) : WS_OK);
}

static WsErr check_checkpoint_dir(const char *command, const char *option, const char *dir,
                                  const WsPathInput *files, int n_files) {
  WS_CHECK(dir[0], WS_ERR_INPUT, "%s: %s is empty (expected a directory)", command, option);
  struct stat st;
  if (stat(dir, &st) == 0) {
    WS_CHECK(S_ISDIR(st.st_mode), WS_ERR_INPUT, "%s: %s '%s' is not a directory", command, option,
             dir);
    WS_CHECK(access(dir, W_OK | X_OK) == 0, WS_ERR_INPUT, "%s: %s '%s' is not writable (%s)",
             command, option, dir, strerror(errno));
  } else {
    /* Made on the first checkpoint, one level deep. */
    char parent[WS_PATH_MAX], base[WS_PATH_MAX];
    split(dir, parent, base);
    WS_CALL(usable_directory(command, option, dir, parent));
    return WS_OK; /* a new directory holds nothing yet */
  }
  for (int i = 0; i < n_files; i++) {
    if (!files[i].path) continue;
    char where[WS_PATH_MAX], base[WS_PATH_MAX], target[PATH_MAX];
    split(realpath(files[i].path, target) ? target : files[i].path, where, base);
    WS_CHECK(!ws_checkpoint_owns_name(base) || !ws_paths_same(where, dir), WS_ERR_INPUT,
             "%s: %s '%s' lies in %s '%s' under a checkpoint's name, where checkpoints are "
             "replaced and pruned; use another name or directory",
             command, files[i].option, files[i].path, option, dir);
  }
  return WS_OK;
}

WsErr ws_paths_check_checkpoint_dir(MPI_Comm comm, const char *command, const char *option,
                                    const char *dir, const WsPathInput *files, int n_files) {
  int rank;
  WS_MPI(MPI_Comm_rank(comm, &rank));
  return ws_comm_agree(comm, rank == 0 ? check_checkpoint_dir(command, option, dir, files, n_files)
                                       : WS_OK);
}
