/* Error codes, messages and the checking macros used at every call site (core layer: no
 * MPI, no HDF5).
 *
 * Every function that can fail returns a WsErr; the values double as the process exit
 * codes (README "Errors and exit codes").  The message of the most recent failure, and the
 * chain of call sites it travelled up through, are kept in one record per process (the
 * only mutable module state besides the signal flag), so that it can be agreed on across
 * ranks and printed once.  WS_CALL adds a frame at every level; with WSHARE_DEBUG=1 in the
 * environment the frames are printed under the message, the way PETSc prints its error
 * stack. */
#ifndef WSHARE_ERROR_H
#define WSHARE_ERROR_H

#include <stddef.h>

typedef enum {
  WS_OK = 0,
  WS_ERR_RUNTIME = 1, /* I/O failure, numerical breakdown, divergence */
  WS_ERR_INPUT = 2,   /* bad option, missing or ill-shaped dataset, NaN in data */
  WS_STOP_LIMIT = 3,  /* stopped at --max-iter or --max-time (not an error) */
  WS_STOP_SIGNAL = 4  /* stopped by a signal after a checkpoint (not an error) */
} WsErr;

/* The name of a code ("runtime failure", "input error", ...). */
const char *ws_error_name(WsErr code);

/* Records a formatted message for code, originating at file:line in func, and returns
 * code.  Call it through ws_error_set, which supplies the location. */
WsErr ws_error_set_at(const char *file, int line, const char *func, WsErr code, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));
#define ws_error_set(...) ws_error_set_at(__FILE__, __LINE__, __func__, __VA_ARGS__)
/* Adds the frame file:line func to the record of the current failure and returns code
 * (stops WS_STOP_LIMIT / WS_STOP_SIGNAL pass through unrecorded). */
WsErr ws_error_trace(WsErr code, const char *file, int line, const char *func);
/* Puts "prefix: " before the current message and returns code. */
WsErr ws_error_prefix(WsErr code, const char *prefix);
/* The message recorded by the last ws_error_set on this process ("" if none). */
const char *ws_error_message(void);
/* The frames recorded since that message, one "#k func() at file:line" per line. */
const char *ws_error_frames(void);
/* The whole record as bytes, for sending it to other ranks: copy size bytes from
 * ws_error_record() and install them elsewhere with ws_error_record_set. */
enum { WS_ERROR_RECORD_BYTES = 4096 };
const void *ws_error_record(void);
void ws_error_record_set(const void *record);
/* 1 when WSHARE_DEBUG=1 asks for the frames to be printed. */
int ws_error_debug(void);

#define WS_CALL(expr)                                                                              \
  do {                                                                                             \
    WsErr ws_call_err_ = (expr);                                                                   \
    if (ws_call_err_ != WS_OK) return ws_error_trace(ws_call_err_, __FILE__, __LINE__, __func__);  \
  } while (0)

#define WS_CHECK(cond, code, ...)                                                                  \
  do {                                                                                             \
    if (!(cond)) return ws_error_set((code), __VA_ARGS__);                                         \
  } while (0)

#endif
