#include "wshare/multi_residual.h"

#include <cblas.h>

void ws_multi_residual_sums(int64_t rows, int n, const double *X, const double *y, int count,
                            const double *W, const double *shift, const int *set, int sets,
                            double *R, double *rss) {
  if (rows <= 0 || count <= 0) return;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, count, n, 1.0, X, n, W, n, 0.0, R,
              count);
  for (int64_t i = 0; i < rows; i++) {
    double *acc = rss + (set ? set[i] : 0);
    const double *r = R + i * count;
    for (int t = 0; t < count; t++) {
      double e = r[t] + shift[t] - y[i];
      acc[t * sets] += e * e;
    }
  }
}
