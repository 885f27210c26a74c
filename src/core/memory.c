#include "wshare/memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *ws_memory_alloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) ws_error_set(WS_ERR_RUNTIME, "out of memory allocating %zu bytes", bytes);
  return p;
}

void *ws_memory_calloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) ws_error_set(WS_ERR_RUNTIME, "out of memory allocating %zu x %zu bytes", count, size);
  return p;
}

/* The first number in a file ("max" or unreadable: -1). */
static int64_t read_number(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long long v = -1;
  if (fscanf(f, "%lld", &v) != 1) v = -1;
  fclose(f);
  return (int64_t)v;
}

static int64_t meminfo_available(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  if (!f) return -1;
  char line[256];
  long long kib = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1) break;
  fclose(f);
  return kib < 0 ? -1 : (int64_t)kib * 1024;
}

/* What the cgroup limit leaves (limit - usage), or -1 without a limit. */
static int64_t cgroup_available(void) {
  int64_t limit = read_number("/sys/fs/cgroup/memory.max");
  int64_t used = read_number("/sys/fs/cgroup/memory.current");
  if (limit < 0) {
    limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  }
  /* v1 reports "no limit" as a huge number near INT64_MAX. */
  if (limit < 0 || limit > ((int64_t)1 << 60)) return -1;
  return used >= 0 && used < limit ? limit - used : limit;
}

int64_t ws_memory_available(void) {
  const char *env = getenv("WSHARE_MEMORY_LIMIT");
  if (env && *env) return (int64_t)strtoll(env, NULL, 10);
  int64_t mem = meminfo_available(), cg = cgroup_available();
  if (mem < 0) return cg;
  return cg >= 0 && cg < mem ? cg : mem;
}
