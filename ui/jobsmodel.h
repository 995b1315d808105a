// JobsModel: the job list of the main window: name, the two sides, mode,
// last run and its outcome, next scheduled run, and a status (with the live
// progress of a running job). Fed by JobService signals; never reads files.
#pragma once

#include "jobs/jobservice.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>

namespace ferry::ui {

class JobsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Sides, Mode, LastRun, NextRun, Status, ColumnCount };
    enum Role { JobIdRole = Qt::UserRole + 1 };

    explicit JobsModel(QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setRows(const QList<JobRow>& rows);
    void setProgress(int64_t jobId, const Progress& p);
    void setRunning(int64_t jobId, bool running); // running: keeps the progress it has
    // A preview compares both folders: the status says so.
    void setComparing(int64_t jobId, bool comparing);
    const Progress* progress(int64_t jobId) const
    {
        auto it = m_progress.constFind(jobId);
        return it == m_progress.constEnd() ? nullptr : &*it;
    }
    const JobRow* rowAt(int row) const;
    const JobRow* rowById(int64_t jobId) const;
    int rowOf(int64_t jobId) const;

    static QString modeText(SyncMode m);
    // A location as the window shows it: "~/Documents" under the home folder.
    static QString displayPath(const std::string& location);
    static QString outcomeText(RunOutcome o);
    // A recorded run's message in the window's words: the history keeps
    // ferry-cli's advice (--force-deletions, 'ferry-cli conflicts'), which
    // the window does not offer.
    static QString runMessage(const RunRecord& run);
    static QString scheduleText(const Schedule& s);
    // When the job runs by itself next: "Thu 02:30", "Due now", or the
    // schedule ("Manual"); `longForm` for the details pane.
    static QString nextRunText(const JobRow& row, bool longForm = false);

private:
    QList<JobRow> m_rows;
    QHash<qint64, Progress> m_progress;
    QSet<qint64> m_comparing;
};

} // namespace ferry::ui
