#include "wshare/reduce_repro.h"

#include <limits.h>

/* MPI_User_function: inout[i] += in[i]; the merge is commutative, so the order is free. */
static void merge_op(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  ws_repro_sum_merge(inout, in, *len);
}

/* The allreduce proper, in pieces whose counts fit MPI's int. */
static int allreduce_pieces(MPI_Comm comm, WsReproSum *buf, int64_t count, MPI_Datatype type,
                            MPI_Op op) {
  for (int64_t done = 0; done < count;) {
    int piece = count - done > INT_MAX ? INT_MAX : (int)(count - done);
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf + done, piece, type, op, comm);
    if (rc != MPI_SUCCESS) return rc;
    done += piece;
  }
  return MPI_SUCCESS;
}

WsErr ws_reduce_repro_sum(MPI_Comm comm, WsReproSum *buf, int64_t count, WsTimers *timers) {
  if (count <= 0) return WS_OK;
  double t0 = ws_timer_now();
  MPI_Datatype type;
  MPI_Op op;
  WS_MPI(MPI_Type_contiguous((int)sizeof(WsReproSum), MPI_BYTE, &type));
  /* From here on the datatype (and then the op) is freed on every path. */
  int rc = MPI_Type_commit(&type);
  if (rc == MPI_SUCCESS) {
    rc = MPI_Op_create(merge_op, 1, &op);
    if (rc == MPI_SUCCESS) {
      rc = allreduce_pieces(comm, buf, count, type, op);
      MPI_Op_free(&op);
    }
  }
  MPI_Type_free(&type);
  ws_timer_add(timers, WS_TIME_ALLREDUCE, t0);
  WS_CHECK(rc == MPI_SUCCESS, WS_ERR_RUNTIME, "MPI call failed in the reproducible allreduce");
  return WS_OK;
}
