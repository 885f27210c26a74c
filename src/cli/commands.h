/* The subcommands.  Each is collective over comm and returns the process exit code, and
 * each describes itself (synopsis, options table, worked examples) for --help, the man page
 * and the bash completion, which are all generated from these descriptions. */
#ifndef WSHARE_CLI_COMMANDS_H
#define WSHARE_CLI_COMMANDS_H

#include "options.h"
#include "wshare/comm.h"

typedef struct {
  const char *comment; /* what the example does, one line */
  const char *command; /* a command line a user can paste */
} WsExample;

enum { WS_EXAMPLES = 2 };

typedef struct {
  const char *name;     /* the subcommand */
  const char *summary;  /* one line, for `wshare --help` */
  const char *synopsis; /* usage line */
  const char *about;    /* what it does, a paragraph */
  const WsOptionSpec *specs;
  int count;
  WsExample examples[WS_EXAMPLES];
  WsErr (*run)(MPI_Comm comm, int argc, char **argv);
} WsCommand;

WsErr ws_cmd_gen(MPI_Comm comm, int argc, char **argv);
WsErr ws_cmd_solve(MPI_Comm comm, int argc, char **argv);
WsErr ws_cmd_predict(MPI_Comm comm, int argc, char **argv);
WsErr ws_cmd_info(MPI_Comm comm, int argc, char **argv);

/* The description of each subcommand (constant data; local). */
const WsCommand *ws_cmd_gen_describe(void);
const WsCommand *ws_cmd_solve_describe(void);
const WsCommand *ws_cmd_predict_describe(void);
const WsCommand *ws_cmd_info_describe(void);

#endif
