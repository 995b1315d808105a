// PreviewDialog: the real Plan of a job, row by row: what will happen to
// each item (with an icon), sizes and times on both sides, and why. Counts
// and bytes per action; a filter by action; untick rows to leave them out,
// or turn a row's direction around. "Run" executes exactly this plan.
#pragma once

#include "engine/plan.h"

#include <QAbstractTableModel>
#include <QDialog>

#include <memory>

class QComboBox;
class QLabel;
class QPushButton;
class QTableView;

namespace ferry::ui {

class PlanModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Include, What, Path, LeftSide, RightSide, Why, ColumnCount };
    enum Filter { All, ToRight, ToLeft, Deletions, Renames, Conflicts };

    explicit PlanModel(std::shared_ptr<Plan> plan, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    void setFilter(Filter f);
    // Index into plan->actions of a visible row.
    size_t actionAt(int row) const { return m_rows[size_t(row)]; }
    // Turns the direction of the rows around; returns how many changed.
    // `refused` gets, per row left as it was, why (a folder, a rename…).
    int flip(const QList<int>& rows, QStringList* refused = nullptr);
    // Why this action cannot be turned around ("" if it can).
    static QString flipRefusal(const Action& a);
    void setIncluded(int row, bool included);
    QString totals() const;
    static QString whatText(const Action& a);
    static bool shown(const Action& a);

private:
    void rebuild();
    std::shared_ptr<Plan> m_plan;
    std::vector<size_t> m_rows;
    Filter m_filter = All;
};

class PreviewDialog : public QDialog {
    Q_OBJECT
public:
    // `stopMessage`: the run cannot go on (a safety guard); Run is disabled.
    PreviewDialog(const QString& jobName, std::shared_ptr<Plan> plan, const QString& stopMessage,
                  QWidget* parent = nullptr);
    std::shared_ptr<Plan> plan() const { return m_plan; }
    PlanModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QComboBox* filterCombo() const { return m_filter; }
    QPushButton* runButton() const { return m_run; }
    QPushButton* flipButton() const { return m_flip; }
    QLabel* totalsLabel() const { return m_totals; }
    QLabel* flipNote() const { return m_flipNote; }

protected:
    void done(int result) override; // saves the size and the columns

private:
    void flipSelected();
    std::shared_ptr<Plan> m_plan;
    PlanModel* m_model = nullptr;
    QTableView* m_view = nullptr;
    QComboBox* m_filter = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_flip = nullptr;
    QLabel* m_totals = nullptr;
    QLabel* m_flipNote = nullptr;
};

} // namespace ferry::ui
