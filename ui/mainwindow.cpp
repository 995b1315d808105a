#include "mainwindow.h"

#include "historydialog.h"
#include "hostkeydialog.h"
#include "jobsmodel.h"
#include "jobwizard.h"
#include "passwordprompt.h"
#include "previewdialog.h"
#include "jobs/joboperations.h"
#include "runsummarytext.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace ferry::ui {

namespace {

QString humanBytes(double bytes)
{
    return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeSIFormat);
}

QString etaText(int64_t seconds)
{
    if (seconds < 0)
        return QObject::tr("estimating…");
    if (seconds < 60)
        return QObject::tr("%1 s left").arg(seconds);
    if (seconds < 3600)
        return QObject::tr("%1 min %2 s left").arg(seconds / 60).arg(seconds % 60);
    return QObject::tr("%1 h %2 min left").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

} // namespace

MainWindow::MainWindow(JobService* service, QWidget* parent) : QMainWindow(parent), m_service(service)
{
    setWindowTitle(tr("Ferry"));
    setObjectName("mainWindow");
    resize(900, 560);
    m_model = new JobsModel(this);
    buildActions();

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(buildEmptyState());
    auto* splitter = new QSplitter(Qt::Vertical, m_stack);
    splitter->setObjectName("mainSplitter");
    buildJobList(splitter);
    buildDetailsPane(splitter);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    m_stack->addWidget(splitter);
    setCentralWidget(m_stack);
    connect(m_list->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        updateDetails();
    });
    statusBar()->showMessage(tr("Ready"));

    if (m_service)
        connectService();
    restoreSettings(splitter);
    updateActions();
}

// What the window shows with no jobs: what a job is, and one big button.
QWidget* MainWindow::buildEmptyState()
{
    auto* empty = new QWidget(m_stack);
    auto* layout = new QVBoxLayout(empty);
    layout->addStretch();
    m_emptyText = new QLabel(tr("<h2>No sync jobs yet</h2>"
                                "<p>A job keeps two folders in sync, or mirrors and backs one up to the other.<br>"
                                "Create one to choose the two folders and how they are kept alike.</p>"),
                             empty);
    m_emptyText->setAlignment(Qt::AlignCenter);
    m_emptyText->setWordWrap(true);
    m_emptyText->setAccessibleName(tr("No sync jobs yet"));
    layout->addWidget(m_emptyText);
    layout->addSpacing(16);
    m_createJob = new QPushButton(tr("Create your first sync job"), empty);
    m_createJob->setObjectName("createFirstJob");
    m_createJob->setAccessibleName(tr("Create your first sync job"));
    m_createJob->setMinimumHeight(44);
    m_createJob->setStyleSheet("QPushButton { padding: 6px 28px; }");
    QFont f = m_createJob->font();
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_createJob->setFont(f);
    connect(m_createJob, &QPushButton::clicked, this, &MainWindow::createJobRequested);
    connect(m_createJob, &QPushButton::clicked, this, &MainWindow::newJob);
    auto* row = new QHBoxLayout;
    row->addStretch();
    row->addWidget(m_createJob);
    row->addStretch();
    layout->addLayout(row);
    layout->addStretch();
    return empty;

}

// The table of jobs, with its context menu and double-click to edit.
void MainWindow::buildJobList(QWidget* parent)
{
    m_list = new QTableView(parent);
    m_list->setObjectName("jobList");
    m_list->setAccessibleName(tr("Sync jobs"));
    m_list->setModel(m_model);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setShowGrid(false);
    m_list->setAlternatingRowColors(true);
    m_list->verticalHeader()->hide();
    m_list->horizontalHeader()->setStretchLastSection(false);
    m_list->horizontalHeader()->setSectionResizeMode(JobsModel::Sides, QHeaderView::Stretch);
    m_list->horizontalHeader()->setSectionResizeMode(JobsModel::Name, QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setSectionResizeMode(JobsModel::Status, QHeaderView::ResizeToContents);
    connect(m_list, &QTableView::doubleClicked, this, &MainWindow::editJob);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_list, &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        const QModelIndex index = m_list->indexAt(at);
        if (index.isValid())
            m_list->selectRow(index.row());
        m_contextMenu->popup(m_list->viewport()->mapToGlobal(at));
    });
}

// The selected job's settings, live progress and last outcome.
void MainWindow::buildDetailsPane(QWidget* parent)
{
    auto* details = new QWidget(parent);
    auto* dl = new QVBoxLayout(details);
    m_details = new QLabel(details);
    m_details->setObjectName("jobDetails");
    m_details->setWordWrap(true);
    m_details->setTextFormat(Qt::RichText);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setAccessibleName(tr("Job details"));
    m_progress = new QProgressBar(details);
    m_progress->setObjectName("jobProgress");
    m_progress->setAccessibleName(tr("Sync progress"));
    m_progress->setRange(0, 1000);
    m_progressText = new QLabel(details);
    m_progressText->setObjectName("progressText");
    m_progressText->setWordWrap(true);
    m_progressText->setAccessibleName(tr("Sync progress details"));
    dl->addWidget(m_details);
    dl->addWidget(m_progress);
    dl->addWidget(m_progressText);
    dl->addStretch();
}

// The service's answers: jobs loaded and saved, failures, runs and previews.
void MainWindow::connectService()
{
    connect(m_service, &JobService::jobsLoaded, this, [this](const QList<JobRow>& rows) {
        const int64_t keep = m_pendingSelection ? m_pendingSelection : selectedJobId();
        m_model->setRows(rows);
        for (const JobRow& r : rows)
            if (m_service->isRunning(r.job.id) && !m_service->holdsPreview(r.job.id) &&
                !m_previewing.contains(r.job.id))
                m_model->setRunning(r.job.id, true); // keeps the progress it has
        m_stack->setCurrentIndex(rows.isEmpty() ? 0 : 1);
        if (!rows.isEmpty())
            selectJob(keep ? keep : rows.front().job.id);
        m_pendingSelection = 0;
        updateActions();
        updateDetails();
    });
    connect(m_service, &JobService::jobSaved, this, [this](const Job& j) {
        m_pendingSelection = j.id;
        // A password the wizard was asked to keep: saved once the job is,
        // under the name it was saved with.
        if (const QString name = QString::fromStdString(j.name); m_passwordsToSave.contains(name))
            m_savePassword(this, j.name, m_passwordsToSave.take(name).toStdString());
        statusBar()->showMessage(tr("Job “%1” saved").arg(QString::fromStdString(j.name)), 5000);
    });
    connect(m_service, &JobService::failed, this, [this](const QString& what, const QString& message) {
        // Not modal-blocking: the window goes on updating.
        auto* box = new QMessageBox(QMessageBox::Warning, what, message, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setObjectName("errorBox");
        box->open();
        statusBar()->showMessage(what + ": " + message, 15000);
        emit errorShown(message);
    });
    connect(m_service, &JobService::runStarted, this, [this](qint64 id) {
        m_model->setRunning(id, true);
        updateActions();
        updateDetails();
    });
    connect(m_service, &JobService::runProgress, this, [this](qint64 id, const Progress& p) {
        m_model->setProgress(id, p);
        if (id == selectedJobId())
            updateDetails();
    });
    connect(m_service, &JobService::runFinished, this, &MainWindow::onRunFinished);
    connect(m_service, &JobService::previewReady, this, &MainWindow::onPreviewReady);
    connect(m_service, &JobService::previewStopped, this, &MainWindow::onPreviewStopped);
    // A run that needs a password nobody saved asks here, on this thread.
    m_service->setCredentialPrompt(
        [this](const CredentialRequest& request) { return askPassword(this, request, m_savePassword); });
    // A server's key seen for the first time, in a window-started run.
    m_service->setHostKeyPrompt([this](const HostKeyFacts& facts) { return askHostKey(this, facts); });
    m_service->refresh();
}

void MainWindow::restoreSettings(QSplitter* splitter)
{
    QSettings settings;
    restoreGeometry(settings.value("mainWindow/geometry").toByteArray());
    restoreState(settings.value("mainWindow/state").toByteArray());
    splitter->restoreState(settings.value("mainWindow/splitter").toByteArray());
    m_list->horizontalHeader()->restoreState(settings.value("mainWindow/jobListHeader").toByteArray());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions()
{
    auto make = [this](const QString& name, const QString& text, QStyle::StandardPixmap icon, QKeySequence key,
                       const QString& tip, void (MainWindow::*slot)()) {
        auto* a = new QAction(style()->standardIcon(icon), text, this);
        a->setObjectName(name);
        a->setShortcut(key);
        a->setToolTip(tip + (key.isEmpty() ? QString() : " (" + key.toString(QKeySequence::NativeText) + ")"));
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, slot);
        m_actions.append(a);
        return a;
    };
    QAction* newJob = make("newJob", tr("&New job…"), QStyle::SP_FileDialogNewFolder, QKeySequence::New,
                           tr("Create a sync job"), &MainWindow::newJob);
    QAction* sync = make("syncNow", tr("&Sync now"), QStyle::SP_BrowserReload, QKeySequence(Qt::CTRL | Qt::Key_R),
                         tr("Run the selected job now"), &MainWindow::syncNow);
    QAction* preview = make("preview", tr("Pre&view…"), QStyle::SP_FileDialogInfoView,
                            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
                            tr("See exactly what a run will do, change it, then run it"), &MainWindow::previewJob);
    QAction* pause = make("pause", tr("&Pause"), QStyle::SP_MediaPause, QKeySequence(Qt::CTRL | Qt::Key_P),
                          tr("Pause or resume the running sync"), &MainWindow::togglePause);
    // Not Escape: that closes dialogs, and one press too many would stop a sync.
    QAction* stop = make("stop", tr("S&top"), QStyle::SP_MediaStop, QKeySequence(Qt::CTRL | Qt::Key_Period),
                         tr("Stop the running sync after the current file"), &MainWindow::stopJob);
    QAction* edit = make("editJob", tr("&Edit…"), QStyle::SP_FileDialogDetailedView, QKeySequence(Qt::CTRL | Qt::Key_E),
                         tr("Change the selected job"), &MainWindow::editJob);
    QAction* dup = make("duplicateJob", tr("&Duplicate…"), QStyle::SP_FileDialogListView,
                        QKeySequence(Qt::CTRL | Qt::Key_D), tr("Create a job from a copy of the selected one"),
                        &MainWindow::duplicateJob);
    QAction* rename = make("renameJob", tr("Re&name…"), QStyle::SP_FileDialogDetailedView, QKeySequence(Qt::Key_F2),
                           tr("Give the selected job another name"), &MainWindow::renameJob);
    QAction* del = make("deleteJob", tr("De&lete"), QStyle::SP_TrashIcon, QKeySequence::Delete,
                        tr("Delete the selected job (its folders are not touched)"), &MainWindow::deleteJob);
    QAction* hist = make("history", tr("&History"), QStyle::SP_FileDialogContentsView, QKeySequence(Qt::CTRL | Qt::Key_H),
                         tr("Every run of the selected job, with its files and errors"), &MainWindow::showHistory);
    auto* quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu* jobMenu = menuBar()->addMenu(tr("&Job"));
    jobMenu->addActions({newJob, edit, dup, rename, del});
    jobMenu->addSeparator();
    jobMenu->addAction(quit);
    QMenu* runMenu = menuBar()->addMenu(tr("&Run"));
    runMenu->addActions({sync, preview, pause, stop});
    runMenu->addSeparator();
    runMenu->addAction(hist);
    QToolBar* bar = addToolBar(tr("Jobs"));
    bar->setObjectName("jobsToolBar");
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addActions({newJob, sync, preview, pause, stop});
    bar->addSeparator();
    bar->addActions({edit, dup, del, hist});

    m_contextMenu = new QMenu(this);
    m_contextMenu->setObjectName("jobContextMenu");
    m_contextMenu->addActions({sync, preview, pause, stop});
    m_contextMenu->addSeparator();
    m_contextMenu->addActions({edit, dup, rename, del});
    m_contextMenu->addSeparator();
    m_contextMenu->addAction(hist);
}

QAction* MainWindow::action(const QString& objectName) const
{
    for (QAction* a : m_actions)
        if (a->objectName() == objectName)
            return a;
    return nullptr;
}

int64_t MainWindow::selectedJobId() const
{
    const QModelIndexList rows = m_list->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.front().data(JobsModel::JobIdRole).toLongLong();
}

void MainWindow::selectJob(int64_t jobId)
{
    const int row = m_model->rowOf(jobId);
    if (row >= 0)
        m_list->selectRow(row);
}

void MainWindow::updateActions()
{
    const int64_t id = selectedJobId();
    const bool has = id != 0;
    // `running`: this window holds the job (a run, a comparison, or a
    // preview waiting in its dialog); `busy`: something Stop can end.
    const bool running = has && m_service && m_service->isRunning(id);
    const bool busy = has && isBusy(id);
    const JobRow* row = m_model->rowById(id);
    const bool elsewhere = row && row->running && !running;
    action("syncNow")->setEnabled(has && m_service && !running && !elsewhere);
    action("preview")->setEnabled(has && m_service && !running && !elsewhere);
    action("pause")->setEnabled(busy && !m_previewing.contains(id));
    action("stop")->setEnabled(busy);
    action("editJob")->setEnabled(has && !running);
    action("duplicateJob")->setEnabled(has);
    action("renameJob")->setEnabled(has && m_service && !running);
    action("deleteJob")->setEnabled(has && !running);
    action("history")->setEnabled(m_service != nullptr);
    action("newJob")->setEnabled(m_service != nullptr);
    action("pause")->setText(m_paused.contains(id) ? tr("&Resume") : tr("&Pause"));
    action("pause")->setIcon(style()->standardIcon(m_paused.contains(id) ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
}

bool MainWindow::isBusy(int64_t jobId) const
{
    return m_previewing.contains(jobId) || m_model->progress(jobId) != nullptr;
}

void MainWindow::updateDetails()
{
    const JobRow* r = m_model->rowById(selectedJobId());
    if (!r) {
        m_details->clear();
        m_progress->hide();
        m_progressText->clear();
        return;
    }
    auto h = [](const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); };
    QString last = tr("never run");
    if (r->lastRun) {
        const RunRecord& lr = *r->lastRun;
        last = tr("%1 — %2; %3 copied, %4 deleted, %5 conflict(s), %6 error(s)")
                   .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(lr.startedMs), QLocale::ShortFormat),
                        JobsModel::outcomeText(lr.outcome))
                   .arg(lr.counts.copiedToLeft + lr.counts.copiedToRight)
                   .arg(lr.counts.deletedLeft + lr.counts.deletedRight)
                   .arg(lr.counts.conflicts)
                   .arg(lr.counts.errors);
        if (!lr.message.empty())
            last += "<br><i>" + JobsModel::runMessage(lr).toHtmlEscaped() + "</i>";
    }
    m_details->setText(tr("<h3>%1</h3><table cellspacing=4>"
                          "<tr><td>%2:</td><td>%3</td></tr><tr><td>%4:</td><td>%5</td></tr>"
                          "<tr><td>Mode:</td><td>%6</td></tr><tr><td>Schedule:</td><td>%7</td></tr>"
                          "<tr><td>Next run:</td><td>%8</td></tr>"
                          "<tr><td>Last run:</td><td>%9</td></tr></table>")
                           .arg(h(r->job.name), tr("First folder"), JobsModel::displayPath(r->job.left).toHtmlEscaped(),
                                tr("Second folder"), JobsModel::displayPath(r->job.right).toHtmlEscaped(),
                                JobsModel::modeText(r->job.mode), JobsModel::scheduleText(r->job.schedule),
                                JobsModel::nextRunText(*r, true).toHtmlEscaped(), last));
    const bool busy = isBusy(r->job.id);
    m_progress->setVisible(busy);
    if (!busy) {
        // This job's own last outcome, never another job's.
        m_progressText->setText(m_lastSummary.value(r->job.id));
        return;
    }
    const Progress* p = m_model->progress(r->job.id);
    if (m_previewing.contains(r->job.id) || !p || (p->itemsTotal == 0 && p->bytesTotal == 0)) {
        m_progress->setRange(0, 0); // busy: scanning and planning
        m_progressText->setText(tr("Comparing both folders…"));
        return;
    }
    m_progress->setRange(0, 1000);
    const double frac = p->bytesTotal > 0 ? double(p->bytesDone) / double(p->bytesTotal)
                                          : double(p->itemsDone) / double(std::max<int64_t>(1, p->itemsTotal));
    m_progress->setValue(int(std::min(1.0, frac) * 1000));
    m_progressText->setText(tr("%1 of %2 items, %3 of %4 — %5/s, %6%7\n%8")
                                .arg(p->itemsDone)
                                .arg(p->itemsTotal)
                                .arg(humanBytes(double(p->bytesDone)), humanBytes(double(p->bytesTotal)),
                                     humanBytes(p->bytesPerSecond),
                                     p->paused ? tr("paused") : etaText(p->etaSeconds), QString(),
                                     QString::fromStdString(p->currentPath)));
}

QStringList MainWindow::otherJobNames(int64_t jobId) const
{
    QStringList names;
    for (int i = 0; i < m_model->rowCount(); ++i)
        if (const JobRow* r = m_model->rowAt(i); r && r->job.id != jobId)
            names << QString::fromStdString(r->job.name);
    return names;
}

QString MainWindow::freeCopyName(const QString& name) const
{
    std::vector<std::string> taken;
    for (const QString& n : otherJobNames(0))
        taken.push_back(n.toStdString());
    return QString::fromStdString(JobOperations::freeCopyName(name.toStdString(), taken));
}

void MainWindow::openWizard(const Job& job)
{
    if (!m_service)
        return;
    JobWizard wizard(job, this, otherJobNames(job.id));
    if (wizard.exec() != QDialog::Accepted)
        return;
    const Job saved = wizard.job();
    if (const QString password = wizard.passwordToSave(); !password.isEmpty())
        m_passwordsToSave[QString::fromStdString(saved.name)] = password;
    m_service->saveJob(saved);
}

void MainWindow::newJob() { openWizard(Job{}); }

void MainWindow::editJob()
{
    if (const JobRow* r = m_model->rowById(selectedJobId()); r && !(m_service && m_service->isRunning(r->job.id)))
        openWizard(r->job);
}

void MainWindow::duplicateJob()
{
    const JobRow* r = m_model->rowById(selectedJobId());
    if (!r)
        return;
    Job copy = r->job;
    copy.id = 0;
    copy.name = freeCopyName(QString::fromStdString(copy.name)).toStdString();
    openWizard(copy);
}

void MainWindow::renameJob()
{
    const JobRow* r = m_model->rowById(selectedJobId());
    if (!r || !m_service || m_service->isRunning(r->job.id))
        return;
    // The dialog runs an event loop that may refresh the model: keep copies.
    const int64_t id = r->job.id;
    const QString name = QString::fromStdString(r->job.name);
    bool ok = false;
    const QString wanted = QInputDialog::getText(this, tr("Rename job"), tr("New name for “%1”:").arg(name),
                                                 QLineEdit::Normal, name, &ok)
                               .trimmed();
    if (!ok || wanted.isEmpty() || wanted == name)
        return;
    // The service refuses a name another job has, or a job that runs now.
    m_service->renameJob(id, wanted.toStdString());
}

void MainWindow::deleteJob()
{
    const JobRow* r = m_model->rowById(selectedJobId());
    if (!r || !m_service)
        return;
    // The dialog runs an event loop that may refresh the model: keep copies.
    const int64_t id = r->job.id;
    const QString name = QString::fromStdString(r->job.name);
    const auto answer = QMessageBox::question(
        this, tr("Delete job"),
        tr("Delete the job “%1”?\n\nBoth folders and their files stay as they are; the job's runs stay in the "
           "history.")
            .arg(name),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        m_service->removeJob(id);
}

void MainWindow::syncNow()
{
    const JobRow* r = m_model->rowById(selectedJobId());
    if (!r || !m_service)
        return;
    if (!m_service->startRun(r->job, RunTrigger::Manual))
        statusBar()->showMessage(tr("“%1” is already running").arg(QString::fromStdString(r->job.name)), 5000);
}

void MainWindow::previewJob()
{
    const JobRow* r = m_model->rowById(selectedJobId());
    if (!r || !m_service)
        return;
    if (!m_service->preview(r->job)) {
        statusBar()->showMessage(tr("“%1” is already running").arg(QString::fromStdString(r->job.name)), 5000);
        return;
    }
    m_previewing.insert(r->job.id);
    m_model->setComparing(r->job.id, true);
    updateActions();
    updateDetails();
    statusBar()->showMessage(tr("Comparing both folders of “%1”…").arg(QString::fromStdString(r->job.name)));
}

void MainWindow::onPreviewReady(qint64 jobId, std::shared_ptr<Plan> plan, const QString& stopMessage)
{
    m_previewing.remove(jobId);
    m_model->setComparing(jobId, false);
    updateActions();
    updateDetails();
    statusBar()->clearMessage();
    const JobRow* r = m_model->rowById(jobId);
    const QString name = r ? QString::fromStdString(r->job.name) : tr("the job");
    if (!plan) {
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Preview"),
                                    tr("Ferry could not compare the folders of “%1”:\n\n%2").arg(name, stopMessage),
                                    QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        emit errorShown(stopMessage);
        return;
    }
    auto* dialog = new PreviewDialog(name, plan, stopMessage, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::finished, this, [this, dialog, jobId, stopped = !stopMessage.isEmpty()](int result) {
        if (stopped)
            return; // a stopped plan holds nothing
        if (result == QDialog::Accepted)
            m_service->runPreviewed(jobId, dialog->plan());
        else
            m_service->discardPreview(jobId);
    });
    emit previewShown(dialog);
    dialog->open();
}

void MainWindow::onPreviewStopped(qint64 jobId)
{
    m_previewing.remove(jobId);
    m_model->setComparing(jobId, false);
    const JobRow* r = m_model->rowById(jobId);
    const QString text = tr("The preview of “%1” was stopped; nothing was changed.")
                             .arg(r ? QString::fromStdString(r->job.name) : tr("the job"));
    m_lastSummary[jobId] = text;
    updateActions();
    updateDetails();
    statusBar()->showMessage(text, 10000);
}

void MainWindow::stopJob()
{
    const int64_t id = selectedJobId();
    if (m_service && id && isBusy(id)) {
        m_service->stop(id);
        statusBar()->showMessage(m_previewing.contains(id) ? tr("Stopping the comparison…")
                                                           : tr("Stopping after the current file…"),
                                 5000);
    }
}

void MainWindow::togglePause()
{
    const int64_t id = selectedJobId();
    if (!m_service || !id)
        return;
    const bool paused = m_paused.contains(id);
    if (paused)
        m_paused.remove(id);
    else
        m_paused.insert(id);
    m_service->setPaused(id, !paused);
    updateActions();
    statusBar()->showMessage(paused ? tr("Resumed") : tr("Paused: the current file finishes, then the sync waits"), 5000);
}

void MainWindow::showHistory()
{
    if (!m_service)
        return;
    auto* dialog = new HistoryDialog(m_service, selectedJobId(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::onRunFinished(const RunSummary& s)
{
    m_paused.remove(s.jobId);
    m_model->setRunning(s.jobId, false);
    const JobRow* r = m_model->rowById(s.jobId);
    const QString text = runSummaryText(s, r ? QString::fromStdString(r->job.name) : tr("the job"));
    m_lastSummary[s.jobId] = text;
    updateActions();
    updateDetails();
    // The details pane shows the selected job's outcome; the status bar
    // tells about another job's.
    if (s.jobId != selectedJobId())
        statusBar()->showMessage(text.section('\n', 0, 0), 10000);
    else
        statusBar()->clearMessage();
    emit runShown(s);
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue("mainWindow/geometry", saveGeometry());
    settings.setValue("mainWindow/state", saveState());
    if (auto* splitter = findChild<QSplitter*>("mainSplitter"))
        settings.setValue("mainWindow/splitter", splitter->saveState());
    settings.setValue("mainWindow/jobListHeader", m_list->horizontalHeader()->saveState());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace ferry::ui
