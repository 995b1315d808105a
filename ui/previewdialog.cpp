#include "previewdialog.h"

#include "engine/reasons.h"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

namespace ferry::ui {

namespace {

QString sizeText(int64_t bytes) { return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat); }

QString sideText(const InfoRef& e)
{
    if (!e)
        return QObject::tr("—");
    const QString when = QDateTime::fromMSecsSinceEpoch(e->mtimeNs / 1000000).toString("yyyy-MM-dd HH:mm");
    if (e->kind == EntryKind::Directory)
        return QObject::tr("folder");
    return QObject::tr("%1, %2").arg(sizeText(e->size), when);
}

bool underFolder(const std::string& path, const std::string& folder)
{
    return path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 && path[folder.size()] == '/';
}

} // namespace

PlanModel::PlanModel(std::shared_ptr<Plan> plan, QObject* parent) : QAbstractTableModel(parent), m_plan(std::move(plan))
{
    rebuild();
}

bool PlanModel::shown(const Action& a) { return a.op != Op::RecordBase && a.op != Op::ForgetBase; }

QString PlanModel::whatText(const Action& a)
{
    const bool right = a.target == Side::Right;
    switch (a.op) {
    case Op::Copy: return right ? tr("Copy →") : tr("Copy ←");
    case Op::Delete: return right ? tr("Delete on the right") : tr("Delete on the left");
    case Op::Rename: return right ? tr("Rename on the right") : tr("Rename on the left");
    case Op::SetTime: return right ? tr("Fix time →") : tr("Fix time ←");
    case Op::Conflict:
        switch (a.resolution) {
        case Resolution::Pending: return tr("Conflict: left for you");
        case Resolution::KeepLeft: return tr("Conflict: left wins");
        case Resolution::KeepRight: return tr("Conflict: right wins");
        case Resolution::KeepBoth: return tr("Conflict: keep both");
        case Resolution::Informational: return tr("Conflict in folder");
        }
        break;
    default: break;
    }
    return {};
}

void PlanModel::rebuild()
{
    beginResetModel();
    m_rows.clear();
    for (size_t i = 0; i < m_plan->actions.size(); ++i) {
        const Action& a = m_plan->actions[i];
        if (!shown(a))
            continue;
        bool keep = true;
        switch (m_filter) {
        case All: break;
        case ToRight: keep = (a.op == Op::Copy || a.op == Op::SetTime) && a.target == Side::Right; break;
        case ToLeft: keep = (a.op == Op::Copy || a.op == Op::SetTime) && a.target == Side::Left; break;
        case Deletions: keep = a.op == Op::Delete; break;
        case Renames: keep = a.op == Op::Rename; break;
        case Conflicts: keep = a.op == Op::Conflict; break;
        }
        if (keep)
            m_rows.push_back(i);
    }
    endResetModel();
}

void PlanModel::setFilter(Filter f)
{
    m_filter = f;
    rebuild();
}

int PlanModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int PlanModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PlanModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || size_t(index.row()) >= m_rows.size())
        return {};
    const Action& a = m_plan->actions[m_rows[size_t(index.row())]];
    if (role == Qt::CheckStateRole && index.column() == Include)
        return a.excluded ? Qt::Unchecked : Qt::Checked;
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case What: return whatText(a);
        case Path:
            return a.op == Op::Rename ? QString::fromStdString(a.fromPath() + " → " + a.path)
                                      : QString::fromStdString(a.path);
        case LeftSide: return sideText(a.left);
        case RightSide: return sideText(a.right);
        case Why: return QString::fromStdString(reasonFor(a));
        default: break;
        }
    }
    if (role == Qt::DecorationRole && index.column() == What) {
        QStyle* st = QApplication::style();
        switch (a.op) {
        case Op::Copy: return st->standardIcon(a.target == Side::Right ? QStyle::SP_ArrowRight : QStyle::SP_ArrowLeft);
        case Op::Delete: return st->standardIcon(QStyle::SP_TrashIcon);
        case Op::Rename: return st->standardIcon(QStyle::SP_FileDialogDetailedView);
        case Op::SetTime: return st->standardIcon(QStyle::SP_BrowserReload);
        case Op::Conflict: return st->standardIcon(QStyle::SP_MessageBoxWarning);
        default: break;
        }
    }
    if (role == Qt::ForegroundRole && a.excluded)
        return QApplication::palette().color(QPalette::Disabled, QPalette::Text);
    return {};
}

Qt::ItemFlags PlanModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == Include)
        f |= Qt::ItemIsUserCheckable;
    return f;
}

bool PlanModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::CheckStateRole || index.column() != Include)
        return false;
    setIncluded(index.row(), value.toInt() == Qt::Checked);
    return true;
}

void PlanModel::setIncluded(int row, bool included)
{
    Action& a = m_plan->actions[m_rows[size_t(row)]];
    a.excluded = !included;
    // A folder's items follow it: copying into a folder that is not created,
    // or keeping items of a folder that is deleted, cannot work.
    if (a.kind == EntryKind::Directory)
        for (Action& other : m_plan->actions)
            if (underFolder(other.path, a.path) && other.target == a.target)
                other.excluded = a.excluded;
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int PlanModel::flip(const QList<int>& rows)
{
    int n = 0;
    for (int r : rows)
        n += flipDirection(m_plan->actions[m_rows[size_t(r)]]) ? 1 : 0;
    if (n)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    return n;
}

QVariant PlanModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Include: return tr("Run");
    case What: return tr("Action");
    case Path: return tr("Item");
    case LeftSide: return tr("Left");
    case RightSide: return tr("Right");
    case Why: return tr("Why");
    }
    return {};
}

QString PlanModel::totals() const
{
    int toRight = 0, toLeft = 0, del = 0, ren = 0, conf = 0, off = 0;
    int64_t bytesRight = 0, bytesLeft = 0;
    for (const Action& a : m_plan->actions) {
        if (!shown(a))
            continue;
        if (a.excluded) {
            ++off;
            continue;
        }
        switch (a.op) {
        case Op::Copy:
            (a.target == Side::Right ? toRight : toLeft)++;
            (a.target == Side::Right ? bytesRight : bytesLeft) += a.bytes();
            break;
        case Op::Delete: ++del; break;
        case Op::Rename: ++ren; break;
        case Op::Conflict: conf += a.resolution != Resolution::Informational; break;
        default: break;
        }
    }
    QString t = tr("%1 to copy → (%2), %3 to copy ← (%4), %5 to delete, %6 to rename, %7 conflict(s)")
                    .arg(toRight)
                    .arg(sizeText(bytesRight))
                    .arg(toLeft)
                    .arg(sizeText(bytesLeft))
                    .arg(del)
                    .arg(ren)
                    .arg(conf);
    if (off)
        t += tr("; %1 left out by you").arg(off);
    return t;
}

PreviewDialog::PreviewDialog(const QString& jobName, std::shared_ptr<Plan> plan, const QString& stopMessage,
                             QWidget* parent)
    : QDialog(parent), m_plan(std::move(plan))
{
    setObjectName("previewDialog");
    setWindowTitle(tr("Preview of “%1”").arg(jobName));
    resize(1100, 620);
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    m_totals = new QLabel(this);
    m_totals->setObjectName("previewTotals");
    m_totals->setWordWrap(true);
    m_filter = new QComboBox(this);
    m_filter->setObjectName("previewFilter");
    m_filter->setAccessibleName(tr("Show actions"));
    m_filter->addItem(tr("All actions"), PlanModel::All);
    m_filter->addItem(tr("Copies to the right"), PlanModel::ToRight);
    m_filter->addItem(tr("Copies to the left"), PlanModel::ToLeft);
    m_filter->addItem(tr("Deletions"), PlanModel::Deletions);
    m_filter->addItem(tr("Renames"), PlanModel::Renames);
    m_filter->addItem(tr("Conflicts"), PlanModel::Conflicts);
    top->addWidget(m_totals, 1);
    top->addWidget(m_filter);
    layout->addLayout(top);
    if (!stopMessage.isEmpty()) {
        auto* stop = new QLabel(tr("<b>This run would stop:</b> %1").arg(stopMessage.toHtmlEscaped()), this);
        stop->setObjectName("previewStop");
        stop->setWordWrap(true);
        layout->addWidget(stop);
    }
    m_model = new PlanModel(m_plan, this);
    m_view = new QTableView(this);
    m_view->setObjectName("previewView");
    m_view->setAccessibleName(tr("Planned actions"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->hide();
    m_view->setShowGrid(false);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(PlanModel::Include, 40);
    m_view->setColumnWidth(PlanModel::What, 175);
    m_view->setColumnWidth(PlanModel::Path, 230);
    m_view->setColumnWidth(PlanModel::LeftSide, 185);
    m_view->setColumnWidth(PlanModel::RightSide, 185);
    layout->addWidget(m_view, 1);
    if (m_model->rowCount() == 0) {
        auto* nothing = new QLabel(tr("Both folders are already in sync: there is nothing to do."), this);
        nothing->setObjectName("previewNothing");
        layout->addWidget(nothing);
    }
    auto* buttons = new QDialogButtonBox(this);
    m_flip = buttons->addButton(tr("&Turn around"), QDialogButtonBox::ActionRole);
    m_flip->setObjectName("previewFlip");
    m_flip->setToolTip(tr("Carry the selected rows the other way. A new item turned around is deleted where it "
                         "appeared (kept as a version when versioning is on)"));
    m_run = buttons->addButton(tr("&Run this plan"), QDialogButtonBox::AcceptRole);
    m_run->setObjectName("previewRun");
    m_run->setEnabled(stopMessage.isEmpty());
    buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_filter, &QComboBox::currentIndexChanged, this,
            [this] { m_model->setFilter(PlanModel::Filter(m_filter->currentData().toInt())); });
    auto refreshTotals = [this] { m_totals->setText(m_model->totals()); };
    connect(m_model, &QAbstractItemModel::dataChanged, this, refreshTotals);
    connect(m_flip, &QPushButton::clicked, this, [this] {
        QList<int> rows;
        for (const QModelIndex& i : m_view->selectionModel()->selectedRows())
            rows << i.row();
        m_model->flip(rows);
    });
    refreshTotals();
}

} // namespace ferry::ui
