// JobRunner: one run of a saved job, as ferry-cli, the GUI and the scheduler
// start it: takes the job's run lock, records the run in the app database
// as it goes (start, items in batches, outcome), keeps the job's base in its
// own state file, and runs the engine (SyncRun).
//
// Data folder layout: ferry.db (AppDb), state/<state key>.db (the base, see jobstate.h),
// locks/job-<id>.lock (RunLock).
// Thread-safety: a JobRunner is driven by one thread (its own AppDb
// connection); cancelToken() may be used from any thread.
#pragma once

#include "backend/credentials.h"
#include "engine/syncrun.h"
#include "jobs/job.h"
#include "jobs/jobstate.h"
#include "jobs/runlock.h"
#include "store/appdb.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ferry {

std::string jobLockPath(const std::string& dataDir, int64_t jobId);

// Maps a finished run to its recorded outcome.
RunOutcome outcomeOf(const SyncReport& report);
// Counts per action of a run (executed items, or the plan for a dry run).
RunCounts countsOf(const SyncReport& report);

class JobRunner {
public:
    JobRunner(std::string dataDir, Job job, RunTrigger trigger, bool dryRun);
    ~JobRunner();

    // Takes the lock, opens the app database and both sides, records the
    // start. An error says why the run cannot start (already running,
    // damaged database, bad location); nothing was changed then.
    // recordNow false (a preview): the run enters the history only when
    // execute() starts it.
    Result<void> prepare(const std::string& holderDescription, bool recordNow = true);
    // This run only: go past the mass-deletion/emptied-side guard, accept a
    // root whose identity changed. Call before prepare().
    void setSafetyOverrides(bool forceDeletions, bool acceptNewRoot)
    {
        m_forceDeletions = forceDeletions;
        m_acceptNewRoot = acceptNewRoot;
    }
    // What a remote side is opened with (see CredentialResolver); none for
    // local folders. Call before prepare().
    void setCredentials(Credentials credentials) { m_access.credentials = std::move(credentials); }
    // The rest of what a remote side may ask for while it connects (host-key
    // confirmation, a password on demand). Call before prepare().
    void setAccess(RemoteAccess access) { m_access = std::move(access); }
    CancelToken cancelToken() const;
    // prepare() must have succeeded.
    const SyncReport& run(const std::function<void(const Progress&)>& onProgress = {});
    // The same in two steps, for the preview: plan() (false: the run cannot
    // go on, report() says why, and it is recorded), then the caller may edit
    // currentPlan() (exclude rows, flip directions) and execute() runs exactly it.
    bool plan();
    Plan& currentPlan() { return m_run->currentPlan(); }
    const SyncReport& report() const { return m_run->report(); }
    const SyncReport& execute(const std::function<void(const Progress&)>& onProgress = {});
    // A planned run that will not execute: recorded as cancelled with `why`.
    void abandon(const std::string& why);

    int64_t runId() const { return m_runId; }
    // Things the user should know that are not errors of the sync itself
    // (a stale lock taken over, history that could not be written…).
    const std::vector<std::string>& notes() const { return m_notes; }

    // How many runs of a job keep their item lists in the history.
    static constexpr int kRunsWithItems = 50;

private:
    Result<void> startRecord();
    void record(const Plan& plan, const std::vector<FinishedItem>& items);
    void finish(const SyncReport& report);
    std::string m_dataDir;
    Job m_job;
    RunTrigger m_trigger;
    bool m_dryRun;
    bool m_forceDeletions = false;
    bool m_acceptNewRoot = false;
    RemoteAccess m_access;
    std::unique_ptr<RunLock> m_lock;
    std::unique_ptr<AppDb> m_db;
    std::unique_ptr<SyncRun> m_run;
    int64_t m_runId = 0;
    int64_t m_nextSeq = 0;
    bool m_historyBroken = false;
    std::vector<std::string> m_notes;
};

} // namespace ferry
