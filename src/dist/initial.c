#include "wshare/initial.h"

#include <stdio.h>
#include <string.h>

#include "wshare/rng.h"

/* Stream of the counter-based generator reserved for initial weights. */
enum { WS_INITIAL_STREAM = 7 };

int ws_initial_valid(const char *spec) {
  return strcmp(spec, "zeros") == 0 || strcmp(spec, "uniform") == 0 ||
         strcmp(spec, "normal") == 0 || strchr(spec, ':') != NULL;
}

int ws_initial_file(const WsInitial *init, char *path, size_t size) {
  const char *colon = strrchr(init->spec, ':');
  if (!colon) return 0;
  snprintf(path, size, "%.*s", (int)(colon - init->spec), init->spec);
  return 1;
}

WsErr ws_initial_weights(const WsInitial *init, const WsH5File *file, int n, int q, MPI_Comm comm,
                         double *w) {
  int64_t nw = (int64_t)n * q;
  memset(w, 0, (size_t)nw * sizeof *w);
  const char *spec = init->spec;
  if (strcmp(spec, "uniform") == 0 || strcmp(spec, "normal") == 0) {
    int normal = spec[0] == 'n';
    for (int64_t j = 0; j < nw; j++)
      w[j] = normal ? ws_rng_normal(init->seed, WS_INITIAL_STREAM, (uint64_t)j)
                    : 2.0 * ws_rng_uniform(init->seed, WS_INITIAL_STREAM, (uint64_t)j) - 1.0;
    return WS_OK;
  }
  const char *colon = strrchr(spec, ':');
  if (!colon) return WS_OK;
  WS_CHECK(file, WS_ERR_INPUT, "--init %s: the file is not open", spec);
  const char *name = colon + 1;
  WsDatasetInfo info = {0};
  WsErr err = ws_h5file_info(file, name, &info);
  /* n values (one output), or n x q like the result's /w. */
  int shape_ok = q == 1 ? info.ndims == 1 && info.dims[0] == n
                        : info.ndims == 2 && info.dims[0] == n && info.dims[1] == q;
  if (!err && !shape_ok && q == 1)
    err = ws_error_set(WS_ERR_INPUT, "%s: %s must have %d values for --init, found %lld",
                       file->path, name, n, (long long)(info.dims[0] * info.dims[1]));
  else if (!err && !shape_ok)
    err = ws_error_set(WS_ERR_INPUT, "%s: %s must be %d x %d for --init, found %lld x %lld",
                       file->path, name, n, q, (long long)info.dims[0], (long long)info.dims[1]);
  WS_CALL(ws_comm_agree(comm, err));
  return ws_h5file_read_f64(file, name, nw, w);
}
