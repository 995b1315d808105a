// MainWindow: the job list with its actions (New job, Sync now, Stop, Pause,
// Edit, Duplicate, Rename, Delete, History; on the toolbar and in the list's
// context menu) and a details pane for the selected job with its next scheduled
// run, its live progress, and the outcome of its last run in this window
// (what went wrong and what to do next). With no jobs it shows an empty
// state that explains how to create one. Everything that touches the disk goes through
// JobService (worker threads); this window only shows and asks.
#pragma once

#include "jobs/jobservice.h"
#include "passwordprompt.h"

#include <QMainWindow>
#include <QHash>
#include <QSet>

class QAction;
class QDialog;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace ferry::ui {

class JobsModel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `service` may be null (no jobs can be loaded or run then).
    explicit MainWindow(JobService* service = nullptr, QWidget* parent = nullptr);
    ~MainWindow() override;

    QPushButton* createJobButton() const { return m_createJob; }
    QLabel* emptyStateLabel() const { return m_emptyText; }
    QTableView* jobList() const { return m_list; }
    JobsModel* jobsModel() const { return m_model; }
    QAction* action(const QString& objectName) const;
    QProgressBar* progressBar() const { return m_progress; }
    QLabel* detailsLabel() const { return m_details; }
    QLabel* progressLabel() const { return m_progressText; }
    QMenu* jobContextMenu() const { return m_contextMenu; }
    // The outcome of the job's last run in this window ("" if none).
    QString lastSummary(int64_t jobId) const { return m_lastSummary.value(jobId); }
    // A name no job has: "Photos (copy)", "Photos (copy 2)", …
    QString freeCopyName(const QString& name) const;
    int64_t selectedJobId() const;
    void selectJob(int64_t jobId);
    // Where passwords the user asks to keep go (the system keychain; tests
    // keep theirs out of it).
    void setPasswordSaver(PasswordSaver saver) { m_savePassword = std::move(saver); }

signals:
    void createJobRequested();
    // The last run's outcome, once the window has shown it (tests wait on it).
    void runShown(const ferry::RunSummary& summary);
    // A preview dialog opened (tests drive it).
    void previewShown(QDialog* dialog);
    // An error was shown to the user (in a non-blocking message box).
    void errorShown(const QString& message);

public slots:
    void newJob();
    void editJob();
    void duplicateJob();
    void renameJob();
    void deleteJob();
    void syncNow();
    void previewJob();
    void stopJob();
    void togglePause();
    void showHistory();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    QWidget* buildEmptyState();
    void buildJobList(QWidget* parent);
    void buildDetailsPane(QWidget* parent);
    void connectService();
    void restoreSettings(QSplitter* splitter);
    void updateActions();
    void updateDetails();
    void openWizard(const Job& job);
    QStringList otherJobNames(int64_t jobId) const;
    // A run or a preview's comparison of this window is under way (a
    // preview waiting in its dialog is not).
    bool isBusy(int64_t jobId) const;
    void onRunFinished(const RunSummary& s);
    void onPreviewReady(qint64 jobId, std::shared_ptr<Plan> plan, const QString& stopMessage);
    void onPreviewStopped(qint64 jobId);
    void saveSettings();

    JobService* m_service = nullptr;
    JobsModel* m_model = nullptr;
    QStackedWidget* m_stack = nullptr;
    QTableView* m_list = nullptr;
    QLabel* m_emptyText = nullptr;
    QPushButton* m_createJob = nullptr;
    QLabel* m_details = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_progressText = nullptr;
    QList<QAction*> m_actions;
    QMenu* m_contextMenu = nullptr;
    QHash<int64_t, QString> m_lastSummary;
    int64_t m_pendingSelection = 0;
    QSet<int64_t> m_paused;
    QSet<int64_t> m_previewing;
    QHash<QString, QString> m_passwordsToSave; // job name → password, until the job is saved
    PasswordSaver m_savePassword = savePasswordInKeychain;
};

} // namespace ferry::ui
