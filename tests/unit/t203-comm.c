/* Errors across ranks (comm.h): a failed MPI call comes back as an error naming the call
 * (the communicator returns errors instead of aborting the job), marks the communicator
 * as broken so that no collective is tried again, and an error seen by one rank only is
 * agreed on by all with its message.  Silent on success; exits 1 on failure. */
#include "wshare/comm.h"

#include <string.h>

#include "unit.h"

/* A count MPI must refuse. */
static WsErr bad_broadcast(MPI_Comm comm) {
  double x = 0.0;
  WS_MPI(MPI_Bcast(&x, -1, MPI_DOUBLE, 0, comm));
  return WS_OK;
}

int main(int argc, char **argv) {
  unit_name = "t203-comm";
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  UNIT_CHECK(ws_comm_return_errors(comm) == WS_OK, "setting MPI_ERRORS_RETURN failed");

  /* One rank's error reaches all, with its message; the lowest failing rank wins. */
  WsErr mine = rank == size - 1 ? ws_error_set(WS_ERR_INPUT, "rank %d saw it", rank) : WS_OK;
  char expected[64];
  snprintf(expected, sizeof expected, "rank %d saw it", size - 1);
  UNIT_CHECK(ws_comm_agree(comm, mine) == WS_ERR_INPUT, "agreement lost the input error");
  UNIT_CHECK(strcmp(ws_error_message(), expected) == 0, "agreed message '%s', expected '%s'",
             ws_error_message(), expected);
  UNIT_CHECK(ws_comm_agree(comm, WS_OK) == WS_OK, "agreement on no error");
  UNIT_CHECK(!ws_comm_broken(), "broken before any MPI failure");

  /* Without MPI_ERRORS_RETURN this call would abort the job here. */
  WsErr err = bad_broadcast(comm);
  UNIT_CHECK(err == WS_ERR_RUNTIME, "a failed MPI call returned %d", (int)err);
  const char *head = "MPI call failed: MPI_Bcast(&x, -1, MPI_DOUBLE, 0, comm): ";
  UNIT_CHECK(strncmp(ws_error_message(), head, strlen(head)) == 0 &&
                 strlen(ws_error_message()) > strlen(head),
             "message '%s' does not name the call and MPI's reason", ws_error_message());
  UNIT_CHECK(ws_comm_broken(), "a failed MPI call did not mark the communicator broken");
  /* No collective after that: every rank returns at once with its own error. */
  UNIT_CHECK(ws_comm_agree(comm, WS_OK) == WS_ERR_RUNTIME, "agreement after an MPI failure");
  MPI_Finalize();
  return 0;
}
