/* The progress reporter (wshare/progress.h): nothing before the interval, nor more often than
 * once an interval; a line gives the fraction and the time left; the range maps the fraction;
 * "done" only after a printed line; `\r` and no newline on a terminal, plain lines otherwise;
 * the estimate line only when it reaches the interval; a NULL handle does nothing. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "wshare/progress.h"

static void sleep_s(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  nanosleep(&ts, NULL);
}

/* The text written to f so far (a static buffer). */
static const char *text_of(FILE *f) {
  static char buf[8192];
  fflush(f);
  long at = ftell(f);
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fseek(f, at, SEEK_SET);
  return buf;
}

static int count(const char *s, const char *what) {
  int c = 0;
  for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
    c++;
  return c;
}

int main(void) {
  unit_name = "t006-progress";
  /* NULL handles: no effect, no crash. */
  ws_progress_begin(NULL, "x");
  ws_progress_update(NULL, 0.5, NULL);
  ws_progress_estimate(NULL, 10.0, NULL);
  ws_progress_done(NULL);
  ws_progress_destroy(NULL);

  setenv("WSHARE_PROGRESS_INTERVAL", "0.2", 1);
  FILE *f = tmpfile();
  WsProgress *p = NULL;
  UNIT_CHECK(ws_progress_create(f, 0, &p) == WS_OK && p, "create");
  /* A phase shorter than the interval prints nothing at all. */
  ws_progress_begin(p, "short");
  ws_progress_update(p, 0.5, NULL);
  ws_progress_done(p);
  UNIT_CHECK(text_of(f)[0] == '\0', "a short phase printed '%s'", text_of(f));

  /* After the interval: one line per interval, however many updates. */
  ws_progress_begin(p, "pass");
  sleep_s(0.25);
  ws_progress_range(p, 0.5, 1.0);
  ws_progress_update(p, 0.5, "extra");
  for (int i = 0; i < 100; i++)
    ws_progress_update(p, 0.6, NULL);
  const char *t = text_of(f);
  UNIT_CHECK(count(t, "\n") == 1, "expected one line, got '%s'", t);
  /* Half of the range [0.5, 1] is 75% of the phase. */
  UNIT_CHECK(strstr(t, "  pass extra: 75% done, ") && strstr(t, " left\n"), "line '%s'", t);
  UNIT_CHECK(!strchr(t, '\r'), "a plain line has a carriage return: '%s'", t);
  sleep_s(0.25);
  ws_progress_update(p, 1.0, NULL);
  ws_progress_done(p);
  t = text_of(f);
  UNIT_CHECK(count(t, "\n") == 3 && strstr(t, "  pass: 100% done in "), "done: '%s'", t);

  /* Nested phases: the inner one reports, the outer one ends afterwards. */
  ws_progress_begin(p, "outer");
  ws_progress_begin(p, "inner");
  sleep_s(0.25);
  ws_progress_update(p, 0.25, NULL);
  ws_progress_done(p);
  ws_progress_done(p);
  t = text_of(f);
  UNIT_CHECK(strstr(t, "  inner: 25% done") && strstr(t, "  inner: 100% done in"), "'%s'", t);
  UNIT_CHECK(!strstr(t, "outer"), "the silent outer phase printed: '%s'", t);

  /* An estimate below the interval says nothing; above it, a start line and "done". */
  ws_progress_begin(p, "factor");
  ws_progress_estimate(p, 0.1, NULL);
  ws_progress_done(p);
  UNIT_CHECK(!strstr(text_of(f), "factor"), "a short estimate printed");
  ws_progress_begin(p, "factor");
  ws_progress_estimate(p, 125.0, "1e12 flops");
  ws_progress_done(p);
  t = text_of(f);
  UNIT_CHECK(
      strstr(t, "  factor: started, 1e12 flops, 0% done, about 2 min 05 s left (estimated)\n"),
      "estimate line: '%s'", t);
  UNIT_CHECK(strstr(t, "  factor: 100% done in "), "estimate without done: '%s'", t);
  ws_progress_destroy(&p);
  UNIT_CHECK(p == NULL, "destroy leaves the handle");
  fclose(f);

  /* A terminal: each update rewrites the line (\r, no newline) until done ends it. */
  f = tmpfile();
  UNIT_CHECK(ws_progress_create(f, 1, &p) == WS_OK, "create (terminal)");
  ws_progress_begin(p, "read X");
  for (int i = 1; i <= 3; i++) {
    sleep_s(0.22);
    ws_progress_update(p, i / 4.0, NULL);
  }
  t = text_of(f);
  UNIT_CHECK(count(t, "\r") == 3 && !strchr(t, '\n'), "terminal updates: '%s'", t);
  UNIT_CHECK(strstr(t, "\r  read X: 75% done, ") && strstr(t, " left\033[K"), "'%s'", t);
  ws_progress_done(p);
  t = text_of(f);
  UNIT_CHECK(count(t, "\n") == 1 && strstr(t, "\r  read X: 100% done in "), "terminal done '%s'",
             t);
  ws_progress_destroy(&p);
  fclose(f);
  return 0;
}
