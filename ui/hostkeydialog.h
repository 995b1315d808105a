// HostKeyDialog: the first-use confirmation of an SSH server's host key.
// Shows the host, port, key type and the SHA256 fingerprint (monospace,
// selectable, so it can be compared with what the server's administrator
// reads out), says in plain words why Ferry asks, and answers with a
// HostKeyChoice: "Trust and remember", "Trust once" or "Cancel" (Refuse).
//
// Only for a key no known_hosts file knows. A key that differs from a known
// one is never offered here: that is an error message (the connection code
// refuses it before anyone is asked).
//
// guiHostKeyPrompt() is the RemoteAccess::confirmHostKey of the window: it
// may be called on any thread; from a worker it shows the dialog on the GUI
// thread and blocks that worker until the user answers.
#pragma once

#include "backend/credentials.h"

#include <QDialog>

class QLabel;
class QPushButton;

namespace ferry::ui {

class HostKeyDialog : public QDialog {
    Q_OBJECT
public:
    explicit HostKeyDialog(const HostKeyFacts& facts, QWidget* parent = nullptr);
    // Refuse until a trust button is pressed.
    HostKeyChoice choice() const { return m_choice; }

    QPushButton* rememberButton() const { return m_remember; }
    QPushButton* onceButton() const { return m_once; }
    QPushButton* cancelButton() const { return m_cancel; }
    QLabel* fingerprintLabel() const { return m_fingerprint; }

private:
    HostKeyChoice m_choice = HostKeyChoice::Refuse;
    QPushButton* m_remember = nullptr;
    QPushButton* m_once = nullptr;
    QPushButton* m_cancel = nullptr;
    QLabel* m_fingerprint = nullptr;
};

// Shows the dialog modally and returns the user's choice. GUI thread only.
HostKeyChoice askHostKey(QWidget* parent, const HostKeyFacts& facts);

// A prompt for RemoteAccess::confirmHostKey, callable from any thread. The
// dialog's parent is `parent` while it lives; once it is gone the key is
// refused without asking.
HostKeyPrompt guiHostKeyPrompt(QWidget* parent);

// What the user reads when connecting failed: the error with its next step,
// and for a changed host key first of all what that may mean. A changed key
// is only ever this message, never a question.
QString connectionErrorText(const Error& error);

} // namespace ferry::ui
