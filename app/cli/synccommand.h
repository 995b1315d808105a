// `ferry-cli sync`: runs one SyncRun and prints the outcome, as text on
// stderr (and the plan on stdout for --dry-run) or as one JSON object on
// stdout with --json.
#pragma once

#include "cliargs.h"

#include <QJsonObject>

#include <string>
#include <vector>

namespace ferry::cli {

int runSync(const std::vector<std::string>& args);

// Shared with `ferry-cli run`:
// the outcome as text on stderr (the plan on stdout for dry runs and -v), or
// one JSON object on stdout (plus `extra` keys) with --json.
void printReport(const SyncArgs& args, const std::string& left, const std::string& right, const SyncReport& report,
                 double secs, const QJsonObject& extra);
// One live progress line on stderr.
void printProgress(const Progress& p);
// Ctrl-C and SIGTERM cancel this token (nullptr: none).
void setCancelTarget(CancelToken* token);

} // namespace ferry::cli
