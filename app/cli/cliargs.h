// Command-line parsing for ferry-cli: the contract in DESIGN.md.
//
// The job settings (mode, conflicts, filters, versioning, limits, …) are
// parsed in one place, parseSettingOption, for `sync` and `job add|edit`
// alike; each command parses its own other options around it. The two
// commands word a few refusals differently (the contract keeps both), so the
// parser takes the command's dialect.
#pragma once

#include "engine/syncrun.h"
#include "jobs/job.h"

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
    bool savePassword = false; // store the remote side's password in the keychain first
    std::string passwordEnv;
    std::string identityFile;  // --ssh-key
};

// Walks a command's arguments; "--name=value" is split into the option and
// its inline value.
class ArgCursor {
public:
    explicit ArgCursor(const std::vector<std::string>& args) : m_args(args) {}
    // Moves to the next argument; false at the end.
    bool next();
    const std::string& option() const { return m_option; } // without an inline value
    const std::string& raw() const { return m_args[m_index]; }
    // The option's value: inline, else the next argument (consumed).
    bool takeValue(std::string& value);
    // "option --x needs a value", or nothing when it has one.
    std::optional<std::string> needValue(std::string& value);
    // Every argument after this one (after "--": all positional).
    std::vector<std::string> takeRest();

private:
    const std::vector<std::string>& m_args;
    size_t m_index = 0;
    bool m_started = false;
    std::string m_option;
    std::optional<std::string> m_inline;
};

// Which command's words a refusal uses.
enum class SettingsDialect { Sync, Job };

// The job settings given on a command line. `job` starts as the job being
// edited (or the defaults) and takes every setting; filters are collected
// apart, because `job edit` applies them as edits (see applyPatternEdits).
struct SettingsArgs {
    Job job;
    std::vector<std::string> addExcludes, removeExcludes, addIncludes, removeIncludes;
    bool clearExcludes = false, clearIncludes = false;
    bool passwordEnvGiven = false;
    bool savePassword = false, forgetPassword = false;
};

// Parses the settings option under `at` into `out`. Returns false when the
// option is no job setting (of this dialect); else `error` says what was
// wrong with it, if anything.
bool parseSettingOption(ArgCursor& at, SettingsDialect dialect, SettingsArgs& out, std::optional<std::string>& error);

// Parses the arguments after "sync". Returns an error message on bad usage.
std::optional<std::string> parseSyncArgs(const std::vector<std::string>& args, SyncArgs& out);
// --min-size/--max-size SIZE ("10M", "1.5 GiB"; 0 = no limit) and
// --min-age/--max-age DURATION ("15m", "30d"; 0 = no limit) into `limits`.
std::optional<std::string> parseLimitOption(const std::string& option, const std::string& value, ItemLimits& limits);
// A whole number; false for anything else.
bool parseInt(const std::string& s, int64_t& out);

} // namespace ferry::cli
