#include "doc.h"

#include <ctype.h>
#include <string.h>

#include "catalog.h"
#include "help.h"

/* Text for roff: backslashes and hyphens escaped, and a control character at the start of
 * a line made literal. */
static void roff_text(FILE *out, const char *text) {
  int line_start = 1;
  for (const char *c = text; *c; c++) {
    if (line_start && (*c == '.' || *c == '\'')) fputs("\\&", out);
    if (*c == '\\')
      fputs("\\e", out);
    else if (*c == '-')
      fputs("\\-", out);
    else
      fputc(*c, out);
    line_start = *c == '\n';
  }
}

static void man_command(FILE *out, const WsCommand *c) {
  fprintf(out, ".SS \"wshare %s\"\n", c->name);
  roff_text(out, c->synopsis);
  fputs("\n.PP\n", out);
  roff_text(out, c->about);
  fputs("\n", out);
  for (int i = 0; i < c->count; i++) {
    const WsOptionSpec *s = &c->specs[i];
    char def[160];
    fputs(".TP\n.B \\-\\-", out);
    roff_text(out, s->name);
    if (s->value) {
      fputs(" \\fI", out);
      roff_text(out, s->value);
      fputs("\\fR", out);
    }
    fputs("\n", out);
    roff_text(out, s->help);
    ws_help_default(s, def, sizeof def);
    if (def[0]) {
      fputs(" ", out);
      roff_text(out, def);
    }
    fputs("\n", out);
  }
  fputs(".PP\nExamples:\n", out);
  for (int e = 0; e < WS_EXAMPLES; e++) {
    fputs(".PP\n.RS\n", out);
    roff_text(out, c->examples[e].comment);
    fputs(":\n.nf\n.B ", out);
    roff_text(out, c->examples[e].command);
    fputs("\n.fi\n.RE\n", out);
  }
}

void ws_doc_man(FILE *out) {
  fprintf(out, ".TH WSHARE 1 \"\" \"wshare %s\" \"User Commands\"\n", WSHARE_VERSION);
  fputs(".SH NAME\nwshare \\- distributed least squares with weight sharing\n.SH SYNOPSIS\n.nf\n",
        out);
  for (int i = 0; i < ws_catalog_count(); i++) {
    roff_text(out, ws_catalog_command(i)->synopsis);
    fputs("\n", out);
  }
  fputs("wshare \\-\\-version\n.fi\n.SH DESCRIPTION\n", out);
  roff_text(out, "wshare fits least-squares regression models whose weights are tied together:\n"
                 "groups of weights that share one value, weights fixed at zero, or a general\n"
                 "merge matrix.  It runs on any number of MPI ranks (mpirun -n P, SLURM), reads\n"
                 "its data from HDF5 with parallel I/O, checkpoints to HDF5 and resumes a run\n"
                 "stopped at its time limit with the same answer.  Every command runs under\n"
                 "mpirun -n P for any P >= 1 and has --help.\n");
  fputs(".SH COMMANDS\n", out);
  for (int i = 0; i < ws_catalog_count(); i++)
    man_command(out, ws_catalog_command(i));
  fputs(".SH EXIT STATUS\n", out);
  for (int code = WS_OK; code <= WS_STOP_SIGNAL; code++)
    fprintf(out, ".TP\n%d\n%s\n", code, ws_error_name((WsErr)code));
  fputs(".SH SEE ALSO\n.BR mpirun (1),\n.BR h5dump (1),\nthe README of the wshare sources.\n", out);
}

/* The parts of a value's metavariable, split at '|': lower-case words are choices,
 * upper-case names say what else is accepted (a file, a directory, a number). */
static void value_words(const char *meta, char *choices, size_t size, int *files, int *dirs) {
  choices[0] = '\0';
  *files = *dirs = 0;
  for (const char *p = meta; *p;) {
    size_t len = strcspn(p, "|");
    int lower = len > 0 && islower((unsigned char)p[0]);
    if (lower) {
      size_t used = strlen(choices);
      snprintf(choices + used, size - used, "%s%.*s", used ? " " : "", (int)len, p);
    } else if (strncmp(p, "DIR", len) == 0 && len == 3) {
      *dirs = 1;
    } else {
      char word[64];
      snprintf(word, sizeof word, "%.*s", (int)len, p);
      if (strstr(word, "FILE") || strstr(word, "PATH") || strstr(word, ".h5")) *files = 1;
    }
    p += len + (p[len] == '|');
  }
}

static void completion_command(FILE *out, const WsCommand *c) {
  fprintf(out, "  %s)\n    opts=\"", c->name);
  for (int i = 0; i < c->count; i++)
    fprintf(out, "--%s ", c->specs[i].name);
  fputs("--help\"\n    case \"$prev\" in\n", out);
  for (int i = 0; i < c->count; i++) {
    const WsOptionSpec *s = &c->specs[i];
    if (!s->value) continue;
    char choices[256];
    int files, dirs;
    value_words(s->value, choices, sizeof choices, &files, &dirs);
    fprintf(out, "    --%s)\n", s->name);
    if (choices[0]) fprintf(out, "      COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n", choices);
    if (files) fputs("      COMPREPLY+=($(compgen -f -- \"$cur\"))\n", out);
    if (dirs) fputs("      COMPREPLY+=($(compgen -d -- \"$cur\"))\n", out);
    fputs("      return ;;\n", out);
  }
  fputs("    esac ;;\n", out);
}

void ws_doc_completion(FILE *out) {
  fputs("# bash completion for wshare (generated from its option tables)\n"
        "_wshare() {\n"
        "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts=\"\"\n"
        "  COMPREPLY=()\n"
        "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
        "    COMPREPLY=($(compgen -W \"",
        out);
  for (int i = 0; i < ws_catalog_count(); i++)
    fprintf(out, "%s ", ws_catalog_command(i)->name);
  fputs("--help --version\" -- \"$cur\"))\n"
        "    return\n"
        "  fi\n"
        "  case \"${COMP_WORDS[1]}\" in\n",
        out);
  for (int i = 0; i < ws_catalog_count(); i++)
    completion_command(out, ws_catalog_command(i));
  fputs("  *) return ;;\n"
        "  esac\n"
        "  if [[ $cur == -* ]]; then\n"
        "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
        "  else\n"
        "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
        "  fi\n"
        "}\n"
        "complete -o filenames -F _wshare wshare\n",
        out);
}

void ws_doc_options(FILE *out) {
  for (int i = 0; i < ws_catalog_count(); i++) {
    const WsCommand *c = ws_catalog_command(i);
    for (int j = 0; j < c->count; j++)
      fprintf(out, "%s --%s\n", c->name, c->specs[j].name);
  }
}
