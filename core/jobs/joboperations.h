// JobOperations: everything that changes a saved job, in one place for the
// window (through JobService), ferry-cli and the scheduler: create, edit,
// rename, duplicate and remove a job, and settle runs that a process left
// "running" when it died. Each operation keeps the same safety rules
// whoever asks:
//   - a job is checked before it is saved (validateJob, and a versions
//     folder that would hold synced files is refused: versionsPlaceProblem);
//   - names are unique;
//   - edit, rename and remove take the job's run lock, so they never change
//     a job under a running sync (another window, the tray, ferry-cli);
//     they are refused with the holder's name while it runs;
//   - a base that no longer describes the job (its sides or mode changed,
//     or the job is removed) is set aside in state/orphaned/, never deleted
//     and never adopted (jobstate.h); a removed job's lock file goes too;
//   - a duplicate gets a fresh state key (so its own base and its own
//     versions subfolder), never the original's;
//   - a saved password follows a rename and goes with a removed job.
//
// Failure kinds: AbortRun errors whose message says what to fix; the
// optional `why` says which rule refused, for callers that word it their
// own way (ferry-cli keeps its messages). Never throws.
// Thread-safety: one JobOperations per thread, on that thread's AppDb
// connection. Keychain calls block for a few seconds at most: call from a
// worker (JobService's database thread) or ferry-cli's main thread, never
// the GUI thread.
#pragma once

#include "common/error.h"
#include "jobs/job.h"
#include "store/appdb.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

class Keychain;

// Which rule refused an operation.
enum class JobRefusal : uint8_t {
    None,
    Invalid,   // validateJob or the versions folder
    NameTaken, // another job has that name
    Running,   // the job's run lock is held (a run, or another edit)
    NotFound,  // no such job
    Password,  // the password could not be saved
    Storage,   // the app database failed
};

// A changed job and what the user should know about the change.
struct JobChange {
    Job job;
    std::vector<std::string> notes;
};

// Saves a password for `job` (ferry-cli's --save-password); returns why it
// could not, or nothing. Runs under the job's run lock, before the job is written.
using PasswordSaver = std::function<std::optional<std::string>(const Job& job)>;

class JobOperations {
public:
    JobOperations(AppDb& db, std::string dataDir, Keychain& keychain);
    // With the system keychain.
    JobOperations(AppDb& db, std::string dataDir);

    // validateJob, then the versions folder; no database.
    static Result<void> check(const Job& job);

    Result<Job> find(const std::string& name);
    // A new job (its id and state key are made here: a copy of another job
    // never shares its base). `savePassword`, when set, runs once the job
    // was checked and before it is written.
    Result<Job> create(Job job, const PasswordSaver& savePassword = {}, JobRefusal* why = nullptr);
    // `changed` carries the job's id. `holder` describes who edits, for a
    // run refused meanwhile ("ferry-cli job edit").
    Result<JobChange> edit(const Job& changed, const std::string& holder, const PasswordSaver& savePassword = {},
                           JobRefusal* why = nullptr);
    Result<JobChange> rename(int64_t jobId, const std::string& newName, const std::string& holder,
                             JobRefusal* why = nullptr);
    // A copy named "Name (copy)" (or "(copy 2)", …), with its own state key.
    Result<Job> duplicate(int64_t jobId, JobRefusal* why = nullptr);
    // Returns the removed job; its folders and its runs in the history stay.
    Result<JobChange> remove(int64_t jobId, const std::string& holder, JobRefusal* why = nullptr);

    // Runs left "running" by a process that died (nobody holds their job's
    // lock) are recorded as interrupted. The lock is taken for that, so a
    // run starting meanwhile is never touched. Returns how many jobs had one.
    int settleDeadRuns(const std::string& holder);

    // A name no job has: "Photos (copy)", "Photos (copy 2)", … (case-insensitive).
    static std::string freeCopyName(const std::string& name, const std::vector<std::string>& taken);

private:
    Result<Job> byId(int64_t jobId, JobRefusal* why);
    bool nameTaken(const std::string& name, int64_t exceptId);
    std::optional<std::string> setBaseAside(const Job& owner);
    AppDb& m_db;
    std::string m_dataDir;
    Keychain& m_keychain;
};

// A versions folder that holds files of a synced local side, or lies in one
// where the other side would see it: why, or nothing. Every run checks again.
std::optional<std::string> versionsPlaceProblem(const Job& job);

// How a run is shown: one recorded running whose job's lock nobody holds
// ended without finishing (interrupted), whether or not it was settled yet.
RunOutcome shownOutcome(const std::string& dataDir, const RunRecord& run);

} // namespace ferry
