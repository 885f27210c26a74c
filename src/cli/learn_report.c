#include "learn_report.h"

#include <math.h>

void ws_learn_report_path(const WsReporter *rep, const WsLearnOutputs *o) {
  int holdout = o->criterion == WS_LEARN_HOLDOUT;
  ws_report(rep,
            "learn: path (RSS %s; criterion: %s)\n     K              RSS        criterion%s\n",
            holdout ? "of the fit rows" : "of all rows",
            holdout ? "loss on the held-out rows" : "BIC = m log(RSS/m) + p log m + 2 log B(P, K)",
            o->improvable ? "   improvement" : "");
  int kept = 0, best = -1;
  for (int t = 0; t < o->path_len; t++) {
    char crit[32] = "               -", gain[32] = "";
    if (!isnan(o->path_criterion[t])) snprintf(crit, sizeof crit, "%17.9e", o->path_criterion[t]);
    if (o->improvable)
      snprintf(gain, sizeof gain, o->path_gain[t] > 0.0 ? "   %10.3e" : "            -",
               o->path_gain[t]);
    ws_report(rep, "  %4.0f  %15.9e%s%s%s\n", o->path_k[t], o->path_rss[t], crit, gain,
              t == o->chosen ? "   <- chosen" : "");
    kept += o->path_gain[t] > 0.0;
    if (o->path_gain[t] > 0.0 && (best < 0 || o->path_gain[t] > o->path_gain[best])) best = t;
  }
  ws_report(rep, "learn: chose K = %d: %s\n", o->k, o->reason);
  if (!o->improvable)
    ws_report(rep, "learn: improvement step not measured (it needs the Gram matrix in memory)\n");
  else if (kept == 0)
    ws_report(rep, "learn: improvement step: kept at no K (the k-means ties were not improved)\n");
  else
    ws_report(rep,
              "learn: improvement step: kept at %d of %d K; largest loss reduction %.3e "
              "(relative) at K = %.0f%s\n",
              kept, o->path_len, o->path_gain[best], o->path_k[best],
              o->path_gain[o->chosen] > 0.0 ? ", including the chosen K" : "");
}

WsResultLearn ws_learn_report_result(const WsLearnOutputs *o) {
  return (WsResultLearn){.k = o->k,
                         .groups = o->groups,
                         .group_values = o->group_values,
                         .path_len = o->path_len,
                         .path_k = o->path_k,
                         .path_rss = o->path_rss,
                         .path_criterion = o->path_criterion,
                         .path_gain = o->path_gain,
                         .criterion = o->criterion == WS_LEARN_HOLDOUT ? "holdout" : "bic"};
}
