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

WsErr ws_initial_weights(const WsInitial *init, const WsH5File *file, int n, MPI_Comm comm,
                         double *w) {
  memset(w, 0, (size_t)n * sizeof *w);
  const char *spec = init->spec;
  if (strcmp(spec, "uniform") == 0 || strcmp(spec, "normal") == 0) {
    int normal = spec[0] == 'n';
    for (int j = 0; j < n; j++)
      w[j] = normal ? ws_rng_normal(init->seed, WS_INITIAL_STREAM, (uint64_t)j)
                    : 2.0 * ws_rng_uniform(init->seed, WS_INITIAL_STREAM, (uint64_t)j) - 1.0;
    return WS_OK;
  }
  const char *colon = strrchr(spec, ':');
  if (!colon) return WS_OK;
  WS_CHECK(file, WS_ERR_INPUT, "--init %s: the file is not open", spec);
  const char *name = colon + 1;
  WsDatasetInfo info;
  WsErr err = ws_h5file_info(file, name, &info);
  if (!err && (info.ndims != 1 || info.dims[0] != n))
    err = ws_error_set(WS_ERR_INPUT, "%s: %s must have %d values for --init, found %lld",
                       file->path, name, n, (long long)info.count);
  WS_CALL(ws_comm_agree(comm, err));
  return ws_h5file_read_f64(file, name, n, w);
}
