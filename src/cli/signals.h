/* SIGTERM, SIGINT and SIGUSR1 request a checkpoint at the next iteration boundary. */
#ifndef WSHARE_CLI_SIGNALS_H
#define WSHARE_CLI_SIGNALS_H

void ws_signals_install(void);
/* The number of the last signal received, or 0. */
int ws_signals_received(void);

#endif
