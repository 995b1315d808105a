#include "jobsmodel.h"

#include "model/location.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QLocale>
#include <QStyle>

namespace ferry::ui {

JobsModel::JobsModel(QObject* parent) : QAbstractTableModel(parent) {}

int JobsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int JobsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString JobsModel::displayPath(const std::string& location)
{
    // A server side as people write it for scp and ssh: "me@nas:/srv/docs".
    if (location.rfind("sftp://", 0) == 0)
        if (auto loc = Location::parse(location)) {
            QString text = QString::fromStdString(loc->host);
            if (text.contains(':'))
                text = "[" + text + "]";
            if (!loc->user.empty())
                text = QString::fromStdString(loc->user) + "@" + text;
            text += ":" + QString::fromStdString(loc->path);
            if (loc->port && loc->port != 22)
                text += tr(" (port %1)").arg(loc->port);
            return text;
        }
    const QString p = QString::fromStdString(location);
    const QString home = QDir::homePath();
    if (home.size() > 1 && (p == home || p.startsWith(home + "/")))
        return "~" + p.mid(home.size());
    return p;
}

QString JobsModel::modeText(SyncMode m)
{
    switch (m) {
    case SyncMode::TwoWay: return tr("Two-way");
    case SyncMode::Mirror: return tr("Mirror");
    case SyncMode::Update: return tr("Update");
    }
    return {};
}

QString JobsModel::outcomeText(RunOutcome o)
{
    switch (o) {
    case RunOutcome::Running: return tr("Running");
    case RunOutcome::InSync: return tr("In sync");
    case RunOutcome::Errors: return tr("Finished with errors");
    case RunOutcome::Conflicts: return tr("Conflicts to resolve");
    case RunOutcome::Stopped: return tr("Stopped by a safety check");
    case RunOutcome::Cancelled: return tr("Stopped by you");
    case RunOutcome::Failed: return tr("Could not run");
    case RunOutcome::Interrupted: return tr("Interrupted");
    }
    return {};
}

namespace {

// `sentence` up to the first sentence that gives a command-line option.
QString withoutCliAdvice(QString sentence)
{
    const qsizetype option = sentence.indexOf(QLatin1String(" --"));
    if (option < 0)
        return sentence;
    const qsizetype start = sentence.lastIndexOf(QLatin1String(". "), option);
    if (start >= 0) // else it is all advice: kept, so the row still says something
        sentence.truncate(start + 1);
    return sentence;
}

} // namespace

QString JobsModel::runMessage(const RunRecord& run)
{
    if (run.message.empty())
        return {};
    switch (run.outcome) {
    case RunOutcome::Stopped:
        // Runs recorded before stops were data show the sentence they were
        // recorded with, less its ferry-cli advice (a sentence naming
        // options such as --force-deletions, which the window does not have).
        return run.stop ? windowGuardMessage(*run.stop) : withoutCliAdvice(QString::fromStdString(run.message));
    case RunOutcome::Conflicts:
        return tr("%1 conflict(s) left for you: open Preview to see them.").arg(run.counts.conflictsPending);
    default: return QString::fromStdString(run.message);
    }
}

QString JobsModel::scheduleText(const Schedule& s)
{
    const QString at = QTime(s.minuteOfDay / 60, s.minuteOfDay % 60).toString("HH:mm");
    switch (s.kind) {
    case Schedule::Kind::Manual: return tr("Manual");
    case Schedule::Kind::Every15Minutes: return tr("Every 15 minutes");
    case Schedule::Kind::Hourly: return tr("Hourly");
    case Schedule::Kind::Daily: return tr("Daily at %1").arg(at);
    case Schedule::Kind::Weekly:
        return tr("%1s at %2").arg(QLocale().dayName(s.weekday, QLocale::LongFormat), at);
    case Schedule::Kind::OnChange: return tr("When files change");
    }
    return {};
}

// Short enough for one line of the list: "Today 18:00", "Yesterday 09:12",
// "2 Dec 18:00" this year, "2 Dec 2025" before; the tooltip has the full time.
static QString shortWhen(const QDateTime& at)
{
    const QDate day = at.date(), today = QDate::currentDate();
    const QString time = QLocale().toString(at.time(), QObject::tr("HH:mm"));
    if (day == today)
        return QObject::tr("Today %1").arg(time);
    if (day == today.addDays(-1))
        return QObject::tr("Yesterday %1").arg(time);
    if (day.year() == today.year())
        return QLocale().toString(at, QObject::tr("d MMM HH:mm"));
    return QLocale().toString(day, QObject::tr("d MMM yyyy"));
}

QVariant JobsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const JobRow& r = m_rows[index.row()];
    if (role == JobIdRole)
        return qint64(r.job.id);
    const bool live = m_progress.contains(r.job.id);
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case Name: return QString::fromStdString(r.job.name);
        case Sides:
            return displayPath(r.job.left) + (r.job.mode == SyncMode::TwoWay ? "  ⇄  " : "  →  ") +
                   displayPath(r.job.right);
        case Mode: return modeText(r.job.mode);
        case LastRun:
            return r.lastRun ? shortWhen(QDateTime::fromMSecsSinceEpoch(r.lastRun->startedMs)) : tr("Never");
        case NextRun: return nextRunText(r);
        case Status: {
            if (m_comparing.contains(r.job.id))
                return tr("Comparing…");
            if (live) {
                const Progress& p = m_progress[r.job.id];
                const int pct = p.bytesTotal > 0 ? int(100.0 * double(p.bytesDone) / double(p.bytesTotal))
                                                 : (p.itemsTotal ? int(100 * p.itemsDone / p.itemsTotal) : 0);
                return p.paused ? tr("Paused, %1%").arg(pct) : tr("Syncing, %1%").arg(pct);
            }
            if (r.running)
                return tr("Running elsewhere");
            return r.lastRun ? outcomeText(r.lastRun->outcome) : tr("Not run yet");
        }
        }
    }
    if (role == Qt::DecorationRole && index.column() == Name) {
        QStyle* st = QApplication::style();
        if (live || r.running || m_comparing.contains(r.job.id))
            return st->standardIcon(QStyle::SP_BrowserReload);
        if (!r.lastRun)
            return st->standardIcon(QStyle::SP_FileDialogNewFolder);
        switch (r.lastRun->outcome) {
        case RunOutcome::InSync: return st->standardIcon(QStyle::SP_DialogApplyButton);
        case RunOutcome::Conflicts:
        case RunOutcome::Errors:
        case RunOutcome::Interrupted:
        case RunOutcome::Cancelled: return st->standardIcon(QStyle::SP_MessageBoxWarning);
        default: return st->standardIcon(QStyle::SP_MessageBoxCritical);
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == Status && r.lastRun && !r.lastRun->message.empty())
            return runMessage(*r.lastRun);
        if (index.column() == NextRun)
            return scheduleText(r.job.schedule);
        if (index.column() == LastRun && r.lastRun)
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(r.lastRun->startedMs), QLocale::LongFormat);
        if (index.column() == Sides)
            return tr("Left: %1\nRight: %2").arg(QString::fromStdString(r.job.left), QString::fromStdString(r.job.right));
    }
    return {};
}

QVariant JobsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Job");
    case Sides: return tr("Folders");
    case Mode: return tr("Mode");
    case LastRun: return tr("Last run");
    case NextRun: return tr("Next run");
    case Status: return tr("Status");
    }
    return {};
}

void JobsModel::setRows(const QList<JobRow>& rows)
{
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

void JobsModel::setProgress(int64_t jobId, const Progress& p)
{
    m_progress[jobId] = p;
    if (int row = rowOf(jobId); row >= 0)
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void JobsModel::setRunning(int64_t jobId, bool running)
{
    if (running) {
        if (!m_progress.contains(jobId))
            m_progress[jobId] = Progress{};
    } else
        m_progress.remove(jobId);
    if (int row = rowOf(jobId); row >= 0)
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void JobsModel::setComparing(int64_t jobId, bool comparing)
{
    if (comparing)
        m_comparing.insert(jobId);
    else
        m_comparing.remove(jobId);
    if (int row = rowOf(jobId); row >= 0)
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

QString JobsModel::nextRunText(const JobRow& r, bool longForm)
{
    const int64_t now = QDateTime::currentMSecsSinceEpoch();
    auto next = r.job.schedule.nextRunMs(r.lastRun ? r.lastRun->startedMs : 0, now);
    if (!next) {
        if (!longForm)
            return scheduleText(r.job.schedule);
        return r.job.schedule.kind == Schedule::Kind::OnChange ? tr("when files change")
                                                               : tr("only when you press Sync now");
    }
    if (*next <= now + 1000)
        return longForm ? tr("due now") : tr("Due now");
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(*next);
    if (!longForm)
        return QLocale().toString(at, tr("ddd HH:mm"));
    return QLocale().toString(at, tr("dddd d MMMM, HH:mm"));
}

const JobRow* JobsModel::rowAt(int row) const { return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr; }

const JobRow* JobsModel::rowById(int64_t jobId) const { return rowAt(rowOf(jobId)); }

int JobsModel::rowOf(int64_t jobId) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].job.id == jobId)
            return i;
    return -1;
}

} // namespace ferry::ui
