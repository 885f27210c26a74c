#include "options.h"

#include "wshare/memory.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int find_spec(const WsOptions *o, const char *name, size_t len) {
  for (int i = 0; i < o->count; i++)
    if (strlen(o->specs[i].name) == len && strncmp(o->specs[i].name, name, len) == 0) return i;
  return -1;
}

typedef struct {
  WsOptions *o;
  WsErr err;
  int from_cli[WS_MAX_OPTIONS];
} IniState;

static int on_ini_entry(void *user, const char *section, const char *key, const char *value) {
  (void)section;
  IniState *st = user;
  WsOptions *o = st->o;
  int i = find_spec(o, key, strlen(key));
  if (i < 0) {
    st->err = ws_error_set(WS_ERR_INPUT, "%s: unknown key '%s' (keys are the %s option names)",
                           o->config_file, key, o->command);
    return 0;
  }
  if (st->from_cli[i]) return 1; /* the command line overrides the file */
  free(o->owned[i]);
  o->owned[i] = strdup(value);
  if (!o->owned[i]) {
    st->err = ws_error_set(WS_ERR_RUNTIME, "out of memory reading %s", o->config_file);
    return 0;
  }
  o->value[i] = o->owned[i];
  return 1;
}

static WsErr parse(WsOptions *o, const char *command, const WsOptionSpec *specs, int count,
                   int argc, char **argv, int allow_config) {
  WS_CHECK(count <= WS_MAX_OPTIONS, WS_ERR_RUNTIME, "internal error: %s declares %d options",
           command, count);
  o->command = command;
  o->specs = specs;
  o->count = count;
  IniState st = {.o = o};
  for (int i = 0; i < count; i++)
    o->value[i] = specs[i].def;
  for (int a = 0; a < argc; a++) {
    const char *arg = argv[a];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      o->help = 1;
      return WS_OK;
    }
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
      WS_CHECK(o->n_positional < WS_MAX_POSITIONAL, WS_ERR_INPUT,
               "%s: unexpected argument '%s' (too many)", command, arg);
      o->positional[o->n_positional++] = arg;
      continue;
    }
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int i = find_spec(o, name, len);
    WS_CHECK(i >= 0, WS_ERR_INPUT, "%s: unknown option '%.*s' (see wshare %s --help)", command,
             (int)(len + 2), arg, command);
    if (!specs[i].value) {
      WS_CHECK(!eq, WS_ERR_INPUT, "%s: option --%s takes no value", command, specs[i].name);
      o->value[i] = "1";
    } else if (eq) {
      o->value[i] = eq + 1;
    } else {
      WS_CHECK(a + 1 < argc, WS_ERR_INPUT, "%s: option --%s needs a value (%s)", command,
               specs[i].name, specs[i].value);
      /* "--out --quiet" is a forgotten value, not a file named --quiet (--out=--quiet is
       * still possible). */
      WS_CHECK(strncmp(argv[a + 1], "--", 2) != 0, WS_ERR_INPUT,
               "%s: option --%s needs a value (%s), found option '%s'", command, specs[i].name,
               specs[i].value, argv[a + 1]);
      o->value[i] = argv[++a];
    }
    st.from_cli[i] = 1;
  }
  if (allow_config && o->n_positional > 0) {
    o->config_file = o->positional[0];
    int rc = ini_parse(o->config_file, on_ini_entry, &st);
    if (st.err) return st.err;
    WS_CHECK(rc != -1, WS_ERR_INPUT, "cannot open config file '%s': %s", o->config_file,
             strerror(errno));
    WS_CHECK(rc == 0, WS_ERR_INPUT, "%s: line %d: syntax error", o->config_file, rc);
    for (int p = 1; p < o->n_positional; p++)
      o->positional[p - 1] = o->positional[p];
    o->n_positional--;
  }
  WS_CHECK(o->n_positional == 0 || !allow_config, WS_ERR_INPUT,
           "%s: unexpected argument '%s' (only one CONFIG.ini may be given)", command,
           o->positional[0]);
  return WS_OK;
}

WsErr ws_options_create(const char *command, const WsOptionSpec *specs, int count, int argc,
                        char **argv, int allow_config, WsOptions **out) {
  *out = NULL;
  WsOptions *o;
  WS_ALLOC(o, 1);
  WsErr err = parse(o, command, specs, count, argc, argv, allow_config);
  if (err) {
    ws_options_destroy(&o);
    return err;
  }
  *out = o;
  return WS_OK;
}

void ws_options_destroy(WsOptions **o) {
  if (!o || !*o) return;
  for (int i = 0; i < WS_MAX_OPTIONS; i++)
    free((*o)->owned[i]);
  free(*o);
  *o = NULL;
}

static int index_of(const WsOptions *o, const char *name) {
  int i = find_spec(o, name, strlen(name));
  if (i < 0) {
    fprintf(stderr, "wshare: internal error: option --%s is not declared\n", name);
    abort();
  }
  return i;
}

const char *ws_options_str(const WsOptions *o, const char *name) {
  return o->value[index_of(o, name)];
}

int ws_options_flag(const WsOptions *o, const char *name) {
  const char *v = ws_options_str(o, name);
  return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
               strcmp(v, "on") == 0);
}

/* The one parser of numeric values: finite, within [min, max] (strictly above min when
 * open); what the message says is expected follows the bounds. */
static WsErr parse_double(const WsOptions *o, const char *name, double min, int open, double max,
                          double *out) {
  const char *v = ws_options_str(o, name);
  WS_CHECK(v, WS_ERR_INPUT, "%s: option --%s is required", o->command, name);
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  int ok = end != v && *end == '\0' && errno == 0 && isfinite(x) && (open ? x > min : x >= min) &&
           x <= max;
  char expected[96];
  if (isfinite(max))
    snprintf(expected, sizeof expected, "a number from %g to %g", min, max);
  else
    snprintf(expected, sizeof expected, "a number %s %g", open ? ">" : ">=", min);
  WS_CHECK(ok, WS_ERR_INPUT, "%s: invalid value '%s' for --%s (expected %s)", o->command, v, name,
           expected);
  *out = x;
  return WS_OK;
}

WsErr ws_options_double(const WsOptions *o, const char *name, double min, double *out) {
  return parse_double(o, name, min, 0, INFINITY, out);
}

WsErr ws_options_positive(const WsOptions *o, const char *name, double *out) {
  return parse_double(o, name, 0.0, 1, INFINITY, out);
}

WsErr ws_options_double_range(const WsOptions *o, const char *name, double min, double max,
                              double *out) {
  return parse_double(o, name, min, 0, max, out);
}

WsErr ws_options_int_range(const WsOptions *o, const char *name, int64_t min, int64_t max,
                           int64_t *out) {
  const char *v = ws_options_str(o, name);
  WS_CHECK(v, WS_ERR_INPUT, "%s: option --%s is required", o->command, name);
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  int ok = end != v && *end == '\0' && errno == 0 && x >= min && x <= max;
  char expected[96];
  if (max < INT64_MAX)
    snprintf(expected, sizeof expected, "an integer from %lld to %lld", (long long)min,
             (long long)max);
  else
    snprintf(expected, sizeof expected, "an integer >= %lld", (long long)min);
  WS_CHECK(ok, WS_ERR_INPUT, "%s: invalid value '%s' for --%s (expected %s)", o->command, v, name,
           expected);
  *out = x;
  return WS_OK;
}

WsErr ws_options_int(const WsOptions *o, const char *name, int64_t min, int64_t *out) {
  return ws_options_int_range(o, name, min, INT64_MAX, out);
}

WsErr ws_options_no_positional(const WsOptions *o) {
  WS_CHECK(o->n_positional == 0, WS_ERR_INPUT,
           "%s: unexpected argument '%s' (%s takes only options)", o->command, o->positional[0],
           o->command);
  return WS_OK;
}

WsErr ws_options_choice(const WsOptions *o, const char *name, const char *const *choices,
                        int *out) {
  const char *v = ws_options_str(o, name);
  for (int c = 0; v && choices[c]; c++)
    if (strcmp(v, choices[c]) == 0) {
      *out = c;
      return WS_OK;
    }
  char list[256] = "";
  for (int c = 0; choices[c]; c++) {
    strncat(list, c ? "|" : "", sizeof list - strlen(list) - 1);
    strncat(list, choices[c], sizeof list - strlen(list) - 1);
  }
  return ws_error_set(WS_ERR_INPUT, "%s: invalid value '%s' for --%s (expected %s)", o->command,
                      v ? v : "", name, list);
}

WsErr ws_options_require(const WsOptions *o, const char *name) {
  WS_CHECK(ws_options_str(o, name), WS_ERR_INPUT, "%s: option --%s is required", o->command, name);
  return WS_OK;
}

char *ws_options_effective(const WsOptions *o) {
  size_t size = 64;
  for (int i = 0; i < o->count; i++)
    if (o->value[i]) size += strlen(o->specs[i].name) + strlen(o->value[i]) + 8;
  char *text = ws_memory_alloc(size); /* NULL: the message says how much */
  if (!text) return NULL;
  size_t used = (size_t)snprintf(text, size, "[%s]\n", o->command);
  for (int i = 0; i < o->count; i++)
    if (o->value[i])
      used +=
          (size_t)snprintf(text + used, size - used, "%s = %s\n", o->specs[i].name, o->value[i]);
  return text;
}
