/* The option and INI parser of the commands (src/cli/options.c): values from the command
 * line and from an INI file (sections ignored, the command line wins), flags, defaults,
 * the effective configuration, and every error message, matched whole. */
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "unit.h"

static const WsOptionSpec specs[] = {
    {"data", "FILE", NULL, "data"},    {"rtol", "R", "1e-8", "tolerance"},
    {"max-iter", "N", "10", "limit"},  {"solver", "NAME", "auto", "solver"},
    {"intercept", NULL, NULL, "flag"},
};
enum { NSPECS = sizeof specs / sizeof *specs };

static WsOptions *parse(int argc, char **argv, int allow_config) {
  WsOptions *o = NULL;
  WsErr err = ws_options_create("solve", specs, NSPECS, argc, argv, allow_config, &o);
  UNIT_CHECK(err == WS_OK && o, "parse failed: %s", ws_error_message());
  return o;
}

/* The call must fail with code and exactly this message. */
static void expect_error(WsErr got, WsErr code, const char *message) {
  UNIT_CHECK(got == code, "exit %d, expected %d (%s)", got, code, message);
  UNIT_CHECK(strcmp(ws_error_message(), message) == 0, "message '%s', expected '%s'",
             ws_error_message(), message);
}

static void expect_parse_error(int argc, char **argv, const char *message) {
  WsOptions *o = NULL;
  expect_error(ws_options_create("solve", specs, NSPECS, argc, argv, 1, &o), WS_ERR_INPUT, message);
  UNIT_CHECK(o == NULL, "a failed parse returns no options");
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  UNIT_CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

int main(void) {
  unit_name = "t401-options";
  char dir[] = "/tmp/t401-XXXXXX";
  UNIT_CHECK(mkdtemp(dir), "mkdtemp");
  char ini[64], bad_key[64], bad_syntax[64];
  snprintf(ini, sizeof ini, "%s/a.ini", dir);
  snprintf(bad_key, sizeof bad_key, "%s/b.ini", dir);
  snprintf(bad_syntax, sizeof bad_syntax, "%s/c.ini", dir);
  write_file(ini, "[solve]\nrtol = 1e-3\nsolver = cg\n[other]\nintercept = true\n");
  write_file(bad_key, "frobnicate = 3\n");
  write_file(bad_syntax, "rtol = 1\nthis line has no equals sign\n");

  /* Command line over the INI file; --name=value and --name value; defaults. */
  char *a1[] = {ini, "--data", "d.h5", "--rtol=1e-12"};
  WsOptions *o = parse(4, a1, 1);
  UNIT_CHECK(strcmp(ws_options_str(o, "data"), "d.h5") == 0, "--data");
  UNIT_CHECK(strcmp(ws_options_str(o, "rtol"), "1e-12") == 0, "the command line wins");
  UNIT_CHECK(strcmp(ws_options_str(o, "solver"), "cg") == 0, "value from the INI file");
  UNIT_CHECK(ws_options_flag(o, "intercept"), "flag from a later INI section");
  int64_t it;
  UNIT_CHECK(ws_options_int(o, "max-iter", 1, &it) == WS_OK && it == 10, "default");
  double rtol;
  UNIT_CHECK(ws_options_double(o, "rtol", 0.0, &rtol) == WS_OK && rtol == 1e-12, "double");
  char *eff = ws_options_effective(o);
  UNIT_CHECK(eff && strstr(eff, "[solve]\n") == eff && strstr(eff, "\nrtol = 1e-12\n") &&
                 strstr(eff, "\nsolver = cg\n"),
             "effective configuration: %s", eff ? eff : "(null)");
  free(eff);
  static const char *const choices[] = {"auto", "cg", NULL};
  int choice;
  UNIT_CHECK(ws_options_choice(o, "solver", choices, &choice) == WS_OK && choice == 1, "choice");
  ws_options_destroy(&o);
  UNIT_CHECK(o == NULL, "destroy sets NULL");

  /* Accessor errors. */
  char *a2[] = {"--rtol", "abc", "--max-iter", "0", "--solver", "newton"};
  o = parse(6, a2, 0);
  expect_error(ws_options_double(o, "rtol", 0.0, &rtol), WS_ERR_INPUT,
               "solve: invalid value 'abc' for --rtol (expected a number >= 0)");
  expect_error(ws_options_int(o, "max-iter", 1, &it), WS_ERR_INPUT,
               "solve: invalid value '0' for --max-iter (expected an integer >= 1)");
  expect_error(ws_options_choice(o, "solver", choices, &choice), WS_ERR_INPUT,
               "solve: invalid value 'newton' for --solver (expected auto|cg)");
  expect_error(ws_options_require(o, "data"), WS_ERR_INPUT, "solve: option --data is required");
  ws_options_destroy(&o);
  char *a3[] = {"--rtol", "nan"};
  o = parse(2, a3, 0);
  expect_error(ws_options_double(o, "rtol", 0.0, &rtol), WS_ERR_INPUT,
               "solve: invalid value 'nan' for --rtol (expected a number >= 0)");
  ws_options_destroy(&o);

  /* Parse errors. */
  char *e1[] = {"--frobnicate", "3"};
  expect_parse_error(2, e1, "solve: unknown option '--frobnicate' (see wshare solve --help)");
  char *e2[] = {"--intercept=yes"};
  expect_parse_error(1, e2, "solve: option --intercept takes no value");
  char *e3[] = {"--data"};
  expect_parse_error(1, e3, "solve: option --data needs a value (FILE)");
  char *e3b[] = {"--data", "--intercept"};
  expect_parse_error(2, e3b,
                     "solve: option --data needs a value (FILE), found option '--intercept'");
  char *e4[] = {ini, "extra"};
  expect_parse_error(2, e4,
                     "solve: unexpected argument 'extra' (only one CONFIG.ini may be given)");
  char *e5[] = {bad_key};
  char msg[256];
  snprintf(msg, sizeof msg, "%s: unknown key 'frobnicate' (keys are the solve option names)",
           bad_key);
  expect_parse_error(1, e5, msg);
  char *e6[] = {bad_syntax};
  snprintf(msg, sizeof msg, "%s: line 2: syntax error", bad_syntax);
  expect_parse_error(1, e6, msg);
  char missing[80];
  snprintf(missing, sizeof missing, "%s/missing.ini", dir);
  char *e7[] = {missing};
  snprintf(msg, sizeof msg, "cannot open config file '%s': No such file or directory", missing);
  expect_parse_error(1, e7, msg);

  /* --help stops parsing. */
  char *h[] = {"--help", "--frobnicate"};
  o = parse(2, h, 0);
  UNIT_CHECK(o->help, "--help");
  ws_options_destroy(&o);

  unlink(ini);
  unlink(bad_key);
  unlink(bad_syntax);
  rmdir(dir);
  return 0;
}
