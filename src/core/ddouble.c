#include "wshare/ddouble.h"

void ws_ddouble_powers(double x, int degree, WsDD *out) {
  WsDD p = ws_ddouble_from(x);
  for (int d = 0; d < degree; d++) {
    out[d] = p;
    p = ws_ddouble_mul_d(p, x);
  }
}
