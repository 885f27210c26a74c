#include "wshare/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WS_MESSAGE_MAX = 1024 };

/* The last failure's text on this process; see error.h for why this is module state.
 * The warning switch is process-wide for the same reason: --quiet holds for every module. */
static char ws_message[WS_MESSAGE_MAX];
static int ws_warnings_silent = 0;

void ws_warn_silence(int silent) {
  ws_warnings_silent = silent;
}

WsErr ws_error_set(WsErr code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ws_message, sizeof ws_message, fmt, ap);
  va_end(ap);
  /* One line on stderr, whatever the data said. */
  for (char *c = ws_message; *c; c++)
    if (*c == '\n' || *c == '\r') *c = ' ';
  return code;
}

WsErr ws_error_prefix(WsErr code, const char *prefix) {
  char saved[WS_MESSAGE_MAX];
  snprintf(saved, sizeof saved, "%s", ws_message);
  return ws_error_set(code, "%s: %s", prefix, saved);
}

void ws_warn(MPI_Comm comm, const char *fmt, ...) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank != 0 || ws_warnings_silent) return;
  char text[WS_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  fprintf(stderr, "wshare: warning: %s\n", text);
}

const char *ws_error_message(void) {
  return ws_message;
}

WsErr ws_error_agree(MPI_Comm comm, WsErr local) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  /* MAXLOC picks the most severe code and, among equals, the lowest rank holding it. */
  struct {
    int code;
    int rank;
  } mine = {(int)local, rank}, worst;
  MPI_Allreduce(&mine, &worst, 1, MPI_2INT, MPI_MAXLOC, comm);
  if (worst.code == WS_OK) return WS_OK;
  MPI_Bcast(ws_message, WS_MESSAGE_MAX, MPI_CHAR, worst.rank, comm);
  return (WsErr)worst.code;
}

void ws_error_print(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0 && ws_message[0]) fprintf(stderr, "wshare: %s\n", ws_message);
}

WsErr ws_alloc_agree(MPI_Comm comm, int ok) {
  return ws_error_agree(comm, ok ? WS_OK : WS_ERR_RUNTIME);
}

void *ws_malloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) ws_error_set(WS_ERR_RUNTIME, "out of memory allocating %zu bytes", bytes);
  return p;
}

void *ws_calloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) ws_error_set(WS_ERR_RUNTIME, "out of memory allocating %zu x %zu bytes", count, size);
  return p;
}
