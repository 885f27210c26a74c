#include "wshare/ddouble.h"

void ws_dd_powers(double x, int degree, WsDD *out) {
  WsDD p = ws_dd_from(x);
  for (int d = 0; d < degree; d++) {
    out[d] = p;
    p = ws_dd_mul_d(p, x);
  }
}
