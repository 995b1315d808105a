// HistoryDialog: every run with its trigger, outcome, duration, counts and
// bytes; filter by job and outcome; select a run to see its files and errors.
// Reads through JobService (a worker thread), never on the GUI thread.
#pragma once

#include "jobs/jobservice.h"

#include <QDialog>

class QComboBox;
class QHBoxLayout;
class QLabel;
class QSplitter;
class QStandardItemModel;
class QTableView;

namespace ferry::ui {

class HistoryDialog : public QDialog {
    Q_OBJECT
public:
    // jobId 0: all jobs.
    HistoryDialog(JobService* service, int64_t jobId, QWidget* parent = nullptr);
    QTableView* runsView() const { return m_runs; }
    QTableView* itemsView() const { return m_items; }
    QComboBox* jobFilter() const { return m_jobFilter; }
    QComboBox* outcomeFilter() const { return m_outcomeFilter; }

protected:
    void done(int result) override; // saves the size, the splitter and the columns

signals:
    void loaded();      // the runs list is shown
    void itemsShown();  // a run's items are shown

private:
    QHBoxLayout* makeFilterRow();
    QSplitter* makeRunsAndItems();
    void restoreSavedLayout();
    void loadSelectedRunItems();
    void takeRuns(const QList<RunRecord>& runs);
    void showRunItems(qint64 runId, const QList<RunItemRecord>& items);
    void showRuns();
    JobService* m_service;
    int64_t m_jobId;
    QList<RunRecord> m_all;
    QComboBox* m_jobFilter = nullptr;
    QComboBox* m_outcomeFilter = nullptr;
    QTableView* m_runs = nullptr;
    QTableView* m_items = nullptr;
    QStandardItemModel* m_runModel = nullptr;
    QStandardItemModel* m_itemModel = nullptr;
    QLabel* m_runSummary = nullptr;
    QSplitter* m_splitter = nullptr;
    QByteArray m_savedRunsHeader;      // read once: QSettings is a file
    bool m_fitRuns = true;             // no saved widths: fit the columns to the runs
    bool m_hasSavedItemsHeader = false;
};

} // namespace ferry::ui
