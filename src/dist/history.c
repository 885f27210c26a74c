#include "wshare/history.h"
#include "wshare/h5small.h"
#include "wshare/memory.h"

#include <stdlib.h>

WsErr ws_history_create(WsHistory **h) {
  WS_ALLOC(*h, 1);
  return WS_OK;
}

void ws_history_destroy(WsHistory **h) {
  if (!h || !*h) return;
  free((*h)->loss);
  free((*h)->grad_norm);
  free((*h)->seconds);
  free(*h);
  *h = NULL;
}

WsErr ws_history_resize(WsHistory *h, int64_t len) {
  if (len > h->cap) {
    int64_t cap = h->cap > 0 ? h->cap : 64;
    while (cap < len)
      cap *= 2;
    double **arrays[3] = {&h->loss, &h->grad_norm, &h->seconds};
    for (int a = 0; a < 3; a++) {
      double *p = realloc(*arrays[a], (size_t)cap * sizeof **arrays[a]);
      WS_CHECK(p, WS_ERR_RUNTIME, "out of memory growing the iteration history");
      *arrays[a] = p;
    }
    h->cap = cap;
  }
  h->len = len;
  return WS_OK;
}

WsErr ws_history_append(WsHistory *h, double loss, double grad_norm, double seconds) {
  WS_CALL(ws_history_resize(h, h->len + 1));
  h->loss[h->len - 1] = loss;
  h->grad_norm[h->len - 1] = grad_norm;
  h->seconds[h->len - 1] = seconds;
  return WS_OK;
}

WsErr ws_history_read(WsHistory *h, hid_t file, const char *what) {
  int64_t len = ws_h5small_length(file, "/history/loss");
  WS_CHECK(len >= 0, WS_ERR_INPUT, "%s: /history/loss missing", what);
  WS_CALL(ws_history_resize(h, len));
  WS_CALL(ws_h5small_read_f64(file, what, "/history/loss", h->loss, len));
  WS_CALL(ws_h5small_read_f64(file, what, "/history/grad_norm", h->grad_norm, len));
  WS_CALL(ws_h5small_read_f64(file, what, "/history/seconds", h->seconds, len));
  return WS_OK;
}
