#include "wshare/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The current failure: its message and the frames it has passed through.  One record per
 * process (see error.h); it is plain bytes so that it can travel between ranks. */
enum { WS_MESSAGE_MAX = 1024, WS_FRAMES_MAX = WS_ERROR_RECORD_BYTES - WS_MESSAGE_MAX };
typedef struct {
  char message[WS_MESSAGE_MAX];
  char frames[WS_FRAMES_MAX];
} ErrorRecord;
_Static_assert(sizeof(ErrorRecord) == WS_ERROR_RECORD_BYTES, "error record size");

static ErrorRecord ws_record;

const char *ws_error_name(WsErr code) {
  static const char *const names[] = {"ok", "runtime failure", "input error", "stopped at a limit",
                                      "stopped by a signal"};
  return (unsigned)code < sizeof names / sizeof *names ? names[code] : "unknown error";
}

static void add_frame(const char *file, int line, const char *func) {
  size_t used = strlen(ws_record.frames);
  int depth = 0;
  for (const char *c = ws_record.frames; *c; c++)
    depth += *c == '\n';
  const char *base = strrchr(file, '/');
  snprintf(ws_record.frames + used, sizeof ws_record.frames - used, "#%d %s() at %s:%d\n", depth,
           func, base ? base + 1 : file, line);
}

WsErr ws_error_set_at(const char *file, int line, const char *func, WsErr code, const char *fmt,
                      ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ws_record.message, sizeof ws_record.message, fmt, ap);
  va_end(ap);
  /* One line on stderr, whatever the data said. */
  for (char *c = ws_record.message; *c; c++)
    if (*c == '\n' || *c == '\r') *c = ' ';
  ws_record.frames[0] = '\0';
  add_frame(file, line, func);
  return code;
}

WsErr ws_error_trace(WsErr code, const char *file, int line, const char *func) {
  if (code == WS_ERR_RUNTIME || code == WS_ERR_INPUT) add_frame(file, line, func);
  return code;
}

WsErr ws_error_prefix(WsErr code, const char *prefix) {
  char joined[2 * WS_MESSAGE_MAX];
  snprintf(joined, sizeof joined, "%s: %s", prefix, ws_record.message);
  memcpy(ws_record.message, joined, WS_MESSAGE_MAX - 1);
  ws_record.message[WS_MESSAGE_MAX - 1] = '\0';
  return code;
}

const char *ws_error_message(void) {
  return ws_record.message;
}

const char *ws_error_frames(void) {
  return ws_record.frames;
}

const void *ws_error_record(void) {
  return &ws_record;
}

void ws_error_record_set(const void *record) {
  if (record != &ws_record) memcpy(&ws_record, record, sizeof ws_record);
  ws_record.message[WS_MESSAGE_MAX - 1] = '\0';
  ws_record.frames[WS_FRAMES_MAX - 1] = '\0';
}

int ws_error_debug(void) {
  const char *env = getenv("WSHARE_DEBUG");
  return env && strcmp(env, "1") == 0;
}
