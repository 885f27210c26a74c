/* Standard errors under the ties.  With ridge the covariance is the sandwich
 * G^-1 (Z^T Z) G^-1 = G^-1 - G^-1 Lambda G^-1 (Lambda diagonal); without, G^-1.  Both
 * times sigma^2 = RSS / (m - parameters). */
#include "wshare/stats.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "direct.h"

double ws_stats_r2(double rss, double y_sum, double y_sumsq, int64_t m, int intercept) {
  double tss = intercept ? y_sumsq - y_sum * y_sum / (double)m : y_sumsq;
  return tss > 0.0 ? 1.0 - rss / tss : 0.0;
}

/* a^T Cov a / sigma^2 for a = e_i. */
static double unit_variance(const WsFit *f, int i) {
  const double *col = f->Ginv + (int64_t)i * f->kp;
  double v = col[i];
  for (int s = 0; s < f->kp; s++)
    v -= f->lam[s] * col[s] * col[s];
  return v > 0.0 ? v : 0.0;
}

/* a^T Cov a / sigma^2 for a general a (kp); u is scratch (kp). */
static double vector_variance(const WsFit *f, const double *a, double *u) {
  cblas_dsymv(CblasColMajor, CblasUpper, f->kp, 1.0, f->Ginv, f->kp, a, 1, 0.0, u, 1);
  double v = 0.0;
  for (int s = 0; s < f->kp; s++)
    v += a[s] * u[s] - f->lam[s] * u[s] * u[s];
  return v > 0.0 ? v : 0.0;
}

void ws_stats_standard_errors(const WsDirectCtx *c, const WsFit *fit, double *work,
                              WsSolution *sol) {
  const WsSharing *sh = c->sh;
  int n = c->p->n, k = c->k, off = fit->off, kp = fit->kp;
  int params = k + (c->p->intercept ? 1 : 0);
  double sigma2 = c->m > params ? sol->rss / (double)(c->m - params) : NAN;
  sol->residual_sd = sqrt(sigma2);
  double *a = work, *u = work + kp;
  for (int j = 0; j < n; j++) {
    double var;
    if (sh->kind == WS_SHARING_MATRIX) {
      memset(a, 0, (size_t)kp * sizeof *a);
      for (int t = 0; t < k; t++)
        a[off + t] = sh->basis[(size_t)j * k + t];
      var = vector_variance(fit, a, u);
    } else if (sh->kind == WS_SHARING_GROUPS && sh->tied_of[j] < 0) {
      var = 0.0; /* fixed at zero: not estimated */
    } else {
      var = unit_variance(fit, off + (sh->kind == WS_SHARING_GROUPS ? sh->tied_of[j] : j));
    }
    sol->stderr_w[j] = sqrt(sigma2 * var);
  }
  if (off)
    sol->intercept_stderr = sqrt(sigma2 * unit_variance(fit, 0));
  else if (fit->mu_z)
    sol->intercept_stderr =
        sqrt(sigma2 / (double)c->m + sigma2 * vector_variance(fit, fit->mu_z, u));
}
