/* What `--help` prints, from the subcommands' descriptions (commands.h). */
#ifndef WSHARE_CLI_HELP_H
#define WSHARE_CLI_HELP_H

#include <stddef.h>
#include <stdio.h>

#include "commands.h"

/* The default of option s as shown to users: "[default: VALUE]" for a declared default,
 * "[default: off]" for a flag, and "" for an option without a declared default, whose help
 * text says what happens without it ("[default: ...]" or "(required)"; the help test
 * checks that every option shows one of these).  Writes at most size bytes to text and
 * returns text. */
const char *ws_help_default(const WsOptionSpec *s, char *text, size_t size);

/* The left column of an option: "--name VALUE" or "--name". */
const char *ws_help_option_name(const WsOptionSpec *s, char *text, size_t size);

/* `wshare COMMAND --help`: usage, what it does, every option with its default, and the
 * worked examples at the end. */
void ws_help_print(FILE *out, const WsCommand *c);

/* `wshare --help`: the subcommands with a line each. */
void ws_help_commands(FILE *out);

#endif
