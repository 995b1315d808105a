// What the ferry-cli commands on saved jobs share (jobedit.cpp, jobquery.cpp,
// jobrun.cpp): the options every one of them takes, how they fail, the app
// database they open, and how a job and its last run are printed.
// Everything that changes a job lives in core (JobOperations); this is only
// the command line's side of it. Single-threaded, like ferry-cli.
#pragma once

#include "cliargs.h"
#include "jobs/job.h"
#include "store/appdb.h"

#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry::cli::jobcli {

inline QString q(const std::string& s) { return QString::fromStdString(s); }

// Options every job command understands.
struct Common {
    bool json = false;
    bool reset = false;
    bool verbose = false;
    bool quiet = false;
};

// What a job command was given besides the common options.
struct JobArgs {
    std::vector<std::string> positional;
    SettingsArgs settings; // add, edit
    std::optional<std::string> newName, left, right; // edit
    // run
    bool dryRun = false;
    bool forceDeletions = false;
    bool acceptNewRoot = false;
    bool acceptNewHostKey = false;
    // history
    int64_t limit = 20;
    std::optional<std::string> outcome;
    std::optional<int64_t> runId;
};

// Which options a command takes besides the common ones.
struct Accepts {
    bool settings = false; // the job settings (add, edit)
    bool sides = false;    // --name, --left, --right (edit)
    bool run = false;      // --dry-run, --verbose, --quiet, --force-deletions, --accept-new-root, --accept-new-host-key
    bool history = false;  // --limit, --outcome, --run
};

// Parses a job command's arguments into `ja` (the settings onto
// ja.settings.job) and `c`. Returns an error message for bad usage.
std::optional<std::string> parseJobArgs(const std::vector<std::string>& args, Accepts accepts, JobArgs& ja, Common& c);
// --clear-…, --remove-…, then the added patterns, into the job's filters.
std::optional<std::string> applyFilterEdits(const SettingsArgs& s, Job& job);
// Locations from the command line are resolved against the working folder
// and stored in their printed form.
std::optional<std::string> resolveLocation(const std::string& text, std::string& out);

int fail(const Common& c, const std::string& cmd, const std::string& message, int code = 2);
void printJson(const QJsonObject& o);
std::string when(int64_t ms);
std::string isoTime(int64_t ms);
std::string dataDir();
// After a reset the saved jobs are gone: says where their bases were set aside.
void noteStatesSetAside(const std::vector<std::string>& moved);
// Opens the app database, or explains why not (exitCode set).
std::unique_ptr<AppDb> openDb(const Common& c, const std::string& cmd, int& exitCode);

Result<Job> findJob(AppDb& db, const std::string& name);
std::optional<RunRecord> lastRun(AppDb& db, int64_t jobId);
RunOutcome shownOutcome(const RunRecord& r);
void settleDeadRuns(AppDb& db);
std::string passwordSource(const Job& job, bool probeKeychain);
QJsonObject jobJson(AppDb& db, const Job& job);

} // namespace ferry::cli::jobcli
