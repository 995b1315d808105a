#include "historydialog.h"

#include "jobsmodel.h"
#include "reasontext.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSettings>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

namespace ferry::ui {

namespace {

QString duration(const RunRecord& r)
{
    if (!r.endedMs)
        return QObject::tr("—");
    const double s = double(r.endedMs - r.startedMs) / 1000.0;
    if (s < 60)
        return QObject::tr("%1 s").arg(s, 0, 'f', 1);
    return QObject::tr("%1 min %2 s").arg(int(s) / 60).arg(int(s) % 60);
}

QString triggerText(RunTrigger t)
{
    switch (t) {
    case RunTrigger::Manual: return QObject::tr("Sync now");
    case RunTrigger::Schedule: return QObject::tr("Schedule");
    case RunTrigger::Change: return QObject::tr("Files changed");
    case RunTrigger::Cli: return QObject::tr("ferry-cli");
    }
    return {};
}

QString actionText(const std::string& a)
{
    static const QHash<QString, QString> names = {
        {"copy-to-right", QObject::tr("Copy →")},       {"copy-to-left", QObject::tr("Copy ←")},
        {"delete-right", QObject::tr("Delete right")}, {"delete-left", QObject::tr("Delete left")},
        {"rename-right", QObject::tr("Rename right")}, {"rename-left", QObject::tr("Rename left")},
        {"set-time-right", QObject::tr("Fix time →")}, {"set-time-left", QObject::tr("Fix time ←")},
        {"conflict", QObject::tr("Conflict")}};
    const QString key = QString::fromStdString(a);
    return names.value(key, key);
}

QString resultText(const std::string& r)
{
    if (r == "done") return QObject::tr("Done");
    if (r == "failed") return QObject::tr("Failed");
    if (r == "excluded") return QObject::tr("Left out");
    if (r == "pending") return QObject::tr("Left for you");
    return QString::fromStdString(r);
}

QTableView* makeTable(QWidget* parent, const QString& name, const QString& accessible)
{
    auto* t = new QTableView(parent);
    t->setObjectName(name);
    t->setAccessibleName(accessible);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->verticalHeader()->hide();
    t->setShowGrid(false);
    t->setAlternatingRowColors(true);
    t->horizontalHeader()->setStretchLastSection(true);
    return t;
}

} // namespace

HistoryDialog::HistoryDialog(JobService* service, int64_t jobId, QWidget* parent)
    : QDialog(parent), m_service(service), m_jobId(jobId)
{
    setObjectName("historyDialog");
    setWindowTitle(tr("History"));
    resize(900, 560);
    // Built top to bottom: the creation order is the keyboard focus order.
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(makeFilterRow());
    layout->addWidget(makeRunsAndItems(), 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    connect(m_jobFilter, &QComboBox::currentIndexChanged, this, &HistoryDialog::showRuns);
    connect(m_outcomeFilter, &QComboBox::currentIndexChanged, this, &HistoryDialog::showRuns);
    connect(m_runs->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &HistoryDialog::loadSelectedRunItems);
    connect(m_service, &JobService::historyLoaded, this, &HistoryDialog::takeRuns);
    connect(m_service, &JobService::runItemsLoaded, this, &HistoryDialog::showRunItems);
    restoreSavedLayout();
    m_service->loadHistory(std::nullopt);
}

// "Job: [All jobs ▾]   Outcome: [Any outcome ▾]". The job list is filled
// when the runs arrive (takeRuns()).
QHBoxLayout* HistoryDialog::makeFilterRow()
{
    auto* filters = new QHBoxLayout;
    m_jobFilter = new QComboBox(this);
    m_jobFilter->setObjectName("jobFilter");
    m_jobFilter->setAccessibleName(tr("Show the runs of"));
    m_jobFilter->addItem(tr("All jobs"), QString());
    m_outcomeFilter = new QComboBox(this);
    m_outcomeFilter->setObjectName("outcomeFilter");
    m_outcomeFilter->setAccessibleName(tr("Show runs that ended"));
    m_outcomeFilter->addItem(tr("Any outcome"), -1);
    for (RunOutcome o : {RunOutcome::InSync, RunOutcome::Errors, RunOutcome::Conflicts, RunOutcome::Stopped,
                         RunOutcome::Cancelled, RunOutcome::Failed, RunOutcome::Interrupted, RunOutcome::Running})
        m_outcomeFilter->addItem(JobsModel::outcomeText(o), int(o));
    auto* jobLabel = new QLabel(tr("&Job:"), this);
    jobLabel->setBuddy(m_jobFilter);
    auto* outcomeLabel = new QLabel(tr("&Outcome:"), this);
    outcomeLabel->setBuddy(m_outcomeFilter);
    filters->addWidget(jobLabel);
    filters->addWidget(m_jobFilter, 1);
    filters->addSpacing(12);
    filters->addWidget(outcomeLabel);
    filters->addWidget(m_outcomeFilter, 1);
    return filters;
}

// The runs above, the selected run's summary and files below, in a splitter
// the user may move (its position is saved).
QSplitter* HistoryDialog::makeRunsAndItems()
{
    auto* splitter = new QSplitter(Qt::Vertical, this);
    m_splitter = splitter;
    splitter->setObjectName("historySplitter");
    m_runs = makeTable(splitter, "runsView", tr("Runs"));
    m_runModel = new QStandardItemModel(0, 8, this);
    m_runModel->setHorizontalHeaderLabels({tr("Started"), tr("Job"), tr("Trigger"), tr("Outcome"), tr("Took"),
                                           tr("Copied"), tr("Deleted"), tr("Conflicts / errors / bytes")});
    m_runs->setModel(m_runModel);
    auto* lower = new QWidget(splitter);
    auto* ll = new QVBoxLayout(lower);
    ll->setContentsMargins(0, 0, 0, 0);
    m_runSummary = new QLabel(tr("Select a run to see what happened to each file."), lower);
    m_runSummary->setWordWrap(true);
    m_items = makeTable(lower, "itemsView", tr("Files of the selected run"));
    m_itemModel = new QStandardItemModel(0, 4, this);
    m_itemModel->setHorizontalHeaderLabels({tr("Result"), tr("Action"), tr("Path"), tr("Details")});
    m_items->setModel(m_itemModel);
    ll->addWidget(m_runSummary);
    ll->addWidget(m_items, 1);
    return splitter;
}

// The size, splitter and column widths saved by done(). The runs' widths
// wait for the first runs (showRuns()); without saved ones they are fitted.
void HistoryDialog::restoreSavedLayout()
{
    QSettings settings;
    restoreGeometry(settings.value("historyDialog/geometry").toByteArray());
    m_splitter->restoreState(settings.value("historyDialog/splitter").toByteArray());
    m_savedRunsHeader = settings.value("historyDialog/runsHeader").toByteArray();
    m_fitRuns = m_savedRunsHeader.isEmpty();
    m_hasSavedItemsHeader =
        m_items->horizontalHeader()->restoreState(settings.value("historyDialog/itemsHeader").toByteArray());
}

// Asks the service for the selected run's files; showRunItems() shows them.
void HistoryDialog::loadSelectedRunItems()
{
    const QModelIndexList sel = m_runs->selectionModel()->selectedRows();
    if (sel.isEmpty())
        return;
    const qint64 runId = sel.front().data(Qt::UserRole).toLongLong();
    m_itemModel->removeRows(0, m_itemModel->rowCount());
    m_runSummary->setText(tr("Loading…"));
    m_service->loadRunItems(runId);
}

// The runs have arrived: fill the job filter with their jobs, select the
// job the dialog was opened for (once) or keep the user's choice, and show.
void HistoryDialog::takeRuns(const QList<RunRecord>& runs)
{
    m_all = runs;
    QStringList names;
    for (const RunRecord& r : runs)
        if (!names.contains(QString::fromStdString(r.jobName)))
            names << QString::fromStdString(r.jobName);
    names.sort(Qt::CaseInsensitive);
    const QSignalBlocker block(m_jobFilter);
    QString want = m_jobFilter->currentData().toString();
    if (m_jobId)
        for (const RunRecord& r : runs)
            if (r.jobId == m_jobId)
                want = QString::fromStdString(r.jobName);
    while (m_jobFilter->count() > 1)
        m_jobFilter->removeItem(1);
    for (const QString& n : names)
        m_jobFilter->addItem(n, n);
    m_jobFilter->setCurrentIndex(std::max(0, m_jobFilter->findData(want)));
    m_jobId = 0;
    showRuns();
    emit loaded();
}

// A run's files have arrived; shown only if that run is still the
// selected one (the user may have moved on meanwhile).
void HistoryDialog::showRunItems(qint64 runId, const QList<RunItemRecord>& items)
{
    const QModelIndexList sel = m_runs->selectionModel()->selectedRows();
    if (sel.isEmpty() || sel.front().data(Qt::UserRole).toLongLong() != runId)
        return;
    m_itemModel->removeRows(0, m_itemModel->rowCount());
    int failed = 0;
    for (const RunItemRecord& it : items) {
        QList<QStandardItem*> row{new QStandardItem(resultText(it.result)), new QStandardItem(actionText(it.action)),
                                  new QStandardItem(QString::fromStdString(it.path)),
                                  new QStandardItem(itemDetailText(it))};
        failed += it.result == "failed";
        m_itemModel->appendRow(row);
    }
    for (const RunRecord& r : m_all)
        if (r.id == runId)
            m_runSummary->setText((r.message.empty() ? QString() : JobsModel::runMessage(r) + "\n") +
                                  tr("%n file(s) and folder(s) recorded", nullptr, int(items.size())) +
                                  (failed ? tr(", %n failed: see the Details column", nullptr, failed) : QString()));
    if (!m_hasSavedItemsHeader)
        m_items->resizeColumnsToContents();
    emit itemsShown();
}

void HistoryDialog::done(int result)
{
    QSettings settings;
    settings.setValue("historyDialog/geometry", saveGeometry());
    settings.setValue("historyDialog/splitter", m_splitter->saveState());
    settings.setValue("historyDialog/runsHeader", m_runs->horizontalHeader()->saveState());
    settings.setValue("historyDialog/itemsHeader", m_items->horizontalHeader()->saveState());
    QDialog::done(result);
}

void HistoryDialog::showRuns()
{
    const QString job = m_jobFilter->currentData().toString();
    const int outcome = m_outcomeFilter->currentData().toInt();
    m_runModel->removeRows(0, m_runModel->rowCount());
    for (const RunRecord& r : m_all) {
        if (!job.isEmpty() && QString::fromStdString(r.jobName) != job)
            continue;
        if (outcome >= 0 && int(r.outcome) != outcome)
            continue;
        const auto& c = r.counts;
        QList<QStandardItem*> row{
            new QStandardItem(QLocale().toString(QDateTime::fromMSecsSinceEpoch(r.startedMs), QLocale::ShortFormat)),
            new QStandardItem(QString::fromStdString(r.jobName)),
            new QStandardItem(triggerText(r.trigger)),
            new QStandardItem(JobsModel::outcomeText(r.outcome)),
            new QStandardItem(duration(r)),
            new QStandardItem(tr("→ %1  ← %2").arg(c.copiedToRight).arg(c.copiedToLeft)),
            new QStandardItem(QString::number(c.deletedLeft + c.deletedRight)),
            new QStandardItem(tr("%1 / %2 / %3")
                                  .arg(c.conflicts)
                                  .arg(c.errors)
                                  .arg(QLocale().formattedDataSize(c.bytes, 1, QLocale::DataSizeSIFormat)))};
        row[0]->setData(qint64(r.id), Qt::UserRole);
        m_runModel->appendRow(row);
    }
    // The user's column widths once they exist; fitted to the runs before.
    if (!m_savedRunsHeader.isEmpty()) {
        m_runs->horizontalHeader()->restoreState(m_savedRunsHeader); // once: then they are the user's
        m_savedRunsHeader.clear();
    } else if (m_fitRuns) {
        m_runs->resizeColumnsToContents();
        // Sizing to contents leaves the last column short of the edge until
        // the next resize; toggling the stretch makes it reach it now.
        m_runs->horizontalHeader()->setStretchLastSection(false);
        m_runs->horizontalHeader()->setStretchLastSection(true);
    }
}

} // namespace ferry::ui
