// Job: a saved sync pair with all its settings, as a plain value the app
// database stores and the GUI, the scheduler and ferry-cli share. Its
// checks, JSON form and engine options live in jobs/job.h.
//
// Secrets are never part of a Job: it names where a password comes from
// (an environment variable, or the system keychain under the job's key),
// never the password itself.
#pragma once

#include "common/error.h"
#include "model/settings.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

struct Schedule {
    enum class Kind : uint8_t { Manual, Every15Minutes, Hourly, Daily, Weekly, OnChange };
    Kind kind = Kind::Manual;
    int minuteOfDay = 2 * 60; // Daily, Weekly: local time of day
    int weekday = 1;          // Weekly: 1 = Monday … 7 = Sunday

    // "manual", "every-15-min", "hourly", "daily 02:00", "weekly mon 02:00", "on-change"
    std::string toString() const;
    // When the job is next due, in ms since the epoch (local time of day for
    // daily/weekly): never for manual and on-change. A run missed while the
    // computer was off is due right away (`nowMs`).
    std::optional<int64_t> nextRunMs(int64_t lastRunMs, int64_t nowMs) const;
    static Result<Schedule> parse(const std::string& text);
    bool operator==(const Schedule&) const = default;
};

struct Job {
    int64_t id = 0;               // 0 until saved
    std::string name;
    std::string left, right;      // Locations in their printed form
    SyncMode mode = SyncMode::TwoWay;
    ConflictPolicy conflict = ConflictPolicy::KeepBoth;
    CompareMode compare = CompareMode::TimeSize;
    std::vector<std::string> excludes;
    std::vector<std::string> includes; // empty: everything that is not excluded
    ItemLimits limits;                 // size and age limits for files
    VersioningSettings versioning;
    int maxDeletePercent = 50;
    int timeToleranceSeconds = 0;
    bool ignoreDstShift = false;
    std::string passwordEnv;      // the environment variable that holds a remote side's password, if any
    // An SSH side's own private key file (absolute, on this computer), tried
    // before ~/.ssh's keys and the agent's; empty: those only. A path, never
    // the key: the file stays where the user keeps it.
    std::string identityFile;
    Schedule schedule;
    // Names the job's state file (see jobstate.h): made once when the job
    // is first saved and never reused; not part of exports.
    std::string stateKey;
    int64_t createdMs = 0;     // milliseconds since the epoch
    int64_t updatedMs = 0;

    bool operator==(const Job&) const = default;
};

// Checks a job before it is saved or run: a usable name, two valid and
// distinct Locations, sensible numbers. The message says what to fix.
Result<void> validateJob(const Job& job);
Result<void> validateJobName(const std::string& name);

// Does either side name a remote place (SFTP, FTP)? Only such jobs have a
// password, in the keychain or an environment variable.
bool hasRemoteSide(const Job& job);

// The job's versioning, with its own subfolder of a shared versions folder.
VersioningSettings versioningOf(const Job& job);

const char* compareName(CompareMode c);
Result<SyncMode> parseMode(const std::string& s);
Result<ConflictPolicy> parseConflictPolicy(const std::string& s);
Result<CompareMode> parseCompare(const std::string& s);
// "none", "trash", the local folder, or "server" when only a server side
// keeps versions (Mode::Folder with no local folder; `serverFolder` apart).
std::string versioningToString(const VersioningSettings& v);
// The reverse, for the mode and the local folder (keeps the rest of `v`).
void setVersioningFromString(VersioningSettings& v, const std::string& text);
// Versions kept in folders must have a folder on each side a run of `mode`
// may replace or delete files on (two-way: both; mirror, update: the
// right): a local side in `folder` (on this computer), a server side in
// `serverFolder` (on that server). Says which side lacks one and how to
// give it; nothing when every such side has one (or for other modes).
std::optional<Error> versioningSideProblem(const std::string& left, const std::string& right, SyncMode mode,
                                           const VersioningSettings& v);

// A fresh, never reused state key ("job-<uuid>"): names a job's base file
// (see jobs/jobstate.h).
std::string newStateKey();

} // namespace ferry
