/* Output paths checked before any work (README "Errors and exit codes", data safety): an
 * output never resolves to one of the command's inputs, and a result's directory or a
 * checkpoint directory is usable, so that a run never fails at its end for a reason that
 * was visible at its start.  Checks run on rank 0 (the ranks share the file system) and
 * are agreed on, so every rank returns the same status. */
#ifndef WSHARE_PATHS_H
#define WSHARE_PATHS_H

#include "wshare/comm.h"

/* An input file of a command and the option that named it (for messages). */
typedef struct {
  const char *option; /* "--data", "--sharing-file", "--init", "--model", ... */
  const char *path;   /* NULL: not given */
} WsPathInput;

/* Local: 1 when a and b name the same file: the same device and inode when both exist,
 * else the same real path (a missing file: its directory's real path and its name). */
int ws_paths_same(const char *a, const char *b);

/* Collective: refuses (input error) an output file that resolves to one of the inputs, an
 * existing directory or other non-regular file, and a missing or unwritable directory. */
WsErr ws_paths_check_output(MPI_Comm comm, const char *command, const char *option,
                            const char *path, const WsPathInput *inputs, int n_inputs);

/* Collective: a checkpoint directory must be a writable directory, or one that can be
 * made (its parent exists and is writable); none of the files given (inputs and outputs)
 * may lie in it under a checkpoint's name, since checkpoints there are replaced and
 * pruned. */
WsErr ws_paths_check_checkpoint_dir(MPI_Comm comm, const char *command, const char *option,
                                    const char *dir, const WsPathInput *files, int n_files);

#endif
