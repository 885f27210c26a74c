/* The subcommands.  Each is collective over comm and returns the process exit code. */
#ifndef WSHARE_CLI_COMMANDS_H
#define WSHARE_CLI_COMMANDS_H

#include "wshare/comm.h"

WsErr ws_cmd_gen(MPI_Comm comm, int argc, char **argv);
WsErr ws_cmd_solve(MPI_Comm comm, int argc, char **argv);
WsErr ws_cmd_predict(MPI_Comm comm, int argc, char **argv);
WsErr ws_cmd_info(MPI_Comm comm, int argc, char **argv);

#endif
