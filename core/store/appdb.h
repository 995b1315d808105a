// AppDb: the app database that the GUI, the tray and ferry-cli share: saved
// jobs, and every run with its items (the history).
//
// One SQLite file in Ferry's data folder, WAL mode, so readers never block
// the writer and several processes may use it at once. One AppDb (one
// connection) per thread: open another on another thread. Writes are short
// IMMEDIATE transactions with a busy timeout.
//
// Schema versions are migrated in order by PRAGMA user_version; a file made
// by a newer Ferry is refused, never downgraded. A file that is damaged or is
// not Ferry's is never changed or replaced silently: open() reports it as
// damaged, and only moveAside() (the user's --reset-database) puts it aside
// under a time-stamped name so that a fresh one can start.
//
// A run is written as it goes: beginRun() inserts it as "running", items
// are appended in batches, finishRun() sets the outcome. A run left
// "running" by a process that died is marked "interrupted" by the next run
// of that job (which holds the job's run lock, see RunLock).
#pragma once

#include "common/error.h"
#include "model/job.h"
#include "model/reason.h"
#include "model/safetystop.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace ferry {

enum class RunTrigger : uint8_t { Manual, Schedule, Change, Cli };
enum class RunOutcome : uint8_t { Running, InSync, Errors, Conflicts, Stopped, Cancelled, Failed, Interrupted };

const char* triggerName(RunTrigger t);
const char* outcomeName(RunOutcome o);
std::optional<RunOutcome> parseOutcome(const std::string& s);

struct RunCounts {
    int64_t copiedToRight = 0;
    int64_t copiedToLeft = 0;
    int64_t deletedRight = 0;
    int64_t deletedLeft = 0;
    int64_t renamed = 0;
    int64_t timesFixed = 0;
    int64_t conflicts = 0;
    int64_t conflictsPending = 0;
    int64_t errors = 0;
    int64_t bytes = 0;
    bool operator==(const RunCounts&) const = default;
};

struct RunRecord {
    int64_t id = 0;
    int64_t jobId = 0;        // 0 when the job was removed since
    std::string jobName;
    RunTrigger trigger = RunTrigger::Manual;
    bool dryRun = false;
    int64_t startedMs = 0;
    int64_t endedMs = 0;      // 0 while running
    RunOutcome outcome = RunOutcome::Running;
    int exitCode = -1;
    int64_t pid = 0;
    std::string host;
    RunCounts counts;
    std::string message;      // what stopped it, or what to do next (ferry-cli's words)
    std::optional<SafetyStop> stop; // a safety stop, as data (none in runs recorded before schema 5)
};

struct RunItemRecord {
    std::string path;
    std::string action;       // copy-to-right, copy-to-left, delete-right, delete-left, rename-right, …, conflict
    std::string result;       // done, failed, excluded, pending
    int64_t bytes = 0;
    std::string detail;       // the error; before schema 5 also the conflict's reason, as a sentence
    std::optional<Reason> reason; // why the item was planned (none in runs recorded before schema 5);
                                  // worded when shown: engine/reasons.h historyDetail()
    bool operator==(const RunItemRecord&) const = default;
};

class AppDb {
public:
    static constexpr int kSchemaVersion = 6;

    ~AppDb();
    // $FERRY_DATA_DIR, else the platform's app-data folder.
    static std::string defaultDataDir();
    static std::string pathIn(const std::string& dataDir) { return dataDir + "/ferry.db"; }

    // Opens (creating and migrating as needed). On failure `damaged` says
    // whether the file is corrupt or foreign (then moveAside() may help).
    static Result<std::unique_ptr<AppDb>> open(const std::string& file, bool* damaged = nullptr);
    // Renames the file (and its -wal/-shm) to "<file>.damaged-YYYYMMDD-HHMMSS";
    // returns the new name.
    static Result<std::string> moveAside(const std::string& file);
    // Tests: a database at an earlier schema version, as that version made it.
    static Result<void> createAtVersion(const std::string& file, int version);
    int schemaVersion();
    // A structural check of every page: an error (with what to do) when damaged.
    Result<void> verify();

    // Jobs
    Result<std::vector<Job>> jobs();
    Result<std::optional<Job>> jobByName(const std::string& name);
    Result<std::optional<Job>> jobById(int64_t id);
    Result<int64_t> addJob(const Job& job);    // fails when the name is taken
    Result<void> updateJob(const Job& job);    // by id
    Result<void> removeJob(int64_t id);        // its runs stay in the history

    // Runs
    Result<int64_t> beginRun(const Job& job, RunTrigger trigger, bool dryRun, int64_t pid, const std::string& host,
                             int64_t nowMs);
    Result<void> addRunItems(int64_t runId, int64_t firstSeq, const std::vector<RunItemRecord>& items);
    Result<void> finishRun(int64_t runId, RunOutcome outcome, int exitCode, const RunCounts& counts,
                           const std::string& message, int64_t nowMs,
                           const std::optional<SafetyStop>& stop = std::nullopt);
    // The job's runs still marked running (their process died): → interrupted.
    Result<int> markInterrupted(int64_t jobId, int64_t nowMs);
    Result<std::vector<RunRecord>> runs(std::optional<int64_t> jobId, int limit,
                                        std::optional<RunOutcome> outcome = std::nullopt);
    Result<std::optional<RunRecord>> run(int64_t runId);
    Result<std::vector<RunItemRecord>> runItems(int64_t runId, int limit = -1);
    // The conflicts left pending by the job's latest finished real run.
    Result<std::vector<RunItemRecord>> pendingConflicts(int64_t jobId);
    // Keeps the items of the job's newest `keepRuns` runs; older runs keep their summary.
    Result<void> pruneItems(int64_t jobId, int keepRuns);

    const std::string& file() const { return m_file; }

private:
    AppDb() = default;
    Error dbError(const std::string& op) const;
    Result<void> migrate();
    Result<void> inTransaction(const std::string& op, const std::function<Result<void>()>& body);
    sqlite3* m_db = nullptr;
    std::string m_file;
};

} // namespace ferry
