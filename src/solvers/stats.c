/* Standard errors under the ties.  With ridge the covariance is the sandwich
 * G^-1 (Z^T Z) G^-1 = G^-1 - G^-1 Lambda G^-1 (Lambda diagonal); without, G^-1.  Both
 * times sigma^2 = RSS / (rows - parameters): per output with per-output ties, pooled over
 * the stacked rows with ties across outputs (README "Solvers", statistics). */
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

/* sigma^2 of output o: per-output ties make q regressions on one design, each with its own
 * residual variance; ties across outputs one stacked regression, whose (pooled) variance
 * every output shares. */
static double output_sigma2(const WsDirectCtx *c, const WsSolution *sol, int o) {
  int params = c->k + (c->p->intercept ? c->stack : 0);
  int64_t rows = c->m * c->stack;
  double rss = c->stack > 1 ? sol->rss : sol->rss_out[o];
  return rows > params ? rss / (double)(rows - params) : NAN;
}

void ws_stats_standard_errors(const WsDirectCtx *c, const WsFit *fit, double *work,
                              WsSolution *sol) {
  const WsSharing *sh = c->sh;
  int q = c->q, k = c->k, off = fit->off, kp = fit->kp;
  for (int o = 0; o < q; o++)
    sol->residual_sd[o] = sqrt(output_sigma2(c, sol, o));
  double *a = work, *u = work + kp;
  for (int e = 0; e < sh->nw; e++) {
    int j = e / q, o = e % q;
    double sigma2 = output_sigma2(c, sol, o), var;
    if (sh->kind == WS_SHARING_MATRIX) {
      memset(a, 0, (size_t)kp * sizeof *a);
      for (int t = 0; t < k; t++)
        a[off + t] = sh->basis[(size_t)j * k + t];
      var = vector_variance(fit, a, u);
    } else if (sh->kind == WS_SHARING_GROUPS && sh->tied_of[e] < 0) {
      var = 0.0; /* fixed at zero: not estimated */
    } else if (sh->kind == WS_SHARING_GROUPS) {
      var = unit_variance(fit, off + (sh->per_output ? sh->tied_of[e] / q : sh->tied_of[e]));
    } else {
      var = unit_variance(fit, off + j);
    }
    sol->stderr_w[e] = sqrt(sigma2 * var);
  }
  for (int o = 0; o < q; o++) {
    double sigma2 = output_sigma2(c, sol, o);
    if (off)
      sol->intercept_stderr[o] = sqrt(sigma2 * unit_variance(fit, off > 1 ? o : 0));
    else if (fit->mu_z)
      sol->intercept_stderr[o] =
          sqrt(sigma2 / (double)c->m + sigma2 * vector_variance(fit, ws_direct_mu_z(c, fit, o), u));
  }
}
