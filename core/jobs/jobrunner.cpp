#include "jobrunner.h"

#include "backend/location.h"
#include "engine/reasons.h"
#include "engine/syncsides.h"
#include "engine/stoptext.h"

#include <QDateTime>
#include <QSysInfo>

#include <chrono>
#include <optional>
#include <unistd.h>

namespace ferry {

namespace {

int64_t nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

std::string actionName(const Action& a)
{
    const bool right = a.target == Side::Right;
    switch (a.op) {
    case Op::Copy: return right ? "copy-to-right" : "copy-to-left";
    case Op::Delete: return right ? "delete-right" : "delete-left";
    case Op::Rename: return right ? "rename-right" : "rename-left";
    case Op::SetTime: return right ? "set-time-right" : "set-time-left";
    case Op::Conflict: return "conflict";
    case Op::RecordBase: return "record";
    case Op::ForgetBase: return "forget";
    }
    return "?";
}

bool worthRecording(const Action& a) { return a.op != Op::RecordBase && a.op != Op::ForgetBase; }

// What a run of the job touches and how: its sides, mode, filters and versioning.
bool syncsAlike(const Job& a, const Job& b)
{
    return a.left == b.left && a.right == b.right && a.mode == b.mode && a.excludes == b.excludes &&
           a.includes == b.includes && a.limits == b.limits && a.versioning.mode == b.versioning.mode &&
           a.versioning.folder == b.versioning.folder && a.versioning.serverFolder == b.versioning.serverFolder;
}

} // namespace

std::string jobLockPath(const std::string& dataDir, int64_t jobId)
{
    return dataDir + "/locks/job-" + std::to_string(jobId) + ".lock";
}

RunOutcome outcomeOf(const SyncReport& r)
{
    if (r.executed && r.execution.cancelled)
        return RunOutcome::Cancelled;
    switch (r.exit) {
    case ExitCode::InSync: return RunOutcome::InSync;
    case ExitCode::Errors: return RunOutcome::Errors;
    case ExitCode::Usage: return RunOutcome::Failed;
    case ExitCode::Conflicts: return RunOutcome::Conflicts;
    case ExitCode::Guard: return RunOutcome::Stopped;
    }
    return RunOutcome::Failed;
}

RunCounts countsOf(const SyncReport& r)
{
    RunCounts c;
    for (size_t i = 0; i < r.plan.actions.size(); ++i) {
        const Action& a = r.plan.actions[i];
        if (a.excluded)
            continue;
        if (r.executed && r.execution.items[i].state != ItemResult::State::Done)
            continue;
        const bool right = a.target == Side::Right;
        switch (a.op) {
        case Op::Copy: ++(right ? c.copiedToRight : c.copiedToLeft); break;
        case Op::Delete: ++(right ? c.deletedRight : c.deletedLeft); break;
        case Op::Rename: ++c.renamed; break;
        case Op::SetTime: ++c.timesFixed; break;
        case Op::Conflict:
            if (a.resolution != Resolution::Informational)
                ++c.conflicts;
            break;
        default: break;
        }
    }
    c.conflictsPending = r.pendingConflicts;
    c.errors = int64_t(r.errors.size());
    c.bytes = r.executed ? r.execution.bytesCopied : r.plan.bytesToCopy();
    return c;
}

JobRunner::JobRunner(std::string dataDir, Job job, RunTrigger trigger, bool dryRun)
    : m_dataDir(std::move(dataDir)), m_job(std::move(job)), m_trigger(trigger), m_dryRun(dryRun)
{
}

JobRunner::~JobRunner()
{
    m_run.reset(); // before the lock goes
}

CancelToken JobRunner::cancelToken() const { return m_run ? m_run->cancelToken() : CancelToken(); }

Result<void> JobRunner::startRecord()
{
    auto id = m_db->beginRun(m_job, m_trigger, false, ::getpid(), QSysInfo::machineHostName().toStdString(), nowMs());
    if (!id)
        return id.error();
    m_runId = *id;
    if (m_run)
        m_run->setItemsListener([this](const Plan& plan, const std::vector<FinishedItem>& items) { record(plan, items); });
    return Ok{};
}

Result<void> JobRunner::prepare(const std::string& holderDescription, bool recordNow)
{
    auto lock = RunLock::acquire(jobLockPath(m_dataDir, m_job.id), m_job.name, holderDescription);
    if (!lock)
        return lock.error();
    m_lock = std::move(*lock);
    if (!m_lock->tookOver().empty())
        m_notes.push_back("took over the run lock left by a run that ended without finishing (" + m_lock->tookOver() +
                          ")");
    auto db = AppDb::open(AppDb::pathIn(m_dataDir));
    if (!db)
        return db.error();
    m_db = std::move(*db);
    // The job as saved, now that its lock is held: an edit or a removal may
    // have landed since the caller read it (ferry-cli asks for a password in
    // between; the window and the scheduler hold a job read earlier). A run
    // never syncs sides, or with rules, that the job no longer has.
    auto saved = m_db->jobById(m_job.id);
    if (!saved)
        return saved.error();
    if (!*saved)
        return Error::abortRun("run", {}, "job '" + m_job.name + "' was removed meanwhile, so it did not run",
                               "See the saved jobs with 'ferry-cli job list'");
    if (!syncsAlike(**saved, m_job))
        return Error::abortRun("run", {},
                               "job '" + m_job.name + "' was changed while this run was starting, so it did not run",
                               "Run the job again: it runs with its new settings");
    // Holding the lock, no other run of this job is alive: a run still
    // marked running ended without finishing.
    if (auto n = m_db->markInterrupted(m_job.id, nowMs()); n && *n > 0)
        m_notes.push_back("marked " + std::to_string(*n) + " earlier run(s) of this job as interrupted");
    if (!m_dryRun && recordNow) {
        if (auto r = startRecord(); !r)
            return r;
    }
    auto fail = [&](const Error& e) -> Result<void> {
        if (m_runId)
            (void)m_db->finishRun(m_runId, RunOutcome::Failed, int(ExitCode::Usage), {}, e.message(), nowMs());
        return e;
    };
    if (auto v = validateJob(m_job); !v)
        return fail(v.error());
    auto left = Location::parse(m_job.left);
    auto right = Location::parse(m_job.right);
    if (!left || !right)
        return fail(!left ? left.error() : right.error());
    SyncOptions options = syncOptionsOf(m_job);
    options.dryRun = m_dryRun;
    options.forceDeletions = m_forceDeletions;
    options.acceptNewRoot = m_acceptNewRoot;
    std::optional<std::string> foreign;
    if (m_job.mode == SyncMode::TwoWay) {
        options.statePath = jobStatePath(m_dataDir, m_job);
        foreign = legacyStateNotOwned(m_dataDir, m_job);
        // A dry run moves nothing: it plans the first run the real run
        // will be, without the base it would set aside.
        if (foreign && m_dryRun)
            options.statePath.clear();
    }
    const std::string statePath = options.statePath;
    const SyncMode mode = options.mode;
    auto run = openSyncRun(*left, *right, m_access, std::move(options));
    if (!run && run.error().code == Error::Code::HostKeyChanged) {
        // A side refused for its changed host key: a safety stop in the
        // history, as when a run meets it later.
        const SafetyStop stop = hostKeyChangedStop(run.error(), *left, *right, mode);
        if (m_runId)
            (void)m_db->finishRun(m_runId, RunOutcome::Stopped, int(ExitCode::Guard), {}, stopSentence(stop), nowMs(),
                                  stop);
        return run.error();
    }
    if (!run)
        return fail(run.error());
    if (foreign && m_dryRun) {
        m_notes.push_back(*foreign + "; a real run sets it aside and starts afresh, deleting nothing (this "
                                     "dry run moved nothing)");
    } else if (foreign) {
        // Only once both sides opened: a run that cannot start moves nothing.
        auto moved = setStateAside(m_dataDir, statePath);
        if (!moved)
            return fail(moved.error()); // never use a base another job left
        m_notes.push_back(*foreign + "; it was set aside as '" + *moved +
                          "', and this run starts afresh, deleting nothing");
    }
    m_run = std::move(*run);
    if (m_runId)
        m_run->setItemsListener([this](const Plan& plan, const std::vector<FinishedItem>& items) { record(plan, items); });
    return Ok{};
}

void JobRunner::record(const Plan& plan, const std::vector<FinishedItem>& items)
{
    if (m_historyBroken)
        return;
    std::vector<RunItemRecord> rows;
    rows.reserve(items.size());
    for (const FinishedItem& f : items) {
        const Action& a = plan.actions[f.index];
        if (!worthRecording(a))
            continue;
        RunItemRecord r;
        r.path = a.op == Op::Rename ? a.fromPath() + " → " + a.path : a.path;
        r.action = actionName(a);
        r.bytes = a.bytes();
        switch (f.state) {
        case ItemResult::State::Done:
            r.result = a.op == Op::Conflict && a.resolution == Resolution::Pending ? "pending" : "done";
            break;
        case ItemResult::State::Failed: r.result = "failed"; break;
        case ItemResult::State::Skipped: r.result = "excluded"; break;
        case ItemResult::State::NotRun: continue;
        }
        // The reason is kept as data and worded when shown (historyDetail()).
        r.detail = f.state == ItemResult::State::Failed ? f.error : std::string();
        r.reason = reasonOf(a);
        rows.push_back(std::move(r));
    }
    if (rows.empty())
        return;
    auto ok = m_db->addRunItems(m_runId, m_nextSeq, rows);
    m_nextSeq += int64_t(rows.size());
    if (!ok) {
        m_historyBroken = true; // the sync goes on; the history says what it could
        m_notes.push_back("could not record the run's items in the history: " + ok.error().message());
    }
}

void JobRunner::finish(const SyncReport& report)
{
    if (!m_runId)
        return;
    std::string message = !report.fatalMessage.empty() ? report.fatalMessage
                          : report.stop                ? stopSentence(*report.stop)
                                                       : std::string();
    if (message.empty()) {
        switch (report.exit) {
        case ExitCode::Errors:
            message = std::to_string(report.errors.size()) + " error(s); fix them and run the job again";
            break;
        case ExitCode::Conflicts:
            message = std::to_string(report.pendingConflicts) +
                      " conflict(s) left for you: see 'ferry-cli conflicts " + m_job.name + "'";
            break;
        case ExitCode::Guard: // stopped by an error (a host key changed during the run)
            if (!report.errors.empty())
                message = report.errors.front().message();
            break;
        default: break;
        }
    }
    if (report.executed && report.execution.cancelled)
        message = "stopped by the user; what was done is kept, run the job again to finish";
    auto ok = m_db->finishRun(m_runId, outcomeOf(report), int(report.exit), countsOf(report), message, nowMs(),
                              report.stop);
    if (!ok)
        m_notes.push_back("could not record the run's outcome in the history: " + ok.error().message());
    (void)m_db->pruneItems(m_job.id, kRunsWithItems);
}

const SyncReport& JobRunner::run(const std::function<void(const Progress&)>& onProgress)
{
    if (plan())
        return execute(onProgress);
    return m_run->report();
}

bool JobRunner::plan()
{
    if (m_run->plan())
        return true;
    finish(m_run->report());
    return false;
}

void JobRunner::abandon(const std::string& why)
{
    if (m_runId) {
        auto ok = m_db->finishRun(m_runId, RunOutcome::Cancelled, int(ExitCode::Errors), {}, why,
                                  QDateTime::currentMSecsSinceEpoch());
        if (!ok)
            m_notes.push_back("could not record the run's outcome in the history: " + ok.error().message());
        m_runId = 0;
    }
    m_run.reset();
}

const SyncReport& JobRunner::execute(const std::function<void(const Progress&)>& onProgress)
{
    if (!m_runId && !m_dryRun) {
        // A previewed run is recorded when it really starts.
        if (auto r = startRecord(); !r)
            m_notes.push_back("could not record the run in the history: " + r.error().message());
    }
    m_run->execute(onProgress);
    finish(m_run->report());
    return m_run->report();
}

} // namespace ferry
