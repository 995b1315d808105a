// The window's answer to CredentialResolver's prompt: a password dialog
// that says which job, which place and user, and why Ferry asks, with a
// "Save it in the system keychain" box. Cancel refuses (the run then fails
// with what to set instead).
// GUI thread only: JobService calls it there while the run's thread waits.
#pragma once

#include "secrets/credentialresolver.h"

#include <QDialog>

#include <functional>
#include <optional>
#include <string>

class QCheckBox;
class QLineEdit;
class QWidget;

namespace ferry::ui {

class PasswordDialog : public QDialog {
    Q_OBJECT
public:
    explicit PasswordDialog(const CredentialRequest& request, QWidget* parent = nullptr);
    QLineEdit* passwordEdit() const { return m_password; }
    QCheckBox* saveBox() const { return m_save; }

private:
    QLineEdit* m_password = nullptr;
    QCheckBox* m_save = nullptr;
};

// Stores a job's password in the system keychain under the job's key
// (SecretStore::keyForJob) on a worker thread, then says on the GUI thread
// whether it worked (the window's status bar, or a message that says what
// to do instead). A saver is any function of that shape (tests use one).
using PasswordSaver = std::function<void(QWidget* parent, const std::string& jobName, const std::string& password)>;
void savePasswordInKeychain(QWidget* parent, const std::string& jobName, const std::string& password);

// Shows the dialog; a password given with the box ticked is also handed to
// `save` (the keychain by default).
std::optional<std::string> askPassword(QWidget* parent, const CredentialRequest& request,
                                       const PasswordSaver& save = savePasswordInKeychain);

} // namespace ferry::ui
