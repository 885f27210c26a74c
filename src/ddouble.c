#include "wshare/ddouble.h"

void ws_dd_powers(double x, int degree, WsDD *out) {
  WsDD p = ws_dd_from(x);
  for (int d = 0; d < degree; d++) {
    out[d] = p;
    p = ws_dd_mul_d(p, x);
  }
}

WsDD ws_dd_sum(const WsDD *parts, int count) {
  WsDD s = ws_dd_from(0.0);
  for (int i = 0; i < count; i++) s = ws_dd_add(s, parts[i]);
  return s;
}
