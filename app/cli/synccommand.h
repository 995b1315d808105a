// `ferry-cli sync`: runs one SyncRun and prints the outcome, as text on
// stderr (and the plan on stdout for --dry-run) or as one JSON object on
// stdout with --json.
#pragma once

#include <string>
#include <vector>

namespace ferry::cli {

int runSync(const std::vector<std::string>& args);

} // namespace ferry::cli
