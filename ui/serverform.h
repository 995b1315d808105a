// ServerForm: one side of a job on an SSH / SFTP server, as the wizard's
// sides page shows it: host, port (22), user (the local user name unless
// changed), the folder on the server (typed, or picked with Browse… in a
// RemoteFolderDialog), how to sign in ("Key or agent", optionally with the
// job's own key file, or "Password", which may be saved in the system
// keychain), and Test connection.
//
// Pasting an sftp://user@host:port/path URL into the host field fills all
// fields. problem() says why the form cannot be used yet (the wizard shows
// it and keeps Next disabled).
//
// Test connection and Browse… reach the server on worker threads (never on
// the GUI thread); a host key seen for the first time is confirmed in a
// HostKeyDialog on the GUI thread while the worker waits. Cancel stops the
// test at its next network wait; a result that arrives after the form moved
// on (a new test, other fields) is dropped.
#pragma once

#include "backend/credentials.h"
#include "common/canceltoken.h"
#include "model/location.h"

#include <QList>
#include <QWidget>

#include <functional>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;

namespace ferry::ui {

class ServerForm : public QWidget {
    Q_OBJECT
public:
    explicit ServerForm(QWidget* parent = nullptr);
    ~ServerForm() override;

    // Fills the fields from a Location (its scheme is taken as SFTP).
    void setLocation(const Location& where);
    // The fields as a Location; meaningful only when problem() is empty.
    Location location() const;
    // Why the form is not complete yet ("" when it is), for the page.
    QString problem() const;
    // Reads an sftp:// URL into the fields; false (nothing changed) if it is
    // not one.
    bool fillFromUrl(const QString& url);

    bool usesPassword() const;
    QString password() const;
    bool savePassword() const;
    QString keyFile() const;
    void setKeyFile(const QString& path);
    void setUsesPassword(bool password);

    // What Test connection and Browse… connect with besides the fields (the
    // user's ~/.ssh and Ferry's known_hosts; tests point them elsewhere).
    void setAccessBase(const RemoteAccess& base) { m_accessBase = base; }
    // The keychain key of the job's saved password ("" for a new job): Test
    // connection reads it on its worker when the password field is empty.
    void setSavedPasswordKey(const std::string& key) { m_savedPasswordKey = key; }
    // The job's password variable (Job::passwordEnv): read before the
    // keychain when the password field is empty, as a run does.
    void setPasswordVariable(const std::string& name) { m_passwordVariable = name; }
    // What the server is asked with: the fields' key file and password, the
    // host-key dialog of this form.
    RemoteAccess access() const;

    static QString localUserName();

    // Controls, for tests and the screenshot driver.
    QLineEdit* hostEdit() const { return m_host; }
    QLineEdit* portEdit() const { return m_port; }
    QLineEdit* userEdit() const { return m_user; }
    QLineEdit* pathEdit() const { return m_path; }
    QLineEdit* keyFileEdit() const { return m_keyFile; }
    QLineEdit* passwordEdit() const { return m_password; }
    QRadioButton* keyAuthButton() const { return m_keyAuth; }
    QRadioButton* passwordAuthButton() const { return m_passwordAuth; }
    QCheckBox* savePasswordBox() const { return m_save; }
    QPushButton* testButton() const { return m_test; }
    QPushButton* cancelTestButton() const { return m_cancelTest; }
    QPushButton* browseButton() const { return m_browse; }
    QProgressBar* busyIndicator() const { return m_busy; }
    QLabel* testResultLabel() const { return m_result; }
    bool isTesting() const { return m_testing; }

public slots:
    void testConnection();
    void cancelTest();
    void browse();

signals:
    void changed();
    // A test ended (not cancelled): `ok` and the sentence shown.
    void testFinished(bool ok, const QString& sentence);

private:
    QString serverProblem() const; // problem() but for the folder
    void showResult(bool ok, const QString& text);
    void clearResult();
    void updateAuthRows();
    void setTesting(bool testing);

    QLineEdit* m_host = nullptr;
    QLineEdit* m_port = nullptr;
    QLineEdit* m_user = nullptr;
    QLineEdit* m_path = nullptr;
    QPushButton* m_browse = nullptr;
    QButtonGroup* m_auth = nullptr;
    QRadioButton* m_keyAuth = nullptr;
    QRadioButton* m_passwordAuth = nullptr;
    QList<QWidget*> m_keyRow;      // label, field, Choose…
    QList<QWidget*> m_passwordRow; // label, field and its keychain box
    QLineEdit* m_keyFile = nullptr;
    QLineEdit* m_password = nullptr;
    QCheckBox* m_save = nullptr;
    QPushButton* m_test = nullptr;
    QPushButton* m_cancelTest = nullptr;
    QProgressBar* m_busy = nullptr;
    QLabel* m_resultIcon = nullptr;
    QLabel* m_result = nullptr;
    RemoteAccess m_accessBase;
    std::string m_savedPasswordKey;
    std::string m_passwordVariable;
    CancelToken m_testToken;
    int m_testGeneration = 0;
    bool m_testing = false;
    bool m_filling = false;
    bool m_explicitDefaultPort = false; // the loaded URL spelled ":22"
};

} // namespace ferry::ui
