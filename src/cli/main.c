/* wshare: weight-shared least squares on MPI ranks.  Dispatches to the subcommands; the
 * only place that turns a status into an exit code. */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "help.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported by wshare, once */
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank;
  MPI_Comm_rank(comm, &rank);
  /* MPI failures come back as errors (WS_MPI), so they are reported like any other. */
  WsErr code = ws_comm_return_errors(comm);
  const char *cmd = argc > 1 ? argv[1] : "";
  if (code) {
    /* reported below */
  } else if (strcmp(cmd, "--version") == 0) {
    if (rank == 0) printf("wshare %s\n", WSHARE_VERSION);
  } else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    if (rank == 0) ws_help_commands(stdout);
  } else if (ws_catalog_find(cmd)) {
    code = ws_catalog_find(cmd)->run(comm, argc - 2, argv + 2);
  } else {
    if (rank == 0) {
      if (cmd[0]) fprintf(stderr, "wshare: unknown command '%s'\n", cmd);
      ws_help_commands(stderr);
    }
    code = WS_ERR_INPUT;
  }
  if (code == WS_ERR_INPUT || code == WS_ERR_RUNTIME) ws_comm_print_error(comm);
  fflush(stdout);
  /* The last resort: after a failed MPI call the ranks cannot finish together (a peer may
   * be gone, and MPI_Finalize would wait for it), so the job is ended here. */
  if (ws_comm_broken()) {
    fflush(stderr);
    MPI_Abort(comm, (int)code);
  }
  MPI_Finalize();
  return (int)code;
}
