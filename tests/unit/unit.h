/* What the C unit tests share: a failure ends the test with one line naming the test and
 * what went wrong; success prints nothing. */
#ifndef WSHARE_TESTS_UNIT_H
#define WSHARE_TESTS_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *unit_name = "unit";

static void unit_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void unit_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", unit_name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* UNIT_CHECK(cond, "format", ...): fails with the message and the line when cond is false. */
#define UNIT_CHECK(cond, ...)                                                                      \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                              \
      unit_fail(__VA_ARGS__);                                                                      \
    }                                                                                              \
  } while (0)

#endif
