/* Error codes, messages and the checking macros used at every call site.
 *
 * Every function that can fail returns a WsErr; the values double as the process exit
 * codes of SPEC §4.  The message of the most recent failure is kept in one buffer per
 * process (the only mutable module state besides the signal flag) so that it can be
 * agreed on across ranks and printed once. */
#ifndef WSHARE_ERROR_H
#define WSHARE_ERROR_H

#include <mpi.h>

typedef enum {
  WS_OK = 0,
  WS_ERR_RUNTIME = 1, /* I/O failure, numerical breakdown, divergence */
  WS_ERR_INPUT = 2,   /* bad option, missing or ill-shaped dataset, NaN in data */
  WS_STOP_LIMIT = 3,  /* stopped at --max-iter or --max-time (not an error) */
  WS_STOP_SIGNAL = 4  /* stopped by a signal after a checkpoint (not an error) */
} WsErr;

/* Records a formatted message for code and returns code. */
WsErr ws_error_set(WsErr code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Puts "prefix: " before the current message and returns code. */
WsErr ws_error_prefix(WsErr code, const char *prefix);
/* Prints "wshare: warning: ..." on rank 0 of comm (not collective), unless silenced. */
void ws_warn(MPI_Comm comm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* --quiet: errors only, so warnings are dropped. */
void ws_warn_silence(int silent);
/* The message recorded by the last ws_error_set on this process ("" if none). */
const char *ws_error_message(void);
/* Collective: combines each rank's local status.  Returns the most severe code seen on
 * any rank (WS_OK if none) and copies that rank's message to every rank, so that rank 0
 * can print the one line and all ranks leave together. */
WsErr ws_error_agree(MPI_Comm comm, WsErr local);
/* Prints "wshare: <message>" to stderr on rank 0 of comm only. */
void ws_error_print(MPI_Comm comm);

#define WS_CALL(expr)                                                                              \
  do {                                                                                             \
    WsErr ws_call_err_ = (expr);                                                                   \
    if (ws_call_err_ != WS_OK) return ws_call_err_;                                                \
  } while (0)

#define WS_CHECK(cond, code, ...)                                                                  \
  do {                                                                                             \
    if (!(cond)) return ws_error_set((code), __VA_ARGS__);                                         \
  } while (0)

#define WS_MPI(expr)                                                                               \
  do {                                                                                             \
    if ((expr) != MPI_SUCCESS) return ws_error_set(WS_ERR_RUNTIME, "MPI call failed: %s", #expr);  \
  } while (0)

/* HDF5 calls return a negative value on failure; what names the file or dataset. */
#define WS_H5(expr, what)                                                                          \
  do {                                                                                             \
    if ((expr) < 0)                                                                                \
      return ws_error_set(WS_ERR_RUNTIME, "%s: HDF5 call failed (%s)", (what), #expr);             \
  } while (0)

/* Collective: WS_OK when ok on every rank, else the out-of-memory error of a failing rank.
 * Used after allocations that precede a collective, so one rank's failure stops all. */
WsErr ws_alloc_agree(MPI_Comm comm, int ok);
/* Allocation that fails with a message instead of returning NULL silently. */
void *ws_malloc(size_t bytes);
void *ws_calloc(size_t count, size_t size);
#define WS_ALLOC(ptr, count)                                                                       \
  do {                                                                                             \
    (ptr) = ws_calloc((size_t)(count) > 0 ? (size_t)(count) : 1, sizeof(*(ptr)));                  \
    if (!(ptr)) return WS_ERR_RUNTIME;                                                             \
  } while (0)

#endif
