/* Memory: allocation that records a message when it fails, and how much memory this process
 * may still use (core layer: no MPI). */
#ifndef WSHARE_MEMORY_H
#define WSHARE_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "wshare/error.h"

/* malloc/calloc that set an out-of-memory message (naming the size) when they fail. */
void *ws_memory_alloc(size_t bytes);
void *ws_memory_calloc(size_t count, size_t size);
/* Allocates count zeroed elements of *ptr, or returns WS_ERR_RUNTIME from the caller. */
#define WS_ALLOC(ptr, count)                                                                       \
  do {                                                                                             \
    (ptr) = ws_memory_calloc((size_t)(count) > 0 ? (size_t)(count) : 1, sizeof(*(ptr)));           \
    if (!(ptr)) return ws_error_trace(WS_ERR_RUNTIME, __FILE__, __LINE__, __func__);               \
  } while (0)

/* Bytes this process can still allocate: the smaller of the kernel's MemAvailable and what
 * its cgroup (v2 memory.max, or v1 limit_in_bytes) leaves; -1 when neither can be read.
 * WSHARE_MEMORY_LIMIT (bytes) overrides both, for tests. */
int64_t ws_memory_available(void);

#endif
