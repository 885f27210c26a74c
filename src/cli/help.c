#include "help.h"

#include <string.h>

#include "catalog.h"

const char *ws_help_default(const WsOptionSpec *s, char *text, size_t size) {
  if (s->def)
    snprintf(text, size, "[default: %s]", s->def);
  else if (!s->value)
    snprintf(text, size, "[default: off]");
  else
    snprintf(text, size, "%s", "");
  return text;
}

const char *ws_help_option_name(const WsOptionSpec *s, char *text, size_t size) {
  snprintf(text, size, "--%s%s%s", s->name, s->value ? " " : "", s->value ? s->value : "");
  return text;
}

enum { HELP_INDENT = 32, HELP_WIDTH = 100 };

/* Moves to the next line when a piece of len characters does not fit before HELP_WIDTH,
 * else separates it by a space; returns the column. */
static int place(FILE *out, int col, int len) {
  if (col > HELP_INDENT && col + 1 + len > HELP_WIDTH) {
    fprintf(out, "\n%*s", HELP_INDENT, "");
    return HELP_INDENT;
  }
  if (col > HELP_INDENT) {
    fputc(' ', out);
    return col + 1;
  }
  return col;
}

/* The help text from column HELP_INDENT on, broken at spaces before HELP_WIDTH, then the
 * default, kept whole; a left column too wide for its place gets a line of its own. */
static void print_option(FILE *out, const char *left, const char *text, const char *def) {
  int col = fprintf(out, "  %s", left);
  if (col >= HELP_INDENT) {
    fputc('\n', out);
    col = 0;
  }
  fprintf(out, "%*s", HELP_INDENT - col, "");
  col = HELP_INDENT;
  for (const char *p = text; *p;) {
    int word = (int)strcspn(p, " ");
    col = place(out, col, word);
    col += fprintf(out, "%.*s", word, p);
    p += word;
    p += strspn(p, " ");
  }
  if (def[0]) {
    col = place(out, col, (int)strlen(def));
    fputs(def, out);
  }
  fputc('\n', out);
}

void ws_help_print(FILE *out, const WsCommand *c) {
  fprintf(out, "usage: %s\n\n%s\n\noptions:\n", c->synopsis, c->about);
  for (int i = 0; i < c->count; i++) {
    char left[96], def[160];
    const WsOptionSpec *s = &c->specs[i];
    print_option(out, ws_help_option_name(s, left, sizeof left), s->help,
                 ws_help_default(s, def, sizeof def));
  }
  print_option(out, "--help", "show this help", "");
  fprintf(out, "\nexamples:\n");
  for (int e = 0; e < WS_EXAMPLES; e++)
    fprintf(out, "  # %s\n  %s\n", c->examples[e].comment, c->examples[e].command);
}

void ws_help_commands(FILE *out) {
  fprintf(out, "usage: wshare COMMAND [options]   (wshare COMMAND --help for its options)\n\n"
               "commands:\n");
  for (int i = 0; i < ws_catalog_count(); i++) {
    const WsCommand *c = ws_catalog_command(i);
    fprintf(out, "  %-8s %s\n", c->name, c->summary);
  }
  fprintf(out, "\n  --version  print the version\n");
}
