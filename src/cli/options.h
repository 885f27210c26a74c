/* Command-line and INI option parsing shared by the subcommands.  Options are GNU long
 * options (--name VALUE, --name=VALUE, or --flag); an INI file given as the first
 * positional argument supplies defaults under the same key names (sections ignored), and
 * the command line overrides it.  Every rank parses the same arguments, so usage errors
 * are detected identically everywhere without communication. */
#ifndef WSHARE_CLI_OPTIONS_H
#define WSHARE_CLI_OPTIONS_H

#include <stdint.h>

#include "wshare/error.h"

typedef struct {
  const char *name;  /* long name without dashes */
  const char *value; /* metavariable, or NULL for a flag */
  const char *def;   /* default value (NULL: unset) */
  const char *help;
} WsOptionSpec;

enum { WS_MAX_OPTIONS = 48, WS_MAX_POSITIONAL = 4 };

typedef struct {
  const char *command;
  const WsOptionSpec *specs;
  int count;
  const char *value[WS_MAX_OPTIONS]; /* effective values (NULL: unset) */
  char *owned[WS_MAX_OPTIONS];       /* values copied from the INI file */
  const char *positional[WS_MAX_POSITIONAL];
  int n_positional;
  const char *config_file;
  int help;
} WsOptions;

/* Parses argv (after the subcommand) into a new *o.  allow_config: the first positional may
 * be an INI file.  A usage error leaves *o NULL. */
WsErr ws_options_create(const char *command, const WsOptionSpec *specs, int count, int argc,
                        char **argv, int allow_config, WsOptions **o);
/* Frees the options (NULL is ignored) and sets *o to NULL. */
void ws_options_destroy(WsOptions **o);

/* Accessors: a bad value is an input error naming the option and the value. */
const char *ws_options_str(const WsOptions *o, const char *name);
int ws_options_flag(const WsOptions *o, const char *name);
WsErr ws_options_double(const WsOptions *o, const char *name, double min, double *out);
WsErr ws_options_int(const WsOptions *o, const char *name, int64_t min, int64_t *out);
/* A number > 0; a number or an integer within [min, max]. */
WsErr ws_options_positive(const WsOptions *o, const char *name, double *out);
WsErr ws_options_double_range(const WsOptions *o, const char *name, double min, double max,
                              double *out);
WsErr ws_options_int_range(const WsOptions *o, const char *name, int64_t min, int64_t max,
                           int64_t *out);
/* A command that takes no positional arguments refuses them. */
WsErr ws_options_no_positional(const WsOptions *o);
/* Index of the value among choices (NULL-terminated). */
WsErr ws_options_choice(const WsOptions *o, const char *name, const char *const *choices, int *out);
WsErr ws_options_require(const WsOptions *o, const char *name);
/* "key = value" lines of every set option (the effective configuration); malloc'ed. */
char *ws_options_effective(const WsOptions *o);

#endif
