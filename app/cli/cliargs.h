// Command-line parsing for ferry-cli: the contract in DESIGN.md.
#pragma once

#include "engine/syncrun.h"

#include <optional>
#include <string>
#include <vector>

namespace ferry::cli {

struct SyncArgs {
    std::string left, right;
    SyncOptions options;
    bool json = false;
    bool verbose = false;
    bool quiet = false;
    bool stateGiven = false;
    bool acceptNewHostKey = false;
    std::string passwordEnv;
};

// Parses the arguments after "sync". Returns an error message on bad usage.
std::optional<std::string> parseSyncArgs(const std::vector<std::string>& args, SyncArgs& out);
// --min-size/--max-size SIZE ("10M", "1.5 GiB"; 0 = no limit) and
// --min-age/--max-age DURATION ("15m", "30d"; 0 = no limit) into `limits`.
std::optional<std::string> parseLimitOption(const std::string& option, const std::string& value, ItemLimits& limits);

} // namespace ferry::cli
