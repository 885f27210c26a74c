/* Output files that never leave a half-written file under their final name (README "Errors
 * and exit codes", data safety): a file is written to a temporary name in its target's
 * directory, then fsynced, renamed into place and the directory fsynced.  A run that fails
 * or is killed before the rename leaves an earlier file of the final name as it was.
 * Results (solve, predict, gen) and checkpoints all go through here. */
#ifndef WSHARE_OUTFILE_H
#define WSHARE_OUTFILE_H

#include "wshare/comm.h"
#include "wshare/h5file.h"

typedef struct {
  char final[WS_PATH_MAX]; /* where the file goes (an existing symlink: its target) */
  char temp[WS_PATH_MAX];  /* where it is written until the rename */
  char shown[WS_PATH_MAX]; /* the name the user gave, for messages */
} WsOutfile;

/* Local: the temporary for final: temp when given, else "DIR/.NAME.<pid>.tmp" beside it
 * (hidden, and never the name of a file the user has). */
WsErr ws_outfile_begin(const char *final, const char *temp, WsOutfile *o);
/* Collective: the same, with rank 0's temporary name on every rank, for files that all
 * ranks write (MPI-IO). */
WsErr ws_outfile_begin_all(const char *final, MPI_Comm comm, WsOutfile *o);
/* Local: creates the temporary as an HDF5 file of this rank alone (exclusive: refusing an
 * existing file, else truncating one); on failure nothing is left behind and the message
 * names the final file. */
WsErr ws_outfile_create_h5(const WsOutfile *o, int exclusive, hid_t *file);
/* Local: fsyncs the closed temporary, renames it over the final name and fsyncs the
 * directory.  On failure the temporary is removed and the message names the final file
 * and the OS error. */
WsErr ws_outfile_commit(const WsOutfile *o);
/* Collective: after every rank has closed the file, rank 0 commits it (or, when local is
 * an error, removes the temporary); returns the agreed status. */
WsErr ws_outfile_finish_all(const WsOutfile *o, WsErr local, MPI_Comm comm);
/* Local: removes the temporary after a failure (a missing one is ignored). */
void ws_outfile_abandon(const WsOutfile *o);

#endif
