// What the window says when a run of a job ends: the outcome in a sentence,
// the first errors with their paths, conflicts left for the user, and what
// to do next. Pure functions of a RunSummary (no I/O), GUI thread.
#pragma once

#include "jobs/jobservice.h"

#include <QString>

namespace ferry::ui {

// How many per-item errors the summary lists before "N more in History".
inline constexpr int kErrorsListed = 3;

// Plain text, one sentence or item per line.
QString runSummaryText(const RunSummary& summary, const QString& jobName);

} // namespace ferry::ui
