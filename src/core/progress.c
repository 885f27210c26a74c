#include "wshare/progress.h"

#include <stdlib.h>
#include <string.h>

#include "wshare/memory.h"
#include "wshare/timer.h"

enum { PROGRESS_DEPTH = 4, PROGRESS_NAME = 64 };

typedef struct {
  char name[PROGRESS_NAME];
  double t0;
  double lo, hi;
  int printed;
} Phase;

struct WsProgress {
  FILE *out;
  int terminal;
  int open_line; /* a `\r` line is on the terminal without its newline */
  double interval;
  double last; /* when the last line was printed */
  int depth;   /* phases begun, of which the first PROGRESS_DEPTH are kept */
  Phase phase[PROGRESS_DEPTH];
};

WsErr ws_progress_create(FILE *out, int terminal, WsProgress **p) {
  WsProgress *r = ws_memory_calloc(1, sizeof *r);
  if (!r) return WS_ERR_RUNTIME;
  r->out = out;
  r->terminal = terminal;
  r->interval = 1.0;
  /* Test hook: the suite lowers it to see lines from short runs. */
  const char *env = getenv("WSHARE_PROGRESS_INTERVAL");
  char *end;
  double v = env ? strtod(env, &end) : -1.0;
  if (env && end != env && v >= 0.0) r->interval = v;
  *p = r;
  return WS_OK;
}

static void end_line(WsProgress *p) {
  if (!p->open_line) return;
  fputc('\n', p->out);
  p->open_line = 0;
}

void ws_progress_break(WsProgress *p) {
  if (p) end_line(p);
}

void ws_progress_destroy(WsProgress **p) {
  if (!p || !*p) return;
  end_line(*p);
  fflush((*p)->out);
  free(*p);
  *p = NULL;
}

static Phase *current(WsProgress *p) {
  return p && p->depth > 0 && p->depth <= PROGRESS_DEPTH ? &p->phase[p->depth - 1] : NULL;
}

void ws_progress_begin(WsProgress *p, const char *phase) {
  if (!p) return;
  p->depth++;
  Phase *ph = current(p);
  if (!ph) return;
  snprintf(ph->name, sizeof ph->name, "%s", phase);
  ph->t0 = ws_timer_now();
  ph->lo = 0.0;
  ph->hi = 1.0;
  ph->printed = 0;
}

void ws_progress_range(WsProgress *p, double lo, double hi) {
  Phase *ph = current(p);
  if (!ph) return;
  ph->lo = lo;
  ph->hi = hi;
}

/* Seconds as "1.5 s", "12 s", "3 min 05 s" or "2 h 07 min". */
static void format_seconds(double s, char *text, size_t size) {
  long v = s < 0.0 ? 0 : (long)(s + 0.5);
  if (s < 9.95)
    snprintf(text, size, "%.1f s", s < 0.0 ? 0.0 : s);
  else if (v < 60)
    snprintf(text, size, "%ld s", v);
  else if (v < 3600)
    snprintf(text, size, "%ld min %02ld s", v / 60, v % 60);
  else
    snprintf(text, size, "%ld h %02ld min", v / 3600, v / 60 % 60);
}

/* Prints one line: rewritten in place on a terminal, appended otherwise. */
static void print_line(WsProgress *p, const char *text) {
  if (p->terminal) {
    fprintf(p->out, "\r%s\033[K", text);
    p->open_line = 1;
  } else {
    fprintf(p->out, "%s\n", text);
  }
  fflush(p->out);
  p->last = ws_timer_now();
}

void ws_progress_update(WsProgress *p, double fraction, const char *detail) {
  Phase *ph = current(p);
  if (!ph) return;
  double now = ws_timer_now(), elapsed = now - ph->t0;
  if (elapsed < p->interval || now - p->last < p->interval) return;
  double f = ph->lo + (ph->hi - ph->lo) * (fraction < 0.0 ? 0.0 : fraction > 1.0 ? 1.0 : fraction);
  char spent[32], left[32], line[512];
  format_seconds(elapsed, spent, sizeof spent);
  if (f > 0.0)
    format_seconds(elapsed * (1.0 - f) / f, left, sizeof left);
  else
    snprintf(left, sizeof left, "?");
  snprintf(line, sizeof line, "  %s%s%s: %.0f%% done, %s elapsed, about %s left", ph->name,
           detail ? " " : "", detail ? detail : "", 100.0 * f, spent, left);
  print_line(p, line);
  ph->printed = 1;
}

void ws_progress_estimate(WsProgress *p, double seconds, const char *what) {
  Phase *ph = current(p);
  if (!ph || seconds < p->interval) return;
  char left[32], line[512];
  format_seconds(seconds, left, sizeof left);
  end_line(p);
  snprintf(line, sizeof line, "  %s: started%s%s, 0%% done, about %s left (estimated)", ph->name,
           what ? ", " : "", what ? what : "", left);
  /* A line of its own: no update follows that could rewrite it. */
  fprintf(p->out, "%s\n", line);
  fflush(p->out);
  p->last = ws_timer_now();
  ph->printed = 1;
}

void ws_progress_done(WsProgress *p) {
  if (!p || p->depth == 0) return;
  Phase *ph = current(p);
  if (ph && ph->printed) {
    char spent[32], line[512];
    format_seconds(ws_timer_now() - ph->t0, spent, sizeof spent);
    snprintf(line, sizeof line, "  %s: 100%% done in %s", ph->name, spent);
    print_line(p, line);
    end_line(p);
  }
  p->depth--;
}
