#include "signals.h"

#include <signal.h>
#include <string.h>

/* The one global: set from the handler, read at iteration boundaries. */
static volatile sig_atomic_t ws_signal_seen = 0;

static void on_signal(int sig) {
  ws_signal_seen = sig;
}

void ws_signals_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
}

int ws_signals_received(void) {
  return (int)ws_signal_seen;
}
