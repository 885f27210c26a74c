/* The manual page and the bash completion, generated from the subcommands' descriptions
 * (commands.h) at build time, so that neither repeats an option list by hand. */
#ifndef WSHARE_CLI_DOC_H
#define WSHARE_CLI_DOC_H

#include <stdio.h>

/* wshare.1 in man(7) format. */
void ws_doc_man(FILE *out);

/* A bash completion script for wshare: subcommands, each one's options, the choices of
 * options whose values are a fixed list, and file or directory names where a value is one. */
void ws_doc_completion(FILE *out);

/* One "COMMAND --option" line per option of every subcommand (for the tests). */
void ws_doc_options(FILE *out);

#endif
