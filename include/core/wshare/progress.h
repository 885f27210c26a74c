/* Progress of long phases (README "Commands and options", "Progress"): a reporter that rank 0
 * owns and the lower layers drive through a handle that is NULL everywhere else (other
 * ranks, --quiet), so they never test the rank themselves.  Core layer: no MPI.
 *
 * A phase is begun, updated with the fraction done, and ended.  Nothing is printed before the
 * phase has run for the interval (1 s, or WSHARE_PROGRESS_INTERVAL seconds), nor more often
 * than once an interval; each line gives the fraction done and the time left estimated from
 * the rate so far.  On a terminal the line is rewritten in place (`\r`), otherwise (a file, a
 * SLURM log) each update is a line of its own.  Phases nest (a pass inside a stage): the inner
 * one reports while it runs, and the outer one resumes after it.  Every function accepts a
 * NULL handle and then does nothing. */
#ifndef WSHARE_PROGRESS_H
#define WSHARE_PROGRESS_H

#include <stdio.h>

#include "wshare/error.h"

typedef struct WsProgress WsProgress;

/* Creates a reporter printing to out; terminal selects in-place (`\r`) updates.  Reads
 * WSHARE_PROGRESS_INTERVAL (seconds, >= 0) when set. */
WsErr ws_progress_create(FILE *out, int terminal, WsProgress **p);
/* Frees p (NULL is ignored), ending an open line, and sets *p to NULL. */
void ws_progress_destroy(WsProgress **p);

/* Begins a phase named phase (copied), nested in the current one if any. */
void ws_progress_begin(WsProgress *p, const char *phase);
/* Maps the fractions of the following updates of this phase onto [lo, hi] of its whole (a
 * phase made of parts of known shares, e.g. reading then checking the rows). */
void ws_progress_range(WsProgress *p, double lo, double hi);
/* Reports that fraction (0..1) of the phase (of its current range) is done, with an optional
 * detail text (NULL: none); prints only when the interval has passed. */
void ws_progress_update(WsProgress *p, double fraction, const char *detail);
/* For a phase that cannot report as it goes (a library call): prints a start line with the
 * estimated seconds when they reach the interval. */
void ws_progress_estimate(WsProgress *p, double seconds, const char *what);
/* Ends a line being rewritten in place, so that other output starts on a line of its own. */
void ws_progress_break(WsProgress *p);
/* Ends the current phase; prints "done in" when the phase printed anything. */
void ws_progress_done(WsProgress *p);

#endif
