/* What rank 0 prints of a learned sharing (README "Learned sharing"), and the result-file
 * view of it. */
#ifndef WSHARE_CLI_LEARN_REPORT_H
#define WSHARE_CLI_LEARN_REPORT_H

#include "report.h"
#include "wshare/learn.h"
#include "wshare/result.h"

/* The path as a table (K, RSS, criterion, improvement, a mark at the chosen K), then the
 * chosen K with its reason and what the improvement step gained. */
void ws_learn_report_path(const WsReporter *rep, const WsLearnOutputs *o);
/* The outputs as the result file takes them (pointers into o). */
WsResultLearn ws_learn_report_result(const WsLearnOutputs *o);

#endif
