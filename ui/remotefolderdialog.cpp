#include "remotefolderdialog.h"

#include "backend/location.h"
#include "hostkeydialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <mutex>

namespace ferry::ui {

namespace {

constexpr int PathRole = Qt::UserRole;
constexpr int StateRole = Qt::UserRole + 1;
enum ListState { NotListed, Listing, Listed };

// "/srv/docs" → "srv/docs": the backend is rooted at "/".
std::string relativeOf(const QString& absolute)
{
    QString clean = QDir::cleanPath(absolute);
    while (clean.startsWith('/'))
        clean.remove(0, 1);
    return clean.toStdString();
}

QString childPath(const QString& parent, const QString& name)
{
    return parent.endsWith('/') ? parent + name : parent + "/" + name;
}

// Return in the path field goes to the path; it must not also press OK.
class ReturnFilter : public QObject {
public:
    ReturnFilter(QObject* parent, std::function<void()> onReturn) : QObject(parent), m_onReturn(std::move(onReturn)) {}
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::KeyPress) {
            const int key = static_cast<QKeyEvent*>(event)->key();
            if (key == Qt::Key_Return || key == Qt::Key_Enter) {
                m_onReturn();
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }

private:
    std::function<void()> m_onReturn;
};

} // namespace

// Shared by the dialog and its worker tasks; whoever lets go last closes it
// (a final task makes that a worker). One task at a time uses the backend.
struct RemoteFolderDialog::Connection {
    std::mutex mutex;
    Location root;
    RemoteAccess access;
    CallContext context;
    std::unique_ptr<Backend> backend;

    QString open()
    {
        if (backend)
            return {};
        auto opened = openBackend(root, access);
        if (!opened)
            return connectionErrorText(opened.error());
        backend = std::move(*opened);
        backend->setCallContext(context);
        return {};
    }
};

RemoteFolderDialog::RemoteFolderDialog(const Location& where, const RemoteAccess& access, QWidget* parent)
    : QDialog(parent), m_connection(std::make_shared<Connection>())
{
    setObjectName("remoteFolderDialog");
    const QString server = QString::fromStdString(where.user.empty() ? where.host : where.user + "@" + where.host);
    setWindowTitle(where.isLocal() ? tr("Choose a folder") : tr("Choose a folder on %1").arg(server));
    m_connection->root = where;
    m_connection->root.path = "/";
    m_connection->access = access;
    m_connection->access.confirmHostKey = guiHostKeyPrompt(this); // asked over this dialog
    m_connection->context = CallContext{m_cancel, std::chrono::seconds(30)};

    auto* intro = new QLabel(where.isLocal() ? tr("Pick a folder.")
                                             : tr("Folders on %1. Open a folder to see the folders inside it.")
                                                   .arg(server),
                             this);
    intro->setWordWrap(true);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName("remoteFolders");
    m_tree->setHeaderHidden(true);
    m_tree->setAccessibleName(tr("Folders on the server"));
    m_tree->setUniformRowHeights(true);
    m_path = new QLineEdit(this);
    m_path->setObjectName("remotePath");
    m_path->setAccessibleName(tr("Folder path on the server"));
    m_path->installEventFilter(new ReturnFilter(m_path, [this] { goTo(m_path->text().trimmed()); }));
    m_newFolder = new QPushButton(tr("New folder…"), this);
    m_newFolder->setObjectName("newRemoteFolder");
    m_busy = new QProgressBar(this);
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
    m_busy->setFixedWidth(60);
    m_busy->setAccessibleName(tr("Waiting for the server"));
    m_status = new QLabel(this);
    m_status->setObjectName("remoteStatus");
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Use this folder"));

    auto* pathRow = new QHBoxLayout;
    auto* pathLabel = new QLabel(tr("Folder:"), this);
    pathLabel->setBuddy(m_path);
    pathRow->addWidget(pathLabel);
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_newFolder);
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(m_busy, 0, Qt::AlignTop);
    statusRow->addWidget(m_status, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_tree, 1);
    layout->addLayout(pathRow);
    layout->addLayout(statusRow);
    layout->addWidget(m_buttons);
    resize(560, 460);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_newFolder, &QPushButton::clicked, this, &RemoteFolderDialog::askNewFolder);
    connect(m_tree, &QTreeWidget::itemExpanded, this, [this](QTreeWidgetItem* item) {
        if (item->data(0, StateRole).toInt() == NotListed)
            list(item);
    });
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item)
            m_path->setText(item->data(0, PathRole).toString());
    });
    connect(m_path, &QLineEdit::textChanged, this, [this] {
        okButton()->setEnabled(selectedPath().startsWith('/'));
    });

    auto* root = new QTreeWidgetItem(m_tree, {where.isLocal() ? QStringLiteral("/") : server + ":/"});
    root->setData(0, PathRole, QStringLiteral("/"));
    root->setData(0, StateRole, NotListed);
    root->setIcon(0, style()->standardIcon(QStyle::SP_DriveNetIcon));
    root->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator);
    setBusy(false);
    m_path->setText(QString::fromStdString(where.path));
    goTo(QString::fromStdString(where.path.empty() ? "/" : where.path));
}

RemoteFolderDialog::~RemoteFolderDialog()
{
    m_cancel.cancel();
    // The connection is closed on a worker (closing is network I/O), after
    // any request still running.
    (void)QtConcurrent::run([connection = std::move(m_connection)]() mutable {
        std::lock_guard lock(connection->mutex);
        connection->backend.reset();
    });
}

QPushButton* RemoteFolderDialog::okButton() const { return m_buttons->button(QDialogButtonBox::Ok); }

QString RemoteFolderDialog::selectedPath() const
{
    const QString text = m_path->text().trimmed();
    return text.isEmpty() ? QString() : QDir::cleanPath(text);
}

void RemoteFolderDialog::setBusy(bool busy, const QString& text)
{
    m_busy->setVisible(busy);
    if (!busy)
        return; // an error or a note stays on screen
    m_status->setPalette(palette());
    m_status->setText(text);
}

void RemoteFolderDialog::showError(const QString& message)
{
    QPalette p = m_status->palette();
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    p.setColor(QPalette::WindowText, dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb3, 0x26, 0x1e));
    m_status->setPalette(p);
    m_status->setText(message);
    emit failed(message);
}

void RemoteFolderDialog::run(const QString& busyText, Task task, std::function<void(const QString&)> done)
{
    ++m_running;
    setBusy(true, busyText);
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, done = std::move(done)] {
        watcher->deleteLater();
        if (--m_running == 0) {
            m_busy->hide();
            m_status->clear();
        }
        done(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([connection = m_connection, task = std::move(task)]() -> QString {
        std::lock_guard lock(connection->mutex);
        if (connection->context.cancel.isCancelled())
            return QObject::tr("Cancelled.");
        if (QString error = connection->open(); !error.isEmpty())
            return error;
        return task(*connection);
    }));
}

void RemoteFolderDialog::list(QTreeWidgetItem* item)
{
    const QString path = item->data(0, PathRole).toString();
    item->setData(0, StateRole, Listing);
    auto names = std::make_shared<QStringList>();
    const std::string rel = relativeOf(path);
    run(
        tr("Listing %1…").arg(path),
        [rel, names](Connection& c) -> QString {
            auto items = c.backend->list(rel);
            if (!items)
                return connectionErrorText(items.error());
            for (const ListedItem& i : *items) {
                if (!i.entry.isDir())
                    continue;
                const std::string& p = i.entry.path;
                const size_t slash = p.rfind('/');
                names->append(QString::fromStdString(slash == std::string::npos ? p : p.substr(slash + 1)));
            }
            return {};
        },
        [this, item, path, names](const QString& error) {
            if (!error.isEmpty()) {
                item->setData(0, StateRole, NotListed);
                m_goal.clear();
                showError(tr("Could not list %1: %2").arg(path, error));
                return;
            }
            names->sort(Qt::CaseInsensitive);
            const QIcon folder = style()->standardIcon(QStyle::SP_DirIcon);
            for (const QString& name : *names) {
                auto* child = new QTreeWidgetItem(item, {name});
                child->setData(0, PathRole, childPath(path, name));
                child->setData(0, StateRole, NotListed);
                child->setIcon(0, folder);
                child->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator);
            }
            item->setData(0, StateRole, Listed);
            item->setChildIndicatorPolicy(QTreeWidgetItem::DontShowIndicatorWhenChildless);
            if (!item->isExpanded())
                item->setExpanded(true);
            if (item == m_tree->currentItem()) // the chosen folder's parent at the top, its folders below
                m_tree->scrollToItem(item->parent() ? item->parent() : item, QAbstractItemView::PositionAtTop);
            emit listed(path);
            continueGoTo();
        });
}

// The deepest item of the tree on the way to `path` (or exactly it).
QTreeWidgetItem* RemoteFolderDialog::itemFor(const QString& path, bool deepest) const
{
    QTreeWidgetItem* item = m_tree->topLevelItem(0);
    const QStringList parts = QDir::cleanPath(path).split('/', Qt::SkipEmptyParts);
    for (const QString& part : parts) {
        QTreeWidgetItem* next = nullptr;
        for (int i = 0; i < item->childCount() && !next; ++i)
            if (item->child(i)->text(0) == part)
                next = item->child(i);
        if (!next)
            return deepest ? item : nullptr;
        item = next;
    }
    return item;
}

void RemoteFolderDialog::goTo(const QString& path)
{
    if (!path.startsWith('/')) {
        showError(tr("A folder on the server is a full path starting with “/”."));
        return;
    }
    m_goal = QDir::cleanPath(path);
    continueGoTo();
}

void RemoteFolderDialog::continueGoTo()
{
    if (m_goal.isEmpty())
        return;
    QTreeWidgetItem* item = itemFor(m_goal, true);
    const QString reached = item->data(0, PathRole).toString();
    const int state = item->data(0, StateRole).toInt();
    if (reached == m_goal) {
        m_goal.clear();
        m_tree->setCurrentItem(item);
        // Its parent at the top: the folder with its neighbours and, once
        // listed, the folders inside it below.
        m_tree->scrollToItem(item->parent() ? item->parent() : item, QAbstractItemView::PositionAtTop);
        if (state == NotListed)
            item->setExpanded(true); // lists it: its folders are what the user picks from next
        return;
    }
    if (state == NotListed) {
        item->setExpanded(true); // lists it; the next answer continues
        return;
    }
    if (state == Listed) { // the rest of the way does not exist
        const QString missing = m_goal;
        m_goal.clear();
        m_tree->setCurrentItem(item);
        m_tree->scrollToItem(item);
        m_status->setText(tr("%1 does not exist on the server; showing %2.").arg(missing, reached));
    }
}

void RemoteFolderDialog::askNewFolder()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("New folder"),
                                               tr("Name of the new folder in %1:").arg(selectedPath()),
                                               QLineEdit::Normal, QString(), &ok)
                             .trimmed();
    if (ok && !name.isEmpty())
        makeFolder(name);
}

void RemoteFolderDialog::makeFolder(const QString& name)
{
    if (name.isEmpty() || name == "." || name == ".." || name.contains('/') || name.contains(QChar(0))) {
        showError(tr("“%1” cannot be a folder name: it may not be empty, “.” or “..”, nor contain “/”.").arg(name));
        return;
    }
    const QString parent = selectedPath().isEmpty() ? QStringLiteral("/") : selectedPath();
    const QString path = childPath(parent, name);
    const std::string rel = relativeOf(path);
    run(
        tr("Making %1…").arg(path),
        [rel](Connection& c) -> QString {
            auto made = c.backend->makeDir(rel, 0755);
            return made ? QString() : QString::fromStdString(made.error().message());
        },
        [this, parent, path, name](const QString& error) {
            if (!error.isEmpty()) {
                showError(tr("Could not make the folder: %1").arg(error));
                return;
            }
            QTreeWidgetItem* parentItem = itemFor(parent, false);
            if (parentItem && parentItem->data(0, StateRole).toInt() == Listed && !itemFor(path, false)) {
                auto* child = new QTreeWidgetItem(parentItem, {name});
                child->setData(0, PathRole, path);
                child->setData(0, StateRole, Listed); // new: nothing inside
                child->setIcon(0, style()->standardIcon(QStyle::SP_DirIcon));
                parentItem->sortChildren(0, Qt::AscendingOrder);
                parentItem->setExpanded(true);
            }
            m_path->setText(path);
            goTo(path);
            emit folderMade(path);
        });
}

} // namespace ferry::ui
