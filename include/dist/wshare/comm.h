/* Errors and messages across ranks: agreeing on a failure that only some ranks saw,
 * printing it once, warnings from rank 0, and the check for MPI calls.
 *
 * A condition that only some ranks can see (a NaN in one rank's rows, a failed
 * allocation) is agreed on with one reduction before anyone acts, so that every rank
 * leaves together and rank 0 prints one line (README "Errors and exit codes"). */
#ifndef WSHARE_COMM_H
#define WSHARE_COMM_H

#include <mpi.h>

#include "wshare/error.h"
#include "wshare/memory.h"

/* Collective: combines each rank's local status.  Returns the most severe code seen on
 * any rank (WS_OK if none) and installs that rank's error record (message and frames) on
 * every rank.  After a failed MPI call (ws_comm_broken) it communicates no more and
 * returns this rank's own error. */
WsErr ws_comm_agree(MPI_Comm comm, WsErr local);
/* Collective: WS_OK when ok on every rank, else the out-of-memory error of a failing rank.
 * Used after allocations that precede a collective, so one rank's failure stops all. */
WsErr ws_comm_agree_alloc(MPI_Comm comm, int ok);
/* Prints "wshare: <message>" to stderr on rank 0 of comm only (on every rank that saw
 * it after an MPI failure), and with WSHARE_DEBUG=1 the frames the error passed
 * through. */
void ws_comm_print_error(MPI_Comm comm);
/* Prints "wshare: warning: ..." on rank 0 of comm (not collective), unless silenced. */
void ws_comm_warn(MPI_Comm comm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* --quiet: errors only, so warnings are dropped (process-wide, like --quiet itself). */
void ws_comm_warn_silence(int silent);
/* Makes MPI calls on comm return their errors instead of aborting, so WS_MPI can report
 * them. */
WsErr ws_comm_return_errors(MPI_Comm comm);

/* 1 once an MPI call has failed on this rank: the communicator may have lost a peer, so
 * main aborts the job rather than risk a collective that never completes. */
int ws_comm_broken(void);

/* Checks an MPI call; the message names the call and MPI's own text for the code. */
WsErr ws_comm_mpi_failed(int code, const char *call, const char *file, int line, const char *func);
#define WS_MPI(expr)                                                                               \
  do {                                                                                             \
    int ws_mpi_rc_ = (expr);                                                                       \
    if (ws_mpi_rc_ != MPI_SUCCESS)                                                                 \
      return ws_comm_mpi_failed(ws_mpi_rc_, #expr, __FILE__, __LINE__, __func__);                  \
  } while (0)

#endif
