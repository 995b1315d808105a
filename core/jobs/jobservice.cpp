#include "jobservice.h"

#include "backend/location.h"
#include "engine/syncsides.h"
#include "jobs/joboperations.h"
#include "jobs/jobrunner.h"
#include "jobs/runlock.h"
#include "secrets/keychain.h"

#include <QMetaObject>
#include <QThread>

#include <chrono>
#include <future>
#include <thread>

namespace ferry {

// Lives on the service's database thread; owns that thread's connection.
class JobService::Worker : public QObject {
public:
    explicit Worker(std::string file) : m_file(std::move(file)) {}
    // nullptr (and `error` set) when the database cannot be opened.
    AppDb* db(std::string& error)
    {
        if (!m_db) {
            auto db = AppDb::open(m_file);
            if (!db) {
                error = db.error().message();
                return nullptr;
            }
            m_db = std::move(*db);
        }
        return m_db.get();
    }

private:
    std::string m_file;
    std::unique_ptr<AppDb> m_db;
};

JobService::JobService(std::string dataDir, QObject* parent) : QObject(parent), m_dataDir(std::move(dataDir))
{
    static const bool registered = [] {
        qRegisterMetaType<ferry::JobRow>();
        qRegisterMetaType<ferry::Job>();
        qRegisterMetaType<ferry::RunRecord>();
        qRegisterMetaType<ferry::RunItemRecord>();
        qRegisterMetaType<ferry::Progress>();
        qRegisterMetaType<ferry::RunSummary>();
        return true;
    }();
    (void)registered;
    m_thread = new QThread(this);
    m_thread->setObjectName("ferry-db");
    m_worker = new Worker(AppDb::pathIn(m_dataDir));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

JobService::~JobService()
{
    std::map<int64_t, std::thread> threads;
    {
        std::lock_guard lock(m_mutex);
        for (auto& [id, token] : m_running) {
            token.setPaused(false);
            token.cancel();
        }
        threads.swap(m_threads);
    }
    for (auto& [id, t] : threads)
        if (t.joinable())
            t.join(); // a cancelled run stops after its current file
    m_thread->quit();
    m_thread->wait();
}

void JobService::onDb(std::function<void(AppDb&)> task)
{
    QMetaObject::invokeMethod(m_worker, [this, task = std::move(task)] {
        std::string error;
        AppDb* db = m_worker->db(error);
        if (!db) {
            QMetaObject::invokeMethod(this, [this, error] {
                emit failed(tr("Open the app database"), QString::fromStdString(error));
            });
            return;
        }
        task(*db);
    });
}

void JobService::refresh()
{
    const std::string dataDir = m_dataDir;
    onDb([this, dataDir](AppDb& db) {
        auto jobs = db.jobs();
        if (!jobs) {
            const QString msg = QString::fromStdString(jobs.error().message());
            QMetaObject::invokeMethod(this, [this, msg] { emit failed(tr("Read the jobs"), msg); });
            return;
        }
        QList<JobRow> rows;
        for (const Job& j : *jobs) {
            JobRow row;
            row.job = j;
            if (auto runs = db.runs(j.id, 1); runs && !runs->empty()) {
                row.lastRun = runs->front();
                row.lastRun->outcome = shownOutcome(dataDir, *row.lastRun);
            }
            row.running = RunLock::heldBy(jobLockPath(dataDir, j.id)).has_value();
            rows.append(row);
        }
        QMetaObject::invokeMethod(this, [this, rows] { emit jobsLoaded(rows); });
    });
}

void JobService::postFailed(const QString& what, const Error& error)
{
    const QString msg = QString::fromStdString(error.message());
    QMetaObject::invokeMethod(this, [this, what, msg] {
        emit failed(what, msg);
        refresh();
    });
}

void JobService::postSaved(const Job& job)
{
    QMetaObject::invokeMethod(this, [this, job] {
        emit jobSaved(job);
        refresh();
    });
}

void JobService::saveJob(const Job& job)
{
    onDb([this, job](AppDb& db) {
        JobOperations ops(db, m_dataDir);
        if (job.id == 0) {
            auto created = ops.create(job);
            if (!created)
                return postFailed(tr("Save the job"), created.error());
            return postSaved(*created);
        }
        auto changed = ops.edit(job, "Ferry window (changing its settings)");
        if (!changed)
            return postFailed(tr("Save the job"), changed.error());
        postSaved(changed->job);
    });
}

void JobService::renameJob(int64_t jobId, const std::string& newName)
{
    onDb([this, jobId, newName](AppDb& db) {
        auto renamed = JobOperations(db, m_dataDir).rename(jobId, newName, "Ferry window (renaming it)");
        if (!renamed)
            return postFailed(tr("Rename the job"), renamed.error());
        postSaved(renamed->job);
    });
}

void JobService::duplicateJob(int64_t jobId)
{
    onDb([this, jobId](AppDb& db) {
        auto copy = JobOperations(db, m_dataDir).duplicate(jobId);
        if (!copy)
            return postFailed(tr("Duplicate the job"), copy.error());
        postSaved(*copy);
    });
}

void JobService::removeJob(int64_t jobId)
{
    onDb([this, jobId](AppDb& db) {
        auto removed = JobOperations(db, m_dataDir).remove(jobId, "Ferry window (removing it)");
        if (!removed)
            return postFailed(tr("Remove the job"), removed.error());
        QMetaObject::invokeMethod(this, [this, jobId] {
            emit jobRemoved(jobId);
            refresh();
        });
    });
}

void JobService::loadHistory(std::optional<int64_t> jobId, int limit)
{
    const std::string dataDir = m_dataDir;
    onDb([this, jobId, limit, dataDir](AppDb& db) {
        auto runs = db.runs(jobId, limit);
        if (!runs) {
            const QString msg = QString::fromStdString(runs.error().message());
            QMetaObject::invokeMethod(this, [this, msg] { emit failed(tr("Read the history"), msg); });
            return;
        }
        QList<RunRecord> list;
        for (RunRecord r : *runs) {
            r.outcome = shownOutcome(dataDir, r);
            list.append(r);
        }
        QMetaObject::invokeMethod(this, [this, list] { emit historyLoaded(list); });
    });
}

void JobService::loadRunItems(int64_t runId)
{
    onDb([this, runId](AppDb& db) {
        auto items = db.runItems(runId, 100000);
        if (!items) {
            const QString msg = QString::fromStdString(items.error().message());
            QMetaObject::invokeMethod(this, [this, msg] { emit failed(tr("Read the run's items"), msg); });
            return;
        }
        QList<RunItemRecord> list(items->begin(), items->end());
        QMetaObject::invokeMethod(this, [this, runId, list] { emit runItemsLoaded(runId, list); });
    });
}

bool JobService::isRunning(int64_t jobId) const
{
    std::lock_guard lock(m_mutex);
    return m_running.count(jobId) > 0;
}

bool JobService::holdsPreview(int64_t jobId) const
{
    std::lock_guard lock(m_mutex);
    return m_previews.count(jobId) > 0;
}

void JobService::setPaused(int64_t jobId, bool paused)
{
    std::lock_guard lock(m_mutex);
    if (auto it = m_running.find(jobId); it != m_running.end())
        it->second.setPaused(paused);
}

void JobService::stop(int64_t jobId)
{
    std::lock_guard lock(m_mutex);
    if (auto it = m_running.find(jobId); it != m_running.end()) {
        it->second.setPaused(false);
        it->second.cancel();
    }
}

void JobService::launch(int64_t jobId, std::function<void()> work)
{
    std::thread worker(std::move(work));
    std::lock_guard lock(m_mutex);
    m_threads[jobId] = std::move(worker);
}

void JobService::joinThread(int64_t jobId)
{
    std::thread done;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_threads.find(jobId);
        if (it == m_threads.end())
            return;
        done = std::move(it->second);
        m_threads.erase(it);
    }
    if (done.joinable())
        done.join(); // it has nothing left to do but return
}

// Makes `token` (the run's own) the one stop() and setPaused() reach, with
// a Pause or Stop pressed while the run was starting carried over.
CancelToken JobService::adoptToken(int64_t jobId, CancelToken token)
{
    std::lock_guard lock(m_mutex);
    const CancelToken& early = m_running[jobId];
    token.setPaused(early.isPaused());
    if (early.isCancelled())
        token.cancel();
    m_running[jobId] = token;
    return token;
}

// Runs the prepared runner's plan (already made when `planned`) on this
// worker thread and returns what the window shows.
RunSummary JobService::executeOnThisThread(const std::shared_ptr<JobRunner>& runner, int64_t jobId, bool planned)
{
    RunSummary summary;
    summary.jobId = jobId;
    adoptToken(jobId, runner->cancelToken());
    auto progress = [this, jobId](const Progress& p) {
        QMetaObject::invokeMethod(this, [this, jobId, p] { emit runProgress(jobId, p); });
    };
    const SyncReport& report = planned ? runner->execute(progress) : runner->run(progress);
    summary.runId = runner->runId();
    summary.outcome = outcomeOf(report);
    summary.exitCode = int(report.exit);
    summary.counts = countsOf(report);
    for (const Error& e : report.errors)
        summary.errors.append(QString::fromStdString(e.message()));
    if (!report.fatalMessage.empty())
        summary.message = QString::fromStdString(report.fatalMessage);
    else if (report.stop)
        summary.message = windowGuardMessage(*report.stop);
    for (const std::string& n : runner->notes())
        summary.notes.append(QString::fromStdString(n));
    return summary;
}

// The runner must already be gone (destroyed on its worker thread: closing
// its databases is file I/O, and it releases the run lock).
void JobService::postFinished(const RunSummary& summary)
{
    QMetaObject::invokeMethod(this, [this, summary] {
        joinThread(summary.jobId);
        {
            std::lock_guard lock(m_mutex);
            m_running.erase(summary.jobId);
        }
        emit runFinished(summary);
        refresh();
    });
}

void JobService::setCredentialPrompt(CredentialPrompt prompt)
{
    std::lock_guard lock(m_mutex);
    m_prompt = std::move(prompt);
}

namespace {

// A run that could not start because a server's host key changed: the
// safety stop to show (the history has it too, see JobRunner::prepare).
std::optional<SafetyStop> hostKeyStopOf(const Job& job, const Error& error)
{
    if (error.code != Error::Code::HostKeyChanged)
        return std::nullopt;
    auto left = Location::parse(job.left);
    auto right = Location::parse(job.right);
    if (!left || !right)
        return std::nullopt;
    return hostKeyChangedStop(error, *left, *right, job.mode);
}

} // namespace

void JobService::setHostKeyPrompt(HostKeyPrompt prompt)
{
    std::lock_guard lock(m_mutex);
    m_hostKeyPrompt = std::move(prompt);
}

// On the run's thread, before prepare(): the password the environment or
// the keychain holds, and the window's prompts for what only a server's
// answer shows to be needed. A local job returns at once, reading nothing.
RemoteAccess JobService::accessFor(const Job& job, RunTrigger trigger)
{
    bool canAsk = false, canAskHostKey = false;
    {
        std::lock_guard lock(m_mutex);
        canAsk = bool(m_prompt);
        canAskHostKey = bool(m_hostKeyPrompt);
    }
    CredentialPrompt prompt;
    if (canAsk)
        prompt = [this, id = job.id](const CredentialRequest& request) { return promptOnServiceThread(id, request); };
    RemoteAccess access = CredentialResolver(Keychain::system(), prompt).access(job);
    // Keys the user accepted go with the service's own data.
    if (hasRemoteSide(job))
        access.ferryKnownHosts = m_dataDir + "/known_hosts";
    // Nobody watches a scheduled or automatic run: it never trusts a new key.
    const bool attended = trigger == RunTrigger::Manual || trigger == RunTrigger::Cli;
    if (canAskHostKey && attended && hasRemoteSide(job))
        access.confirmHostKey = [this, id = job.id](const HostKeyFacts& facts) {
            return hostKeyOnServiceThread(id, facts);
        };
    return access;
}

// Asks on the service's (GUI) thread and waits for the answer here, giving
// up when the run is stopped or the service goes away meanwhile: a
// blocking queued call could deadlock with the destructor joining this thread.
template <typename T>
T JobService::askOnServiceThread(int64_t jobId, std::function<T()> ask, T whenGone)
{
    auto answer = std::make_shared<std::promise<T>>();
    std::future<T> future = answer->get_future();
    QMetaObject::invokeMethod(this, [answer, ask = std::move(ask)] { answer->set_value(ask()); });
    while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
        std::lock_guard lock(m_mutex);
        auto it = m_running.find(jobId);
        if (it == m_running.end() || it->second.isCancelled())
            return whenGone;
    }
    try {
        return future.get();
    } catch (const std::future_error&) {
        return whenGone; // the service went away before it asked
    }
}

std::optional<std::string> JobService::promptOnServiceThread(int64_t jobId, const CredentialRequest& request)
{
    std::function<std::optional<std::string>()> ask = [this, request]() -> std::optional<std::string> {
        CredentialPrompt prompt;
        {
            std::lock_guard lock(m_mutex);
            prompt = m_prompt;
        }
        return prompt ? prompt(request) : std::nullopt;
    };
    return askOnServiceThread<std::optional<std::string>>(jobId, std::move(ask), std::nullopt);
}

// The run's sessions may connect on several threads: one question at a
// time, and a key answered once is not asked about again in the same run
// (the connection pins it after the first session).
HostKeyChoice JobService::hostKeyOnServiceThread(int64_t jobId, const HostKeyFacts& facts)
{
    std::function<HostKeyChoice()> ask = [this, facts] {
        HostKeyPrompt prompt;
        {
            std::lock_guard lock(m_mutex);
            prompt = m_hostKeyPrompt;
        }
        return prompt ? prompt(facts) : HostKeyChoice::Refuse;
    };
    return askOnServiceThread<HostKeyChoice>(jobId, std::move(ask), HostKeyChoice::Refuse);
}

bool JobService::startRun(const Job& job, RunTrigger trigger)
{
    auto runner = std::make_shared<JobRunner>(m_dataDir, job, trigger, false);
    {
        std::lock_guard lock(m_mutex);
        if (m_running.count(job.id))
            return false;
        m_running[job.id] = CancelToken(); // replaced by the run's own token once prepared
    }
    emit runStarted(job.id);
    launch(job.id, [this, runner = std::move(runner), job, trigger]() mutable {
        const int64_t id = job.id;
        RunSummary summary;
        runner->setAccess(accessFor(job, trigger));
        auto prepared = runner->prepare("Ferry window");
        if (!prepared) {
            summary.jobId = id;
            summary.outcome = RunOutcome::Failed;
            summary.message = QString::fromStdString(prepared.error().message());
            if (auto stop = hostKeyStopOf(job, prepared.error())) {
                summary.outcome = RunOutcome::Stopped;
                summary.exitCode = int(ExitCode::Guard);
                summary.message = windowGuardMessage(*stop);
            }
            for (const std::string& n : runner->notes())
                summary.notes.append(QString::fromStdString(n));
        } else {
            summary = executeOnThisThread(runner, id, false);
        }
        runner.reset();
        postFinished(summary);
    });
    return true;
}

bool JobService::preview(const Job& job)
{
    auto runner = std::make_shared<JobRunner>(m_dataDir, job, RunTrigger::Manual, false);
    {
        std::lock_guard lock(m_mutex);
        if (m_running.count(job.id))
            return false;
        m_running[job.id] = CancelToken(); // replaced by the runner's own token once prepared
    }
    launch(job.id, [this, runner = std::move(runner), job]() mutable {
        const int64_t id = job.id;
        runner->setAccess(accessFor(job, RunTrigger::Manual));
        auto prepared = runner->prepare("Ferry window (preview)", false);
        QString message;
        std::shared_ptr<Plan> plan;
        bool ok = false, stopped = false;
        if (!prepared) {
            message = QString::fromStdString(prepared.error().message());
            if (auto stop = hostKeyStopOf(job, prepared.error()))
                message = windowGuardMessage(*stop);
        } else {
            // Stop now reaches the scan; one pressed while preparing carries over.
            const CancelToken token = adoptToken(id, runner->cancelToken());
            ok = !token.isCancelled() && runner->plan();
            const SyncReport& r = runner->report();
            if (!ok)
                message = !r.fatalMessage.empty() ? QString::fromStdString(r.fatalMessage)
                          : r.stop                ? windowGuardMessage(*r.stop)
                                                  : QString();
            std::lock_guard lock(m_mutex);
            // Checked and swapped under the lock: from here on stop() only
            // reaches a stand-in, so the held plan's token stays fresh for
            // "Run this plan" (the runner's token cannot be reset).
            stopped = token.isCancelled();
            if (ok && !stopped)
                m_running[id] = CancelToken();
            if (!stopped)
                plan = std::make_shared<Plan>(runner->currentPlan());
        }
        std::shared_ptr<JobRunner> held;
        if (ok && !stopped)
            held = std::move(runner); // holds the job's lock until run or discarded
        runner.reset();              // a failed or stopped one goes here, on this thread
        QMetaObject::invokeMethod(this, [this, held, id, plan, message, ok, stopped]() mutable {
            joinThread(id);
            const bool holding = ok && !stopped;
            {
                std::lock_guard lock(m_mutex);
                if (holding)
                    m_previews[id] = std::move(held);
                else
                    m_running.erase(id);
            }
            if (stopped)
                emit previewStopped(id);
            else
                emit previewReady(id, plan, message);
            if (!holding)
                refresh();
        });
    });
    return true;
}

void JobService::runPreviewed(int64_t jobId, std::shared_ptr<const Plan> edited)
{
    std::shared_ptr<JobRunner> runner;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_previews.find(jobId);
        if (it == m_previews.end())
            return;
        runner = it->second;
        m_previews.erase(it);
    }
    {
        // The stand-in that stood for the held plan goes; executeOnThisThread
        // adopts the runner's own token, which no Stop has reached.
        std::lock_guard lock(m_mutex);
        m_running[jobId] = CancelToken();
    }
    emit runStarted(jobId);
    launch(jobId, [this, runner = std::move(runner), jobId, edited]() mutable {
        // Exactly the plan the preview showed, with the user's edits.
        runner->currentPlan() = *edited;
        RunSummary summary = executeOnThisThread(runner, jobId, true);
        runner.reset();
        postFinished(summary);
    });
}

void JobService::discardPreview(int64_t jobId)
{
    std::shared_ptr<JobRunner> runner;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_previews.find(jobId);
        if (it == m_previews.end())
            return;
        runner = it->second;
        m_previews.erase(it);
    }
    // Closing the run record and the state file is file I/O: not here.
    launch(jobId, [this, runner = std::move(runner), jobId]() mutable {
        runner->abandon("the preview was closed without running");
        runner.reset();
        QMetaObject::invokeMethod(this, [this, jobId] {
            joinThread(jobId);
            {
                std::lock_guard lock(m_mutex);
                m_running.erase(jobId);
            }
            refresh();
        });
    });
}

} // namespace ferry
