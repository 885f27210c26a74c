/* The list of subcommands, in the order they are documented. */
#ifndef WSHARE_CLI_CATALOG_H
#define WSHARE_CLI_CATALOG_H

#include "commands.h"

/* Number of subcommands. */
int ws_catalog_count(void);
/* Subcommand i (0 <= i < ws_catalog_count()), else NULL. */
const WsCommand *ws_catalog_command(int i);
/* The subcommand called name, or NULL. */
const WsCommand *ws_catalog_find(const char *name);

#endif
