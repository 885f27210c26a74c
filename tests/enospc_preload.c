/* Test shim (LD_PRELOAD): every write to a file under $WSHARE_ENOSPC_DIR fails with ENOSPC,
 * as on a full disk.  test_disk_full.sh uses it where it cannot mount a small tmpfs (no
 * root); it stands for the kernel, so it covers the write calls that HDF5's sec2 driver and
 * Open MPI's MPI-IO make, and fallocate.  Files elsewhere are untouched. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* 1 when fd is a file under the full directory. */
static int is_full(int fd) {
  const char *dir = getenv("WSHARE_ENOSPC_DIR");
  if (!dir || !*dir || fd < 0) return 0;
  char link[64], target[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t len = readlink(link, target, sizeof target - 1);
  if (len <= 0) return 0;
  target[len] = '\0';
  size_t dl = strlen(dir);
  return strncmp(target, dir, dl) == 0 && (target[dl] == '/' || target[dl] == '\0');
}

#define NEXT(name) ((name##_fn)dlsym(RTLD_NEXT, #name))
#define FULL_OR_NEXT(name, fd, ...)                                                                \
  do {                                                                                             \
    if (is_full(fd)) {                                                                             \
      errno = ENOSPC;                                                                              \
      return -1;                                                                                   \
    }                                                                                              \
    return NEXT(name)(fd, __VA_ARGS__);                                                            \
  } while (0)

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec *, int, off_t);
typedef ssize_t (*pwritev64_fn)(int, const struct iovec *, int, off_t);
typedef int (*fallocate_fn)(int, int, off_t, off_t);
typedef int (*posix_fallocate_fn)(int, off_t, off_t);

ssize_t write(int fd, const void *buf, size_t n) {
  FULL_OR_NEXT(write, fd, buf, n);
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  FULL_OR_NEXT(pwrite, fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
  FULL_OR_NEXT(pwrite64, fd, buf, n, off);
}
ssize_t writev(int fd, const struct iovec *iov, int n) {
  FULL_OR_NEXT(writev, fd, iov, n);
}
ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off) {
  FULL_OR_NEXT(pwritev, fd, iov, n, off);
}
ssize_t pwritev64(int fd, const struct iovec *iov, int n, off_t off) {
  FULL_OR_NEXT(pwritev64, fd, iov, n, off);
}
int fallocate(int fd, int mode, off_t off, off_t len) {
  FULL_OR_NEXT(fallocate, fd, mode, off, len);
}
int posix_fallocate(int fd, off_t off, off_t len) {
  /* posix_fallocate returns the error instead of setting errno. */
  if (is_full(fd)) return ENOSPC;
  return NEXT(posix_fallocate)(fd, off, len);
}
