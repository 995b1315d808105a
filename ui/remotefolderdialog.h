// RemoteFolderDialog: picks a folder on an SSH / SFTP server (or any
// Location's place): a tree of the server's folders from "/", listed lazily
// as the user opens them, opened down to the folder the form already names;
// a path field (type a path and press Enter to go there); "New folder"; OK
// returns the chosen path.
//
// Every listing and the connection itself run on worker threads, one at a
// time, over one connection the dialog keeps while it is open (closed on a
// worker as well). The GUI thread never waits for them: their answers come
// back as queued results, and a dialog closed meanwhile just drops them.
#pragma once

#include "backend/credentials.h"
#include "common/canceltoken.h"
#include "model/location.h"

#include <QDialog>

#include <functional>
#include <memory>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace ferry::ui {

class RemoteFolderDialog : public QDialog {
    Q_OBJECT
public:
    // `where`: the server (its path is where the tree opens; missing parts
    // are skipped). `access` as for the job's runs; host keys seen for the
    // first time are confirmed over this dialog.
    RemoteFolderDialog(const Location& where, const RemoteAccess& access, QWidget* parent = nullptr);
    ~RemoteFolderDialog() override;

    QString selectedPath() const;
    // Opens the tree down to `path` (absolute), listing what it must.
    void goTo(const QString& path);

    QTreeWidget* tree() const { return m_tree; }
    QLineEdit* pathEdit() const { return m_path; }
    QPushButton* newFolderButton() const { return m_newFolder; }
    QPushButton* okButton() const;
    QLabel* statusLabel() const { return m_status; }
    // Makes a folder `name` inside the selected one (what "New folder" does
    // after asking for the name).
    void makeFolder(const QString& name);

signals:
    // A folder's listing is shown (tests and the screenshot driver wait on it).
    void listed(const QString& path);
    // The last request failed; the message is also in statusLabel().
    void failed(const QString& message);
    // The folder `path` was made.
    void folderMade(const QString& path);

private:
    struct Connection;
    using Task = std::function<QString(Connection&)>; // "" or an error message
    void run(const QString& busyText, Task task, std::function<void(const QString& error)> done);
    void list(QTreeWidgetItem* item);
    QTreeWidgetItem* itemFor(const QString& path, bool deepest) const;
    void continueGoTo();
    void setBusy(bool busy, const QString& text = {});
    void showError(const QString& message);
    void askNewFolder();

    std::shared_ptr<Connection> m_connection;
    CancelToken m_cancel;
    QTreeWidget* m_tree = nullptr;
    QLineEdit* m_path = nullptr;
    QPushButton* m_newFolder = nullptr;
    QProgressBar* m_busy = nullptr;
    QLabel* m_status = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QString m_goal; // where goTo() is still heading
    int m_running = 0;
};

} // namespace ferry::ui
