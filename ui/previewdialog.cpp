#include "previewdialog.h"

#include "engine/reasons.h"
#include "reasontext.h"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
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
    if (index.column() == Include && (role == Qt::AccessibleTextRole || role == Qt::AccessibleDescriptionRole))
        return a.excluded ? tr("Left out of the run: %1").arg(QString::fromStdString(a.path))
                          : tr("Runs: %1").arg(QString::fromStdString(a.path));
    if (role == Qt::ToolTipRole) {
        // The whole reason, whichever cell the pointer is on: the Why
        // column is often too narrow for it.
        const QString path = a.op == Op::Rename ? QString::fromStdString(a.fromPath() + " → " + a.path)
                                                : QString::fromStdString(a.path);
        return tr("%1: %2\nWhy: %3").arg(whatText(a), path, reasonText(a));
    }
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case What: return whatText(a);
        case Path:
            return a.op == Op::Rename ? QString::fromStdString(a.fromPath() + " → " + a.path)
                                      : QString::fromStdString(a.path);
        case LeftSide: return sideText(a.left);
        case RightSide: return sideText(a.right);
        case Why: return reasonText(a);
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

QString PlanModel::flipRefusal(const Action& a)
{
    if (canFlip(a))
        return {};
    if (a.op == Op::Conflict)
        return tr("a conflict has no direction to turn: untick it, or keep the version you want on one side");
    if (a.kind == EntryKind::Directory)
        return tr("folders are not turned around: turn around the files inside, or untick the folder");
    if (a.op == Op::Rename)
        return tr("a rename is not turned around: untick it to leave both names as they are");
    if (a.op == Op::Delete)
        return tr("the item exists on both sides, so there is nothing to copy back: untick the row to keep it");
    return tr("this action cannot be turned around: untick it to leave it out");
}

int PlanModel::flip(const QList<int>& rows, QStringList* refused)
{
    int n = 0;
    for (int r : rows) {
        Action& a = m_plan->actions[m_rows[size_t(r)]];
        const QString why = flipRefusal(a);
        if (why.isEmpty() && flipDirection(a))
            ++n;
        else if (refused)
            refused->append(tr("%1: %2").arg(QString::fromStdString(a.path), why.isEmpty() ? tr("not changed") : why));
    }
    if (n)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    return n;
}

QVariant PlanModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o == Qt::Horizontal && section == Include && role == Qt::ToolTipRole)
        return tr("Untick a row to leave it out of this run");
    if (o == Qt::Horizontal && section == Include && role == Qt::AccessibleTextRole)
        return tr("Run this action");
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
    resize(1180, 620);
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
    auto* filterLabel = new QLabel(tr("&Show:"), this);
    filterLabel->setBuddy(m_filter);
    top->addWidget(m_totals, 1);
    top->addWidget(filterLabel);
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
    // Item and Why matter most: Item is the widest fixed column, Why takes
    // the rest (and its tooltip the whole reason).
    QHeaderView* header = m_view->horizontalHeader();
    header->setStretchLastSection(true);
    header->setMinimumSectionSize(36);
    m_view->setColumnWidth(PlanModel::Include, 40);
    const int sideWidth = fontMetrics().horizontalAdvance("000.0 bytes, 0000-00-00 00:00") + 16;
    m_view->setColumnWidth(PlanModel::What, 160);
    m_view->setColumnWidth(PlanModel::Path, 250);
    m_view->setColumnWidth(PlanModel::LeftSide, sideWidth);
    m_view->setColumnWidth(PlanModel::RightSide, sideWidth);
    layout->addWidget(m_view, 1);
    if (m_model->rowCount() == 0) {
        auto* nothing = new QLabel(tr("Both folders are already in sync: there is nothing to do."), this);
        nothing->setObjectName("previewNothing");
        layout->addWidget(nothing);
    }
    m_flipNote = new QLabel(this);
    m_flipNote->setObjectName("previewFlipNote");
    m_flipNote->setWordWrap(true);
    m_flipNote->setTextFormat(Qt::PlainText);
    m_flipNote->hide();
    layout->addWidget(m_flipNote);
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
    connect(m_flip, &QPushButton::clicked, this, &PreviewDialog::flipSelected);
    refreshTotals();
    QSettings settings;
    restoreGeometry(settings.value("previewDialog/geometry").toByteArray());
    header->restoreState(settings.value("previewDialog/header").toByteArray());
}

void PreviewDialog::flipSelected()
{
    QList<int> rows;
    for (const QModelIndex& i : m_view->selectionModel()->selectedRows())
        rows << i.row();
    QStringList refused;
    const int turned = m_model->flip(rows, &refused);
    QString note;
    if (rows.isEmpty())
        note = tr("Select the rows to turn around first.");
    else if (!refused.isEmpty()) {
        note = turned ? tr("%n row(s) turned around. ", nullptr, turned) : QString();
        note += tr("Not turned around: ") + refused.mid(0, 3).join("; ");
        if (refused.size() > 3)
            note += tr("; and %n more", nullptr, int(refused.size() - 3));
        note += ".";
    }
    m_flipNote->setText(note);
    m_flipNote->setVisible(!note.isEmpty());
}

void PreviewDialog::done(int result)
{
    QSettings settings;
    settings.setValue("previewDialog/geometry", saveGeometry());
    settings.setValue("previewDialog/header", m_view->horizontalHeader()->saveState());
    QDialog::done(result);
}

} // namespace ferry::ui
