#include "wshare/comm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* --quiet holds for every module, so the switch is process-wide. */
static int ws_warnings_silent = 0;
/* Set once an MPI call has failed: a peer may be gone, so no collective is tried again
 * (it could wait forever) and main aborts the job instead (README "Exit codes and
 * errors").  Process-wide like MPI itself. */
static int ws_mpi_broken = 0;

int ws_comm_broken(void) {
  return ws_mpi_broken;
}

WsErr ws_comm_agree(MPI_Comm comm, WsErr local) {
  /* Nobody to agree with: keep this rank's own error (or the MPI failure already recorded). */
  if (ws_mpi_broken) return local != WS_OK ? local : WS_ERR_RUNTIME;
  int rank;
  WS_MPI(MPI_Comm_rank(comm, &rank));
  /* MAXLOC picks the most severe code and, among equals, the lowest rank holding it. */
  struct {
    int code;
    int rank;
  } mine = {(int)local, rank}, worst;
  WS_MPI(MPI_Allreduce(&mine, &worst, 1, MPI_2INT, MPI_MAXLOC, comm));
  if (worst.code == WS_OK) return WS_OK;
  char record[WS_ERROR_RECORD_BYTES];
  memcpy(record, ws_error_record(), sizeof record);
  WS_MPI(MPI_Bcast(record, (int)sizeof record, MPI_CHAR, worst.rank, comm));
  ws_error_record_set(record);
  return (WsErr)worst.code;
}

WsErr ws_comm_agree_alloc(MPI_Comm comm, int ok) {
  return ws_comm_agree(comm, ok ? WS_OK : WS_ERR_RUNTIME);
}

void ws_comm_print_error(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  /* After an MPI failure the ranks could not agree, and rank 0 may be the one that is gone:
   * every rank that saw the failure says so. */
  if ((rank != 0 && !ws_mpi_broken) || !ws_error_message()[0]) return;
  fprintf(stderr, "wshare: %s\n", ws_error_message());
  if (ws_error_debug()) fprintf(stderr, "%s", ws_error_frames());
}

void ws_comm_warn_silence(int silent) {
  ws_warnings_silent = silent;
}

void ws_comm_warn(MPI_Comm comm, const char *fmt, ...) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank != 0 || ws_warnings_silent) return;
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  fprintf(stderr, "wshare: warning: %s\n", text);
}

WsErr ws_comm_return_errors(MPI_Comm comm) {
  WS_MPI(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
  return WS_OK;
}

WsErr ws_comm_mpi_failed(int code, const char *call, const char *file, int line, const char *func) {
  char text[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  ws_mpi_broken = 1;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
    snprintf(text, sizeof text, "code %d", code);
  return ws_error_set_at(file, line, func, WS_ERR_RUNTIME, "MPI call failed: %s: %s", call, text);
}
