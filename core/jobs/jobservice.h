// JobService: what the desktop app (main window, tray, scheduler) uses to
// reach saved jobs, the history and running syncs without ever doing file
// I/O on its own thread.
//
// Database requests go to one worker thread that owns its AppDb
// connection; each run goes to a thread of its own (JobRunner). Every
// answer arrives as a signal, queued to the thread that owns the service
// (the GUI thread). Requests never block.
//
// Saving, renaming, duplicating and removing a job go through
// JobOperations (joboperations.h), the same rules ferry-cli follows. A run
// of a job with a remote side connects with what CredentialResolver::access
// finds up front (environment, keychain); the prompt set with
// setCredentialPrompt is asked only when a server wants a password, and the
// one set with setHostKeyPrompt only for a host key no known_hosts file
// knows, each on the service's thread while the run waits. A scheduled or
// automatic run (RunTrigger::Schedule, Change) is never asked about a host
// key: it refuses a new one (and stops at a changed one, as every run does).
#pragma once

#include "engine/executor.h"
#include "jobs/job.h"
#include "jobs/stopadvice.h" // windowGuardMessage(): a safety stop in the window's words
#include "secrets/credentialresolver.h"
#include "store/appdb.h"

#include <QList>
#include <QObject>
#include <QString>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

class QThread;

namespace ferry {

class JobRunner;

struct JobRow {
    Job job;
    std::optional<RunRecord> lastRun;
    bool running = false;
};

// The outcome of one run, as the window shows it.
struct RunSummary {
    int64_t jobId = 0;
    int64_t runId = 0;
    RunOutcome outcome = RunOutcome::Failed;
    int exitCode = 2;
    RunCounts counts;
    QString message;            // why it stopped or failed, and what to check, in the window's words
    QStringList errors;         // per-item errors: "copy 'path': what went wrong. What to do"
    QStringList notes;          // things to know that are not errors of the sync (a stale lock taken over…)
};

class JobService : public QObject {
    Q_OBJECT
public:
    explicit JobService(std::string dataDir, QObject* parent = nullptr);
    ~JobService() override;
    const std::string& dataDir() const { return m_dataDir; }

    void refresh();                         // → jobsLoaded
    void saveJob(const Job& job);           // id 0: add → jobSaved, or failed
    void renameJob(int64_t jobId, const std::string& newName); // → jobSaved, or failed (name taken, running)
    void duplicateJob(int64_t jobId);       // "Name (copy)" with its own state → jobSaved
    void removeJob(int64_t jobId);          // → jobRemoved (folders untouched)
    void loadHistory(std::optional<int64_t> jobId, int limit = 500); // → historyLoaded
    void loadRunItems(int64_t runId);       // → runItemsLoaded

    bool startRun(const Job& job, RunTrigger trigger); // false: this window already runs it
    // Plans the job and holds it (and its run lock) → previewReady. The
    // caller then runs exactly that plan, edited, or discards it. stop()
    // while it compares ends it → previewStopped (nothing was changed);
    // once the plan is held, stop() no longer reaches it, so the run that
    // follows starts with a token nobody cancelled.
    bool preview(const Job& job);
    void runPreviewed(int64_t jobId, std::shared_ptr<const Plan> edited);
    void discardPreview(int64_t jobId);
    void setPaused(int64_t jobId, bool paused);
    void stop(int64_t jobId);
    bool isRunning(int64_t jobId) const;    // a run, a preview, or a preview's plan held for its dialog

    // Asks the user for a password a run needs (the window shows a dialog).
    // Called on the service's thread while the run's thread waits; without
    // one, a job that needs a password and has none fails with what to set.
    void setCredentialPrompt(CredentialPrompt prompt);
    // Asks the user whether to trust a server's host key seen for the first
    // time (the window shows the fingerprint). Called on the service's
    // thread while the run's connecting thread waits; never for scheduled or
    // automatic runs. Without one (or when the run is stopped meanwhile), a
    // new key is refused and the run fails with the fingerprint.
    void setHostKeyPrompt(HostKeyPrompt prompt);
    bool holdsPreview(int64_t jobId) const; // a preview's plan waits for runPreviewed or discardPreview

signals:
    void jobsLoaded(const QList<ferry::JobRow>& rows);
    void jobSaved(const ferry::Job& job);
    void jobRemoved(qint64 jobId);
    void historyLoaded(const QList<ferry::RunRecord>& runs);
    void runItemsLoaded(qint64 runId, const QList<ferry::RunItemRecord>& items);
    void failed(const QString& what, const QString& message);
    void runStarted(qint64 jobId);
    void runProgress(qint64 jobId, const ferry::Progress& progress);
    void runFinished(const ferry::RunSummary& summary);
    // plan is null when the job could not even be planned; `stopMessage` is
    // set when the run cannot go on (a guard); the plan is shown anyway.
    void previewReady(qint64 jobId, std::shared_ptr<ferry::Plan> plan, const QString& stopMessage);
    // stop() ended the preview while it compared the folders; nothing was changed.
    void previewStopped(qint64 jobId);

private:
    class Worker;
    void onDb(std::function<void(AppDb&)> task);
    void postSaved(const Job& job);
    void postFailed(const QString& what, const Error& error);
    RemoteAccess accessFor(const Job& job, RunTrigger trigger);
    std::optional<std::string> promptOnServiceThread(int64_t jobId, const CredentialRequest& request);
    HostKeyChoice hostKeyOnServiceThread(int64_t jobId, const HostKeyFacts& facts);
    template <typename T>
    T askOnServiceThread(int64_t jobId, std::function<T()> ask, T whenGone);
    void launch(int64_t jobId, std::function<void()> work);
    void joinThread(int64_t jobId);
    CancelToken adoptToken(int64_t jobId, CancelToken token);
    RunSummary executeOnThisThread(const std::shared_ptr<JobRunner>& runner, int64_t jobId, bool planned);
    void postFinished(const RunSummary& summary);
    std::string m_dataDir;
    QThread* m_thread = nullptr;
    Worker* m_worker = nullptr;
    mutable std::mutex m_mutex;
    std::map<int64_t, CancelToken> m_running;
    std::map<int64_t, std::thread> m_threads;
    std::map<int64_t, std::shared_ptr<JobRunner>> m_previews;
    CredentialPrompt m_prompt;     // used on the service's thread only
    HostKeyPrompt m_hostKeyPrompt; // used on the service's thread only
};

} // namespace ferry

Q_DECLARE_METATYPE(ferry::JobRow)
Q_DECLARE_METATYPE(ferry::Job)
Q_DECLARE_METATYPE(ferry::RunRecord)
Q_DECLARE_METATYPE(ferry::RunItemRecord)
Q_DECLARE_METATYPE(ferry::Progress)
Q_DECLARE_METATYPE(ferry::RunSummary)
Q_DECLARE_METATYPE(std::shared_ptr<ferry::Plan>)
